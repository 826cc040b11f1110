import Foundation

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
    /// How far an order's charges may differ from Amazon's grand total (in the order's currency)
    /// and still be booked; beyond it the order is held until its money reconciles or the
    /// merchant accepts it. 0: to the cent.
    public var totalsTolerance: Decimal

    public init(
        importAmazonOrders: Bool = true, orderNumberSource: OrderNumberSource = .commerceIncrement,
        processingOrderStatus: CommerceOrderStatus? = nil, sinkNames: [String] = [], totalsTolerance: Decimal = 0
    ) {
        self.importAmazonOrders = importAmazonOrders
        self.orderNumberSource = orderNumberSource
        self.processingOrderStatus = processingOrderStatus
        self.sinkNames = sinkNames
        self.totalsTolerance = totalsTolerance
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
