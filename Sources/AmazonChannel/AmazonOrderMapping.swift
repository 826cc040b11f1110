import AmazonSellingPartner
import Foundation
import SalesChannel

/// Turns SP-API orders into SalesChannel's channel orders, and shipments into confirmShipment requests.
public enum AmazonOrderMapping {
    /// The channel order for an SP-API order of this seller.
    ///
    /// Money is taken as Amazon breaks it down (`ItemProceedsBreakdown`): the line's price is its
    /// `ITEM` charge (unit price × quantity), never its `proceedsTotal`, which also holds shipping,
    /// gift wrap, tax and discounts; every charge is kept with its details, unknown types under
    /// their own names. Without a breakdown the price is unit price × quantity.
    public static func channelOrder(_ order: Order, sellerID: SellerID) -> ChannelOrder {
        let status = AmazonOrderStatus(rawValue: order.fulfillment?.fulfillmentStatus.rawValue ?? "PENDING")
        let lines = order.orderItems.map { item in
            let unit = item.product.price?.unitPrice.map(money)
            let charges = item.proceeds?.breakdowns.map { $0.map(charge) }
            let itemCharge = charges?.filter { $0.type == Charge.item }.map(\.amount)
            let taxCharge = charges?.filter { $0.type == Charge.tax }.map(\.amount)
            var line = ChannelOrderLine(
                orderItemID: OrderItemID(item.orderItemId), sku: item.product.sellerSku ?? "", asin: item.product.asin ?? "",
                title: item.product.title ?? "", quantityOrdered: item.quantityOrdered,
                quantityShipped: item.fulfillment?.quantityFulfilled ?? 0,
                // With a breakdown, the price is its ITEM (zero without one); without, unit price × quantity.
                itemPrice: charges != nil
                    ? sum(itemCharge) ?? charges?.first.map { SalesChannel.Money(0, $0.amount.currencyCode) }
                    : unit.map { SalesChannel.Money($0.amount * Decimal(item.quantityOrdered), $0.currencyCode) },
                itemTax: sum(taxCharge))
            line.unitPrice = unit
            line.charges = charges
            line.proceedsTotal = item.proceeds?.proceedsTotal.map(money)
            line.promotionIDs = item.promotion?.breakdowns?.compactMap(\.promotionId)
            if let gift = item.fulfillment?.packing?.giftOption {
                line.gift = GiftOption(wrapLevel: gift.giftWrapLevel, message: gift.giftMessage)
            }
            line.taxReportingScheme = item.tax?.taxCalculationBreakdowns?.compactMap(\.reportingScheme).first
            line.taxCollectionModel = item.tax?.taxCollections?.compactMap(\.model).first
            line.iossNumber = item.fulfillment?.shipping?.internationalShipping?.iossNumber
            return line
        }
        let address = order.recipient?.deliveryAddress.map { address in
            PostalAddress(
                name: address.name, addressLines: [address.addressLine1, address.addressLine2, address.addressLine3].compactMap { $0 },
                city: address.city, stateOrRegion: address.stateOrRegion, postalCode: address.postalCode,
                countryCode: address.countryCode, phone: address.phone, companyName: address.companyName,
                districtOrCounty: address.districtOrCounty, municipality: address.municipality, addressType: address.addressType)
        }
        let cancelRequest = order.orderItems.compactMap(\.cancellation?.cancellationRequest).first { ($0.requester ?? "BUYER") == "BUYER" }
        var channelOrder = ChannelOrder(
            sellerID: sellerID, marketplaceID: MarketplaceID(order.salesChannel.marketplaceId ?? ""),
            amazonOrderID: AmazonOrderID(order.orderId),
            fulfillmentChannel: order.fulfillment?.fulfilledBy == "AMAZON" ? .amazon : .merchant, status: status,
            purchaseDate: order.createdTime, lastUpdateDate: order.lastUpdatedTime, lines: lines,
            buyer: order.buyer.map {
                Buyer(name: $0.buyerName, email: $0.buyerEmail, companyName: $0.buyerCompanyName, purchaseOrderNumber: $0.buyerPurchaseOrderNumber)
            },
            shippingAddress: address,
            orderTotal: order.proceeds?.grandTotal.map(money),
            buyerCancellationRequest: cancelRequest.map { BuyerCancellationRequest(reason: $0.cancelReason) })
        channelOrder.orderCharges = order.proceeds?.breakdowns?.map { Charge(type: $0.type, amount: money($0.subtotal), status: $0.status) }
        if let fulfillment = order.fulfillment,
            fulfillment.shipByWindow != nil || fulfillment.deliverByWindow != nil || fulfillment.fulfillmentServiceLevel != nil
        {
            channelOrder.fulfillmentDetails = FulfillmentDetails(
                shipBy: fulfillment.shipByWindow.map(range), deliverBy: fulfillment.deliverByWindow.map(range),
                serviceLevel: fulfillment.fulfillmentServiceLevel)
        }
        channelOrder.programs = order.programs
        channelOrder.taxRegistrations = order.tax?.taxRegistrations?.map {
            TaxRegistration(entityType: $0.entityType, type: $0.taxRegistrationType, number: $0.taxRegistrationNumber, legalName: $0.legalName)
        }
        return channelOrder
    }

    static func money(_ money: AmazonSellingPartner.Money) -> SalesChannel.Money { SalesChannel.Money(money.amount, money.currencyCode) }

    static func charge(_ breakdown: Order.OrderItem.ItemProceeds.Breakdown) -> Charge {
        Charge(
            type: breakdown.type, amount: money(breakdown.subtotal),
            details: breakdown.detailedBreakdowns?.compactMap { detail in
                detail.value.map { ChargeDetail(subtype: detail.subtype ?? "", amount: money($0)) }
            })
    }

    static func range(_ range: Order.DateTimeRange) -> DateRange { DateRange(earliest: range.earliestDateTime, latest: range.latestDateTime) }

    /// The sum of amounts; `nil` for none, or for amounts in several currencies (which the
    /// reconciliation then refuses from the charges themselves).
    static func sum(_ amounts: [SalesChannel.Money]?) -> SalesChannel.Money? {
        guard let amounts, let first = amounts.first, amounts.allSatisfy({ $0.currencyCode == first.currencyCode }) else { return nil }
        return SalesChannel.Money(amounts.reduce(Decimal(0)) { $0 + $1.amount }, first.currencyCode)
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
