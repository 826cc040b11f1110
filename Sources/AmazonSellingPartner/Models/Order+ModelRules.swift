import Foundation

extension Order {
    static let itemBreakdownTypes: Set<String> = ["ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "TAX", "DISCOUNT"]
    static let orderBreakdownTypes: Set<String> = itemBreakdownTypes.union(["DELIVERY_TIP"])

    /// Where this order departs from what the model states about answers, for a request that
    /// asked for `included` datasets.
    public func deviations(askedFor included: Set<IncludedData>) -> [ModelDeviation] {
        var found: [ModelDeviation] = []
        func note(_ rule: ModelDeviation.Rule, _ detail: String) { found.append(ModelDeviation(rule: rule, orderId: orderId, detail: detail)) }
        let datasets: [(IncludedData, Bool)] = [
            (.buyer, buyer != nil), (.recipient, recipient != nil),
            (.proceeds, proceeds != nil || orderItems.contains { $0.proceeds != nil }),
            (.fulfillment, fulfillment != nil || orderItems.contains { $0.fulfillment != nil }),
            (.packages, packages != nil), (.cancellation, orderItems.contains { $0.cancellation != nil }),
            (.promotion, orderItems.contains { $0.promotion != nil }), (.tax, tax != nil || orderItems.contains { $0.tax != nil }),
        ]
        for (dataset, present) in datasets where present && !included.contains(dataset) {
            note(.datasetNotAskedFor, "\(dataset.rawValue) is present but was not asked for")
        }
        let amazonFulfilled = fulfillment?.fulfilledBy == "AMAZON"
        if amazonFulfilled, buyer?.buyerEmail != nil { note(.buyerEmailMerchantOnly, "an Amazon-fulfilled order carries buyerEmail") }
        if amazonFulfilled, packages != nil { note(.packagesMerchantOnly, "an Amazon-fulfilled order carries packages") }

        var itemSums: [String: Decimal] = [:]
        for item in orderItems {
            if let fulfilled = item.fulfillment, let done = fulfilled.quantityFulfilled, let open = fulfilled.quantityUnfulfilled,
                done + open != item.quantityOrdered
            {
                note(.quantitiesAddUp, "item \(item.orderItemId): \(done) shipped + \(open) open ≠ \(item.quantityOrdered) ordered")
            }
            guard let proceeds = item.proceeds, let breakdowns = proceeds.breakdowns else { continue }
            for breakdown in breakdowns {
                if !Self.itemBreakdownTypes.contains(breakdown.type) { note(.knownBreakdownTypes, "item \(item.orderItemId): type \(breakdown.type)") }
                itemSums[breakdown.type, default: 0] += breakdown.subtotal.amount
                guard let details = breakdown.detailedBreakdowns, !details.isEmpty else { continue }
                if breakdown.type != "TAX" && breakdown.type != "DISCOUNT" {
                    note(.detailedBreakdowns, "item \(item.orderItemId): \(breakdown.type) has a detailed breakdown")
                }
                let sum = details.reduce(Decimal(0)) { $0 + ($1.value?.amount ?? 0) }
                if sum != breakdown.subtotal.amount {
                    note(.detailedBreakdowns, "item \(item.orderItemId): \(breakdown.type) details sum to \(sum), subtotal \(breakdown.subtotal.amount)")
                }
            }
            let sum = breakdowns.reduce(Decimal(0)) { $0 + $1.subtotal.amount }
            if let total = proceeds.proceedsTotal, total.amount != sum {
                note(.proceedsTotalIsTheSum, "item \(item.orderItemId): proceedsTotal \(total.amount), breakdowns sum to \(sum)")
            }
        }
        if let order = proceeds?.breakdowns, !order.isEmpty {
            for breakdown in order where !Self.orderBreakdownTypes.contains(breakdown.type) {
                note(.knownBreakdownTypes, "order: type \(breakdown.type)")
            }
            if orderItems.allSatisfy({ $0.proceeds?.breakdowns != nil }) {
                let orderSums = Dictionary(order.map { ($0.type, $0.subtotal.amount) }, uniquingKeysWith: +)
                for type in Set(orderSums.keys).union(itemSums.keys) where type != "DELIVERY_TIP" && orderSums[type] ?? 0 != itemSums[type] ?? 0 {
                    note(.orderBreakdownsAggregateItems, "\(type): order \(orderSums[type] ?? 0), items \(itemSums[type] ?? 0)")
                }
            }
            let sum = order.reduce(Decimal(0)) { $0 + $1.subtotal.amount }
            if let total = proceeds?.grandTotal, total.amount != sum {
                note(.grandTotalIsTheSum, "grandTotal \(total.amount), breakdowns sum to \(sum)")
            }
        }
        return found
    }
}
