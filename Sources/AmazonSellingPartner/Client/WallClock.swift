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
