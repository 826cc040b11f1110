import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import Mustache
import NIOCore
import RequestSigning
import SalesChannel

/// The dashboard: server-rendered pages (Mustache templates in `Templates/`), plain forms, no
/// script. A person logs in with a token once; the session cookie is `HttpOnly`,
/// `SameSite=Strict` and `Secure` when `http.secureCookies` says a TLS proxy serves it, and
/// every form carries the session's CSRF token.
struct Dashboard: Sendable {
    let engine: ChannelEngine
    let tokens: TokenBook
    let sessions: DashboardSessions
    let secureCookies: Bool
    let logger: Logger
    let templates: MustacheLibrary

    static let loginCookie = "saleschannel_login"

    init(engine: ChannelEngine, tokens: TokenBook, sessions: DashboardSessions, secureCookies: Bool, logger: Logger) {
        self.engine = engine
        self.tokens = tokens
        self.sessions = sessions
        self.secureCookies = secureCookies
        self.logger = logger
        self.templates = Self.library
    }

    /// The templates, parsed once from the bundle (a broken template is a build defect, found
    /// by the dashboard's tests).
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        let names = ["header", "footer", "login", "orders", "order", "jobtable", "jobs", "errors", "sources", "message"]
        for name in names {
            guard let url = Bundle.module.url(forResource: "Templates/\(name)", withExtension: "mustache"),
                  let text = try? String(contentsOf: url, encoding: .utf8)
            else { preconditionFailure("the dashboard template \(name).mustache is missing from the bundle") }
            do { try library.register(text, named: name) } catch { preconditionFailure("the dashboard template \(name).mustache does not parse: \(error)") }
        }
        return library
    }()

    func register(on router: Router<APIRequestContext>) {
        router.get("/") { _, _ in Self.redirect("/orders") }
        router.get("/login") { request, _ in
            loginPage(request, error: request.uri.queryParameters["expired"] != nil ? "Your session ended; log in again." : nil)
        }
        router.post("/login") { request, _ in try await login(request) }

        let pages = router.group()
            .add(middleware: SessionCookieAuthenticator(sessions: sessions))
            .add(middleware: RequireSession())
        pages.post("/logout") { request, context in
            let session = try await checkedForm(request, context)
            sessions.end(session.session.id)
            var response = Self.redirect("/login")
            response.setCookie(sessionCookie(value: "", maxAge: 0, request: request))
            return response
        }
        pages.get("/orders") { request, context in try await ordersPage(request, context) }
        pages.get("/orders/:id") { request, context in try await orderPage(request, context) }
        pages.post("/orders/:id/shipments") { request, context in try await ship(request, context) }
        pages.post("/orders/:id/refresh") { request, context in try await refresh(request, context) }
        pages.get("/jobs") { request, context in try await jobsPage(request, context) }
        pages.post("/jobs/:id/retry") { request, context in try await jobAction(request, context, replay: false) }
        pages.post("/jobs/:id/replay") { request, context in try await jobAction(request, context, replay: true) }
        pages.get("/errors") { request, context in try await errorsPage(request, context) }
        pages.get("/sources") { request, context in try await sourcesPage(request, context) }
    }

    // MARK: Login

    func loginPage(_ request: Request, error: String?) -> Response {
        let csrf = DashboardSessions.randomToken()
        var response = page("login", title: "Log in", caller: nil, error: error, ["loginCSRF": csrf])
        response.setCookie(Cookie(name: Self.loginCookie, value: csrf, maxAge: 600, path: "/login", secure: secure(request), httpOnly: true, sameSite: .strict))
        return response
    }

    func login(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        // The login form's own CSRF token, against the cookie set with it (double submit).
        guard let cookie = request.cookies[Self.loginCookie]?.value, let sent = form["csrf"], ConstantTime.equals(Array(cookie.utf8), Array(sent.utf8)) else {
            return page("message", title: "Log in", caller: nil, status: .forbidden, error: "The login form expired; open it again.", ["back": "/login"])
        }
        guard let token = tokens.token(presented: form["token"] ?? "") else {
            var response = loginPage(request, error: "That token is not one the deployment declares.")
            response.status = .unauthorized
            return response
        }
        let session = sessions.start(for: token)
        logger.info("dashboard login", metadata: ["token": "\(token.name)"])
        var response = Self.redirect("/orders")
        response.setCookie(sessionCookie(value: session.id, maxAge: Int(sessions.lifetime), request: request))
        return response
    }

    func sessionCookie(value: String, maxAge: Int, request: Request) -> Cookie {
        Cookie(name: DashboardSessions.cookieName, value: value, maxAge: maxAge, path: "/", secure: secure(request), httpOnly: true, sameSite: .strict)
    }

    /// Cookies are `Secure` when the deployment says a TLS proxy serves the dashboard, or the
    /// proxy says this request came over TLS (`X-Forwarded-Proto: https`).
    func secure(_ request: Request) -> Bool {
        secureCookies || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    // MARK: Pages

    func ordersPage(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        // The form's own encoding (a space is `+`), from the raw query.
        let parameters = Self.fields(request.uri.query ?? "")
        func value(_ name: String) -> String? {
            parameters[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        var query = OrderQuery(includeHidden: value("all") == "true")
        query.text = value("q")
        query.amazonStatus = value("amazonStatus").map(AmazonOrderStatus.init(rawValue:))
        query.commerceStatus = value("commerceStatus").map(CommerceOrderStatus.init(rawValue:))
        query.fulfillmentChannel = value("channel").flatMap(FulfillmentChannel.init(rawValue:))
        query.marketplace = value("marketplace").map { MarketplaceID($0) }
        query.purchasedFrom = value("purchasedFrom").flatMap(Self.day)
        query.purchasedBefore = value("purchasedBefore").flatMap(Self.day)
        query.hasError = value("hasError").flatMap { $0 == "true" ? true : $0 == "false" ? false : nil }
        query.sort = value("sort") == "-purchase-date" ? .purchaseDateDescending : .purchaseDateAscending
        query.limit = 50
        query.cursor = value("cursor")
        let listing: OrderListing
        do { listing = try await engine.orders(query) } catch let error as OrderQueryError {
            return page("message", title: "Amazon Orders", request, context, status: .badRequest, error: error.description, ["back": "/orders"])
        }
        let rows: [[String: Any]] = listing.orders.map { record in
            let view = OrderView(record)
            var row: [String: Any] = [
                "purchaseDate": Self.time(view.purchaseDate), "amazonOrderId": view.amazonOrderId, "buyer": record.order.buyer?.name ?? "",
                "grandTotal": view.totals.map { "\(Self.money($0.grandTotal)) \($0.currency)" } ?? "", "amazonStatus": view.amazonStatus,
                "commerceOrderNumber": view.commerceOrderNumber ?? "", "commerceStatus": view.commerceStatus ?? "",
                "customer": view.customer.map { $0.kind == "guest" ? "guest" : ($0.id ?? "account") } ?? "", "handoff": view.handoff.status,
            ]
            if let error = view.lastError ?? view.totalsHeld.map({ "totals held: \($0)" }) { row["error"] = error }
            return row
        }
        var next: String?
        if let cursor = listing.nextCursor {
            var items = parameters.sorted { $0.key < $1.key }.compactMap { $0.key == "cursor" ? nil : "\($0.key)=\(Self.escape($0.value))" }
            items.append("cursor=\(Self.escape(cursor))")
            next = "/orders?" + items.joined(separator: "&")
        }
        let selectedStatus = value("amazonStatus").map { AmazonOrderStatus(rawValue: $0).rawValue }
        var values: [String: Any] = [
            "orders": rows, "count": rows.count,
            "amazonStatuses": AmazonOrderStatus.allKnown.map { status -> [String: Any] in ["value": status.rawValue, "selected": status.rawValue == selectedStatus] },
            "commerceStatuses": (["pending", "processing", "complete", "canceled"] as [String]).map { status -> [String: Any] in
                ["value": status, "selected": status == value("commerceStatus")]
            },
            "channels": [("MFN", "Merchant (MFN)"), ("AFN", "Amazon (FBA)")].map { code, label -> [String: Any] in
                ["value": code, "label": label, "selected": code == value("channel")]
            },
            "filters": [
                "q": value("q") ?? "", "marketplace": value("marketplace") ?? "", "purchasedFrom": value("purchasedFrom") ?? "",
                "purchasedBefore": value("purchasedBefore") ?? "", "all": query.includeHidden,
                "errorsOnly": query.hasError == true, "errorsNone": query.hasError == false,
            ],
        ]
        if let next { values["next"] = next }
        return page("orders", title: "Amazon Orders", request, context, values)
    }

    func orderPage(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = AmazonOrderID(context.parameters.get("id") ?? "")
        guard let detail = try await engine.order(id) else {
            return page("message", title: "Order \(id)", request, context, status: .notFound, error: "No order \(id) is stored.", ["back": "/orders"])
        }
        let record = detail.record
        let view = OrderView(record)
        let isOperator = (context.identity?.role ?? .viewer) >= .operator
        let openItems: [[String: Any]] = view.items.compactMap { item in
            let open = item.quantityOrdered - item.quantityShipped
            return open > 0 ? ["orderItemId": item.orderItemId, "sku": item.sku, "open": open] : nil
        }
        let shippable = record.order.fulfillmentChannel == .merchant && [.unshipped, .partiallyShipped].contains(record.order.status)
        var order = Self.dictionary(view)
        order["buyer"] = record.order.buyer?.name ?? ""
        // Amounts with their cents (`97.20`, `0.00`), as an invoice shows them.
        if var totals = order["totals"] as? [String: Any] {
            for (key, value) in totals where key != "currency" { totals[key] = (value as? String).map(Self.money) }
            order["totals"] = totals
        }
        order["items"] = (order["items"] as? [[String: Any]])?.map { item in
            var item = item
            for key in ["unitPrice", "subtotal", "tax", "discount"] { item[key] = (item[key] as? String).map(Self.money) }
            return item
        }
        order["customer"] = view.customer.map { $0.kind == "guest" ? "guest" : ($0.id ?? "account") }
        order["handoff"] = view.handoff.status
        order["purchaseDate"] = Self.time(view.purchaseDate)
        order["lastUpdateDate"] = Self.time(view.lastUpdateDate)
        order["shipments"] = view.shipments.map { shipment -> [String: Any] in
            var row: [String: Any] = ["shipmentId": shipment.shipmentId, "carrier": shipment.carrierName.map { "\(shipment.carrier) (\($0))" } ?? shipment.carrier,
             "trackingNumber": shipment.trackingNumber, "shipDate": Self.time(shipment.shipDate),
             "items": shipment.items.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", "),
             "amazonConfirmation": shipment.amazonConfirmation]
            if let error = shipment.error { row["error"] = error }
            return row
        }
        return page("order", title: "Order \(id)", request, context, [
            "order": order, "isOperator": isOperator, "canShip": isOperator && shippable && !openItems.isEmpty, "openItems": openItems,
            "events": detail.events.reversed().map { ["at": Self.time($0.at), "kind": $0.kind.rawValue, "message": $0.message] },
            "jobs": jobRows(detail.jobs, isOperator: isOperator),
        ])
    }

    func jobsPage(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let jobs = try await engine.jobs(statuses: [.dead, .pending]).filter { $0.status == .dead || $0.lastError != nil }
        return page("jobs", title: "Failed jobs", request, context, ["jobs": jobRows(jobs, isOperator: (context.identity?.role ?? .viewer) >= .operator)])
    }

    func errorsPage(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let jobs = try await engine.jobs(statuses: []).filter { $0.lastError != nil }.sorted { $0.updatedAt > $1.updatedAt }.prefix(500)
        var query = OrderQuery(includeHidden: true)
        query.hasError = true
        query.sort = .purchaseDateDescending
        query.limit = 500
        let orders = try await engine.orders(query).orders
        let quarantined = try await engine.quarantined().suffix(500).reversed()
        return page("errors", title: "Communication errors", request, context, [
            "jobErrors": jobs.map { ["at": Self.time($0.updatedAt), "amazonOrderId": $0.amazonOrderID.rawValue, "effect": $0.effect.name, "status": $0.status.rawValue, "error": $0.lastError ?? ""] },
            "orderErrors": orders.map { ["amazonOrderId": $0.amazonOrderID.rawValue, "error": $0.lastError ?? $0.totalsHold.map { "totals held: \($0)" } ?? ""] },
            "quarantined": quarantined.map { ["at": Self.time($0.at), "source": $0.sourceID, "amazonOrderId": $0.amazonOrderID?.rawValue ?? "", "reason": $0.reason] },
        ])
    }

    func sourcesPage(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let reports = try await engine.sourceReports()
        var budgets: [String] = []
        for budget in reports.flatMap({ $0.usage?.budgets ?? [] }) where !budgets.contains(budget.description) { budgets.append(budget.description) }
        return page("sources", title: "Sources", request, context, [
            "sources": reports.map { source -> [String: Any] in
                ["id": source.id + (source.configured ? "" : " (not configured)"), "checkpoint": source.checkpoint ?? "",
                 "lastSyncAt": source.lastPageAt.map(Self.time) ?? "not in this process", "orders": source.orders,
                 "state": source.stopped.map { "STOPPED: \($0)" } ?? (source.configured ? "running" : "no source answers to this id"),
                 "push": source.pushFlowing ? "notices flowing (last \(source.lastNoticeAt.map(Self.time) ?? ""))" : "polling"]
            },
            "budgets": budgets,
        ])
    }

    // MARK: Actions

    func ship(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (form, _) = try await operatorForm(request, context)
        let id = AmazonOrderID(context.parameters.get("id") ?? "")
        let items = form.compactMap { key, value -> ShipmentItem? in
            guard key.hasPrefix("qty-"), let quantity = Int(value), quantity > 0 else { return nil }
            return ShipmentItem(orderItemID: OrderItemID(String(key.dropFirst(4))), quantity: quantity)
        }
        guard !items.isEmpty else { return Self.redirect("/orders/\(Self.escape(id.rawValue))?error=" + Self.escape("Give a quantity for at least one item.")) }
        let shipment = ShipmentRequest(
            amazonOrderID: id, carrierCode: form["carrier"] ?? "", carrierName: form["carrierName"].flatMap { $0.isEmpty ? nil : $0 },
            trackingNumber: form["trackingNumber"] ?? "", shippingMethod: form["shippingMethod"].flatMap { $0.isEmpty ? nil : $0 },
            items: items.sorted { $0.orderItemID.rawValue < $1.orderItemID.rawValue })
        do {
            let recorded = try await engine.recordShipment(shipment)
            return Self.redirect("/orders/\(Self.escape(id.rawValue))?notice=" + Self.escape("Shipment \(recorded.id) recorded; its confirmation to Amazon is queued."))
        } catch let error as ShipmentRejection {
            return Self.redirect("/orders/\(Self.escape(id.rawValue))?error=" + Self.escape(error.reason))
        }
    }

    func refresh(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try await operatorForm(request, context)
        let id = AmazonOrderID(context.parameters.get("id") ?? "")
        let back = "/orders/\(Self.escape(id.rawValue))"
        do {
            switch try await engine.refresh(id) {
            case .stored: return Self.redirect(back + "?notice=" + Self.escape("Fetched from Amazon again."))
            case .waitingForAmazonShipment(let status): return Self.redirect(back + "?notice=" + Self.escape("Amazon shows it \(status); it is imported once Amazon ships it."))
            }
        } catch let error as EngineError {
            return Self.redirect(back + "?error=" + Self.escape(error.message))
        } catch {
            return Self.redirect(back + "?error=" + Self.escape("Amazon could not be asked: \(type(of: error))"))
        }
    }

    func jobAction(_ request: Request, _ context: APIRequestContext, replay: Bool) async throws -> Response {
        _ = try await operatorForm(request, context)
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { return Self.redirect("/jobs") }
        // Back to the order page the button was on, else the jobs page; nothing else.
        let referer = request.headers[.referer].flatMap { URLComponents(string: $0)?.percentEncodedPath } ?? ""
        let back = referer.range(of: "^/orders/[A-Za-z0-9-]{1,40}$", options: .regularExpression) != nil ? referer : "/jobs"
        do {
            if replay {
                let jobs = try await engine.replay([id])
                return Self.redirect(back + "?notice=" + Self.escape("Job \(id) replayed as job \(jobs.map { String($0.id) }.joined(separator: ", "))."))
            }
            let count = try await engine.retry([id])
            return Self.redirect(back + "?notice=" + Self.escape(count > 0 ? "Job \(id) is pending again." : "Job \(id) was not dead-lettered."))
        } catch let error as StoreError {
            return Self.redirect(back + "?error=" + Self.escape(error.message))
        }
    }

    /// The form of a write: it must carry the session's CSRF token, and the caller must be an
    /// operator.
    func operatorForm(_ request: Request, _ context: APIRequestContext) async throws -> (form: [String: String], session: DashboardSession) {
        let checked = try await checkedForm(request, context)
        guard (context.identity?.role ?? .viewer) >= .operator else {
            throw Problem(.forbidden, detail: "the token `\(context.identity?.name ?? "")` is a viewer; shipping, refreshing, retrying and replaying need an operator")
        }
        return checked
    }

    func checkedForm(_ request: Request, _ context: APIRequestContext) async throws -> (form: [String: String], session: DashboardSession) {
        guard let session = context.identity?.session else { throw Problem.unauthorized() }
        let form = try await Self.form(request)
        guard let sent = form["csrf"], ConstantTime.equals(Array(sent.utf8), Array(session.csrf.utf8)) else {
            throw Problem(.forbidden, title: "Forbidden", detail: "the form's CSRF token is missing or stale; reload the page and send it again")
        }
        return (form, session)
    }

    // MARK: Rendering

    func jobRows(_ jobs: [OutboxJob], isOperator: Bool) -> [[String: Any]] {
        jobs.map { job in
            ["id": job.id, "amazonOrderId": job.amazonOrderID.rawValue, "effect": job.effect.name, "status": job.status.rawValue,
             "attempts": job.attempts, "nextAttemptAt": job.status == .pending ? Self.time(job.nextAttemptAt) : "", "lastError": job.lastError ?? "",
             "canRetry": isOperator && job.status == .dead, "canReplay": isOperator && job.status == .done]
        }
    }

    /// A page for a signed-in caller; `?notice=` and `?error=` (set by the redirect after a
    /// form) are shown at its top.
    func page(
        _ template: String, title: String, _ request: Request, _ context: APIRequestContext, status: HTTPResponse.Status = .ok, error: String? = nil,
        _ values: [String: Any]
    ) -> Response {
        var values = values
        // Page-level names of their own: a row without an `error` must not show the page's.
        if let notice = request.uri.queryParameters["notice"] { values["pageNotice"] = String(notice.prefix(300)) }
        let error = error ?? request.uri.queryParameters["error"].map { String($0.prefix(300)) }
        return page(template, title: title, caller: context.identity, status: status, error: error, values)
    }

    func page(_ template: String, title: String, caller: Caller?, status: HTTPResponse.Status = .ok, error: String? = nil, _ values: [String: Any]) -> Response {
        var object = values
        object["title"] = title
        if let caller, let session = caller.session {
            object["caller"] = ["name": caller.name, "role": caller.role.rawValue, "csrf": session.csrf]
            object["csrf"] = session.csrf
        }
        if let error { object["pageError"] = error }
        let html = templates.render(object, withTemplate: template) ?? "template \(template) is missing"
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func redirect(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// The body of a posted form (`application/x-www-form-urlencoded`, at most 64 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        return fields(String(buffer: buffer))
    }

    /// `application/x-www-form-urlencoded` fields (a form's body, or a GET form's query).
    static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String { String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    /// A decimal amount with at least two decimals (`97.2` → `97.20`).
    static func money(_ text: String) -> String {
        guard let amount = Decimal(string: text) else { return text }
        return amount.formatted(.number.precision(.fractionLength(2...6)).grouping(.never).locale(Locale(identifier: "en_US_POSIX")))
    }

    /// `2026-11-29 03:37:52 UTC`.
    static func time(_ date: Date) -> String {
        date.formatted(.iso8601).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    static func day(_ text: String) -> Date? {
        try? Date(text + "T00:00:00Z", strategy: .iso8601)
    }

    /// An Encodable as the dictionary templates read.
    static func dictionary(_ value: some Encodable) -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        // Absent, not null: a template's section on an absent value is not shown.
        func clean(_ value: Any) -> Any? {
            switch value {
            case is NSNull: nil
            case let object as [String: Any]: object.compactMapValues(clean)
            case let array as [Any]: array.compactMap(clean)
            default: value
            }
        }
        return object.compactMapValues(clean)
    }
}

/// Sends a page request without a live session to the login form.
struct RequireSession: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity != nil else {
            let hadCookie = request.cookies[DashboardSessions.cookieName].map { !$0.value.isEmpty } ?? false
            return Dashboard.redirect(hadCookie ? "/login?expired=1" : "/login")
        }
        return try await next(request, context)
    }
}
