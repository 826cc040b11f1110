import AsyncHTTPClient
import Foundation
import NIOHTTP1
import SalesChannel
import SalesChannelHTTP
import SalesChannelTesting
import Testing

/// The dashboard over loopback: logging in with a token, the session cookie's attributes, CSRF
/// on every form, roles, and a session that ends on the deployment's clock.
@Suite struct DashboardTests {
    /// Logs in as a browser would: the form, its cookie and CSRF token, then the token.
    /// - Returns: the session cookie's value and the page's CSRF token.
    static func logIn(_ harness: Harness, token: String, overTLS: Bool = false) async throws -> (session: String, csrf: String) {
        let form = try await harness.call(.GET, "/login")
        #expect(form.status == 200 && form.text.contains("<label for=\"token\">"))
        let loginCookie = try #require(cookie(named: "saleschannel_login", in: form.headers))
        let loginCSRF = try #require(hidden("csrf", in: form.text))
        let answer = try await harness.call(
            .POST, "/login", form: ["csrf": loginCSRF, "token": token], cookies: ["saleschannel_login": loginCookie.value],
            headers: overTLS ? ["X-Forwarded-Proto": "https"] : [:])
        #expect(answer.status == 303 && answer.headers["Location"].first == "/orders", "\(answer.status) \(answer.text)")
        let session = try #require(cookie(named: "saleschannel_session", in: answer.headers))
        #expect(session.attributes.contains("HttpOnly") && session.attributes.contains("SameSite=Strict"), "\(session.attributes)")
        #expect(session.attributes.contains("Secure") == overTLS, "Secure exactly when a TLS proxy forwarded the request")
        let page = try await harness.call(.GET, "/orders", cookies: ["saleschannel_session": session.value])
        #expect(page.status == 200)
        return (session.value, try #require(hidden("csrf", in: page.text)))
    }

    static func cookie(named name: String, in headers: HTTPHeaders) -> (value: String, attributes: [String])? {
        for line in headers["Set-Cookie"] {
            let parts = line.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = parts.first, first.hasPrefix(name + "=") else { continue }
            return (String(first.dropFirst(name.count + 1)), Array(parts.dropFirst()))
        }
        return nil
    }

    static func hidden(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func anOperatorLogsInFiltersOpensAnOrderAndShipsIt() async throws {
        try await Harness.with { harness in
            let (session, csrf) = try await Self.logIn(harness, token: Harness.operatorToken)
            let cookies = ["saleschannel_session": session]

            let grid = try await harness.call(.GET, "/orders?amazonStatus=UNSHIPPED&channel=MFN", cookies: cookies)
            let unshipped = try await harness.engine.orders({ var q = OrderQuery(); q.amazonStatus = .unshipped; q.fulfillmentChannel = .merchant; return q }()).orders
            #expect(!unshipped.isEmpty)
            for record in unshipped { #expect(grid.text.contains(record.amazonOrderID.rawValue)) }
            let shipped = try await harness.engine.orders({ var q = OrderQuery(); q.amazonStatus = .shipped; return q }()).orders
            for record in shipped.prefix(5) { #expect(!grid.text.contains(">\(record.amazonOrderID.rawValue)<"), "filtered out") }
            #expect(grid.text.contains("<option value=\"UNSHIPPED\" selected>"))

            let open = try #require(unshipped.first { !$0.buyerCancellationFlagged })
            let id = open.amazonOrderID.rawValue
            let page = try await harness.call(.GET, "/orders/\(id)", cookies: cookies)
            #expect(page.status == 200 && page.text.contains("Record a shipment") && page.text.contains("<ol class=\"timeline\">"))
            if let totals = OrderView(open).totals {
                #expect(page.text.range(of: "<strong>[0-9]+\\.[0-9]{2,} \(totals.currency)</strong>", options: .regularExpression) != nil, "the grand total with its cents")
            }
            if let name = open.order.buyer?.name { #expect(page.text.contains(name.replacingOccurrences(of: "'", with: "&#39;")) || page.text.contains(name)) }

            // Without the form's CSRF token: refused, nothing recorded.
            var fields = ["carrier": "UPS", "trackingNumber": "1ZDASH"]
            for line in open.order.lines { fields["qty-\(line.orderItemID.rawValue)"] = String(line.quantityOrdered) }
            let forged = try await harness.call(.POST, "/orders/\(id)/shipments", form: fields, cookies: cookies)
            #expect(forged.status == 403)
            #expect(try await harness.engine.order(open.amazonOrderID)?.record.shipments.isEmpty == true)

            fields["csrf"] = csrf
            let recorded = try await harness.call(.POST, "/orders/\(id)/shipments", form: fields, cookies: cookies)
            #expect(recorded.status == 303, "\(recorded.text)")
            let back = try #require(recorded.headers["Location"].first)
            #expect(back.hasPrefix("/orders/\(id)?notice="))
            try await harness.runOnce()
            let after = try await harness.call(.GET, back, cookies: cookies)
            #expect(after.text.contains("1ZDASH") && after.text.contains(">confirmed<"), "confirmed after the runner's pass")
            #expect(after.text.contains("class=\"notice\""))
            // The page's own message stays at its top: a shipment row without an error shows none.
            let flagged = try await harness.call(.GET, "/orders/\(id)?error=Refused%20by%20Amazon", cookies: cookies)
            #expect(flagged.text.components(separatedBy: "Refused by Amazon").count == 2, "the message once, at the top")
            #expect(!flagged.text.contains("badge bad"), "no row borrows the page's error")

            // The grid's GET form sends spaces as `+`.
            let search = try await harness.call(.GET, "/orders?q=Buyer+1&all=true", cookies: cookies)
            #expect(!search.text.contains("No order matches."), "a two-word search finds the buyers")

            for path in ["/jobs", "/errors", "/sources"] {
                let other = try await harness.call(.GET, path, cookies: cookies)
                #expect(other.status == 200 && other.text.contains("<h1>"), "\(path)")
            }
            let logout = try await harness.call(.POST, "/logout", form: ["csrf": csrf], cookies: cookies)
            #expect(logout.status == 303)
            #expect(try await harness.call(.GET, "/orders", cookies: cookies).status == 303, "the session ended")
        }
    }

    @Test func aViewerReadsButCannotWriteAndSessionsExpire() async throws {
        try await Harness.with(failingHandoffs: 2, settings: { $0.sessionLifetime = 600 }) { harness in
            let bad = try await harness.call(.POST, "/login", form: ["csrf": "x", "token": Harness.viewerToken], cookies: ["saleschannel_login": "y"])
            #expect(bad.status == 403, "a login form without its own cookie's token")
            let form = try await harness.call(.GET, "/login")
            let wrong = try await harness.call(
                .POST, "/login", form: ["csrf": Self.hidden("csrf", in: form.text) ?? "", "token": "guess"],
                cookies: ["saleschannel_login": Self.cookie(named: "saleschannel_login", in: form.headers)?.value ?? ""])
            #expect(wrong.status == 401 && Self.cookie(named: "saleschannel_session", in: wrong.headers) == nil)

            let (session, csrf) = try await Self.logIn(harness, token: Harness.viewerToken, overTLS: true)
            let cookies = ["saleschannel_session": session]
            let jobs = try await harness.call(.GET, "/jobs", cookies: cookies)
            #expect(jobs.status == 200 && !jobs.text.contains(">Retry<"), "a viewer sees no buttons")
            let dead = try #require(try await harness.engine.jobs(statuses: [.dead]).first)
            let retried = try await harness.call(.POST, "/jobs/\(dead.id)/retry", form: ["csrf": csrf], cookies: cookies)
            #expect(retried.status == 403)
            #expect(try await harness.engine.jobs(statuses: [.dead]).contains { $0.id == dead.id })

            harness.clock.advance(by: 601)
            let expired = try await harness.call(.GET, "/orders", cookies: cookies)
            #expect(expired.status == 303 && expired.headers["Location"].first == "/login?expired=1")
        }
    }

    @Test func anOperatorRetriesADeadJobFromThePage() async throws {
        try await Harness.with(failingHandoffs: 1) { harness in
            let (session, csrf) = try await Self.logIn(harness, token: Harness.operatorToken)
            let cookies = ["saleschannel_session": session]
            let page = try await harness.call(.GET, "/jobs", cookies: cookies)
            let dead = try #require(try await harness.engine.jobs(statuses: [.dead]).first)
            #expect(page.text.contains("aria-label=\"Retry job \(dead.id)\""))
            let retried = try await harness.call(.POST, "/jobs/\(dead.id)/retry", form: ["csrf": csrf], cookies: cookies)
            #expect(retried.status == 303)
            #expect(try await harness.engine.jobs(statuses: [.dead]).isEmpty)
        }
    }
}
