import Foundation
import Synchronization

/// Wall-clock time and waiting, as one injectable dependency.
///
/// SP-API rules are about wall time (`*Before` at least two minutes before the request, tokens
/// that expire after 24 hours, one token every 178 seconds), so the client, its rate limiter, the
/// token provider and the sandbox all read time through a `WallClock`. Production uses
/// ``system``; tests use a ``VirtualTime`` and move it instead of sleeping.
public struct WallClock: Sendable {
    /// The current time.
    public var now: @Sendable () -> Date
    /// Waits `seconds` (a virtual clock moves itself forward instead).
    public var sleep: @Sendable (_ seconds: TimeInterval) async throws -> Void

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (_ seconds: TimeInterval) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// The machine's clock, and `Task.sleep`.
    public static let system = WallClock(
        now: { Date() },
        sleep: { seconds in
            guard seconds > 0 else { return }
            try await Task.sleep(for: .milliseconds(Int((seconds * 1000).rounded(.up))))
        })
}

/// Time that moves only when a test moves it, or when something waits on it.
///
/// `clock.sleep(s)` advances the time by `s` at once, so a rate-limited walk that would take an
/// hour at Amazon's real rates runs in milliseconds, with every bucket and expiry computed from
/// the same virtual time on both sides of the HTTP connection.
public final class VirtualTime: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    /// The virtual now.
    public var now: Date { current.withLock { $0 } }

    /// Moves the time forward.
    public func advance(by seconds: TimeInterval) {
        guard seconds > 0 else { return }
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// A clock reading this time; waiting advances it.
    public var clock: WallClock {
        WallClock(now: { self.now }, sleep: { seconds in
            self.advance(by: seconds)
            await Task.yield()
        })
    }
}
