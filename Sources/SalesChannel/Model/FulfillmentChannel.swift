/// Who ships an Amazon order.
public enum FulfillmentChannel: String, Hashable, Codable, Sendable, CaseIterable {
    /// Merchant-fulfilled (MFN, "fulfilled by merchant"): the merchant ships and confirms.
    case merchant = "MFN"
    /// Fulfilled by Amazon (FBA/AFN): Amazon holds the stock and ships.
    case amazon = "AFN"
}
