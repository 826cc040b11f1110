import Foundation
import RequestSigning

/// Credentials from AWS's shared credentials file (`~/.aws/credentials`, or
/// `AWS_SHARED_CREDENTIALS_FILE`), one profile of it (`default`, or `AWS_PROFILE`):
///
/// ```ini
/// [saleschannel]
/// aws_access_key_id = AKIA…
/// aws_secret_access_key = …
/// aws_session_token = …   ; temporary credentials only
/// ```
///
/// The file is read at each call (it is small), so credentials another tool rewrites there are
/// followed.
public struct SharedCredentialsFileProvider: AWSCredentialProvider {
    public let path: String
    public let profile: String

    public init(path: String, profile: String) {
        self.path = path
        self.profile = profile
    }

    /// The file and profile AWS's tools would use, given an environment and a home folder.
    public static func standard(environment: [String: String], home: String? = nil) -> SharedCredentialsFileProvider {
        let home = home ?? environment["HOME"] ?? NSHomeDirectory()
        let path = environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.aws/credentials"
        let profile = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        return SharedCredentialsFileProvider(path: path, profile: profile)
    }

    public func credentials() async throws -> AWSCredentials { try load() }

    /// The credentials the file's profile holds now.
    public func load() throws -> AWSCredentials {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AWSCredentialsError("cannot read the AWS credentials file \(path)")
        }
        let sections = Self.parse(String(decoding: data, as: UTF8.self))
        guard let fields = sections[profile] else {
            throw AWSCredentialsError("the AWS credentials file \(path) has no profile [\(profile)] (it has: \(sections.keys.sorted().joined(separator: ", ")))")
        }
        guard let key = fields["aws_access_key_id"], !key.isEmpty else {
            throw AWSCredentialsError("profile [\(profile)] of \(path) has no aws_access_key_id")
        }
        guard let secret = fields["aws_secret_access_key"], !secret.isEmpty else {
            throw AWSCredentialsError("profile [\(profile)] of \(path) has no aws_secret_access_key")
        }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: fields["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The INI file's sections: `[name]` headers, `key = value` lines, `#` and `;` comment lines.
    /// Keys are compared in lower case, as AWS's tools do; a `[profile name]` header (the config
    /// file's spelling) names `name`.
    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst("profile ".count)).trimmingCharacters(in: .whitespaces) }
                current = name
                sections[name, default: [:]] = sections[name, default: [:]]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current]?[key] = value
        }
        return sections
    }
}
