import Foundation

/// A raw HTTP/1.1 request as text: request line, header lines, a blank line, the body. This is
/// the AWS SigV4 test suite's `.req` format; `saleschannel sign --request-file` reads it.
///
/// The path is taken exactly as written (spaces and all), never parsed into a URL.
public struct RawHTTPRequest: Sendable, Hashable {
    public var method: String
    /// The request target as written, path and query.
    public var target: String
    public var version: String
    /// Header lines as written; a line that starts with a space or tab continues the one before.
    public var headerLines: [String]
    public var body: [UInt8]

    /// Parses the text. - Throws: ``SigningError`` when there is no request line.
    public init(parsing text: String) throws {
        var lines: [Substring] = []
        var rest = Substring(text)
        var body: Substring = ""
        while !rest.isEmpty {
            guard let newline = rest.firstIndex(of: "\n") else {
                lines.append(rest)
                rest = ""
                break
            }
            let line = rest[rest.startIndex..<newline].trimmingSuffix("\r")
            rest = rest[rest.index(after: newline)...]
            if line.isEmpty && !lines.isEmpty {
                body = rest
                rest = ""
                break
            }
            lines.append(line)
        }
        guard let requestLine = lines.first, let firstSpace = requestLine.firstIndex(of: " ") else {
            throw SigningError("no request line (`METHOD /path HTTP/1.1`)")
        }
        method = String(requestLine[..<firstSpace])
        let afterMethod = requestLine[requestLine.index(after: firstSpace)...]
        if let versionStart = afterMethod.range(of: " HTTP/", options: .backwards) {
            target = String(afterMethod[..<versionStart.lowerBound])
            version = String(afterMethod[afterMethod.index(after: versionStart.lowerBound)...])
        } else {
            target = String(afterMethod)
            version = "HTTP/1.1"
        }
        headerLines = lines.dropFirst().map(String.init)
        self.body = Array(body.utf8)
    }

    /// Headers with continuation lines folded into the header they continue.
    public var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        for line in headerLines {
            if let first = line.first, first == " " || first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        return headers
    }

    /// The request to sign: the target split at its first `?`, used as written.
    public var signable: SignableRequest {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return SignableRequest(
            method: method, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : "", headers: headers, body: body)
    }

    /// The request as it goes out once signed, in the suite's `.sreq` layout: the original lines,
    /// the headers signing added, then `Authorization`, then the body.
    public func signedText(_ signed: SignableRequest) -> String {
        let original = Set(headers.map { $0.name.lowercased() })
        var lines = ["\(method) \(target) \(version)"] + headerLines
        for header in signed.headers where !original.contains(header.name.lowercased()) && header.name.lowercased() != "authorization" {
            lines.append("\(header.name):\(header.value)")
        }
        if let authorization = signed.header("authorization") { lines.append("Authorization: \(authorization)") }
        var text = lines.joined(separator: "\n")
        if !body.isEmpty { text += "\n\n" + String(decoding: body, as: UTF8.self) }
        return text
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ character: Character) -> Substring {
        last == character ? dropLast() : self
    }
}
