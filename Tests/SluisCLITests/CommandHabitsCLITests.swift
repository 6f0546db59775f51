import XCTest
import Foundation
import SluisTestSupport

/// One CLI, one set of habits (docs/cli.md): usage errors are one `sluis:` line and exit 2, `--json`
/// failures are a JSON object on stdout, help and version still work, completions and the manual
/// page come from the command definitions.
final class CommandHabitsCLITests: XCTestCase {
    func testUsageErrorsAreOneLineAndExitTwo() throws {
        let cases: [[String]] = [
            ["verify"],                               // missing argument
            ["verify", "p.sluis", "--trust"],         // missing option value
            ["frobnicate"],                           // unknown command
            ["seal", "--no-such-flag"],               // unknown option
            ["synth", "-o", "x", "--persons", "many"] // a value of the wrong type
        ]
        for args in cases {
            let r = try CLI.run(args)
            XCTAssertEqual(r.exitCode, 2, "\(args): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("sluis: "), r.stderr)
            XCTAssertFalse(r.stderr.contains("Error:"), r.stderr)
            XCTAssertTrue(r.stderr.contains("see 'sluis"), r.stderr)
            XCTAssertEqual(r.stdout, "", "\(args)")
        }
    }

    func testUsageErrorNamesTheCommandToAskForHelp() throws {
        let r = try CLI.run(["verify"])
        XCTAssertTrue(r.stderr.contains("see 'sluis help verify'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("<package>"), r.stderr)
    }

    func testHelpAndVersionStillWork() throws {
        let help = try CLI.run(["verify", "--help"])
        XCTAssertEqual(help.exitCode, 0)
        XCTAssertTrue(help.stdout.contains("USAGE:"), help.stdout)
        XCTAssertTrue(help.stdout.contains("--trust"), help.stdout)
        let helpCommand = try CLI.run(["help", "seal"])
        XCTAssertEqual(helpCommand.exitCode, 0)
        XCTAssertTrue(helpCommand.stdout.contains("USAGE:"), helpCommand.stdout)
        let version = try CLI.run(["--version"])
        XCTAssertEqual(version.exitCode, 0)
        XCTAssertFalse(version.stdout.isEmpty)
    }

    func testJSONFailureIsAnObjectOnStdoutWithExitCodeAndMessage() throws {
        let dir = TemporaryDirectory()
        // A usage error and a run-time error, both with --json.
        for (args, code) in [(["verify", "--json"], 2), (["verify", "missing.sluis", "--trust", "nowhere", "--json"], 2)] {
            let r = try CLI.run(args, in: dir.path)
            XCTAssertEqual(r.exitCode, Int32(code), r.stderr)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
            let error = try XCTUnwrap(object["error"] as? [String: Any], r.stdout)
            XCTAssertEqual(error["exitCode"] as? Int, code)
            let message = try XCTUnwrap(error["message"] as? String)
            XCTAssertTrue(r.stderr.contains(message), "the JSON message is the stderr line's: \(r.stderr)")
        }
    }

    func testJSONFailureOfADataErrorCarriesItsExitCode() throws {
        let dir = TemporaryDirectory()
        try Data("not a package at all".utf8).write(to: URL(fileURLWithPath: dir.file("p.sluis")))
        try Data().write(to: URL(fileURLWithPath: dir.file("trusted.txt")))
        let r = try CLI.run(["verify", "p.sluis", "--trust", "trusted.txt", "--json"], in: dir.path)
        XCTAssertNotEqual(r.exitCode, 0)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        let error = try XCTUnwrap(object["error"] as? [String: Any])
        XCTAssertEqual(error["exitCode"] as? Int, Int(r.exitCode))
    }

    func testCompletionScriptsForBashZshAndFish() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try CLI.run(["--generate-completion-script", shell])
            XCTAssertEqual(r.exitCode, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("seal"), shell)
            XCTAssertTrue(r.stdout.contains("verify"), shell)
        }
    }

    func testManualPageSourceIsTheCommandDefinitions() throws {
        // The man page generator reads this dump; it must stay parseable JSON naming every command.
        let r = try CLI.run(["--experimental-dump-help"])
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let command = try XCTUnwrap(object["command"] as? [String: Any])
        let names = (command["subcommands"] as? [[String: Any]] ?? []).compactMap { $0["commandName"] as? String }
        for expected in ["seal", "verify", "open", "link", "inbox", "check"] {
            XCTAssertTrue(names.contains(expected), "\(expected) in \(names)")
        }
    }

    func testFingerprintReadsAPublicKeyFromStandardInput() throws {
        let pub = CLI.packageRoot + "/keys-example/researcher.pub"
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: pub)))
        let piped = try CLI.run(["fingerprint", "-"], stdin: bytes)
        XCTAssertEqual(piped.exitCode, 0, piped.stderr)
        let byFile = try CLI.run(["fingerprint", pub])
        XCTAssertEqual(piped.stdout.split(separator: " ").first, byFile.stdout.split(separator: " ").first)
        let notAKey = try CLI.run(["fingerprint", "-"], stdin: Array("123456782,Jan\n".utf8))
        XCTAssertEqual(notAKey.exitCode, 2)
        XCTAssertFalse(notAKey.stderr.contains("123456782"), notAKey.stderr)
    }
}
