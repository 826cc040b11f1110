import ArgumentParser
import Foundation
import SalesChannel

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "The outbox: effects waiting, running, done or failed (dead-lettered).",
        discussion: """
            `retry` puts dead-lettered jobs back in line under the same idempotency key (the \
            receiving system never accepted them). `replay` runs finished jobs again under a new \
            key (`…/replay-2`, `…/replay-3`), for a receiver that lost what it got; webhook \
            receivers also get a `SalesChannel-Replay` header.
            """,
        subcommands: [List.self, Retry.self, Replay.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs (the default).")
        @OptionGroup var deployment: DeploymentOptions
        @Flag(help: "Only dead-lettered jobs.") var failed = false
        @Flag(help: "Include jobs that are done.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let statuses: Set<OutboxJob.Status> = failed ? [.dead] : all ? [] : [.pending, .running, .dead]
            let jobs = try await deployment.reading { try await $0.jobs(statuses: statuses) }
            if json {
                print(String(decoding: try cliEncoder().encode(jobs.map(JobView.init)), as: UTF8.self))
                return
            }
            say(pad("ID", 8) + pad("AMAZON ORDER", 21) + pad("EFFECT", 34) + pad("STATUS", 9) + pad("TRIES", 6) + "LAST ERROR")
            for job in jobs {
                say(pad(String(job.id), 8) + pad(job.amazonOrderID.rawValue, 21) + pad(job.effect.name, 34)
                    + pad(job.status.rawValue, 9) + pad(String(job.attempts), 6) + (job.lastError ?? ""))
            }
            say("\(jobs.count) job(s)" + (failed || jobs.contains { $0.status == .dead } ? "; `saleschannel jobs retry --all-failed` replays failed ones" : ""))
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry", abstract: "Replay dead-lettered jobs, with a fresh count of attempts.")
        @OptionGroup var deployment: DeploymentOptions
        @Argument(help: "The job id to replay.") var id: Int64?
        @Flag(name: .customLong("all-failed"), help: "Replay every dead-lettered job.") var allFailed = false

        func validate() throws {
            guard (id == nil) != !allFailed else { throw ValidationError("give either a job id or --all-failed") }
        }

        func run() async throws {
            let ids = id.map { [$0] } ?? []
            let count: Int
            do {
                count = try await deployment.withEngine { try await $0.retry(ids) }
            } catch let error as StoreError {
                throw CommandFailure(error.description, status: 2)
            }
            print("put \(count) job(s) back in line; they run with the next `saleschannel run`")
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Run finished jobs again under a new idempotency key (a receiver lost what it got).",
            discussion: """
                Give job ids (`saleschannel jobs --all` lists them), or --order with --effect to replay \
                that order's latest finished handoffs, shipment confirmations or notifications. They \
                run with the next `saleschannel run`.
                """)
        @OptionGroup var deployment: DeploymentOptions
        @Argument(help: "Ids of finished jobs to run again.") var ids: [Int64] = []
        @Option(help: "The Amazon order id whose effects to replay (with --effect).") var order: String?
        @Option(help: "Which effects of --order: handoff, confirmation or notify.") var effect: ReplayableEffect?

        func validate() throws {
            if ids.isEmpty && order == nil { throw ValidationError("give job ids, or --order ID with --effect handoff|confirmation|notify") }
            if !ids.isEmpty && order != nil { throw ValidationError("give either job ids or --order, not both") }
            if order != nil && effect == nil { throw ValidationError("--order needs --effect handoff|confirmation|notify") }
            if order == nil && effect != nil { throw ValidationError("--effect needs --order ID") }
        }

        func run() async throws {
            let (ids, order, effect) = (ids, order.map { AmazonOrderID($0) }, effect)
            let replayed: [OutboxJob]
            do {
                replayed = try await deployment.withEngine { engine in
                    if let order, let effect { return try await engine.replay(order: order, effect: effect) }
                    return try await engine.replay(ids)
                }
            } catch let error as StoreError {
                throw CommandFailure(error.description, status: 2)
            } catch let error as EngineError {
                throw CommandFailure(error.description, status: 2)
            }
            for job in replayed {
                say("job \(job.id): \(job.effect.name) of \(job.amazonOrderID), key \(job.idempotencyKey)")
            }
            print("replaying \(replayed.count) job(s); they run with the next `saleschannel run`")
        }
    }
}

struct JobView: Encodable {
    var id: Int64
    var amazonOrderId: String
    var effect: String
    var idempotencyKey: String
    var status: String
    var attempts: Int
    var nextAttemptAt: Date
    var lastError: String?
    var generation: Int

    init(_ job: OutboxJob) {
        generation = job.generation
        id = job.id
        amazonOrderId = job.amazonOrderID.rawValue
        effect = job.effect.name
        idempotencyKey = job.idempotencyKey
        status = job.status.rawValue
        attempts = job.attempts
        nextAttemptAt = job.nextAttemptAt
        lastError = job.lastError
    }
}

extension ReplayableEffect: ExpressibleByArgument {}
