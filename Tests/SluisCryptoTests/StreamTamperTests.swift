import XCTest
@testable import SluisCrypto
import SluisCore
import SluisIO

/// Every way a file can be damaged is detected, before the sink is finished, with the right meaning.
final class StreamTamperTests: XCTestCase {
    typealias T = StreamRoundTripTests
    let chunk = 64
    lazy var plain = T.pattern(200)  // three full chunks and a final chunk of 8 bytes
    lazy var file: [UInt8] = try! T.encrypt(plain, to: [T.alice.recipient, T.bob.recipient], chunk: chunk).bytes
    var headerCount: Int { EncryptedFileHeader.byteCount(recipientCount: 2) }
    var chunkBytes: Int { chunk + 17 }

    func outcome(_ bytes: [UInt8], _ who: Identity = T.alice) -> EncryptedFileError? {
        let sink = MemorySink()
        do {
            try StreamDecryptor.decrypt(from: MemorySource(bytes, maxReadByteCount: 7), identity: who, into: sink)
            return nil
        } catch let e as EncryptedFileError {
            XCTAssertFalse(sink.finished, "sink finished despite \(e)")
            return e
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    func testIntactFileDecrypts() {
        XCTAssertNil(outcome(file))
        XCTAssertEqual(file.count, headerCount + 3 * chunkBytes + 8 + 17)
    }

    func testEveryChangedBitFails() {
        for i in 0..<file.count {
            for bit in [0, 7] {
                var bad = file
                bad[i] ^= UInt8(1 << bit)
                XCTAssertNotNil(outcome(bad), "flipped bit \(bit) of byte \(i) went unnoticed")
            }
        }
    }

    func testTruncationAnywhere() {
        for n in 0..<file.count {
            let e = outcome(Array(file[0..<n]))
            if n < headerCount {
                XCTAssertEqual(e, .truncatedHeader, "cut at \(n)")
            } else if (n - headerCount) % chunkBytes == 0 {
                XCTAssertEqual(e, .truncated(chunkCount: (n - headerCount) / chunkBytes), "cut at \(n)")
            } else {
                XCTAssertEqual(e?.expectation, "payload failure", "cut at \(n)")
            }
        }
        // Right after the header.
        XCTAssertEqual(outcome(Array(file[0..<headerCount])), .truncated(chunkCount: 0))
    }

    func testTrailingDataAfterTheFinalChunk() {
        // Bytes appended to a short final chunk merge with it when reading: caught as a damaged last chunk.
        XCTAssertEqual(outcome(file + [0]), .lastChunkAuthenticationFailed(chunkIndex: 3))
        XCTAssertEqual(outcome(file + file), .payloadAuthenticationFailed(chunkIndex: 3))
        // After a final chunk that fills the chunk size (other writers may produce one), they are trailing data.
        let fileKey = SecretBytes.random(count: 32)
        let (header, payloadKey) = EncryptedFileHeader.build(recipients: [T.alice.recipient], fileKey: fileKey, chunkByteCount: chunk,
                                                             randomness: SystemRandomSource())
        let stream = SecretStream(key: payloadKey, header: header.streamHeader)!
        var body = [UInt8](repeating: 0, count: chunk + 17)
        let p = [UInt8](repeating: 9, count: chunk)
        p.withUnsafeBytes { pp in body.withUnsafeMutableBytes { stream.push(pp, tag: SecretStream.tagFinal, into: $0) } }
        XCTAssertNil(outcome(header.bytes + body))
        XCTAssertEqual(outcome(header.bytes + body + [1, 2, 3]), .trailingData(chunkCount: 1))
    }

    func testSwappedAndDroppedChunks() {
        let h = headerCount, c = chunkBytes
        var swapped = Array(file[0..<h]) + file[(h + c)..<(h + 2 * c)] + file[h..<(h + c)]
        swapped += file[(h + 2 * c)...]
        XCTAssertEqual(outcome(swapped), .payloadAuthenticationFailed(chunkIndex: 0))
        let dropped = Array(file[0..<(h + c)]) + file[(h + 2 * c)...]
        XCTAssertEqual(outcome(dropped), .payloadAuthenticationFailed(chunkIndex: 1))
        XCTAssertEqual(outcome(Array(file[0..<(h + 2 * c)]) + file[(h + 3 * c)...]), .lastChunkAuthenticationFailed(chunkIndex: 2))
        let noFinal = Array(file[0..<(h + 3 * c)])
        XCTAssertEqual(outcome(noFinal), .truncated(chunkCount: 3))
        // A chunk from another file encrypted to the same people does not fit.
        let other = try! T.encrypt(plain, to: [T.alice.recipient, T.bob.recipient], chunk: chunk).bytes
        let spliced = Array(file[0..<(h + c)]) + other[(h + c)...]
        XCTAssertEqual(outcome(spliced), .payloadAuthenticationFailed(chunkIndex: 1))
    }

    func testHeaderChangesAreCaught() {
        var v2 = file; v2[9] = 2
        XCTAssertEqual(outcome(v2), .unsupportedVersion(2))
        XCTAssertEqual(outcome(v2).map { ($0 as SluisError).category }, .data)
        var magic = file; magic[0] = UInt8(ascii: "X")
        XCTAssertEqual(outcome(magic), .notAnEncryptedFile)
        var chunkField = file; chunkField[12] = 0xff
        XCTAssertEqual(outcome(chunkField)?.expectation, "header failure")
        // Remove bob's entry (recipient count 2 → 1) keeping everything else: the MAC catches it.
        var removed = Array(file[0..<16]) + file[16..<(16 + 112)] + file[(16 + 224)...]
        removed[15] = 1
        XCTAssertEqual(outcome(removed), .headerAuthenticationFailed)
        // Add carol with a key sealed to her (an attacker cannot seal the real file key).
        var added = Array(file[0..<(16 + 224)]) + T.carol.recipient.keyHash
        added += Primitives.seal(SecretBytes.random(count: 32), to: T.carol.recipient.x25519PublicKey, ephemeralSeed: SecretBytes.random(count: 32))
        added += file[(16 + 224)...]
        added[15] = 3
        XCTAssertEqual(outcome(added), .headerAuthenticationFailed)
        XCTAssertEqual(outcome(added, T.carol), .headerAuthenticationFailed)
        // A damaged sealed key for this identity.
        var sealed = file; sealed[16 + 32 + 40] ^= 1
        XCTAssertEqual(outcome(sealed), .wrappedKeyDamaged(identity: T.alice.recipient.fingerprint))
        // Bob's own wrapped key is intact, so he gets the file key; the header MAC covers alice's
        // damaged entry too, so he is refused as well (never handed a file someone altered).
        XCTAssertEqual(outcome(sealed, T.bob), .headerAuthenticationFailed)
    }

    /// Every error, each produced by a real failing decryption (or encryption) of a file whose
    /// plaintext holds a known identifier: no message holds the identifier, any plaintext bytes,
    /// an identity's secret seed or the file's header bytes; each is one lowercase line.
    func testMessagesNameNoSecretsAndSayWhatToDo() throws {
        let identifier = "123456782"
        let plaintext = Array(String(repeating: "BSN=\(identifier);", count: 20).utf8)  // 280 bytes: four chunks of 64 and 24
        let bytes = try T.encrypt(plaintext, to: [T.alice.recipient, T.bob.recipient], chunk: chunk).bytes
        let h = headerCount, c = chunkBytes
        var errors: [EncryptedFileError] = []
        func fail(_ b: [UInt8], _ who: Identity = T.alice) {
            if let e = outcome(b, who) { errors.append(e) } else { XCTFail("decrypted: case \(errors.count)") }
        }
        var v = bytes; v[0] = 0x58; fail(v)                                  // not an encrypted file
        v = bytes; v[9] = 7; fail(v)                                          // unsupported version
        fail(Array(bytes[0..<(h - 1)]))                                       // truncated header
        v = bytes; v[14] = 0; v[15] = 0; fail(v)                              // malformed header
        fail(bytes, T.carol)                                                  // no matching recipient
        v = bytes; v[16 + 32 + 50] ^= 1; fail(v)                              // wrapped key damaged
        v = bytes; v[h - 3] ^= 1; fail(v)                                     // header authentication
        v = bytes; v[h + c + 20] ^= 1; fail(v)                                // payload chunk
        fail(Array(bytes.dropLast(3)))                                        // last chunk
        fail(Array(bytes[0..<(h + 2 * c)]))                                   // truncated payload
        XCTAssertThrowsError(try EncryptingSink(recipients: [], output: MemorySink())) { errors += [$0 as? EncryptedFileError].compactMap { $0 } }
        XCTAssertThrowsError(try EncryptingSink(recipients: [T.alice.recipient], output: MemorySink(), chunkByteCount: 3)) {
            errors += [$0 as? EncryptedFileError].compactMap { $0 }
        }
        // Trailing data needs a final chunk of full size, which only other writers produce.
        let full = EncryptingSink.vectorEndingWithFullFinalChunk(Array(plaintext[0..<chunk]), recipients: [T.alice.recipient],
                                                                      chunkByteCount: chunk, randomness: SystemRandomSource())
        fail(full + [0x42])

        // One of every case.
        let caseNames = Set(errors.map { Mirror(reflecting: $0).children.first?.label ?? $0.description })
        XCTAssertEqual(caseNames.count, 13, "\(caseNames.sorted())")
        let seeds = [[UInt8](repeating: 1, count: 32), [UInt8](repeating: 2, count: 32), [UInt8](repeating: 3, count: 32)]
        let forbidden = [identifier, "BSN=", Hex.encode(Array(bytes[0..<h])), Hex.encode(Array(bytes[16..<48]))]
            + seeds.flatMap { [Hex.encode($0), Primitives.base64($0)] }
        for e in errors {
            let m = e.description
            XCTAssertFalse(m.isEmpty)
            XCTAssertTrue(m.first?.isLowercase ?? false, m)
            XCTAssertFalse(m.contains("\n"), m)
            for f in forbidden { XCTAssertFalse(m.contains(f), "\(m) holds \(f)") }
            // No run of plaintext bytes of 8 or more.
            for i in stride(from: 0, to: plaintext.count - 8, by: 1) {
                XCTAssertFalse(m.contains(String(decoding: plaintext[i..<(i + 8)], as: UTF8.self)), m)
            }
        }
    }
}
