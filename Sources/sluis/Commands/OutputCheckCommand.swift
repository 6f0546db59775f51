import ArgumentParser
import SluisOutput

/// `sluis output check`: recheck every file of a request from its evidence and scan it for keys.
struct OutputCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a request folder: evidence, rules, person and business keys, one-row-per-person files.",
        discussion: "Exit codes: 0 every file passes; 7 nothing fails but some files need a person's review; "
            + "3 a file breaks a rule or holds a key-shaped value, a known key or one row per unit; "
            + "4 an output does not match its evidence. The report names files, lines and columns, never values.")

    @Argument(help: "The request folder.") var request: String
    @Option(name: .long, help: "A delivery or register (.csv, .sav, .dta) whose keys must not appear in any output.")
    var keys: String?
    @Option(name: .long, help: "The key column of --keys.") var keyColumn = "RINPERSOON"
    @Option(name: .long, help: "output-policy.json (default: the built-in CBS rules).") var policy: String?
    @Option(name: .long, help: "The audit log to append to (default: sluis-output-audit.log beside the request folder).")
    var auditLog: String?
    @Flag(name: .long, help: "Print the report as JSON on stdout.") var json = false

    func run() throws {
        var exit: Int32 = 0
        try reportingErrors {
            let loaded = try OutputPolicy.load(path: policy)
            var keySet: KeyHashSet?
            if let keys {
                let set = KeyHashSet()
                try set.add(column: keyColumn, of: MicrodataSource.open(path: keys))
                keySet = set
            }
            let log = try OutputAuditLog(path: auditLog ?? OutputAuditLog.defaultPath(forRequest: request))
            let report = try RequestChecker.check(folder: request, policy: loaded, keys: keySet)
            var event = OutputAuditEvent(event: "check", request: OutputRelease.requestName(request), policy: loaded.reference,
                                         outcome: report.status.rawValue)
            event.files = Dictionary(uniqueKeysWithValues: report.files.map { ($0.file, $0.status.rawValue) })
            try log.append(event)
            if json {
                printJSON(report)
            } else {
                for f in report.files {
                    print("\(f.status.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(f.file)")
                    for finding in f.findings where finding.status != .pass || finding.kind == "policy" {
                        let place = Self.place(file: f.file, finding)
                        print("    \(place): \(finding.kind): \(finding.detail)")
                    }
                    if f.moreFindings > 0 { print("    … and \(f.moreFindings) more findings") }
                }
                print("request \(report.status.rawValue) (policy \(loaded.name) version \(loaded.version))")
            }
            exit = report.status.exitCode
        }
        if exit != 0 { throw ExitCode(exit) }
    }

    /// Where a finding is, as the text report names it: `file:line: column c`, and inside a
    /// workbook `file: part: cell B7` (or `line n` for a part that is not a worksheet).
    static func place(file: String, _ finding: CheckReport.Finding) -> String {
        guard let part = finding.part else {
            var place = file
            if let l = finding.line { place += ":\(l)" }
            if let c = finding.column { place += ": column \(c)" }
            return place
        }
        var place = "\(file): \(part)"
        if let l = finding.line, let c = finding.column {
            place += ": cell \(columnLetters(c))\(l)"
        } else if let l = finding.line {
            place += ": item \(l)"
        } else if let c = finding.column {
            place += ": column \(columnLetters(c))"
        }
        return place
    }

    /// 1 → A, 27 → AA (Excel's column names).
    static func columnLetters(_ column: Int) -> String {
        var n = column
        var letters: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            letters.insert(Character(Unicode.Scalar(UInt8(65 + r))), at: 0)
            n = (n - 1) / 26
        }
        return String(letters)
    }
}
