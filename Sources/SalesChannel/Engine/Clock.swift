import Foundation

/// Where SalesChannel reads the time and waits: the engine, the runner, the sync and the
/// sources take one, so that retries, leases, sweeps and expiries can be tested on a clock
/// a test moves (``SystemClock`` in production; `TestClock` in `SalesChannelTesting`).
public protocol SalesChannelClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Waits `seconds` of this clock's time. Throws `CancellationError` when the task is
    /// cancelled.
    func sleep(seconds: Double) async throws
}

/// The machine's clock.
public struct SystemClock: SalesChannelClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return await Task.yield() }
        try await Task.sleep(for: .seconds(seconds))
    }
}
