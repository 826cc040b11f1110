import AmazonChannel
import AmazonSandbox
import ArgumentParser
import Foundation
import Logging
import Prometheus
import SalesChannel
import ServiceLifecycle
import UnixSignals

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "The main job: sync orders, run the outbox, until Ctrl-C (or one pass with --once).")

    @OptionGroup var deployment: DeploymentOptions

    @Flag(help: "Do one pass: sync every source until caught up, run every due job, print a summary and exit.")
    var once = false

    @Flag(help: "No live progress line.")
    var quiet = false

    @Option(name: .customLong("http"), help: "Also serve the HTTP API, dashboard, /metrics and health checks on HOST:PORT (port 0: a free one).")
    var httpAddress: String?

    @Flag(name: .customLong("init"), help: "Set up the store when its file is empty (0 bytes); a missing file is always created.")
    var initialize = false

    func validate() throws {
        if once && httpAddress != nil { throw ValidationError("--http serves beside the main job; it does not go with --once") }
    }

    func run() async throws {
        let registry = httpAddress == nil ? nil : HTTPSide.bootstrapMetrics()
        // Every problem of the file, before anything is created or started.
        try deployment.validate(storeAccess: initialize ? .initialize : .create)
        let (root, directory) = try deployment.load()
        if let configuration = try deployment.sandboxConfiguration(root, directory: directory) {
            // The embedded default: an Amazon sandbox in this process, for as long as the run lasts.
            try await AmazonSandbox.withRunning(configuration) { endpoint in
                try await self.run(sandbox: DeploymentOptions.link(configuration, endpoint: endpoint.baseURL), registry: registry)
            }
        } else {
            try await run(sandbox: nil, registry: registry)
        }
    }

    func run(sandbox: AmazonSourceFactory.SandboxLink?, registry: PrometheusCollectorRegistry?) async throws {
        let http = try httpAddress.map { try HTTPSide.settings(try deployment.load().root, address: $0, file: deployment.config) }
        let started = ContinuousClock.now
        let (stopped, figures) = try await deployment.withEngine(sandbox: sandbox, storeAccess: initialize ? .initialize : .create) { engine in
            // Before anything runs: no stored work may be left without its source.
            try deployment.refuse(try await engine.orphanedWork())
            if engine.composition.store.coordination != nil {
                let peers = try await engine.peers()
                printError("run: worker \(engine.composition.worker.id); \(peers.count) other worker(s) share this store"
                    + (peers.isEmpty ? "" : ": " + peers.map(\.id).joined(separator: ", ")))
            }
            if !once {
                for intake in engine.composition.intakes {
                    printError("run: push intake \(intake.id) beside polling")
                }
            }
            var stopped: SourcesStopped?
            if once {
                do {
                    try await engine.runOnce(waiting: Self.tell)
                } catch let error as SourcesStopped {
                    stopped = error
                }
            } else {
                var services: [any Service] = [engine]
                if !quiet { services.append(ProgressLine(engine: engine)) }
                if let http, let registry {
                    services.append(try HTTPSide.server(engine: engine, settings: http, registry: registry, deployment: deployment, syncsSources: true))
                }
                // Signals are ours, not the group's: the first stops gracefully and says what it
                // waits for, a second stops at once.
                let group = ServiceGroup(
                    configuration: .init(services: services.map { .init(service: $0) }, gracefulShutdownSignals: [], logger: engine.logger))
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    tasks.addTask { await Stopping(engine: engine, group: group).watch() }
                    try await tasks.next()
                    tasks.cancelAll()
                }
                if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
            }
            return (stopped, try await engine.statistics())
        }
        print(Summary(figures: figures, elapsed: ContinuousClock.now - started).text)
        if once {
            // Everything that could run ran and the summary is printed; the exit status says
            // whether something is left for a person.
            var left: [String] = []
            if let stopped { left.append(stopped.description) }
            if figures.store.jobsDead > 0 { left.append("\(figures.store.jobsDead) dead-lettered job(s): `saleschannel jobs --failed` lists them") }
            // Failures that a retry got past are not left for anyone; quarantined orders are.
            let quarantined = figures.run.quarantined
            if quarantined > 0 { left.append("\(quarantined) order(s) quarantined: Amazon sent them in a shape that could not be read (see the log)") }
            if !left.isEmpty { throw CommandFailure("run --once finished with problems:\n" + left.joined(separator: "\n"), status: 3) }
        }
    }
}

extension RunCommand {
    /// Says why `run --once` sits idle, once per wait of a second or more.
    @Sendable static func tell(_ wait: DrainWait) {
        let seconds = Int(wait.until.timeIntervalSinceNow.rounded(.up))
        let time = wait.until.formatted(.iso8601.time(includingFractionalSeconds: false))
        let reason = wait.jobsHeldByLease > 0
            ? "\(wait.jobsHeldByLease) job(s) are leased by another process, or by one that stopped without finishing them; they are taken over when the lease expires"
            : "the next retry is due then"
        printError("run --once: waiting \(seconds) s (until \(time) UTC): \(reason); Ctrl-C stops, and a later run goes on")
    }
}

