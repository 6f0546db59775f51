import XCTest
@testable import SluisCrypto
import SluisCore
import SluisIO

/// Encrypt → decrypt across every chunk boundary, with odd read and write sizes, and several recipients.
final class StreamRoundTripTests: XCTestCase {
    static let alice = try! Identity(seed: SecretBytes(copying: [UInt8](repeating: 1, count: 32)), comment: "alice")
    static let bob = try! Identity(seed: SecretBytes(copying: [UInt8](repeating: 2, count: 32)), comment: "bob")
    static let carol = try! Identity(seed: SecretBytes(copying: [UInt8](repeating: 3, count: 32)))

    static func pattern(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) } }

    static func encrypt(_ plain: [UInt8], to recipients: [Recipient], chunk: Int = 65536, writeSize: Int = .max) throws -> (bytes: [UInt8], sink: EncryptingSink) {
        let out = MemorySink()
        let enc = try EncryptingSink(recipients: recipients, output: out, chunkByteCount: chunk)
        var at = 0
        while at < plain.count {
            let n = min(writeSize, plain.count - at)
            try plain.withUnsafeBytes { try enc.write(UnsafeRawBufferPointer(rebasing: $0[at..<(at + n)])) }
            at += n
        }
        try enc.finish()
        XCTAssertTrue(out.finished)
        return (out.bytes, enc)
    }

    static func decrypt(_ bytes: [UInt8], with identity: Identity, readSize: Int = .max) throws -> [UInt8] {
        let sink = MemorySink()
        let summary = try StreamDecryptor.decrypt(from: MemorySource(bytes, maxReadByteCount: readSize), identity: identity, into: sink)
        XCTAssertTrue(sink.finished)
        XCTAssertEqual(summary.plaintextByteCount, UInt64(sink.bytes.count))
        return sink.bytes
    }

    func testRoundTripsAtEveryBoundary() throws {
        let c = 65536
        for (size, readSize, writeSize) in [(0, 7, 1), (1, 1, 1), (c - 1, 1000, 4097), (c, 65553, c), (c + 1, 3, 65537),
                                             (2 * c + 123, 4099, 100_000), (10 << 20, 65_521, 1 << 20)] {
            let plain = Self.pattern(size)
            let (enc, sink) = try Self.encrypt(plain, to: [Self.alice.recipient], writeSize: writeSize)
            let chunks = size / c + 1
            XCTAssertEqual(enc.count, EncryptedFileHeader.byteCount(recipientCount: 1) + size + 17 * chunks, "size \(size)")
            XCTAssertEqual(sink.headerSHA256, SHA256Hasher.hash(Array(enc[0..<sink.headerByteCount])))
            XCTAssertEqual(try Self.decrypt(enc, with: Self.alice, readSize: readSize), plain, "size \(size)")
        }
    }

    func testSmallChunksAndSeveralRecipients() throws {
        let plain = Self.pattern(1000)
        let (enc, _) = try Self.encrypt(plain, to: [Self.alice.recipient, Self.bob.recipient, Self.alice.recipient], chunk: 64, writeSize: 13)
        for who in [Self.alice, Self.bob] { XCTAssertEqual(try Self.decrypt(enc, with: who, readSize: 5), plain) }
        let header = try EncryptedFileHeader.read(from: MemorySource(enc))
        XCTAssertEqual(header.recipientFingerprints, [Self.alice.recipient.fingerprint, Self.bob.recipient.fingerprint])
        XCTAssertEqual(header.chunkByteCount, 64)
        XCTAssertEqual(header.plaintextByteCount(payloadByteCount: UInt64(enc.count - header.headerByteCount))?.plaintext, 1000)
    }

    func testNotForThisIdentityNamesTheKeys() throws {
        let (enc, _) = try Self.encrypt([1, 2, 3], to: [Self.alice.recipient, Self.bob.recipient])
        XCTAssertThrowsError(try Self.decrypt(enc, with: Self.carol)) { e in
            XCTAssertEqual(e as? EncryptedFileError, .noMatchingRecipient(identity: Self.carol.recipient.fingerprint,
                                                                         recipients: [Self.alice.recipient.fingerprint, Self.bob.recipient.fingerprint]))
            XCTAssertEqual((e as? SluisError)?.category, .verification)
            XCTAssertTrue("\(e)".hasPrefix("not encrypted to key \(Self.carol.recipient.fingerprint); recipients: "))
        }
    }

    func testRecipientTextRoundTripsAndSigns() throws {
        let r = Self.alice.recipient
        XCTAssertEqual(try Recipient(parsing: r.lineText + "\n"), r)
        XCTAssertEqual(try Recipient(parsing: r.publicKeyText).comment, nil)
        XCTAssertEqual(try Recipient(parsing: r.lineText).comment, "alice")
        XCTAssertEqual(r.fingerprint.count, 24)
        let sig = Self.alice.sign([1, 2, 3])
        XCTAssertTrue(r.isValidSignature(sig, for: [1, 2, 3]))
        XCTAssertFalse(r.isValidSignature(sig, for: [1, 2, 4]))
        XCTAssertFalse(Self.bob.recipient.isValidSignature(sig, for: [1, 2, 3]))
        for bad in ["", "sluis-pub-v1", "sluis-pub-v2 " + Primitives.base64(r.ed25519PublicKey), "sluis-pub-v1 AAAA",
                    r.publicKeyText + "\nsecond line", "ssh-ed25519 AAAAC3Nz"] {
            XCTAssertThrowsError(try Recipient(parsing: bad), bad)
        }
    }

    func testSealedFileKeyOpensWithLibsodiumSealOpen() {
        let key = SecretBytes.random(count: 32)
        let sealed = Primitives.seal(key, to: Self.bob.recipient.x25519PublicKey, ephemeralSeed: SecretBytes.random(count: 32))
        let opened = Primitives.openSealed(sealed, publicKey: Self.bob.recipient.x25519PublicKey, secretKey: Self.bob.x25519SecretKey)
        XCTAssertTrue(opened?.constantTimeEquals(key) ?? false)
        XCTAssertNil(Primitives.openSealed(sealed, publicKey: Self.alice.recipient.x25519PublicKey, secretKey: Self.alice.x25519SecretKey))
    }
}
