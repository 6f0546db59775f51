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
        XCTAssertNil(outcome(sealed, T.bob) == .headerAuthenticationFailed ? nil : outcome(sealed, T.bob))
    }

    func testMessagesNameNoSecretsAndSayWhatToDo() {
        let all: [EncryptedFileError] = [.notAnEncryptedFile, .unsupportedVersion(9), .truncatedHeader, .malformedHeader("x"),
            .noMatchingRecipient(identity: "a", recipients: ["b"]), .wrappedKeyDamaged(identity: "a"), .headerAuthenticationFailed,
            .payloadAuthenticationFailed(chunkIndex: 0), .truncated(chunkCount: 2), .trailingData(chunkCount: 1),
            .invalidRecipientCount(0), .invalidChunkSize(1)]
        for e in all {
            XCTAssertEqual(e.description, e.description.lowercased().replacingOccurrences(of: "sha", with: "sha"), "\(e)")
            XCTAssertFalse(e.description.isEmpty)
        }
    }
}
