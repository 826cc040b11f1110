/// What running an effect achieved; folded back into the record by ``Workflow/apply(_:of:to:now:)``.
public enum EffectOutcome: Hashable, Sendable {
    case customerAssigned(CustomerAssignment)
    case commerceOrderCreated(CommerceOrder)
    case handedOff(sink: String, reference: String?)
    case handoffCanceled(sink: String)
    case commerceOrderCanceled
    case commerceShipmentRecorded(ShipmentID)
    case commerceOrderCompleted
    case shipmentConfirmed(ShipmentID)
    case notified
}
