import ArgumentParser
import Foundation
import SalesChannel

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "The outbox: effects waiting, running, done or failed (dead-lettered).",
        subcommands: [List.self, Retry.self], defaultSubcommand: List.self)

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
            let store = try deployment.composition().store
            let count = try await store.replayDeadJobs(id.map { [$0] } ?? [], now: Date())
            await store.close()
            print("replayed \(count) job(s); they run with the next `saleschannel run`")
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

    init(_ job: OutboxJob) {
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
