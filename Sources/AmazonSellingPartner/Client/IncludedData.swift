/// The datasets `includedData` can ask for (Orders v2026-01-01). A dataset not asked for is
/// absent from the answer.
public enum IncludedData: String, Hashable, Sendable, Codable, CaseIterable {
    /// `buyer`: "Information about the buyer who purchased the order."
    case buyer = "BUYER"
    /// `recipient`: "Information about the recipient to whom the order is delivered."
    case recipient = "RECIPIENT"
    /// `proceeds` of the order and its items: "The revenue and financial breakdown for the order and order items."
    case proceeds = "PROCEEDS"
    /// Items' `expense`: "The cost information about the order and order items."
    case expense = "EXPENSE"
    /// Items' `promotion`: "The discount and promotional offer details applied to the order and order items."
    case promotion = "PROMOTION"
    /// Items' `cancellation`: "Cancellation information applied to the order and order items."
    case cancellation = "CANCELLATION"
    /// `fulfillment` of the order (with its status) and its items.
    case fulfillment = "FULFILLMENT"
    /// `packages`: "Information about shipping packages and tracking."
    case packages = "PACKAGES"
    /// `tax` of the order and its items.
    case tax = "TAX"
    /// `payment`: "The payment information associated with the order."
    case payment = "PAYMENT"
    /// `fulfillmentOrders`: "The fulfillment orders associated with this order."
    case fulfillmentOrders = "FULFILLMENT_ORDERS"
}