/// The signals of `saleschannel run`: the first SIGINT or SIGTERM starts a graceful stop and
/// says what it waits for (pages being committed, effects being run) until it is done; a second
/// stops at once (what was under way runs again on the next start, nothing is lost).
struct Stopping {
    let engine: ChannelEngine
    let group: ServiceGroup

    func watch() async {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        var iterator = signals.makeAsyncIterator()
        guard await iterator.next() != nil else { return }
        await group.triggerGracefulShutdown()
        let reporter = Task {
            var last = ""
            while !Task.isCancelled {
                let line = Self.line(engine.composition.statistics.snapshot.inFlight)
                if line != last { printError((isatty(STDERR_FILENO) == 1 ? "\n" : "") + line); last = line }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        defer { reporter.cancel() }
        guard let second = await iterator.next() else { return }
        printError("stopping at once (second \(second)): what was under way runs again on the next start")
        // `_exit`: no atexit work (a shared event loop winding down) delays the stop.
        _exit(128 + second.rawValue)
    }

    static func line(_ inFlight: [String: Int]) -> String {
        guard !inFlight.isEmpty else { return "stopping: nothing under way; closing the store" }
        let what = inFlight.sorted { $0.key < $1.key }.map { kind, count in
            kind.hasPrefix("sync ") ? "the page of \(kind.dropFirst(5)) being fetched and committed" : "\(count) \(kind) job(s)"
        }
        return "stopping: waiting for " + what.joined(separator: ", ") + " (Ctrl-C again stops at once)"
    }
}

/// The one-line summary of a run.
struct Summary {
    var figures: EngineStatistics
    var elapsed: Duration

    var text: String {
        let (counters, store, usage) = (figures.run, figures.store, figures.usage)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var text = """
            orders \(store.orders) (\(store.visibleOrders) visible) · commerce orders \(store.commerceOrders) · \
            shipped \(store.shippedOrders) · canceled \(store.canceledOrders) · jobs pending \(store.jobsPending), \
            failed \(store.jobsDead) · quarantined \(store.quarantined)
            this run: \(counters.ordersSeen) snapshots in \(counters.pages) page(s), \(max(usage.apiCalls, counters.apiCalls)) API call(s) \
            (\(usage.throttled) throttled, \(String(format: "%.1f", usage.secondsWaitingOnRateLimits)) s waiting on rate limits), \
            \(counters.commerceOrdersCreated) commerce orders created, \(counters.handoffs) handoffs, \
            \(counters.shipmentsConfirmed) shipments confirmed, \(counters.errors) errors, \
            \(String(format: "%.1f", seconds)) s
            """
        if counters.storeErrors > 0 || counters.leasesLost > 0 {
            text += "\nstore: \(counters.storeErrors) error(s) ridden out, \(counters.leasesLost) result(s) dropped for a lease another runner took over"
        }
        if !usage.budgets.isEmpty {
            text += "\nbudget: " + usage.budgets.map(\.description).joined(separator: ", ") + " (last hour / sustained)"
        }
        for (source, reason) in counters.stoppedSources.sorted(by: { $0.key < $1.key }) {
            text += "\nSTOPPED \(source): \(reason)"
        }
        return text
    }
}

/// Rewrites one progress line on standard error every second.
struct ProgressLine: Service {
    let engine: ChannelEngine

    func run() async throws {
        let terminal = isatty(STDERR_FILENO) == 1
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            // Stopping: the stop's own line says what happens now; no figures after it.
            guard !Task.isShuttingDownGracefully else { return }
            guard let figures = try? await engine.statistics() else { continue }
            let (c, store, usage) = (figures.run, figures.store, figures.usage)
            let waited = String(format: "%.0f", usage.secondsWaitingOnRateLimits)
            var line = "seen \(c.ordersSeen) · orders \(store.orders) · created \(store.commerceOrders) · shipped \(store.shippedOrders) · canceled \(store.canceledOrders) · jobs \(store.jobsPending) pending, \(store.jobsDead) failed · errors \(c.errors) · API calls \(max(usage.apiCalls, c.apiCalls)) · rate-limit wait \(waited) s"
            for budget in usage.budgets {
                line += " · \(budget.description)"
            }
            if !c.stoppedSources.isEmpty {
                line += " · STOPPED: " + c.stoppedSources.keys.sorted().joined(separator: ", ") + " (see the log)"
            }
            FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[2K" + line : line + "\n").utf8))
        }
    }
}
