import Foundation

/// An amount of money in one currency.
///
/// Amazon sends amounts as decimal strings (`"10.00"`); they are kept as `Decimal` so that no
/// binary floating point ever touches a price.
public struct Money: Hashable, Codable, Sendable, CustomStringConvertible {
    public var amount: Decimal
    /// ISO 4217 currency code, for example `USD`.
    public var currencyCode: String

    public init(_ amount: Decimal, _ currencyCode: String) {
        self.amount = amount
        self.currencyCode = currencyCode
    }

    /// Parses a decimal string exactly as Amazon writes it. Returns `nil` for anything that is
    /// not a plain decimal number.
    public init?(decimalString: String, currencyCode: String) {
        let trimmed = decimalString.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty,
            trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }),
            let value = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        self.init(value, currencyCode)
    }

    public static func zero(_ currencyCode: String) -> Money { Money(0, currencyCode) }

    public var description: String { "\(amount) \(currencyCode)" }

    enum CodingKeys: String, CodingKey { case amount, currencyCode }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let currency = try container.decode(String.self, forKey: .currencyCode)
        let text = try container.decode(String.self, forKey: .amount)
        guard let money = Money(decimalString: text, currencyCode: currency) else {
            throw DecodingError.dataCorruptedError(
                forKey: .amount, in: container, debugDescription: "not a decimal amount: \(text)")
        }
        self = money
    }

    /// Encoded with the amount as a decimal string, as Amazon does, so no precision is lost.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("\(amount)", forKey: .amount)
        try container.encode(currencyCode, forKey: .currencyCode)
    }

    /// The sum of two amounts in the same currency.
    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currencyCode == rhs.currencyCode, "cannot add \(lhs.currencyCode) to \(rhs.currencyCode)")
        return Money(lhs.amount + rhs.amount, lhs.currencyCode)
    }
}
