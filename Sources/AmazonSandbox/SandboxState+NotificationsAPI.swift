import AmazonSellingPartner
import Foundation

/// Notifications API v1 as `notifications.json` states it, and as strict as Amazon where users
/// have met its refusals: a second destination for one queue ARN and a second subscription to
/// one notification type are conflicts (409), a subscription to a destination that does not
/// exist is invalid input (400), a destination with subscriptions cannot be deleted.
extension SandboxState {
    func getDestinations() -> (status: Int, body: Data) {
        ok(destinations.values.sorted { $0.destinationId < $1.destinationId })
    }

    func createDestination(_ body: Data) -> (status: Int, body: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return invalidInput("The body is not a CreateDestinationRequest") }
        guard let name = object["name"] as? String, !name.isEmpty else { return invalidInput("name is required") }
        guard name.count <= 256 else { return invalidInput("name is longer than 256 characters") }
        guard let specification = object["resourceSpecification"] as? [String: Any] else { return invalidInput("resourceSpecification is required") }
        let kinds = ["sqs", "eventBridge"].filter { specification[$0] != nil && !(specification[$0] is NSNull) }
        guard kinds == ["sqs"] else {
            return invalidInput(kinds.isEmpty ? "resourceSpecification needs sqs or eventBridge"
                                : kinds.count > 1 ? "use one resource type (sqs or eventBridge) per destination" : "this sandbox delivers to SQS only")
        }
        guard let sqs = specification["sqs"] as? [String: Any], let arn = sqs["arn"] as? String else { return invalidInput("sqs.arn is required") }
        guard arn.count <= 1000, arn.range(of: #"^arn:aws:sqs:\S+:\S+:\S+"#, options: .regularExpression) != nil else {
            return invalidInput("sqs.arn `\(arn)` does not match ^arn:aws:sqs:\\S+:\\S+:\\S+")
        }
        if destinations.values.contains(where: { $0.resource.sqs?.arn == arn }) {
            count("409")
            return (409, errors("Conflict", "The requested resource conflict with a resource in the server.", details: "A destination with arn \(arn) already exists for the application"))
        }
        let destination = NotificationDestination(destinationId: UUID().uuidString.lowercased(), name: name, resource: .init(sqs: .init(arn: arn)))
        destinations[destination.destinationId] = destination
        return ok(destination)
    }

    func getDestination(_ id: String) -> (status: Int, body: Data) {
        guard let destination = destinations[id] else { return notFound("destination \(id)") }
        return ok(destination)
    }

    func deleteDestination(_ id: String) -> (status: Int, body: Data) {
        guard destinations[id] != nil else { return notFound("destination \(id)") }
        if subscriptions.values.contains(where: { $0.destinationId == id }) {
            count("409")
            return (409, errors("Conflict", "The resource specified conflicts with the current state.", details: "Destination has subscriptions"))
        }
        destinations[id] = nil
        return (200, Data("{}".utf8))
    }

    func getSubscription(_ type: String, query: [String: String]) -> (status: Int, body: Data) {
        guard let subscription = subscriptions[type], query["payloadVersion"].map({ $0 == subscription.payloadVersion }) ?? true else {
            return notFound("subscription to \(type)")
        }
        return ok(subscription)
    }

    func createSubscription(_ type: String, body: Data) -> (status: Int, body: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return invalidInput("The body is not a CreateSubscriptionRequest") }
        guard let version = object["payloadVersion"] as? String, !version.isEmpty else { return invalidInput("payloadVersion is required") }
        guard let destinationID = object["destinationId"] as? String, !destinationID.isEmpty else { return invalidInput("destinationId is required") }
        guard destinations[destinationID] != nil else { return invalidInput("Request has missing or invalid parameters and cannot be parsed.", details: "No destination with id '\(destinationID)'") }
        var directive: ProcessingDirective?
        if let raw = object["processingDirective"], !(raw is NSNull) {
            guard let data = try? JSONSerialization.data(withJSONObject: raw), let decoded = try? JSONDecoder().decode(ProcessingDirective.self, from: data) else {
                return invalidInput("processingDirective is not a ProcessingDirective")
            }
            if let problem = Self.problem(decoded, for: type) { return invalidInput(problem) }
            directive = decoded
        }
        // Not in the model, but what users met (abuzuhri/Amazon-SP-API-CSharp#621): Amazon
        // refused ORDER_CHANGE subscriptions without a processing directive.
        if type == "ORDER_CHANGE", directive == nil {
            return invalidInput("an ORDER_CHANGE subscription needs a processingDirective")
        }
        if subscriptions[type] != nil {
            count("409")
            return (409, errors("StateConflict", "The resource specified conflicts with the current state.", details: "Subscription already exist for notification type \(type)"))
        }
        let subscription = NotificationSubscription(subscriptionId: UUID().uuidString.lowercased(), payloadVersion: version, destinationId: destinationID, processingDirective: directive)
        subscriptions[type] = subscription
        return ok(subscription)
    }

    func getSubscription(_ type: String, id: String) -> (status: Int, body: Data) {
        guard let subscription = subscriptions[type], subscription.subscriptionId == id else { return notFound("subscription \(id) to \(type)") }
        return ok(subscription)
    }

    func deleteSubscription(_ type: String, id: String) -> (status: Int, body: Data) {
        guard let subscription = subscriptions[type], subscription.subscriptionId == id else { return notFound("subscription \(id) to \(type)") }
        subscriptions[type] = nil
        return (200, Data("{}".utf8))
    }

    /// The filter of the `ORDER_CHANGE` subscription whose destination is the queue `arn`;
    /// `nil` when there is none, and Amazon sends nothing there.
    func orderChangeFilter(queueARN arn: String) -> EventFilter?? {
        guard let subscription = subscriptions["ORDER_CHANGE"], destinations[subscription.destinationId]?.resource.sqs?.arn == arn else { return nil }
        return .some(subscription.processingDirective?.eventFilter)
    }

    /// What the model's `ProcessingDirective`, `EventFilter` and `AggregationSettings` rule out.
    static func problem(_ directive: ProcessingDirective, for type: String) -> String? {
        if directive.eventFilter != nil, directive.filterExpression != nil {
            return "eventFilter and filterExpression are mutually exclusive"
        }
        if let expression = directive.filterExpression, !(1...256).contains(expression.count) {
            return "filterExpression must be 1 to 256 characters"
        }
        guard let filter = directive.eventFilter else { return nil }
        let types = ["ANY_OFFER_CHANGED", "ORDER_CHANGE", "SHIPMENT_TRACKING_MILESTONE_CHANGED"]
        guard types.contains(filter.eventFilterType) else { return "eventFilterType `\(filter.eventFilterType)` is not one of \(types.joined(separator: ", "))" }
        guard filter.eventFilterType == type else { return "eventFilterType \(filter.eventFilterType) does not filter \(type) notifications" }
        let changeTypes = ["BuyerRequestedChange", "DeliveryTipChange", "OrderStatusChange"]
        if let unknown = filter.orderChangeTypes?.first(where: { !changeTypes.contains($0) }) {
            return "orderChangeTypes: `\(unknown)` is not one of \(changeTypes.joined(separator: ", "))"
        }
        if filter.orderChangeTypes != nil, filter.eventFilterType != "ORDER_CHANGE" { return "orderChangeTypes filter ORDER_CHANGE notifications only" }
        if let period = filter.aggregationSettings?.aggregationTimePeriod, !["FiveMinutes", "TenMinutes"].contains(period) {
            return "aggregationTimePeriod `\(period)` is not FiveMinutes or TenMinutes"
        }
        return nil
    }

    private func ok<T: Encodable>(_ payload: T) -> (status: Int, body: Data) {
        (200, (try? JSONEncoder().encode(PayloadWrapper(payload: payload))) ?? Data())
    }

    private func invalidInput(_ message: String, details: String? = nil) -> (status: Int, body: Data) {
        count("400")
        return (400, errors("InvalidInput", message, details: details))
    }

    private func notFound(_ what: String) -> (status: Int, body: Data) {
        count("404")
        return (404, errors("NotFound", "The resource specified does not exist.", details: "no \(what)"))
    }
}

/// `{"payload": …}`, the Notifications API's answer.
private struct PayloadWrapper<T: Encodable>: Encodable {
    var payload: T
}
