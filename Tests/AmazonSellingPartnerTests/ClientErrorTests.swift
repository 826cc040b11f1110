import AmazonSandbox
import AmazonSellingPartner
import AsyncHTTPClient
import Foundation
import Testing

/// How the client answers refusals and failures: which it retries, which it throws at once.
@Suite(.serialized)
struct ClientErrorTests {
    @Test func aSecondRefusalOfTheAccessTokenIsThrownNotRetried() async throws {
        // Every SP-API call is refused with 403, whatever the token: a role the application lacks.
        let configuration = Harness.configuration { $0.orders = 10; $0.faults = try! FaultSpec(parsing: "forbidden=1") }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration) { endpoint in
                let client = Harness.client(endpoint, configuration, http: http, maxAttempts: 8)
                do {
                    _ = try await client.getOrder("111-0000000-0000000")
                    Issue.record("a refused call succeeded")
                } catch let error as SellingPartnerError {
                    #expect(error.code == .unauthorized && error.status == 403 && error.requestID != nil)
                }
                // One call, one refresh of the token, one more call: then it is thrown.
                #expect(client.statistics.calls == 2)
                #expect(await client.tokens.refreshCount == 2)
            }
        }
    }

    @Test func loginWithAmazonOutagesAreRetriedWithBackoff() async throws {
        let time = VirtualTime(Date(timeIntervalSince1970: 1_780_000_000))
        let configuration = Harness.configuration {
            $0.orders = 30
            $0.start = time.now
            $0.tokenLifetime = 61  // every call after a two-second pause needs a new token
            $0.faults = try! FaultSpec(parsing: "lwa500=0.3,lwa503=0.3")
        }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration, clock: time.clock) { endpoint in
                let client = Harness.client(endpoint, configuration, http: http, maxAttempts: 12, clock: time.clock)
                for _ in 0..<20 {
                    _ = try await client.getOrder("111-0000000-0000000")
                    time.advance(by: 2)
                }
                let stats = try await Harness.stats(endpoint, http: http)
                #expect(stats["lwaFault", default: 0] >= 5)
                #expect(client.statistics.retries >= stats["lwaFault", default: 0])
                #expect(client.statistics.calls == 20)
            }
        }
    }

    @Test func revokedOrRotatedCredentialsAreThrownAtOnce() async throws {
        let configuration = Harness.configuration { $0.orders = 10 }
        try await Harness.withHTTP { http in
            try await AmazonSandbox.withRunning(configuration) { endpoint in
                for (client, code) in [
                    (Harness.client(endpoint, configuration, http: http, refreshToken: "Atzr|revoked"), SellingPartnerError.Code.invalidGrant),
                    (Harness.client(endpoint, configuration, http: http, clientSecret: "rotated-away"), .invalidClient),
                ] {
                    do {
                        _ = try await client.getOrder("111-0000000-0000000")
                        Issue.record("refused credentials got through")
                    } catch let error as SellingPartnerError {
                        #expect(error.code == code)
                        #expect(!error.description.contains("rotated-away") && !error.description.contains("Atzr|revoked"))
                    }
                    #expect(await client.tokens.refreshCount == 1)
                    #expect(client.statistics.calls == 0 && client.statistics.retries == 0)
                }
            }
        }
    }
}
