import AsyncHTTPClient
import Foundation
import RequestSigning

/// Temporary credentials of a role, from STS `AssumeRole` signed with base credentials, kept
/// until shortly before they expire and then fetched again.
///
/// A refresh starts when less than `refreshMargin` (default five minutes, AWS SDKs' habit) or a
/// quarter of the session's length is left, whichever is smaller; however many calls need
/// credentials at once, one `AssumeRole` is in flight.
public actor AssumeRoleCredentialProvider: AWSCredentialProvider {
    public let roleARN: String
    public let sessionName: String
    let externalID: String?
    let durationSeconds: Int
    let refreshMargin: TimeInterval
    let sts: STSClient
    let now: @Sendable () -> Date
    private var cached: STSClient.TemporaryCredentials?
    private var cachedAt: Date?
    private var refreshing: Task<STSClient.TemporaryCredentials, any Error>?
    /// `AssumeRole` calls made, for tests and status.
    public private(set) var assumeCount = 0

    public init(
        roleARN: String, sessionName: String = "saleschannel", externalID: String? = nil, durationSeconds: Int = 3600,
        refreshMargin: TimeInterval = 300, sts: STSClient, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.externalID = externalID
        self.durationSeconds = durationSeconds
        self.refreshMargin = refreshMargin
        self.sts = sts
        self.now = now
    }

    public func credentials() async throws -> AWSCredentials {
        if let cached, let cachedAt {
            let margin = min(refreshMargin, cached.expiration.timeIntervalSince(cachedAt) / 4)
            if cached.expiration.timeIntervalSince(now()) > margin { return cached.credentials }
        }
        if let refreshing { return try await refreshing.value.credentials }
        let task = Task { try await self.assume() }
        refreshing = task
        defer { refreshing = nil }
        let fresh = try await task.value
        cached = fresh
        cachedAt = now()
        return fresh.credentials
    }

    public func invalidate() { cached = nil }

    /// When the credentials in hand expire (`nil` before the first call).
    public var expiration: Date? { cached?.expiration }

    private func assume() async throws -> STSClient.TemporaryCredentials {
        assumeCount += 1
        return try await sts.assumeRole(roleARN: roleARN, sessionName: sessionName, externalID: externalID, durationSeconds: durationSeconds)
    }
}
