import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import RequestSigning
import SalesChannel
import Synchronization

/// Who is calling: a declared token, presented as a bearer token or through a dashboard session.
struct Caller: Sendable {
    var name: String
    var role: APIToken.Role
    /// The dashboard session the caller came through (`nil` for a bearer token).
    var session: DashboardSession?

    /// The caller of the request being handled, for the generated API handlers, which see only
    /// their input.
    @TaskLocal static var current: Caller?

    /// Throws 403 unless the caller's role is at least `role`.
    static func require(_ role: APIToken.Role) throws(Problem) {
        guard let caller = current else { throw Problem.unauthorized() }
        guard caller.role >= role else {
            throw Problem(.forbidden, title: "Forbidden", detail: "the token `\(caller.name)` is a \(caller.role.rawValue); this needs an \(role.rawValue)")
        }
    }
}

/// The request context of every route: Hummingbird's core plus the authenticated caller.
struct APIRequestContext: AuthRequestContext, RequestContext {
    var coreContext: CoreRequestContextStorage
    var identity: Caller?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
    }
}

/// Authenticates `Authorization: Bearer TOKEN` against the declared tokens.
struct BearerTokenAuthenticator: AuthenticatorMiddleware {
    typealias Context = APIRequestContext
    let tokens: TokenBook

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        guard let bearer = request.headers.bearer, let token = tokens.token(presented: bearer.token) else { return nil }
        return Caller(name: token.name, role: token.role)
    }
}

/// Authenticates the dashboard's session cookie.
struct SessionCookieAuthenticator: AuthenticatorMiddleware {
    typealias Context = APIRequestContext
    let sessions: DashboardSessions

    func authenticate(request: Request, context: Context) async throws -> Caller? {
        guard let id = request.cookies[DashboardSessions.cookieName]?.value, let session = sessions.session(id) else { return nil }
        return Caller(name: session.tokenName, role: session.role, session: session)
    }
}

/// Answers 401 (problem+json, with `WWW-Authenticate`) when no authenticator found a caller,
/// and makes the caller ``Caller/current`` for what follows.
struct RequireCaller: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let caller = context.identity else { throw Problem.unauthorized() }
        return try await Caller.$current.withValue(caller) { try await next(request, context) }
    }
}

/// A dashboard login: which token logged in, its role, and the form token every write must
/// carry (CSRF).
struct DashboardSession: Sendable {
    var id: String
    var tokenName: String
    var role: APIToken.Role
    var csrf: String
    var expires: Date
}

/// The dashboard's sessions, in this process's memory, expiring on the deployment's clock.
///
/// A session lives as long as `http.sessionMinutes` from its login; a restart ends every
/// session (logging in again takes the token once more).
final class DashboardSessions: Sendable {
    static let cookieName = "saleschannel_session"
    let lifetime: TimeInterval
    let clock: any SalesChannelClock
    private let sessions = Mutex<[String: DashboardSession]>([:])

    init(lifetime: TimeInterval, clock: any SalesChannelClock) {
        self.lifetime = lifetime
        self.clock = clock
    }

    /// Starts a session for `token`.
    func start(for token: APIToken) -> DashboardSession {
        let now = clock.now()
        let session = DashboardSession(id: Self.randomToken(), tokenName: token.name, role: token.role, csrf: Self.randomToken(), expires: now.addingTimeInterval(lifetime))
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > now }
            sessions[session.id] = session
        }
        return session
    }

    /// The live session with this id (`nil` when unknown or expired).
    func session(_ id: String) -> DashboardSession? {
        let now = clock.now()
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expires > now else {
                sessions[id] = nil
                return nil
            }
            return session
        }
    }

    func end(_ id: String) { sessions.withLock { $0[id] = nil } }

    /// 32 random bytes in hex, from the system's secure generator.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

/// Refuses a request body over `bytes` (413) before anything reads it: the generated code would
/// otherwise take a body of any size into memory.
struct BodyLimit: RouterMiddleware {
    typealias Context = APIRequestContext
    let bytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let tooLarge = Problem(.contentTooLarge, detail: "a request body may be at most \(bytes) bytes")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > bytes { throw tooLarge }
        var request = request
        do { _ = try await request.collectBody(upTo: bytes) } catch let error as HTTPError where error.status == .contentTooLarge { throw tooLarge }
        return try await next(request, context)
    }
}
