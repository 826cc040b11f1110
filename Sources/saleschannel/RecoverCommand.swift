import AmazonChannel
import AmazonSandbox
import ArgumentParser
import Foundation
import Logging
import SalesChannel

struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Fetch one order by id from its source and bring it through the workflow again.",
        discussion: "For an order a sync missed or one quarantined earlier. Its effects run with the next `saleschannel run`.")

    @OptionGroup var deployment: DeploymentOptions
    @Argument(help: "The Amazon order id.") var id: String

    func run() async throws {
        try deployment.validate()
        let (root, directory) = try deployment.load()
        if let configuration = try deployment.sandboxConfiguration(root, directory: directory) {
            try await AmazonSandbox.withRunning(configuration) { endpoint in
                try await self.recover(sandbox: DeploymentOptions.link(configuration, endpoint: endpoint.baseURL))
            }
        } else {
            try await recover(sandbox: nil)
        }
    }

    func recover(sandbox: AmazonSourceFactory.SandboxLink?) async throws {
        let composition = try deployment.composition(sandbox: sandbox)
        do {
            try await recover(with: composition)
            await composition.store.close()
        } catch {
            await composition.store.close()
            throw error
        }
    }

    func recover(with composition: Composition) async throws {
        let orderID = AmazonOrderID(id)
        let stored = try await composition.store.record(orderID)
        // The source that imported it, else every source in turn (MFN and FBA see different orders).
        let candidates = composition.sources.filter { $0.id == stored?.sourceID } + composition.sources.filter { $0.id != stored?.sourceID }
        for source in candidates {
            guard let snapshot = try await source.order(orderID) else { continue }
            let settings = composition.settings
            let sourceID = source.id
            let record = try await composition.store.upsert(orderID) { stored in
                composition.shaped(Workflow.apply(snapshot: snapshot, to: stored, sourceID: sourceID, settings: settings, now: Date()))
            }
            guard let record else {
                print("order \(id) is \(snapshot.status) at Amazon and fulfilled by Amazon: it is imported once Amazon ships it")
                return
            }
            print("order \(id): Amazon status \(record.order.status), \(record.visible ? "shown" : "hidden (not verified yet)"), commerce order \(record.commerceOrderNumber?.rawValue ?? "pending")")
            return
        }
        throw CommandFailure("no source knows order \(id)")
    }
}
