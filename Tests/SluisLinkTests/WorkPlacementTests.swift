import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisTestSupport
@testable import SluisPipeline
@testable import SluisLink

/// Work that either thread may do (a batch's pseudonyms, a block's lookups) must give the same
/// bytes and counts whichever thread does it. Production splits it adaptively, so a test that
/// only ran the default would exercise whichever path the timing happened to pick.
final class WorkPlacementTests: XCTestCase {
    override func tearDown() {
        FilePipeline.pseudonymPlacement = .adaptive
        TableLinker.lookupPlacement = .adaptive
    }

    func testPseudonymiseAndLinkGiveTheSameBytesWhicheverThreadDoesTheWork() throws {
        let dir = TemporaryDirectory("sluis-placement")
        // Enough rows for several pipeline batches (1 MiB each) and link blocks (1024 rows).
        _ = try Synthesiser.generate(directory: dir.path, persons: 8000, rows: 40_000, seed: 23)
        let secret = SecretBytes(copying: (0..<32).map { UInt8($0 ^ 0x33) })
        let project = "PLACEMENT-1"
        let file = SynthSurvey.file([
            "Geboortedatum": .generalise(.year, invalid: .blank), "Opleiding": .keep(allowIdentifiers: false),
            "Score": .keep(allowIdentifiers: false), "Inkomen": .keep(allowIdentifiers: false),
            "Toelichting": .keep(allowIdentifiers: true),
        ])
        let config = PipelineConfig(project: project, pseudonymKey: "unused", rendering: .default, files: [file])
        let pipeline = LoadedPipeline(config: config, configPath: dir.file("pipeline.json"), baseDirectory: dir.path)
        let index = try RegisterIndexBuilder(projectKey: secret, projectId: project).build(from: CSVReader(path: dir.file("register.csv")))
        let layout = LinkFileLayout(pseudonymColumns: [
            PseudonymColumn(name: "BSN_P", domain: "bsn"),
            PseudonymColumn(name: "DEMO_P", domain: "composite:date+housenumber+postcode+sex"),
        ])

        var pseudonymised: [WorkPlacement: [UInt8]] = [:]
        var linked: [WorkPlacement: [UInt8]] = [:]
        var reports: [WorkPlacement: LinkReport] = [:]
        for placement in WorkPlacement.allCases {
            FilePipeline.pseudonymPlacement = placement
            TableLinker.lookupPlacement = placement
            let opened = dir.file("opened-\(placement)"), out = dir.file("linked-\(placement)")
            _ = try pipeline.pseudonymiseAll(key: PseudonymKey(secret: secret, keyId: "test"), into: opened)
            pseudonymised[placement] = try Array(readFile(opened + "/survey.csv"))
            let linker = TableLinker(index: index, surrogateSecret: SecretBytes(copying: [UInt8](repeating: 9, count: 32)), projectId: project)
            reports[placement] = try LinkFiles.run([LinkInput(path: opened + "/survey.csv", layout: layout)], outputDirectory: out, linker: linker)
            linked[placement] = try Array(readFile(out + "/survey.csv"))
        }
        let reference = try XCTUnwrap(pseudonymised[.writingThread])
        XCTAssertGreaterThan(reference.count, 2 << 20, "too small to span several batches")
        for placement in WorkPlacement.allCases {
            // (Booleans: a failure should not print megabytes.)
            XCTAssertTrue(pseudonymised[placement] == reference, "pseudonymised by \(placement) differs")
            XCTAssertTrue(linked[placement] == linked[.writingThread], "linked by \(placement) differs")
            XCTAssertEqual(reports[placement]?.files.first?.personKeys, reports[.writingThread]?.files.first?.personKeys, "\(placement)")
        }
        XCTAssertEqual(reports[.readingThread]?.files.first?.rows, 40_000)
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        let input = try FileInput(path: path)
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try block.withUnsafeMutableBytes { try input.read(into: $0) }
            if n == 0 { return bytes }
            bytes += block[0..<n]
        }
    }
}
