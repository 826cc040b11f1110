import Foundation

/// A way an answer departs from what the Orders v2026-01-01 model states about answers.
///
/// The client checks every order it receives and reports departures (a log line per rule and a
/// count in ``SellingPartnerClient/Statistics``) without refusing the order: the model's own
/// sandbox example of an Amazon-fulfilled order carries a `buyerEmail` that the model says only
/// merchant-fulfilled orders have.
public struct ModelDeviation: Hashable, Sendable, CustomStringConvertible {
    public var rule: Rule
    public var orderId: String
    public var detail: String

    public enum Rule: String, Hashable, Sendable, CaseIterable {
        /// `includedData`: "A list of datasets to include in the response."
        case datasetNotAskedFor = "dataset-not-asked-for"
        /// `Buyer.buyerEmail`: "Only available for merchant-fulfilled (FBM) orders."
        case buyerEmailMerchantOnly = "buyer-email-merchant-fulfilled-only"
        /// `Order.packages`: "Only available for merchant-fulfilled (FBM) orders."
        case packagesMerchantOnly = "packages-merchant-fulfilled-only"
        /// `ItemProceeds.proceedsTotal`, "The total monetary amount for this order item": the sum of its breakdowns.
        case proceedsTotalIsTheSum = "proceeds-total-is-the-sum-of-breakdowns"
        /// `ItemProceedsDetailedBreakdown`: "Further granular breakdown of the subtotal … only available for TAX and DISCOUNT".
        case detailedBreakdowns = "detailed-breakdowns"
        /// `OrderProceeds.breakdowns`: categories "aggregated across all order items" (`DELIVERY_TIP` at order level).
        case orderBreakdownsAggregateItems = "order-breakdowns-aggregate-items"
        /// `OrderProceeds.grandTotal`, "The total amount that the seller receives": the sum of the order's breakdowns.
        case grandTotalIsTheSum = "grand-total-is-the-sum-of-breakdowns"
        /// `ItemProceedsBreakdown.type` and `OrderProceedsBreakdown.type`: the documented categories.
        case knownBreakdownTypes = "known-breakdown-types"
        /// `ItemFulfillment`: units "processed and shipped" and units that "remain": together the quantity ordered.
        case quantitiesAddUp = "quantities-add-up"
    }

    public var description: String { "order \(orderId): \(rule.rawValue): \(detail)" }
}
