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
        let id = AmazonOrderID(self.id)
        let outcome: RefreshOutcome
        do {
            outcome = try await deployment.withEngine(sandbox: sandbox) { try await $0.refresh(id) }
        } catch let error as EngineError where error.code == .notFound {
            throw CommandFailure(error.description)
        }
        switch outcome {
        case .waitingForAmazonShipment(let status):
            print("order \(id) is \(status) at Amazon and fulfilled by Amazon: it is imported once Amazon ships it")
        case .stored(let record, _):
            print("order \(id): Amazon status \(record.order.status), \(record.visible ? "shown" : "hidden (not verified yet)"), commerce order \(record.commerceOrderNumber?.rawValue ?? "pending")")
        }
    }
}
