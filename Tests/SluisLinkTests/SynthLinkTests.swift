import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisPipeline
import SluisTestSupport
@testable import SluisLink

/// The whole path on `sluis synth` data: synth → pseudonymise (the researcher's pipeline) →
/// link (the intake) → compare with the generator's truth file.
final class SynthLinkTests: XCTestCase {
    static let layout = LinkFileLayout(pseudonymColumns: [
        PseudonymColumn(name: "BSN_P", domain: "bsn"),
        PseudonymColumn(name: "DEMO_P", domain: "composite:date+housenumber+postcode+sex"),
    ])

    func testSynthesisedSurveyLinksToTheTruth() throws {
        let dir = TemporaryDirectory("sluis-link-synth")
        _ = try Synthesiser.generate(directory: dir.path, persons: 3000, rows: 6000, seed: 11)
        let secret = SecretBytes(copying: (0..<32).map { UInt8($0 ^ 0x5a) })
        let project = "SYNTH-1"

        // The researcher's side.
        let file = SynthSurvey.file(["Score": .keep(allowIdentifiers: false), "Inkomen": .keep(allowIdentifiers: false)])
        let config = PipelineConfig(project: project, pseudonymKey: "unused", rendering: .default, files: [file])
        let pipeline = LoadedPipeline(config: config, configPath: dir.file("pipeline.json"), baseDirectory: dir.path)
        _ = try pipeline.pseudonymiseAll(key: PseudonymKey(secret: secret, keyId: "test"), into: dir.file("opened"))

        // The intake's side.
        let index = try RegisterIndexBuilder(projectKey: secret, projectId: project).build(from: CSVReader(path: dir.file("register.csv")))
        let linker = TableLinker(index: index, surrogateSecret: SecretBytes(copying: [UInt8](repeating: 3, count: 32)), projectId: project)
        let inputs = try LinkFiles.expand([dir.file("opened")]).filter { $0.hasSuffix(".csv") }
        let report = try LinkFiles.run(inputs.map { LinkInput(path: $0, layout: Self.layout) }, outputDirectory: dir.file("linked"), linker: linker)

        // Independent expectations from the clear data: the register by normalised BSN and by demographic tuple.
        var byBSN: [String: String] = [:]
        var byDemo: [String: Set<String>] = [:]
        try CSVReader(path: dir.file("register.csv")).forEachRow { row, _ in
            let text = (0..<row.count).map { String(decoding: row[$0], as: UTF8.self) }
            byBSN[text[0]] = text[2]
            byDemo[[text[3], text[4], text[5], text[6]].joined(separator: "|"), default: []].insert(text[2])
        }
        var truth: [String] = []
        try CSVReader(path: dir.file("survey.truth.csv")).forEachRow { row, _ in truth.append(String(decoding: row[1], as: UTF8.self)) }
        var expected = (bsnMatched: 0, bsnInvalid: 0, bsnUnmatched: 0, demoMatched: 0, demoInvalid: 0, demoUnmatched: 0, demoDuplicates: 0)
        var expectedRIN: [String?] = []
        try CSVReader(path: dir.file("survey.csv")).forEachRow { row, _ in
            func normalised(_ kind: IdentifierKind, _ c: Int) -> String? {
                if case let .success(v) = Normaliser.normalise(kind, String(decoding: row[c], as: UTF8.self)) { return v }
                return nil
            }
            if let b = normalised(.bsn, 0) {
                if let rin = byBSN[b] { expected.bsnMatched += 1; expectedRIN.append(rin); return }
                expected.bsnUnmatched += 1
            } else {
                expected.bsnInvalid += 1
            }
            guard let sex = normalised(.sex, 3), let date = normalised(.date, 2), let pc = normalised(.postcode, 4),
                  let hn = normalised(.housenumber, 5) else { expected.demoInvalid += 1; expectedRIN.append(nil); return }
            let persons = byDemo[[sex, date, pc, hn].joined(separator: "|")] ?? []
            if persons.count == 1 { expected.demoMatched += 1; expectedRIN.append(persons.first) }
            else if persons.isEmpty { expected.demoUnmatched += 1; expectedRIN.append(nil) }
            else { expected.demoDuplicates += 1; expectedRIN.append(nil) }
        }

        // Output rows against truth and expectations.
        let out = try CSVReader(path: dir.file("linked/survey.csv"))
        XCTAssertEqual(out.columnNames, ["RINPERSOONS", "RINPERSOON", "Score", "Inkomen"])
        var i = 0, fallbackLinks = 0
        try out.forEachRow { row, _ in
            let code = String(decoding: row[0], as: UTF8.self), rin = String(decoding: row[1], as: UTF8.self)
            if let want = expectedRIN[i] {
                XCTAssertEqual(code, "R", "row \(i)")
                XCTAssertEqual(rin, want, "row \(i)")
                XCTAssertEqual(rin, truth[i], "row \(i): linked to someone else than the truth")
            } else {
                XCTAssertEqual(code, "S", "row \(i)")
            }
            if truth[i].isEmpty { XCTAssertEqual(code, "S", "row \(i): a person not in the register was linked") }
            i += 1
        }
        XCTAssertEqual(i, truth.count)
        let counts = try XCTUnwrap(report.files.first?.personKeys.first)
        let bsn = counts.keys[0], demo = counts.keys[1]
        XCTAssertEqual(bsn.matched, expected.bsnMatched)
        XCTAssertEqual(bsn.invalid, expected.bsnInvalid)
        XCTAssertEqual(bsn.unmatched, expected.bsnUnmatched)
        XCTAssertEqual(demo.matched, expected.demoMatched)
        XCTAssertEqual(demo.invalid, expected.demoInvalid)
        XCTAssertEqual(demo.unmatched, expected.demoUnmatched)
        XCTAssertEqual(demo.duplicates, expected.demoDuplicates)
        fallbackLinks = demo.matched
        XCTAssertGreaterThan(fallbackLinks, 0, "the demographic fall-back linked nobody")
        XCTAssertGreaterThan(bsn.invalid, 0)
        XCTAssertEqual(counts.linked, expected.bsnMatched + expected.demoMatched)
        // No pseudonym column survives, and no output value is a pseudonym from the input.
        var pseudonyms = Set<String>()
        let opened = try CSVReader(path: dir.file("opened/survey.csv"))
        let pseudonymColumns = ["BSN_P", "DEMO_P"].compactMap { opened.columnNames.firstIndex(of: $0) }
        XCTAssertEqual(pseudonymColumns.count, 2)
        try opened.forEachRow { row, _ in
            for c in pseudonymColumns { pseudonyms.insert(String(decoding: row[c], as: UTF8.self)) }
        }
        pseudonyms.remove("")
        try CSVReader(path: dir.file("linked/survey.csv")).forEachRow { row, _ in
            for c in 0..<row.count { XCTAssertFalse(pseudonyms.contains(String(decoding: row[c], as: UTF8.self))) }
        }
    }
}
