import Foundation
import XCTest
import SluisIO
import SluisTestSupport

/// The deployment recipes in docs/deploy pass their own checks: the systemd service verifies and
/// rates "OK" (≤ 2.0) in `systemd-analyze security`; the cron file has a name cron accepts and its
/// job line, run as cron would run it, runs the inbox and writes timestamped log lines.
final class DeployRecipeCLITests: InboxCLITestCase {
    let deploy = CLI.packageRoot + "/docs/deploy"

    func testTheSystemdServiceVerifiesAndRatesOK() throws {
        guard let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("SKIPPED: systemd-analyze is not installed (Debian package systemd); the service file was not checked")
            throw XCTSkip("systemd-analyze is not installed")
        }
        // The unit as installed, pointing at this build and this intake.json.
        var unit = String(decoding: try FileSystem.readAll(deploy + "/sluis-inbox.service"), as: UTF8.self)
        XCTAssertTrue(unit.contains("ExecStart=/usr/local/bin/sluis inbox -c /etc/sluis/intake.json --once"))
        unit = unit.replacingOccurrences(of: "/usr/local/bin/sluis", with: CLI.binaryPath)
            .replacingOccurrences(of: "/etc/sluis/intake.json", with: dir.file("intake.json"))
        try FileSystem.makeDirectories(dir.file("units"))
        dir.write("units/sluis-inbox.service", unit)
        try FileSystem.writeAtomically(try FileSystem.readAll(deploy + "/sluis-inbox.timer"), to: dir.file("units/sluis-inbox.timer"))

        for name in ["sluis-inbox.service", "sluis-inbox.timer"] {
            let verify = try tool(analyze, ["verify", dir.file("units/" + name)])
            let problems = verify.output.split(separator: "\n").filter { !$0.contains("sluis-intake") }  // the user exists only on a real intake
            XCTAssertEqual(verify.status, 0, "\(name): \(verify.output)")
            XCTAssertTrue(problems.isEmpty, "\(name): \(verify.output)")
        }
        let security = try tool(analyze, ["security", "--offline=true", dir.file("units/sluis-inbox.service")])
        guard let line = security.output.split(separator: "\n").last(where: { $0.contains("Overall exposure level") }),
              let score = line.split(separator: ":").last?.split(separator: " ").first.flatMap({ Double($0) }) else {
            return XCTFail("no exposure level in: \(security.output)")
        }
        print("systemd-analyze security: \(line)")
        XCTAssertLessThanOrEqual(score, 2.0, String(line))
        // The command line of the unit runs the inbox.
        let exec = unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") }.map { String($0.dropFirst(10)) } ?? ""
        let parts = exec.split(separator: " ").map(String.init)
        let r = try CLI.run(Array(parts.dropFirst()), in: dir.path)
        XCTAssertEqual(r.exitCode, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("sluis inbox: 0 delivered"), r.stdout)
    }

    func testTheCronFileHasANameCronAcceptsAndLogsWithTimestamps() throws {
        let names = try FileSystem.list(deploy + "/cron.d")
        XCTAssertEqual(names, ["sluis-inbox"])
        for name in names {
            // cron (run-parts naming) skips names with anything but letters, digits, '-' and '_'.
            XCTAssertTrue(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }, name)
        }
        let text = String(decoding: try FileSystem.readAll(deploy + "/cron.d/sluis-inbox"), as: UTF8.self)
        // Job lines start with a time field; the rest are comments and variable settings.
        let jobs = text.split(separator: "\n").filter { $0.first.map { $0.isNumber || $0 == "*" || $0 == "@" } ?? false }
        guard jobs.count == 1 else { return XCTFail("one job line expected: \(text)") }
        let fields = jobs[0].split(separator: " ", maxSplits: 6).map(String.init)
        guard fields.count == 7 else { return XCTFail("minute hour day month weekday user command: \(jobs[0])") }
        XCTAssertEqual(fields[5], "sluis-intake")
        // The command as cron runs it: `\%` becomes `%`, through /bin/sh, with this build and intake.json.
        let command = fields[6].replacingOccurrences(of: "\\%", with: "%")
            .replacingOccurrences(of: "/etc/sluis/intake.json", with: dir.file("intake.json"))
            .replacingOccurrences(of: "/var/log/sluis/inbox.log", with: dir.file("inbox.log"))
        let a = try seal("P2026-0042", as: "a.sluis")
        try upload(a.path, as: "a.sluis")
        dir.write("srv/inbox/bad.sluis", "not a package")
        let binDir = splitPath(CLI.binaryPath).directory
        for _ in 0..<2 {
            let r = try tool("/bin/sh", ["-c", command], environment: ["PATH": binDir + ":/usr/bin:/bin"])
            XCTAssertEqual(r.status, 0, r.output)
        }
        dir.write("intake.json", "{")   // a run that fails: its error line is timestamped too
        _ = try tool("/bin/sh", ["-c", command], environment: ["PATH": binDir + ":/usr/bin:/bin"])
        let log = String(decoding: dir.read("inbox.log"), as: UTF8.self).split(separator: "\n")
        XCTAssertGreaterThanOrEqual(log.count, 4)
        let stamp = try NSRegularExpression(pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z ")
        for line in log {
            XCTAssertNotNil(stamp.firstMatch(in: String(line), range: NSRange(location: 0, length: line.utf16.count)), String(line))
        }
        XCTAssertTrue(log.contains { $0.contains(" delivered a.sluis") })
        XCTAssertTrue(log.contains { $0.contains("sluis: ") && $0.contains("intake.json") })
        XCTAssertEqual(try FileSystem.list(dir.file("srv/delivery/P2026-0042")), [a.id])
    }

    func tool(_ path: String, _ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
