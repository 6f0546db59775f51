import Foundation
import XCTest
import SluisFuzzTargets
import SluisTestSupport

/// The fuzz targets' seed corpora (Tools/sluis-fuzz/Corpus, checked in), and deterministic
/// mutations of every seed — flipped bytes across the whole input, truncations, an inserted and
/// a removed byte — run through the targets' own entry points as ordinary tests. A crash (trap,
/// precondition, out-of-bounds) ends the test process and fails the suite; an input that makes
/// `make fuzz` crash belongs in the corpus, so that it stays found. `make fuzz` runs the same
/// targets under libFuzzer with AddressSanitizer.
final class FuzzCorpusTests: XCTestCase {
    static let corpus = CLI.packageRoot + "/Tools/sluis-fuzz/Corpus"

    override class func tearDown() { SluisFuzz.cleanUp() }

    func seeds(of target: String) -> [(name: String, bytes: [UInt8])] {
        let folder = Self.corpus + "/" + target
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        return names.compactMap { name in
            (try? Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))).map { (name, Array($0)) }
        }
    }

    /// Deterministic variants of one input: up to `count` flips spread over it, cuts, one byte in and out.
    static func mutations(of bytes: [UInt8], count: Int) -> [[UInt8]] {
        guard !bytes.isEmpty else { return [[0], [0xFF], Array("{".utf8)] }
        var out: [[UInt8]] = []
        let step = max(1, bytes.count / count)
        var mask: UInt8 = 0x01
        for i in stride(from: 0, to: bytes.count, by: step) {
            var b = bytes
            b[i] ^= mask
            mask = mask == 0x80 ? 0xFF : (mask == 0xFF ? 0x01 : mask << 1)
            out.append(b)
        }
        for cut in [0, 1, bytes.count / 3, bytes.count / 2, bytes.count - 1] where cut < bytes.count { out.append(Array(bytes[0..<cut])) }
        var inserted = bytes
        inserted.insert(0x22, at: bytes.count / 2)
        out.append(inserted)
        var removed = bytes
        removed.remove(at: bytes.count / 2)
        out.append(removed)
        out.append(bytes + bytes)
        return out
    }

    func testEveryTargetHasSeedsThatGoAllTheWay() {
        for target in SluisFuzz.all() {
            let seeds = seeds(of: target.name)
            XCTAssertFalse(seeds.isEmpty, "no seeds for \(target.name) in Tools/sluis-fuzz/Corpus (run: sluis-fuzz seed Tools/sluis-fuzz/Corpus)")
            let outcomes = seeds.map { target.run($0.bytes) }
            // A seed that is refused early would leave the fuzzer at the front door.
            XCTAssertTrue(outcomes.contains("ok"), "\(target.name): no seed gets through: \(outcomes)")
        }
    }

    func testMutatedSeedsNeverCrash() {
        var executed = 0
        var refused = 0
        let start = Date()
        for target in SluisFuzz.all() {
            for seed in seeds(of: target.name) {
                for variant in Self.mutations(of: seed.bytes, count: 48) {
                    if target.run(variant) != "ok" { refused += 1 }
                    executed += 1
                }
            }
        }
        print("fuzz corpus: \(executed) mutated inputs through \(SluisFuzz.all().count) targets, \(refused) refused, 0 crashes, "
              + String(format: "%.1f s", Date().timeIntervalSince(start)))
        XCTAssertGreaterThan(executed, 500)
        XCTAssertGreaterThan(refused, executed / 4, "mutations should mostly be refused")
    }

    /// The checked-in corpus names what the seed writer makes, so new seeds are not forgotten.
    func testTheCorpusMatchesTheSeedWriter() throws {
        let dir = TemporaryDirectory("sluis-fuzz-seeds")
        try SluisFuzz.writeSeeds(into: dir.path)
        let written = Set(dir.allFiles())
        var checkedIn = Set<String>()
        for target in SluisFuzz.all() { for s in seeds(of: target.name) { checkedIn.insert(target.name + "/" + s.name) } }
        XCTAssertTrue(written.isSubset(of: checkedIn), "missing from Tools/sluis-fuzz/Corpus: \(written.subtracting(checkedIn).sorted())")
    }
}
