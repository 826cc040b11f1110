import AsyncHTTPClient
import ChildProcesses
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// `saleschannel serve` as an operator starts it: a deployment file must declare its tokens;
/// it says where it listens, answers, and stops cleanly on SIGTERM.
@Suite struct ServeCommandTests {
    static let deployment = """
        store:
          plugin: sqlite
          path: serve.sqlite
        sources:
          - plugin: amazon-mfn
            sellerId: A1SELLER
            marketplaceIds: ATVPDKIKX0DER
            clientId: amzn1.application-oa2-client.example
            clientSecret: ${LWA_CLIENT_SECRET}
            refreshToken: ${LWA_REFRESH_TOKEN}
        http:
          address: 127.0.0.1:0
        """
    static let environment = ["LWA_CLIENT_SECRET": "example", "LWA_REFRESH_TOKEN": "example"]

    @Test func aDeploymentFileWithoutTokensIsRefused() throws {
        let cli = try CLI.inTemporaryFolder()
        try Self.deployment.write(to: cli.directory.appendingPathComponent("serve.yaml"), atomically: true, encoding: .utf8)
        let result = try cli.run(["serve", "--config", "serve.yaml"], environment: Self.environment)
        #expect(result.status != 0)
        #expect(result.stderr.contains("serve.yaml: auth.tokens: serving HTTP needs at least one token"), "\(result.stderr)")
    }

    @Test func itSaysWhereItListensAnswersAndStopsOnSIGTERM() async throws {
        let cli = try CLI.inTemporaryFolder()
        let file = Self.deployment + """

            auth:
              tokens:
                - name: ops
                  sha256: e6c0b56abc3d3e68c968ed892e4a087e98610b52a45fb10d8dacc4569dcaae7c
                  role: operator
            """
        try file.write(to: cli.directory.appendingPathComponent("serve.yaml"), atomically: true, encoding: .utf8)
        let server = try cli.start(["serve", "--config", "serve.yaml"], environment: Self.environment)
        var base: String?
        for _ in 0..<300 where base == nil {
            if let line = server.stderr().split(separator: "\n").first(where: { $0.hasPrefix("http: listening on ") }) {
                base = String(line.dropFirst("http: listening on ".count).prefix { $0 != " " })
            }
            if !server.process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let address = try #require(base, "serve did not say where it listens: \(server.stderr())")
        #expect(address.hasPrefix("http://127.0.0.1:"), "loopback, as the file says")
        #expect(!server.stderr().contains("this run's operator token"), "a file's tokens are its own")

        let live = try await HTTPClient.shared.execute(HTTPClientRequest(url: address + "/health/live"), timeout: .seconds(10))
        #expect(live.status == .ok)
        var request = HTTPClientRequest(url: address + "/api/v1/orders")
        request.headers.add(name: "Authorization", value: "Bearer ci-operator-token")
        let orders = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(orders.status == .ok)
        let anonymous = try await HTTPClient.shared.execute(HTTPClientRequest(url: address + "/api/v1/orders"), timeout: .seconds(10))
        #expect(anonymous.status == .unauthorized)

        server.process.signal(SIGTERM)
        #expect(await server.process.exit() == .exited(0), "a graceful stop: \(server.stderr().suffix(500))")
    }
}
