import Foundation
import RequestSigning
import Testing

/// SHA-256 (NIST FIPS 180-2 examples) and HMAC-SHA256 (RFC 4231) known answers.
struct DigestTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func sha256KnownAnswers(_ input: String, _ expected: String) {
        #expect(Hex.encode(SHA256.hash(input)) == expected)
    }

    @Test func sha256OfAMillionAsStreamedInPieces() {
        let hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(Hex.encode(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func streamingEqualsOneShotAtEverySplit() {
        let data = Array("The quick brown fox jumps over the lazy dog".utf8)
        for split in 0...data.count {
            let hasher = SHA256()
            hasher.update(data[..<split])
            hasher.update(data[split...])
            #expect(hasher.finalize() == SHA256.hash(data))
        }
    }

    struct RFC4231: Sendable {
        var key: String
        var data: String
        var mac: String
        var truncate = false
    }

    static let rfc4231 = [
        RFC4231(key: String(repeating: "0b", count: 20), data: Hex.encode(Array("Hi There".utf8)),
                mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        RFC4231(key: Hex.encode(Array("Jefe".utf8)), data: Hex.encode(Array("what do ya want for nothing?".utf8)),
                mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        RFC4231(key: String(repeating: "aa", count: 20), data: String(repeating: "dd", count: 50),
                mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        RFC4231(key: "0102030405060708090a0b0c0d0e0f10111213141516171819", data: String(repeating: "cd", count: 50),
                mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        RFC4231(key: String(repeating: "0c", count: 20), data: Hex.encode(Array("Test With Truncation".utf8)),
                mac: "a3b6167473100ee06e0c796c2955552b", truncate: true),
        RFC4231(key: String(repeating: "aa", count: 131), data: Hex.encode(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)),
                mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        RFC4231(key: String(repeating: "aa", count: 131),
                data: Hex.encode(Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8)),
                mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: rfc4231)
    func hmacRFC4231(_ vector: RFC4231) throws {
        let mac = try HMACSHA256.authenticationCode(key: Hex.decode(vector.key)!, message: Hex.decode(vector.data)!)
        let hex = Hex.encode(mac)
        #expect(vector.truncate ? hex.hasPrefix(vector.mac) : hex == vector.mac)
    }

    @Test func oneKeyedHMACIsSafeAcrossConcurrentTasks() async throws {
        let hmac = try HMACSHA256(key: Array("Jefe".utf8))
        let results = await withTaskGroup(of: String.self) { group in
            for _ in 0..<64 { group.addTask { Hex.encode(hmac.authenticationCode(for: "what do ya want for nothing?")) } }
            return await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(results == ["5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"])
    }

    @Test func constantTimeComparison() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equals([], []))
    }

    @Test func hexRoundTrips() {
        let bytes = (0...255).map(UInt8.init)
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        #expect(Hex.decode("ABcd") == [0xAB, 0xCD])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
