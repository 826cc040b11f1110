import Foundation
import Synchronization

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
