import Foundation

/// What an intake remembers between batches: the notices it has acted on (by `NotificationId`,
/// to drop a duplicate without another `getOrder`) and when each order was last refreshed (to
/// share one `getOrder` among a burst of notices). Bounded: entries older than `horizon` go.
actor IntakeMemory {
    private var handled: [String: Date] = [:]
    private var refreshed: [String: Date] = [:]
    private var updates: [String: Date] = [:]
    private let horizon: TimeInterval
    private var lastPrune = Date.distantPast

    init(horizon: TimeInterval = 3600) { self.horizon = horizon }

    func wasHandled(_ notificationID: String) -> Bool { handled[notificationID] != nil }

    func markHandled(_ notificationIDs: [String], at now: Date) {
        for id in notificationIDs { handled[id] = now }
        prune(now)
    }

    /// When a refresh of `orderID` last started.
    func lastRefresh(of orderID: String) -> Date? { refreshed[orderID] }

    func noteRefresh(of orderID: String, startedAt: Date) {
        if (refreshed[orderID] ?? .distantPast) < startedAt { refreshed[orderID] = startedAt }
    }

    /// The last update time (Amazon's) of the order's snapshot fetched last.
    func lastUpdate(of orderID: String) -> Date? { updates[orderID] }

    func noteUpdate(of orderID: String, lastUpdate: Date) {
        if (updates[orderID] ?? .distantPast) < lastUpdate { updates[orderID] = lastUpdate }
    }

    private func prune(_ now: Date) {
        guard now.timeIntervalSince(lastPrune) > horizon / 10 else { return }
        lastPrune = now
        let cutoff = now.addingTimeInterval(-horizon)
        handled = handled.filter { $0.value >= cutoff }
        refreshed = refreshed.filter { $0.value >= cutoff }
        updates = updates.filter { refreshed[$0.key] != nil }
    }
}
