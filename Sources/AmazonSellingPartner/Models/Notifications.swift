/// Notifications API v1 (`notifications.json`): where Amazon sends notifications, and what an
/// application is subscribed to.

/// A destination: an SQS queue (or an EventBridge event source) Amazon sends notifications to.
public struct NotificationDestination: Codable, Hashable, Sendable {
    public var destinationId: String
    /// The developer's name for it (at most 256 characters).
    public var name: String
    public var resource: Resource

    public struct Resource: Codable, Hashable, Sendable {
        public var sqs: SQS?
        public var eventBridge: EventBridge?
        public init(sqs: SQS? = nil, eventBridge: EventBridge? = nil) {
            self.sqs = sqs
            self.eventBridge = eventBridge
        }
    }

    /// `SqsResource`: the queue's ARN (`^arn:aws:sqs:\S+:\S+:\S+`, at most 1,000 characters).
    public struct SQS: Codable, Hashable, Sendable {
        public var arn: String
        public init(arn: String) { self.arn = arn }
    }

    public struct EventBridge: Codable, Hashable, Sendable {
        public var name: String?
        public var region: String
        public var accountId: String
    }

    public init(destinationId: String, name: String, resource: Resource) {
        self.destinationId = destinationId
        self.name = name
        self.resource = resource
    }
}

/// A subscription of the application, for one selling partner, to one notification type.
public struct NotificationSubscription: Codable, Hashable, Sendable {
    public var subscriptionId: String
    public var payloadVersion: String
    public var destinationId: String
    public var processingDirective: ProcessingDirective?

    public init(subscriptionId: String, payloadVersion: String, destinationId: String, processingDirective: ProcessingDirective? = nil) {
        self.subscriptionId = subscriptionId
        self.payloadVersion = payloadVersion
        self.destinationId = destinationId
        self.processingDirective = processingDirective
    }
}

/// Which events are delivered: an `eventFilter` or (exclusively) a CEL `filterExpression`.
public struct ProcessingDirective: Codable, Hashable, Sendable {
    public var eventFilter: EventFilter?
    public var filterExpression: String?

    public init(eventFilter: EventFilter? = nil, filterExpression: String? = nil) {
        self.eventFilter = eventFilter
        self.filterExpression = filterExpression
    }
}

/// `EventFilter`: the type, and optionally marketplaces, order change types and aggregation.
public struct EventFilter: Codable, Hashable, Sendable {
    /// `ANY_OFFER_CHANGED`, `ORDER_CHANGE` or `SHIPMENT_TRACKING_MILESTONE_CHANGED`.
    public var eventFilterType: String
    /// Without a list, every marketplace.
    public var marketplaceIds: [String]?
    /// `BuyerRequestedChange`, `DeliveryTipChange`, `OrderStatusChange`; without a list, all.
    public var orderChangeTypes: [String]?
    public var aggregationSettings: AggregationSettings?

    public struct AggregationSettings: Codable, Hashable, Sendable {
        /// `FiveMinutes` or `TenMinutes`.
        public var aggregationTimePeriod: String
        public init(aggregationTimePeriod: String) { self.aggregationTimePeriod = aggregationTimePeriod }
    }

    public init(eventFilterType: String, marketplaceIds: [String]? = nil, orderChangeTypes: [String]? = nil, aggregationSettings: AggregationSettings? = nil) {
        self.eventFilterType = eventFilterType
        self.marketplaceIds = marketplaceIds
        self.orderChangeTypes = orderChangeTypes
        self.aggregationSettings = aggregationSettings
    }
}
