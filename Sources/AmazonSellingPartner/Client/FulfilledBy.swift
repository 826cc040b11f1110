/// Who fulfils an order (`fulfilledBy`).
public enum FulfilledBy: String, Hashable, Sendable, Codable, CaseIterable {
    /// "Fulfilled by the merchant" (MFN, FBM).
    case merchant = "MERCHANT"
    /// "Fulfilled by Amazon" (AFN, FBA).
    case amazon = "AMAZON"
}
