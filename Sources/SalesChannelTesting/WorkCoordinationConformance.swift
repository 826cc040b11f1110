import Foundation
import SalesChannel

/// The contract of ``WorkCoordination`` (a store several processes share), as checks. Each
/// check gets a fresh store timed by the ``TestClock`` it is given, which the check advances.
///
/// ```swift
/// try await WorkCoordinationConformance { clock in MyStore(…fresh…, leaseClock: clock) }.run()
/// ```
public struct WorkCoordinationConformance: Sendable {
    public let makeCoordination: @Sendable (TestClock) async throws -> any WorkCoordination

    public init(makeCoordination: @escaping @Sendable (TestClock) async throws -> any WorkCoordination) {
        self.makeCoordination = makeCoordination
    }

    public static let checks = [
        "a source is leased to one worker at a time, renewed by its holder",
        "a lease that runs out is taken over; its former holder learns it lost it",
        "a retired worker's leases are free at once",
        "of workers racing for a free source, exactly one gets it",
        "heartbeats list the other live workers, not the dead or retired",
    ]

    static func worker(_ name: String) -> WorkerIdentity { WorkerIdentity(id: "host/\(name)", host: "host", pid: 1) }

    public func run() async throws {
        try await oneHolder()
        try await takeOver()
        try await retirement()
        try await race()
        try await heartbeats()
    }

    func oneHolder() async throws {
        let check = Self.checks[0]
        let clock = TestClock()
        let store = try await makeCoordination(clock)
        let (a, b) = (Self.worker("a"), Self.worker("b"))
        try require(try await store.leaseSource("mfn", for: a, ttl: 30), check, "a free source was not leased")
        try require(!(try await store.leaseSource("mfn", for: b, ttl: 30)), check, "a held source was leased to a second worker")
        try require(try await store.leaseSource("fba", for: b, ttl: 30), check, "another source was not leased to the second worker")
        for _ in 0..<4 {
            clock.advance(by: 20)
            try require(try await store.leaseSource("mfn", for: a, ttl: 30), check, "the holder could not renew its lease")
            try require(!(try await store.leaseSource("mfn", for: b, ttl: 30)), check, "a renewed lease went to another worker")
        }
    }

    func takeOver() async throws {
        let check = Self.checks[1]
        let clock = TestClock()
        let store = try await makeCoordination(clock)
        let (a, b) = (Self.worker("a"), Self.worker("b"))
        _ = try await store.leaseSource("mfn", for: a, ttl: 30)
        clock.advance(by: 29)
        try require(!(try await store.leaseSource("mfn", for: b, ttl: 30)), check, "taken over before it ran out")
        clock.advance(by: 2)
        try require(try await store.leaseSource("mfn", for: b, ttl: 30), check, "not taken over once it ran out")
        try require(!(try await store.leaseSource("mfn", for: a, ttl: 30)), check, "the former holder renewed a lease it had lost")
    }

    func retirement() async throws {
        let check = Self.checks[2]
        let clock = TestClock()
        let store = try await makeCoordination(clock)
        let (a, b) = (Self.worker("a"), Self.worker("b"))
        _ = try await store.heartbeat(a, ttl: 30)
        _ = try await store.leaseSource("mfn", for: a, ttl: 30)
        _ = try await store.leaseSource("fba", for: a, ttl: 30)
        try await store.retire(a)
        try require(try await store.leaseSource("mfn", for: b, ttl: 30), check, "a retired worker's lease was not free")
        try require(try await store.leaseSource("fba", for: b, ttl: 30), check, "a retired worker's second lease was not free")
        try require(try await store.heartbeat(b, ttl: 30).isEmpty, check, "a retired worker is still listed")
    }

    func race() async throws {
        let check = Self.checks[3]
        let clock = TestClock()
        let store = try await makeCoordination(clock)
        for round in 0..<5 {
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<8 { group.addTask { try await store.leaseSource("source-\(round)", for: Self.worker("w\(index)"), ttl: 30) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            try require(winners == 1, check, "\(winners) workers got source-\(round)")
        }
    }

    func heartbeats() async throws {
        let check = Self.checks[4]
        let clock = TestClock()
        let store = try await makeCoordination(clock)
        let (a, b, c) = (Self.worker("a"), Self.worker("b"), Self.worker("c"))
        try require(try await store.heartbeat(a, ttl: 30).isEmpty, check, "a lone worker sees peers")
        _ = try await store.heartbeat(b, ttl: 30)
        clock.advance(by: 1)
        _ = try await store.heartbeat(c, ttl: 30)
        let seen = try await store.heartbeat(a, ttl: 30).map(\.id)
        try require(seen == [b.id, c.id], check, "a sees \(seen), expected b and c, oldest first")
        clock.advance(by: 25)
        _ = try await store.heartbeat(c, ttl: 30)
        clock.advance(by: 10)
        let later = try await store.heartbeat(a, ttl: 30).map(\.id)
        try require(later == [c.id], check, "after b stopped beating a sees \(later), expected only c")
        try await store.retire(c)
        let last = try await store.heartbeat(a, ttl: 30).map(\.id)
        try require(last.isEmpty, check, "a retired worker is still listed: \(last)")
    }
}
