import AmazonChannel
import AmazonSellingPartner
import SalesChannel

/// Which source a notice belongs to: the Amazon source of its seller whose marketplaces include
/// the notice's and whose fulfilment channel is its `FulfillmentType` (`MFN` merchant, `AFN`
/// Amazon).
struct NotificationRouter: Sendable {
    struct Route: Sendable {
        var sellerID: String
        var marketplaces: Set<String>
        var fulfilledBy: FulfilledBy
        var sourceID: String
    }
    let routes: [Route]

    init(sources: [any OrderSource]) {
        routes = sources.compactMap { source in
            guard let amazon = source as? AmazonOrderSource else { return nil }
            return Route(sellerID: amazon.sellerID.rawValue, marketplaces: Set(amazon.marketplaceIDs), fulfilledBy: amazon.fulfilledBy, sourceID: amazon.id)
        }
    }

    /// The source id, or why none serves the notice.
    func route(_ change: OrderChangeNotification) -> Result<String, Unserved> {
        let channel: FulfilledBy? = switch change.fulfillmentType {
        case "MFN": .merchant
        case "AFN": .amazon
        default: nil
        }
        guard let channel else { return .failure(Unserved(reason: "fulfilment type `\(change.fulfillmentType)` is neither MFN nor AFN")) }
        let match = routes.first {
            $0.sellerID == change.sellerID && $0.marketplaces.contains(change.marketplaceID) && $0.fulfilledBy == channel
        }
        guard let match else {
            return .failure(Unserved(reason: "no source of this deployment serves seller \(change.sellerID), marketplace \(change.marketplaceID), "
                                     + (channel == .merchant ? "merchant-fulfilled (MFN)" : "Amazon-fulfilled (AFN)") + " orders"))
        }
        return .success(match.sourceID)
    }

    struct Unserved: Error { var reason: String }
}
