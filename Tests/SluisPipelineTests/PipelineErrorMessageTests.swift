import XCTest
import SluisCore
import SluisIO
import SluisPipeline
import SluisTestSupport

/// pipeline.json and pipeline-run errors, each produced by inputs holding a planted identifier
/// where the fault is: messages name the file, JSON path, line and column, never the value.
final class PipelineErrorMessageTests: PipelineTestCase {
    let planted = "123456782"

    func message(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch {
            XCTAssertNotNil(error as? SluisError, "\(error)")
            return (error as? SluisError)?.description ?? "\(error)"
        }
    }

    func testConfigErrorsNameThePathNotTheValue() {
        let p = planted
        let data = "BSN,Naam\n\(p),Jan\n"
        let configs: [(String, String, String, String)] = [
            // (what, columns, extra members of the file entry, top-level members)
            ("an action that does not exist", "{ \"BSN\": \"\(p)\", \"Naam\": \"drop\" }", "", ""),
            ("an identifier kind that does not exist", "{ \"BSN\": { \"action\": \"pseudonymise\", \"identifier\": \"\(p)\" }, \"Naam\": \"drop\" }", "", ""),
            ("a generalisation that does not exist", "{ \"BSN\": { \"action\": \"generalise\", \"to\": \"\(p)\" }, \"Naam\": \"drop\" }", "", ""),
            ("an invalid policy that does not exist", "{ \"BSN\": { \"action\": \"pseudonymise\", \"identifier\": \"bsn\", \"invalid\": \"\(p)\" }, \"Naam\": \"drop\" }", "", ""),
            ("a delimiter that is no delimiter", "{ \"BSN\": \"keep\", \"Naam\": \"drop\" }", ", \"delimiter\": \"\(p)\"", ""),
            ("an encoding that does not exist", "{ \"BSN\": \"keep\", \"Naam\": \"drop\" }", ", \"encoding\": \"\(p)\"", ""),
            ("a project id that is not one", "{ \"BSN\": \"drop\", \"Naam\": \"drop\" }", "", "\"project\": \"\(p)/..\","),
            ("a band width that is text", "{ \"BSN\": { \"action\": \"generalise\", \"to\": \"band\", \"width\": \"\(p)\" }, \"Naam\": \"drop\" }", "", ""),
        ]
        for (what, columns, extra, top) in configs {
            guard let m = message({ _ = try self.load(data, columns: columns, extra: extra, top: top) }) else {
                XCTFail("\(what): accepted"); continue
            }
            XCTAssertTrue(m.contains("pipeline.json"), "\(what): \(m)")
            XCTAssertFalse(m.contains(p) || m.contains("Jan"), "\(what): \(m)")
        }
        // A syntax error inside a value.
        dir.write("pipeline.json", "{ \"version\": 1, \"project\": \"P\", \"pseudonymKey\": \"k\", \"files\": [ \"\(p)")
        let syntax = message { _ = try LoadedPipeline.load(path: self.dir.file("pipeline.json")) } ?? ""
        XCTAssertTrue(syntax.contains("pipeline.json:1:"), syntax)
        XCTAssertFalse(syntax.contains(p), syntax)
    }

    func testAnInvalidIdentifierWithPolicyFailNamesLineAndColumnOnly() throws {
        let bad = "123456789"  // fails the 11-check
        let p = try load("BSN,Naam\n\(planted),Jan\n\(bad),Piet Jansen\n",
                         columns: "{ \"BSN\": { \"action\": \"pseudonymise\", \"identifier\": \"bsn\", \"invalid\": \"fail\" }, \"Naam\": \"drop\" }")
        let m = message { _ = try self.output(p) } ?? ""
        XCTAssertTrue(m.contains("data.csv:3"), m)
        XCTAssertFalse(m.contains(bad) || m.contains(planted) || m.contains("Piet"), m)
    }
}
