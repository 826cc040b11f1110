import AWSServices
import AsyncHTTPClient
import ChildProcesses
import Foundation
import NIOCore
import NIOHTTP1
import RequestSigning
import Synchronization

/// A `moto_server` (PyPI `moto[server]`) on a free loopback port, checking every signature
/// after the bootstrap: the first three calls (an IAM user allowed everything, its policy and
/// its access key, made by ``bootstrap(http:)``) are served unchecked, every later one must be
/// signed with a key moto's IAM knows. It serves SQS, STS and IAM on one port.
public final class ThrowawayMoto: Sendable {
    public let port: Int
    let process: ChildProcess
    let folder: URL
    private let stopped = Mutex(false)
    public var endpoint: String { "http://127.0.0.1:\(port)/" }

    /// Whether `moto_server` can be started here.
    public static var isAvailable: Bool { executable() != nil }
    public static let skipReason = "needs moto_server: pip install 'moto[server]'"

    static func executable() -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin").split(separator: ":")
        return paths.map { "\($0)/moto_server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts the server (it is ready once ``waitUntilReady(http:)`` returns).
    public init() throws {
        guard let executable = Self.executable() else { throw Failure(Self.skipReason) }
        port = try Self.freePort()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("saleschannel-moto-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        // A process group of its own: `moto_server` may be a launcher (a pyenv shim) whose
        // Python child must be stopped with it.
        do {
            process = try ChildProcess(
                executable: executable, arguments: ["-H", "127.0.0.1", "-p", String(port)], environment: environment,
                standardOutput: .file(folder.appendingPathComponent("moto.log").path), standardError: .standardOutput, ownProcessGroup: true)
        } catch { throw Failure("could not start moto_server: \(error)") }
    }

    deinit { stop() }

    /// Stops the server and whatever it started (SIGKILL to its process group: the development
    /// server may ignore gentler signals).
    public func stop() {
        guard !stopped.withLock({ stopped in defer { stopped = true }; return stopped }) else { return }
        process.signalGroup(SIGKILL)
        process.signal(SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Waits until the server answers, up to 30 seconds.
    public func waitUntilReady(http: HTTPClient) async throws {
        for _ in 0..<300 {
            if let response = try? await http.execute(HTTPClientRequest(url: endpoint + "moto-api/"), timeout: .seconds(1)), response.status.code < 500 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOf: folder.appendingPathComponent("moto.log"), encoding: .utf8)) ?? ""
        throw Failure("moto_server did not start on port \(port): \(log.suffix(1000))")
    }

    /// Makes the three unchecked calls: an IAM user `saleschannel` allowed everything, and its
    /// access key, which every later call must be signed with.
    public func bootstrap(http: HTTPClient) async throws -> AWSCredentials {
        let anyone = StaticCredentialProvider(AWSCredentials(accessKeyID: "AKIABOOTSTRAP", secretAccessKey: "unused"))
        let iam = AWSQueryClient(service: "iam", version: "2010-05-08", region: "us-east-1", endpoint: endpoint, credentials: anyone, http: http)
        _ = try await iam.call("CreateUser", [("UserName", "saleschannel")])
        _ = try await iam.call("PutUserPolicy", [("UserName", "saleschannel"), ("PolicyName", "all"), ("PolicyDocument", Self.allowEverything)])
        let key = try await iam.call("CreateAccessKey", [("UserName", "saleschannel")])
        guard let id = AWSQueryClient.value(of: "AccessKeyId", in: key), let secret = AWSQueryClient.value(of: "SecretAccessKey", in: key) else {
            throw Failure("moto's CreateAccessKey answer has no key")
        }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret)
    }

    /// An IAM client signed with `credentials` (after ``bootstrap(http:)``).
    public func iam(_ credentials: AWSCredentials, http: HTTPClient) -> AWSQueryClient {
        AWSQueryClient(service: "iam", version: "2010-05-08", region: "us-east-1", endpoint: endpoint, credentials: StaticCredentialProvider(credentials), http: http)
    }

    public static let allowEverything = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure("no socket for finding a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw Failure("could not find a free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
