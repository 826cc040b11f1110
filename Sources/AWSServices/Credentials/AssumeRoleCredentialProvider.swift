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
        let fresh: STSClient.TemporaryCredentials
        do {
            fresh = try await task.value
        } catch {
            // STS failed inside the refresh margin: the credentials in hand still sign until
            // they expire, and the next call tries STS again.
            if let cached, cached.expiration > now() { return cached.credentials }
            throw error
        }
        cached = fresh
        cachedAt = now()
        return fresh.credentials
    }

    /// Drops the credentials in hand, unless they were fetched again since the call that was
    /// refused was signed (several calls refused together fetch once).
    public func invalidate(accessKeyID: String) {
        if cached?.credentials.accessKeyID == accessKeyID { cached = nil }
    }

    public func invalidate() { cached = nil }

    /// When the credentials in hand expire (`nil` before the first call).
    public var expiration: Date? { cached?.expiration }

    private func assume() async throws -> STSClient.TemporaryCredentials {
        assumeCount += 1
        return try await sts.assumeRole(roleARN: roleARN, sessionName: sessionName, externalID: externalID, durationSeconds: durationSeconds)
    }
}
