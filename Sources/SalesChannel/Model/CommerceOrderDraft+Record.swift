import Foundation

extension CommerceOrderDraft {
    /// The commerce order a record asks for: each line's unit price, item amount, tax and
    /// discount; the order's shipping and its tax, gift wrap, fees, discount, tax total and
    /// Amazon's grand total, all from Amazon's breakdown.
    public init(record: OrderRecord, plan: Effect.CommercePlan) {
        let order = record.order
        let lines = order.lines.map { line in
            let currency = line.moneyCharges.first?.amount.currencyCode ?? line.unitPrice?.currencyCode
            return CommerceOrderLine(
                orderItemID: line.orderItemID, sku: line.sku, title: line.title, quantity: line.quantityOrdered,
                quantityShipped: plan.status == .complete ? line.quantityOrdered : 0,
                rowTotal: line.itemPrice, tax: currency.map { Money(line.rowTax, $0) }, unitPrice: line.unitPrice,
                discount: currency.map { Money(line.rowDiscount, $0) })
        }
        self.init(
            amazonOrderID: order.amazonOrderID, requestedNumber: plan.requestedNumber, status: plan.status, lines: lines,
            subtotal: nil, tax: nil, grandTotal: order.orderTotal, customer: record.customer ?? .guest,
            affectsInventory: plan.affectsInventory, shippingAddress: order.shippingAddress)
        switch order.reconciliation.totals {
        case let totals?:
            self.subtotal = totals.money(totals.subtotal)
            self.tax = totals.money(totals.tax)
            self.grandTotal = order.orderTotal ?? totals.money(totals.computedTotal)
            self.charges = CommerceCharges(
                shipping: totals.money(totals.shipping), shippingTax: totals.money(totals.shippingTax), giftWrap: totals.money(totals.giftWrap),
                codFee: totals.money(totals.codFee), other: totals.money(totals.other), discount: totals.money(totals.discount))
        case nil:
            break
        }
    }
}
