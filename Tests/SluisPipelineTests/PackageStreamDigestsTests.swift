import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
@testable import SluisPipeline
import SluisTestSupport
import XCTest

/// The stream form of verification's hashing (`PackageStreamDigests`): whatever pieces the bytes
/// arrive in, and however often its state is saved and restored on the way, it gives the SHA-256
/// of exactly the bytes `sluis verify` reads, and the verifier decides the same with it.
final class PackageStreamDigestsTests: XCTestCase {
    var researcher: Identity!
    var intake: Identity!
    let dir = TemporaryDirectory("sluis-stream-digests")

    override func setUpWithError() throws {
        researcher = try Identity.generate(comment: "researcher")
        intake = try Identity.generate(comment: "intake")
    }

    /// A package of three data entries of `plaintextByteCount` random bytes each.
    func package(plaintextByteCount: Int) throws -> [UInt8] {
        let files = (1...3).map { i in
            PackageBuilder.DataFile(entry: String(format: "entry-%03d", i), name: "f\(i).csv",
                                    plaintext: Sodium.randomBytes(count: plaintextByteCount), rows: 1)
        }
        return try PackageBuilder(signer: researcher, recipients: [intake.recipient], files: files).build()
    }

    var trust: TrustStore { TrustStore(entries: [.init(recipient: researcher.recipient, projects: nil)]) }

    /// Feeds `bytes` in random pieces (tiny ones too, so an entry magic straddles pieces), saving
    /// and restoring the state (through JSON, as state.json does) at random points.
    func streamed(_ bytes: [UInt8], seed: UInt64) throws -> PackageStreamDigests {
        var rng = SeededGenerator(seed: seed)
        var digests = PackageStreamDigests(length: UInt64(bytes.count))
        var at = 0
        while at < bytes.count {
            let n = min(bytes.count - at, Bool.random(using: &rng) ? Int.random(in: 1...12, using: &rng) : Int.random(in: 1...300_000, using: &rng))
            bytes[at..<(at + n)].withUnsafeBytes { digests.consume($0) }
            at += n
            if Int.random(in: 0..<4, using: &rng) == 0 {
                let json = try JSONEncoder().encode(digests.saved)
                let saved = try JSONDecoder().decode(PackageStreamDigests.Saved.self, from: json)
                digests = try XCTUnwrap(PackageStreamDigests(restoring: saved, length: UInt64(bytes.count)))
                XCTAssertEqual(digests.position, UInt64(at))
            }
        }
        return digests
    }

    func testEntryAndWholeDigestsMatchTheFileForAnyPieces() throws {
        let bytes = try package(plaintextByteCount: 3 << 20)
        let path = dir.write("p.sluis", bytes: bytes)
        let manifest = try PackageVerifier.verify(path: path, trust: trust).manifest
        for seed in 1...4 as ClosedRange<UInt64> {
            let digests = try streamed(bytes, seed: seed)
            XCTAssertEqual(digests.wholeDigest(), SHA256Hasher.hash(bytes))
            let lookup = digests.entryDigests(reading: path)
            for entry in manifest.entries + [manifest.innerManifest] {
                let range = Int(entry.offset)..<Int(entry.offset + entry.size)
                let got = try lookup.sha256(offset: entry.offset, byteCount: entry.size)
                if let got { XCTAssertEqual(got, SHA256Hasher.hash(Array(bytes[range])), entry.name) }
            }
            // The first entry ends well before the last 4 MiB: found on the way, no file needed.
            let first = manifest.entries[0]
            let noFile = digests.entryDigests(reading: dir.file("absent"))
            XCTAssertEqual(try noFile.sha256(offset: first.offset, byteCount: first.size),
                           SHA256Hasher.hash(Array(bytes[Int(first.offset)..<Int(first.offset + first.size)])))
            XCTAssertNoThrow(try PackageVerifier.verify(path: path, trust: trust, entryDigests: lookup))
        }
    }

