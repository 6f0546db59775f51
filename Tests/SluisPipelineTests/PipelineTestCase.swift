import XCTest
import SluisCore
import SluisCrypto
import SluisIO
import SluisPipeline
import SluisTestSupport

/// Shared helpers: a temporary directory with a data file, a config and a fixed key.
class PipelineTestCase: XCTestCase {
    var dir: TemporaryDirectory!
    let key = PseudonymKey(secret: SecretBytes(copying: (0..<32).map { UInt8($0) }), keyId: "test-key")

    override func setUp() {
        dir = TemporaryDirectory("sluis-pipeline")
    }

    override func tearDown() {
        dir = nil
    }

    /// Writes `data.csv` and `pipeline.json` with the given columns object (and extra file members).
    func load(_ csv: String, columns: String, extra: String = "", top: String = "") throws -> LoadedPipeline {
        dir.write("data.csv", csv)
        dir.write("pipeline.json", """
        { "version": 1, "project": "P-TEST", "pseudonymKey": "none.key", \(top)
          "files": [ { "path": "data.csv", "columns": \(columns) \(extra) } ] }
        """)
        return try LoadedPipeline.load(path: dir.file("pipeline.json"))
    }

    /// Runs file 0 into memory and returns the output rows (split naively: test data has no quotes in output).
    func output(_ pipeline: LoadedPipeline) throws -> (rows: [[String]], report: FileReport, bytes: [UInt8]) {
        let sink = MemorySink()
        let report = try pipeline.pseudonymiseFile(0, key: key, into: sink)
        let text = String(decoding: sink.bytes, as: UTF8.self)
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
            $0.split(separator: Character(UnicodeScalar(pipeline.outputDialect(0, input: CSVDialectProbe.dialect(of: text)).delimiter)),
                     omittingEmptySubsequences: false).map(String.init)
        }
        return (Array(rows), report, sink.bytes)
    }
}

import SluisFormats

/// Finds the delimiter of a small output text.
enum CSVDialectProbe {
    static func dialect(of text: String) -> CSVDialect {
        let firstLine = text.prefix { $0 != "\n" }
        if firstLine.contains(";") { return CSVDialect(delimiter: 0x3B) }
        if firstLine.contains("\t") { return CSVDialect(delimiter: 0x09) }
        return CSVDialect()
    }
}
