import Foundation

/// An order's money, summed from its lines' charges and its order-level charges, beside the grand
/// total Amazon reports; and whether the two agree.
///
/// The invariant: the lines' charges plus the order-level charges (a delivery tip) equal the
/// grand total to the cent, every amount in the order's currency. A commerce order is only
/// created with money that keeps it (or that the merchant accepted).
public struct OrderTotals: Hashable, Codable, Sendable {
    public var currencyCode: String
    /// The items' `ITEM` charges (unit price × quantity).
    public var subtotal: Decimal
    public var shipping: Decimal
    /// The part of the tax that applies to shipping (Amazon's `TAX` detail `SHIPPING`).
    public var shippingTax: Decimal
    public var giftWrap: Decimal
    public var codFee: Decimal
    /// `OTHER` charges, order-level charges (`DELIVERY_TIP`) and types Amazon may add later.
    public var other: Decimal
    /// All `TAX`.
    public var tax: Decimal
    /// All `DISCOUNT` (negative).
    public var discount: Decimal
    /// What the charges add up to.
    public var computedTotal: Decimal
    /// Amazon's `grandTotal`, when it sent one.
    public var grandTotal: Decimal?

    /// The grand total minus what the charges add up to (zero when they reconcile).
    public var difference: Decimal? { grandTotal.map { $0 - computedTotal } }

    public init(
        currencyCode: String, subtotal: Decimal = 0, shipping: Decimal = 0, shippingTax: Decimal = 0, giftWrap: Decimal = 0,
        codFee: Decimal = 0, other: Decimal = 0, tax: Decimal = 0, discount: Decimal = 0, computedTotal: Decimal = 0,
        grandTotal: Decimal? = nil
    ) {
        self.currencyCode = currencyCode
        self.subtotal = subtotal
        self.shipping = shipping
        self.shippingTax = shippingTax
        self.giftWrap = giftWrap
        self.codFee = codFee
        self.other = other
        self.tax = tax
        self.discount = discount
        self.computedTotal = computedTotal
        self.grandTotal = grandTotal
    }

    /// An amount of these totals as `Money`.
    public func money(_ amount: Decimal) -> Money { Money(amount, currencyCode) }
}

/// Whether an order's money can be booked.
public enum Reconciliation: Hashable, Sendable {
    /// The lines' charges add up to the grand total, all in one currency.
    case reconciles(OrderTotals)
    /// No money yet (Amazon withholds it while Pending), or a source that sends none.
    case noMoney
    /// The charges do not add up to the grand total.
    case mismatch(OrderTotals)
    /// A line's own parts do not add up: its `proceedsTotal` is not the sum of its charges, or a
    /// tax or discount's details are not the sum of the charge. No tolerance applies.
    case lineMismatch(OrderTotals, line: OrderItemID, detail: String)
    /// Amazon sent a grand total but no amount on any line.
    case noLineMoney(OrderTotals)
    /// Amounts in more than one currency.
    case mixedCurrencies([String])

    /// Why the money cannot be booked, in words safe to show; `nil` when it can.
    public var problem: String? {
        switch self {
        case .reconciles, .noMoney: nil
        case .mismatch(let totals):
            "the lines' charges add up to \(totals.computedTotal) \(totals.currencyCode) but Amazon's grand total is \(totals.grandTotal.map { "\($0)" } ?? "-") \(totals.currencyCode) (difference \(totals.difference.map { "\($0)" } ?? "-"))"
        case .lineMismatch(_, let line, let detail): "line \(line): \(detail)"
        case .noLineMoney(let totals): "Amazon sent a grand total of \(totals.grandTotal.map { "\($0)" } ?? "-") \(totals.currencyCode) but no amount on any line"
        case .mixedCurrencies(let codes): "amounts in several currencies (\(codes.joined(separator: ", ")))"
        }
    }

    /// The totals, when the money is in one currency (whether or not it reconciles).
    public var totals: OrderTotals? {
        switch self {
        case .reconciles(let totals), .mismatch(let totals), .lineMismatch(let totals, _, _), .noLineMoney(let totals): totals
        case .noMoney, .mixedCurrencies: nil
        }
    }
}

extension ChannelOrder {
    /// The order's money, summed from its lines and order-level charges, and checked against the
    /// grand total.
    public var reconciliation: Reconciliation {
        var currencies = Set<String>()
        var totals = OrderTotals(currencyCode: "")
        var any = false
        func add(_ charge: Charge) {
            any = true
            currencies.insert(charge.amount.currencyCode)
            for detail in charge.details ?? [] { currencies.insert(detail.amount.currencyCode) }
            let amount = charge.amount.amount
            totals.computedTotal += amount
            switch charge.type {
            case Charge.item: totals.subtotal += amount
            case Charge.shipping: totals.shipping += amount
            case Charge.giftWrap: totals.giftWrap += amount
            case Charge.codFee: totals.codFee += amount
            case Charge.tax:
                totals.tax += amount
                totals.shippingTax += charge.details == nil ? 0 : charge.part(Charge.shipping)
            case Charge.discount: totals.discount += amount
            default: totals.other += amount
            }
        }
        for line in lines {
            for charge in line.moneyCharges { add(charge) }
            for amount in [line.proceedsTotal, line.unitPrice].compactMap({ $0 }) { currencies.insert(amount.currencyCode) }
        }
        for charge in orderCharges ?? [] {
            // Order-level categories other than the tip aggregate the lines': counted once, there.
            if charge.type == Charge.deliveryTip { add(charge) } else { currencies.insert(charge.amount.currencyCode) }
        }
        if let total = orderTotal {
            currencies.insert(total.currencyCode)
            totals.grandTotal = total.amount
        }
        guard any || orderTotal != nil else { return .noMoney }
        guard currencies.count <= 1 else { return .mixedCurrencies(currencies.sorted()) }
        totals.currencyCode = currencies.first ?? ""
        guard any else { return .noLineMoney(totals) }
        // Each line's own parts add up too: its total, and each tax or discount's details.
        for line in lines {
            let sum = line.moneyCharges.reduce(Decimal(0)) { $0 + $1.amount.amount }
            if let total = line.proceedsTotal, total.amount != sum {
                return .lineMismatch(totals, line: line.orderItemID, detail: "Amazon's proceedsTotal is \(total.amount) but the line's charges add up to \(sum)")
            }
            for charge in line.moneyCharges {
                guard let details = charge.details, !details.isEmpty else { continue }
                let parts = details.reduce(Decimal(0)) { $0 + $1.amount.amount }
                if parts != charge.amount.amount {
                    return .lineMismatch(totals, line: line.orderItemID, detail: "its \(charge.type) of \(charge.amount.amount) has details adding up to \(parts)")
                }
            }
        }
        if let grand = totals.grandTotal, grand != totals.computedTotal { return .mismatch(totals) }
        return .reconciles(totals)
    }
}
