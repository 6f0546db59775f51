import Foundation
import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
@testable import SluisPipeline
import SluisTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The adversarial suite: thousands of hostile variants of good packages, each of which `open`
/// must refuse, releasing no plaintext. `make test` runs a sample (every 13th byte of the
/// exhaustive families, all other cases) in seconds; `make adversarial` sets
/// `SLUIS_ADVERSARIAL=full` and runs every case. Prints tried / refused / accepted / released / peak memory.
final class AdversarialTests: XCTestCase {
    var dir: TemporaryDirectory!
    var researcher: Identity!
    var intake: Identity!
    var trust: TrustStore!
    let planted = "123456782"

    var full: Bool { ProcessInfo.processInfo.environment["SLUIS_ADVERSARIAL"] == "full" }

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-adversarial")
        researcher = try Identity.generate(comment: "researcher")
        intake = try Identity.generate(comment: "intake")
        trust = TrustStore(entries: [.init(recipient: researcher.recipient, projects: ["P2026-0042"])])
        try FileSystem.makeDirectories(dir.file("work"))
    }

    /// A good package as `seal` writes it: a three-chunk file, a small one and an empty one, all
    /// holding the planted identifier where they hold anything.
    func goodPackage() throws -> [UInt8] {
        var big = "PSEUDO_BSN,Note\n"
        var i = 0
        while big.utf8.count < 150_000 { big += "\(10_000_000_000_000_000 + i),\(planted) row \(i)\n"; i += 1 }
        let texts = [("survey.csv", big), ("visits.csv", "PSEUDO_BSN,N\n\(planted),1\n"), ("empty.csv", "")]
        let sources = texts.map { name, text in
            SealSource(name: name, sourcePath: name, format: "csv") { sink in
                try sink.write(text)
                let rows = UInt64(max(text.utf8.filter { $0 == 0x0A }.count - 1, 0))
                return SealedFileDescription(columns: [], rows: rows, rowsRead: rows, invalidIdentifiers: [:], residualFindings: [:], dialect: nil)
            }
        }
        let path = dir.file("good.sluis")
        _ = try PackageSealer.seal(SealRequest(project: "P2026-0042", pseudonymKeyId: "0123456789abcdef", recipients: [intake.recipient],
                                               signer: researcher, pipeline: .object([]), sources: sources, output: path, toolVersion: "test"))
        return dir.read("good.sluis")
    }

    struct Tally {
        var tried = 0, refused = 0
        var accepted: [String] = []
        var releasedByteCount = 0
        var badErrors: [String] = []
        var families: [String: Int] = [:]
        var seconds: [String: Double] = [:]
    }

    /// Runs one case: `open` into a fresh folder, then counts what was accepted and every byte
    /// left in the work folder that is not a package.
    func attempt(_ c: AdversarialCase, base: String, good: [UInt8], tally: inout Tally) throws {
        let path: String
        switch c.edit {
        case let .flip(offset, mask):
            try patch(base, at: offset, byte: good[offset] ^ mask)
            path = base
        case let .bytes(bytes):
            // (Not through AtomicFile: an fsync per case would make the suite wait on the disk.)
            path = dir.write("work/case.sluis", bytes: bytes)
        }
        defer { if case let .flip(offset, _) = c.edit { try? patch(base, at: offset, byte: good[offset]) } }
        tally.tried += 1
        tally.families[c.family, default: 0] += 1
        let started = Date()
        defer { tally.seconds[c.family, default: 0] += Date().timeIntervalSince(started) }
        let out = dir.file("work/out")
        do {
            _ = try PackageOpener.open(path: path, identity: intake, trust: trust, outputDirectory: out)
            tally.accepted.append("\(c.family): \(c.name)")
        } catch let error as SluisError {
            tally.refused += 1
            let m = error.description
            if ![FailureCategory.data, .verification].contains(error.category)
                || m.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || (0x202A...0x202E).contains($0.value) })
                || m.contains(planted) {
                tally.badErrors.append("\(c.family): \(c.name): \(m.debugDescription)")
            }
        } catch {
            tally.refused += 1
            tally.badErrors.append("\(c.family): \(c.name): not a SluisError: \(type(of: error))")
        }
        for f in dir.allFiles() where f.hasPrefix("work/") && !f.hasSuffix(".sluis") {
            tally.releasedByteCount += (try? FileManager.default.attributesOfItem(atPath: dir.file(f))[.size] as? Int) ?? 0
        }
        FileSystem.removeTree(out)
    }

    func patch(_ path: String, at offset: Int, byte: UInt8) throws {
        let fd = Glibc.open(path, O_WRONLY)
        guard fd >= 0 else { throw IOError.cannotOpen(path: path, errno: errno) }
        defer { close(fd) }
        var b = byte
        guard pwrite(fd, &b, 1, off_t(offset)) == 1 else { throw IOError.writeFailed(path: path, errno: errno) }
    }

    func peakMemoryMiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024  // KiB on Linux
    }

    func testEveryHostileVariantIsRefused() throws {
        let good = try goodPackage()
        let base = dir.file("work/base.sluis")
        try FileSystem.writeAtomically(good, to: base, mode: 0o644)
        // The good package opens, so every refusal below is the variant's doing.
        _ = try PackageOpener.open(path: base, identity: intake, trust: trust, outputDirectory: dir.file("control"))
        FileSystem.removeTree(dir.file("control"))

        let start = Date()
        let generator = try AdversarialCases(good: good, signer: researcher, stride: full ? 1 : 13)
        var tally = Tally()
        for c in generator.all() { try attempt(c, base: base, good: good, tally: &tally) }
        // Packages a trusted key signed whose contents do not hold together.
        for fault in PackageBuilder.faults() {
            var b = PackageBuilder(signer: researcher, recipients: [intake.recipient], files: [
                .csv("entry-001", "survey.csv", "PSEUDO_BSN,Note\n\(planted),a\n1,b\n"),
                .csv("entry-002", "visits.csv", "PSEUDO_BSN,N\n\(planted),1\n"),
            ])
            fault.apply(&b)
            try attempt(AdversarialCase(family: "faulty-sender", name: fault.name, edit: .bytes(try b.build())), base: base, good: good, tally: &tally)
        }
        let seconds = Date().timeIntervalSince(start)
        print("adversarial (\(full ? "full" : "sampled")): \(tally.tried) cases tried, \(tally.refused) refused, "
              + "\(tally.accepted.count) accepted, \(tally.releasedByteCount) plaintext bytes released, "
              + "peak memory \(peakMemoryMiB()) MiB, \(String(format: "%.1f", seconds)) s")
        print("adversarial families: " + tally.families.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value) (\(String(format: "%.1f", tally.seconds[$0.key] ?? 0)) s)" }.joined(separator: ", "))
        XCTAssertEqual(tally.accepted, [], "accepted hostile packages")
        XCTAssertEqual(tally.releasedByteCount, 0, "plaintext released")
        XCTAssertEqual(tally.badErrors, [], "errors that are not clean refusals")
        XCTAssertGreaterThan(tally.tried, full ? 2000 : 300)
    }
}
