import AmazonSellingPartner
import Foundation
import SalesChannel

/// Turns SP-API orders into SalesChannel's channel orders, and shipments into confirmShipment requests.
public enum AmazonOrderMapping {
    /// The channel order for an SP-API order of this seller.
    public static func channelOrder(_ order: Order, sellerID: SellerID) -> ChannelOrder {
        let status = AmazonOrderStatus(rawValue: order.fulfillment?.fulfillmentStatus.rawValue ?? "PENDING")
        let lines = order.orderItems.map { item in
            let unit = item.product.price?.unitPrice
            let price = item.proceeds?.proceedsTotal.map { SalesChannel.Money($0.amount, $0.currencyCode) }
                ?? unit.map { SalesChannel.Money($0.amount * Decimal(item.quantityOrdered), $0.currencyCode) }
            return ChannelOrderLine(
                orderItemID: OrderItemID(item.orderItemId), sku: item.product.sellerSku ?? "", asin: item.product.asin ?? "",
                title: item.product.title ?? "", quantityOrdered: item.quantityOrdered,
                quantityShipped: item.fulfillment?.quantityFulfilled ?? 0, itemPrice: price)
        }
        let address = order.recipient?.deliveryAddress.map { address in
            PostalAddress(
                name: address.name, addressLines: [address.addressLine1, address.addressLine2, address.addressLine3].compactMap { $0 },
                city: address.city, stateOrRegion: address.stateOrRegion, postalCode: address.postalCode,
                countryCode: address.countryCode, phone: address.phone)
        }
        let cancelRequest = order.orderItems.compactMap(\.cancellation?.cancellationRequest).first { ($0.requester ?? "BUYER") == "BUYER" }
        return ChannelOrder(
            sellerID: sellerID, marketplaceID: MarketplaceID(order.salesChannel.marketplaceId ?? ""),
            amazonOrderID: AmazonOrderID(order.orderId),
            fulfillmentChannel: order.fulfillment?.fulfilledBy == "AMAZON" ? .amazon : .merchant, status: status,
            purchaseDate: order.createdTime, lastUpdateDate: order.lastUpdatedTime, lines: lines,
            buyer: order.buyer.map { Buyer(name: $0.buyerName, email: $0.buyerEmail) }, shippingAddress: address,
            orderTotal: order.proceeds?.grandTotal.map { SalesChannel.Money($0.amount, $0.currencyCode) },
            buyerCancellationRequest: cancelRequest.map { BuyerCancellationRequest(reason: $0.cancelReason) })
    }

    /// One confirmShipment request per package (Amazon takes one package per call).
    public static func confirmations(for shipment: Shipment, of order: ChannelOrder) -> [ConfirmShipmentRequest] {
        shipment.packages.map { package in
            ConfirmShipmentRequest(
                marketplaceId: order.marketplaceID.rawValue,
                packageDetail: .init(
                    packageReferenceId: package.packageReferenceID, carrierCode: package.carrierCode, carrierName: package.carrierName,
                    shippingMethod: package.shippingMethod, trackingNumber: package.trackingNumber,
                    shipDate: SPAPIJSON.formatDate(package.shipDate),
                    orderItems: package.items.map { .init(orderItemId: $0.orderItemID.rawValue, quantity: $0.quantity) }))
        }
    }
}
