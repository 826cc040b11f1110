/// Percent-encoding and path rules of SigV4's canonical request.
enum SigV4Encoding {
    /// `A-Z a-z 0-9 - . _ ~` stay; every other byte becomes `%XX` with uppercase hex.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static let upperHex = Array("0123456789ABCDEF".utf8)

    /// Appends the encoding of `bytes` to `out`; `/` is kept when `keepSlash`.
    static func encode(_ bytes: some Sequence<UInt8>, keepSlash: Bool, into out: inout [UInt8]) {
        for byte in bytes {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHex[Int(byte >> 4)])
                out.append(upperHex[Int(byte & 0x0F)])
            }
        }
    }

    /// The encoding of a string, as AWS asks for query values and presigned parameters.
    static func encode(_ string: String, keepSlash: Bool = false) -> String {
        var out: [UInt8] = []
        encode(string.utf8, keepSlash: keepSlash, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the canonical form of one query key or value: decoded, then strictly re-encoded.
    /// Text that is already canonical (unreserved bytes and uppercase `%XX`) is copied as it is.
    static func appendCanonical(_ raw: ArraySlice<UInt8>, into out: inout [UInt8]) {
        var canonical = true
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if isUnreserved(byte) {
                index += 1
            } else if byte == UInt8(ascii: "%"), index + 2 < raw.endIndex, isUpperHex(raw[index + 1]), isUpperHex(raw[index + 2]),
                !isUnreserved(hexByte(raw[index + 1], raw[index + 2]))
            {
                index += 3
            } else {
                canonical = false
                break
            }
        }
        if canonical {
            out.append(contentsOf: raw)
        } else {
            encode(decode(raw), keepSlash: false, into: &out)
        }
    }

    private static func isUpperHex(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }

    private static func hexByte(_ high: UInt8, _ low: UInt8) -> UInt8 {
        (hexValue(high) ?? 0) << 4 | (hexValue(low) ?? 0)
    }

    /// Decodes `%XX` escapes; a `%` not followed by two hex digits is kept as it is.
    static func decode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        guard input.contains(UInt8(ascii: "%")) else { return input }
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
                let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(input[index])
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Removes `.` and `..` segments and empty segments (`//`), keeping a trailing slash, as
    /// SigV4 asks of every service but S3. The result always starts with `/`.
    static func normalize(path: [UInt8]) -> [UInt8] {
        if isNormal(path) { return path }
        return removeDotSegments(path)
    }

    /// A path that starts with `/` and has no empty, `.` or `..` segment is already normal.
    static func isNormal(_ path: [UInt8]) -> Bool {
        guard path.first == UInt8(ascii: "/") else { return false }
        var segmentStart = 1
        for index in 1...path.count {
            if index == path.count || path[index] == UInt8(ascii: "/") {
                let length = index - segmentStart
                if length == 0 && index != path.count { return false }
                if length == 1 && path[segmentStart] == UInt8(ascii: ".") { return false }
                if length == 2 && path[segmentStart] == UInt8(ascii: ".") && path[segmentStart + 1] == UInt8(ascii: ".") { return false }
                segmentStart = index + 1
            }
        }
        return true
    }

    static func removeDotSegments(_ path: [UInt8]) -> [UInt8] {
        var segments: [ArraySlice<UInt8>] = []
        for segment in path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if segment.elementsEqual(".".utf8) { continue }
            if segment.elementsEqual("..".utf8) {
                _ = segments.popLast()
                continue
            }
            segments.append(segment)
        }
        var out: [UInt8] = [UInt8(ascii: "/")]
        for (index, segment) in segments.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "/")) }
            out.append(contentsOf: segment)
        }
        let endsInDirectory = path.last == UInt8(ascii: "/")
        if endsInDirectory && !segments.isEmpty { out.append(UInt8(ascii: "/")) }
        return out
    }
}