    /// Rebuilt from the durable prefix, the state is the one the stream would have reached.
    func testRebuiltFromPrefixEqualsStreamed() throws {
        let bytes = try package(plaintextByteCount: 2 << 20)
        let path = dir.write("r.sluis", bytes: bytes)
        for prefix in [0, 10, 16, 17, 3 << 20, bytes.count - 5, bytes.count] {
            let rebuilt = try PackageStreamDigests.rebuilt(path: path, length: UInt64(bytes.count), upTo: UInt64(prefix))
            let stream = PackageStreamDigests(length: UInt64(bytes.count))
            bytes[0..<prefix].withUnsafeBytes { stream.consume($0) }
            XCTAssertEqual(rebuilt.saved, stream.saved, "prefix \(prefix)")
        }
    }

    /// A byte changed inside an entry: refused with the same error whether the verifier hashes
    /// the file or takes the streamed hashes (which are of the changed bytes).
    func testTamperedEntryIsRefusedTheSameWay() throws {
        var bytes = try package(plaintextByteCount: 3 << 20)
        bytes[(1 << 20) + 12345] ^= 0x40
        let path = dir.write("t.sluis", bytes: bytes)
        var fromFile: PackageError?
        XCTAssertThrowsError(try PackageVerifier.verify(path: path, trust: trust)) { fromFile = $0 as? PackageError }
        let digests = try streamed(bytes, seed: 9)
        XCTAssertThrowsError(try PackageVerifier.verify(path: path, trust: trust, entryDigests: digests.entryDigests(reading: path))) {
            XCTAssertEqual($0 as? PackageError, fromFile)
        }
        XCTAssertEqual(fromFile, .entryHashMismatch(path: path, entry: "entry-001"))
    }

    /// A false boundary (the magic inside an entry's bytes) costs only a read of that entry.
    func testFalseBoundaryFallsBackToTheFile() throws {
        var bytes = try package(plaintextByteCount: 3 << 20)
        let path0 = dir.write("f0.sluis", bytes: bytes)
        let manifest = try PackageVerifier.verify(path: path0, trust: trust).manifest
        let first = manifest.entries[0]
        // Plant the magic in the middle of entry-001 (the package no longer verifies: its hash changed).
        let at = Int(first.offset) + (1 << 20)
        bytes.replaceSubrange(at..<(at + 10), with: Array("SLUISENC".utf8) + [0, 1])
        let path = dir.write("f.sluis", bytes: bytes)
        let digests = try streamed(bytes, seed: 3)
        let got = try digests.entryDigests(reading: path).sha256(offset: first.offset, byteCount: first.size)
        XCTAssertEqual(got, SHA256Hasher.hash(Array(bytes[Int(first.offset)..<Int(first.offset + first.size)])),
                       "a split entry is hashed from the file")
        XCTAssertThrowsError(try digests.entryDigests(reading: dir.file("absent")).sha256(offset: first.offset, byteCount: first.size),
                             "not from the stream: the file is read")
        let second = manifest.entries[1]
        XCTAssertEqual(try digests.entryDigests(reading: path).sha256(offset: second.offset, byteCount: second.size),
                       SHA256Hasher.hash(Array(bytes[Int(second.offset)..<Int(second.offset + second.size)])))
    }

    func testResumableSHA256SavesAndRestoresAtEveryBlockPosition() {
        let bytes = Sodium.randomBytes(count: 300)
        for split in 0...bytes.count {
            let a = ResumableSHA256()
            bytes[0..<split].withUnsafeBytes { a.update($0) }
            guard let b = ResumableSHA256(savedState: a.savedState) else { return XCTFail("state at \(split)") }
            XCTAssertEqual(b.byteCount, UInt64(split))
            bytes[split...].withUnsafeBytes { b.update($0) }
            XCTAssertEqual(b.digest(), SHA256Hasher.hash(bytes), "split \(split)")
        }
        XCTAssertNil(ResumableSHA256(savedState: [1, 2, 3]))
    }
}

/// The synthesiser's SplitMix64, as a Swift random number generator, so a failing case repeats.
struct SeededGenerator: RandomNumberGenerator {
    var base: SplitMix64
    init(seed: UInt64) { base = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { base.next() }
}
