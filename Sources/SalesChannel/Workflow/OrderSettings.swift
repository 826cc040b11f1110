/// The order settings, named as Adobe's Amazon Sales Channel names them so merchants recognise
/// them (`reference/adobe-docs/order-settings.md`).
public struct OrderSettings: Hashable, Codable, Sendable {
    /// Import Amazon Orders. Disabled: channel orders are imported and shown, but no commerce
    /// order is created for them.
    public var importAmazonOrders: Bool
    /// Order Number Source.
    public var orderNumberSource: OrderNumberSource
    /// Order Status: the commerce status of newly created MFN orders. `nil` is Adobe's
    /// "Default Order Status" (`pending`); a value is "Custom Order Status" with that
    /// "Processing Order Status".
    public var processingOrderStatus: CommerceOrderStatus?
    /// The sinks (ERP/OMS/WMS handoffs) each merchant-fulfilled order is handed to.
    public var sinkNames: [String]

    public init(
        importAmazonOrders: Bool = true, orderNumberSource: OrderNumberSource = .commerceIncrement,
        processingOrderStatus: CommerceOrderStatus? = nil, sinkNames: [String] = []
    ) {
        self.importAmazonOrders = importAmazonOrders
        self.orderNumberSource = orderNumberSource
        self.processingOrderStatus = processingOrderStatus
        self.sinkNames = sinkNames
    }

    /// The status a new merchant-fulfilled commerce order gets.
    public var newOrderStatus: CommerceOrderStatus { processingOrderStatus ?? .pending }

    /// Adobe's "Order Number Source".
    public enum OrderNumberSource: String, Hashable, Codable, Sendable, CaseIterable {
        /// "Build Using Magento Order Number" (default): the commerce system's next increment.
        case commerceIncrement = "commerce-increment"
        /// "Build Using Amazon Order Number": the Amazon order id is the commerce number.
        case amazonOrderNumber = "amazon-order-number"
    }
}
