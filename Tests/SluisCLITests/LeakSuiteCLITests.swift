import Foundation
import XCTest
import SluisCore
import SluisIO
import SluisTestSupport

/// The leak suite: the whole flow through the built tool (synth → check → pseudonymise → seal →
/// verify → inspect → open → link → inbox), with failing runs and injected faults, then a search
/// of everything sluis wrote or said — stdout, stderr, outputs, reports, the audit log, the
/// quarantine, the work and temp folders — for every identifier of the synthetic data, in every
/// written form. Found: 0.
final class LeakSuiteCLITests: XCTestCase {
    var dir: TemporaryDirectory!
    /// Everything the runs printed, per run.
    var transcripts: [(String, String)] = []

    override func setUpWithError() throws {
        dir = TemporaryDirectory("sluis-leak")
        try dir.installExampleKeys(["researcher.key", "researcher.pub", "intake.key", "intake.pub", "project-P2026-0042.key"], into: "keys")
        try FileSystem.makeDirectories(dir.file("tmp"))
        try FileSystem.makeDirectories(dir.file("inputs"))
    }

    /// Runs `sluis args…` with TMPDIR inside the test folder (searched too), records its output,
    /// and checks the exit code.
    @discardableResult
    func run(_ args: [String], exit expected: Int32 = 0, environment: [String: String] = [:],
             file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let r = try CLI.run(args, in: dir.path, environment: ["TMPDIR": dir.file("tmp")].merging(environment) { $1 })
        transcripts.append((args.joined(separator: " "), r.stdout + "\n" + r.stderr))
        XCTAssertEqual(r.exitCode, expected, "\(args): \(r.stderr)", file: file, line: line)
        return r
    }

    func pipeline(keep extra: [String] = [], drop: [String] = ["Naam", "Geslacht", "Huisnummer", "Toelichting"], data: String = "data/survey.csv") -> String {
        var columns = [#""BSN": { "action": "pseudonymise", "identifier": "bsn", "as": "PSEUDO_BSN" }"#,
                       #""Geboortedatum": { "action": "generalise", "to": "year" }"#,
                       #""Postcode": { "action": "generalise", "to": "pc4" }"#]
        columns += drop.map { "\"\($0)\": { \"action\": \"drop\" }" }
        columns += (["Woonplaats", "Opleiding", "Score", "Inkomen"] + extra).map { "\"\($0)\": { \"action\": \"keep\" }" }
        return """
        { "version": 1, "project": "P2026-0042", "pseudonymKey": "keys/project-P2026-0042.key", "sign": "keys/researcher.key",
          "recipients": ["keys/intake.pub"], "files": [ { "path": "\(data)", "delimiter": ";", "columns": { \(columns.joined(separator: ", ")) },
          "pseudonyms": [ { "as": "PSEUDO_DEMO", "from": { "Geslacht": "sex", "Geboortedatum": "date", "Postcode": "postcode", "Huisnummer": "housenumber" } } ] } ] }
        """
    }

    func testNoIdentifierLeavesInAnyWrittenForm() throws {
        try run(["synth", "-o", "data", "--persons", "600", "--rows", "2000", "--seed", "29"])
        // Contact details hide in ~0.1 % of synth's remarks each: add rows that surely hold some.
        var survey = String(decoding: dir.read("data/survey.csv"), as: UTF8.self)
        let first = survey.split(separator: "\n")[1].split(separator: ";", omittingEmptySubsequences: false).dropLast().joined(separator: ";")
        survey += first + ";bel 06-48213377 na vijven\n" + first + ";mail naar joel.x417@example.nl\n"
        dir.write("data/survey.csv", survey)
        try run(["link", "--new-surrogate-key", "keys/surrogate.key"])
        dir.write("pipeline.json", pipeline())
        dir.write("intake.json", """
        { "version": 1, "inbox": "srv/inbox", "work": "srv/work", "delivery": "srv/delivery", "archive": "srv/archive",
          "quarantine": "srv/quarantine", "identity": "keys/intake.key", "auditLog": "srv/log/audit.jsonl", "settleSeconds": 0,
          "projects": { "P2026-0042": { "trust": ["keys/researcher.pub"], "pseudonymKey": "keys/project-P2026-0042.key",
                                        "register": "data/register.csv", "surrogateKey": "keys/surrogate.key" } } }
        """)
        let initialised = try CLI.run(["inbox", "--init", "-c", "intake.json"], in: dir.path)  // the operator's set-up step
        XCTAssertEqual(initialised.exitCode, 0, initialised.stderr)
        let ids = try SyntheticIdentifiers(survey: dir.read("data/survey.csv"), register: dir.read("data/register.csv"))
        XCTAssertGreaterThan(ids.forms.count, 1000, "too few identifiers to search for")
        XCTAssertFalse(ids.emails.isEmpty || ids.phones.isEmpty, "the synthetic data should hold e-mails and phones")

        // The researcher's side, good runs.
        try run(["check", "-c", "pipeline.json"])
        try run(["check", "-c", "pipeline.json", "--json"])
        try run(["pseudonymise", "-c", "pipeline.json", "-o", "pseudo"])
        try FileSystem.makeDirectories(dir.file("packages"))
        try run(["seal", "-c", "pipeline.json", "-o", "packages/a.sluis", "--json"])
        try run(["seal", "-c", "pipeline.json", "-o", "packages/b.sluis"])
        // Failing runs over data full of identifiers: identifiers kept in the clear, names and
        // free text kept, an unclassified column, a ragged row with an identifier in it.
        dir.write("keep-remarks.json", pipeline(keep: ["Toelichting"], drop: ["Naam", "Geslacht", "Huisnummer"]))
        try run(["check", "-c", "keep-remarks.json"], exit: 3)
        try run(["seal", "-c", "keep-remarks.json", "-o", "packages/never.sluis"], exit: 3)
        dir.write("unclassified.json", pipeline(drop: ["Naam", "Geslacht", "Huisnummer"]))
        try run(["check", "-c", "unclassified.json"], exit: 2)
        var ragged = dir.read("data/survey.csv")
        ragged += Array("\(ids.bsns[0]);\(ids.names[0]);x\n".utf8)
        dir.write("inputs/ragged.csv", bytes: ragged)
        dir.write("ragged.json", pipeline(data: "inputs/ragged.csv"))
        try run(["seal", "-c", "ragged.json", "-o", "packages/never2.sluis"], exit: 3)
        try run(["pseudonymise", "-c", "ragged.json", "-o", "pseudo-ragged"], exit: 3)

        // The intake's side by hand.
        try run(["verify", "packages/a.sluis", "--trust", "keys/researcher.pub"])
        try run(["verify", "packages/a.sluis", "--trust", "keys/researcher.pub", "--json"])
        try run(["inspect", "packages/a.sluis"])
        try run(["inspect", "packages/a.sluis", "--json"])
        try run(["open", "packages/a.sluis", "-i", "keys/intake.key", "--trust", "keys/researcher.pub", "-o", "opened"])
        try run(["link", "opened", "--register", "data/register.csv", "--pseudonym-key", "keys/project-P2026-0042.key",
                 "--surrogate-key", "keys/surrogate.key", "-o", "linked"])
        var tampered = dir.read("packages/a.sluis")
        tampered[tampered.count / 2] ^= 0x20
        dir.write("inputs/tampered.sluis", bytes: tampered)
        try run(["open", "inputs/tampered.sluis", "-i", "keys/intake.key", "--trust", "keys/researcher.pub", "-o", "opened-bad"], exit: 4)
        try run(["open", "packages/a.sluis", "-i", "keys/researcher.key", "--trust", "keys/researcher.pub", "-o", "opened-bad"], exit: 4)
        // A register with a BSN twice (for two RINs) and one without a column.
        let register = String(decoding: dir.read("data/register.csv"), as: UTF8.self)
        let lines = register.split(separator: "\n").map(String.init)
        let twin = lines[1].split(separator: ",").enumerated().map { $0.offset == 2 ? "999999999" : String($0.element) }.joined(separator: ",")
        dir.write("inputs/register-dup.csv", register + twin + "\n")
        try run(["link", "opened", "--register", "inputs/register-dup.csv", "--pseudonym-key", "keys/project-P2026-0042.key",
                 "--surrogate-key", "keys/surrogate.key", "-o", "linked-bad"], exit: 3)
        dir.write("inputs/register-short.csv", lines.map { $0.split(separator: ",").dropLast().joined(separator: ",") }.joined(separator: "\n") + "\n")
        try run(["link", "opened", "--register", "inputs/register-short.csv", "--pseudonym-key", "keys/project-P2026-0042.key",
                 "--surrogate-key", "keys/surrogate.key", "-o", "linked-bad"], exit: 2)
        // An encrypted copy of the raw data, damaged: decrypt releases nothing.
        try run(["encrypt", "-r", "keys/intake.pub", "-o", "inputs/raw.enc", "data/survey.csv"])
        var raw = dir.read("inputs/raw.enc")
        raw[raw.count - 5] ^= 1
        dir.write("inputs/raw-bad.enc", bytes: raw)
        try run(["decrypt", "-i", "keys/intake.key", "-o", "decrypted.csv", "inputs/raw-bad.enc"], exit: 4)
        try run(["decrypt", "-i", "keys/intake.key", "--buffer-until-verified", "inputs/raw-bad.enc"], exit: 4)
        // Streaming to standard output releases the chunks that did authenticate, by design and
        // said so (docs/format.md, "Releasing plaintext"): its stdout is the recipient's own data,
        // not searched; its message is.
        let streamed = try CLI.run(["decrypt", "-i", "keys/intake.key", "inputs/raw-bad.enc"], in: dir.path, environment: ["TMPDIR": dir.file("tmp")])
        XCTAssertEqual(streamed.exitCode, 4)
        XCTAssertTrue(streamed.stderr.contains("NOT verified"), streamed.stderr)
        transcripts.append(("decrypt to stdout (stderr only)", streamed.stderr))

        // The unattended intake: a good package, a tampered one, a replay; a run killed after
        // opening (plaintext in its work folder), then the runs that finish the job.
        try FileSystem.makeDirectories(dir.file("srv/inbox"))
        dir.write("srv/inbox/a.sluis", bytes: dir.read("packages/b.sluis"))
        dir.write("srv/inbox/t.sluis", bytes: tampered)
        let crashed = try CLI.run(["inbox", "-c", "intake.json"], in: dir.path,
                                  environment: ["TMPDIR": dir.file("tmp"), "SLUIS_INBOX_CRASH_AT": "3"])
        transcripts.append(("inbox (crashed)", crashed.stdout + crashed.stderr))
        XCTAssertEqual(crashed.exitCode, 137, crashed.stderr)
        try run(["inbox", "-c", "intake.json", "--json"], exit: 6)
        dir.write("srv/inbox/replay.sluis", bytes: dir.read("packages/b.sluis"))
        try run(["inbox", "-c", "intake.json"], exit: 6)
        XCTAssertEqual(dir.allFiles().filter { $0.hasPrefix("srv/delivery/") && $0.hasSuffix("/survey.csv") }.count, 1)

        // The search: every printed line and every file sluis wrote (not the inputs and keys).
        var found: [String] = []
        for (what, text) in transcripts {
            for hit in ids.occurrences(in: Array(text.utf8)) { found.append("\(what): \(hit)") }
        }
        var searched = 0
        var folders = Set<String>()
        for file in dir.allFiles() where !file.hasPrefix("data/") && !file.hasPrefix("inputs/") && !file.hasPrefix("keys/") {
            searched += 1
            folders.insert(file.split(separator: "/").dropLast().prefix(2).joined(separator: "/"))
            for hit in ids.occurrences(in: dir.read(file)) { found.append("\(file): \(hit)") }
        }
        print("leak suite: \(ids.forms.count) identifier forms searched in \(transcripts.count) runs' output and \(searched) files (in \(folders.sorted().map { $0.isEmpty ? "." : $0 }.joined(separator: ", "))); found: \(found.count)")
        XCTAssertEqual(found, [])
        // Nothing lingers in the temp and work folders at all.
        // (The intake's remembered register fingerprint, srv/work/registers/, is state, searched above.)
        XCTAssertEqual(dir.allFiles().filter { $0.hasPrefix("tmp/") || ($0.hasPrefix("srv/work/") && !$0.hasPrefix("srv/work/registers/")) }, [])
        XCTAssertGreaterThan(searched, 15)
        // The search itself works: it finds every kind in the raw input.
        let hits = ids.occurrences(in: dir.read("data/survey.csv"))
        for kind in ["bsn", "bsn-grouped", "name", "date", "postcode", "email", "phone"] {
            XCTAssertTrue(hits.contains { $0.hasPrefix(kind + " ") }, "the search finds no \(kind) in the input")
        }
    }
}

/// The identifiers of a synthetic data set (`sluis synth`) in each form they could be written in,
/// and a search for them that ignores digit strings inside longer digit strings (a 17-digit
/// pseudonym may contain any 9 digits by chance).
struct SyntheticIdentifiers {
    var bsns: [String] = []
    var names: [String] = []
    var emails: [String] = []
    var phones: [String] = []
    /// (kind, text, numeric): numeric forms must not touch other digits.
    var forms: [(kind: String, text: [UInt8], numeric: Bool)] = []

    init(survey: [UInt8], register: [UInt8]) throws {
        var set = Set<String>()
        func add(_ kind: String, _ text: String, numeric: Bool = false) {
            let lower = text.lowercased()
            guard lower.utf8.count >= 6, set.insert(lower).inserted else { return }
            forms.append((kind, Array(lower.utf8), numeric))
        }
        let registerRows = Self.rows(register, delimiter: 0x2C)
        for row in registerRows.dropFirst() where row.count >= 7 {
            let bsn = row[0]
            bsns.append(bsn)
            add("bsn", bsn, numeric: true)
            if bsn.hasPrefix("0") { add("bsn-8", String(bsn.dropFirst()), numeric: true) }
            let d = Array(bsn)
            if d.count == 9 {
                for sep in [" ", "-", ".", "\u{A0}", "/"] {
                    add("bsn-grouped", String(d[0..<3]) + sep + String(d[3..<6]) + sep + String(d[6..<9]), numeric: true)
                }
                add("bsn-grouped", String(d[0..<4]) + "." + String(d[4..<6]) + "." + String(d[6..<9]), numeric: true)
            }
            let date = row[4].split(separator: "-").map(String.init)
            if date.count == 3, let m = Int(date[1]), let day = Int(date[2]) {
                add("date", row[4], numeric: true)                                          // 1960-07-29
                add("date", "\(date[2])-\(date[1])-\(date[0])", numeric: true)              // 29-07-1960
                add("date", "\(day)/\(m)/\(date[0])", numeric: true)                        // 29/7/1960
                add("date", "\(date[2])/\(date[1])/\(date[0])", numeric: true)              // 29/07/1960
                add("date", date.joined(), numeric: true)                                   // 19600729
            }
            let pc = row[5]
            add("postcode", pc)
            if pc.count == 6 {
                add("postcode", String(pc.prefix(4)) + " " + String(pc.suffix(2)))
                add("postcode", pc + " " + row[6])
            }
        }
        let surveyRows = Self.rows(survey, delimiter: 0x3B)
        for row in surveyRows.dropFirst() where row.count >= 11 {
            names.append(row[1])
            add("name", row[1])
            if case let .success(n) = Normaliser.normalise(.name, row[1]) { add("name", n) }
            for word in row[10].split(separator: " ") {
                let w = String(word)
                if w.contains("@") { emails.append(w); add("email", w) }
                if w.hasPrefix("06-"), w.count == 11 {
                    phones.append(w)
                    let digits = String(w.dropFirst(3))
                    for form in [w, "06" + digits, "06 " + digits, "+316" + digits, "+31 6 " + digits, "00316" + digits] {
                        add("phone", form, numeric: true)
                    }
                }
            }
        }
    }

    /// "kind text" for each form found in `bytes` (compared in lowercase ASCII). One pass over
    /// the bytes, looking forms up by their first four bytes.
    func occurrences(in bytes: [UInt8]) -> [String] {
        let hay = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        func key(_ b: ArraySlice<UInt8>) -> UInt32 { b.prefix(4).reduce(0) { $0 << 8 | UInt32($1) } }
        var byKey: [UInt32: [Int]] = [:]
        for (k, form) in forms.enumerated() { byKey[key(form.text[...]), default: []].append(k) }
        var found = Set<Int>()
        var i = 0
        while i + 4 <= hay.count {
            if let candidates = byKey[key(hay[i..<(i + 4)])] {
                for k in candidates where !found.contains(k) {
                    let needle = forms[k].text
                    guard i + needle.count <= hay.count, hay[i..<(i + needle.count)].elementsEqual(needle) else { continue }
                    let before = i > 0 ? hay[i - 1] : 0x20, after = i + needle.count < hay.count ? hay[i + needle.count] : 0x20
                    if !forms[k].numeric || (!isDigit(before) && !isDigit(after)) { found.insert(k) }
                }
            }
            i += 1
        }
        return found.sorted().map { "\(forms[$0].kind) \(String(decoding: forms[$0].text, as: UTF8.self))" }
    }

    /// Quote-aware CSV rows (RFC 4180 quoting) of small test files.
    static func rows(_ bytes: [UInt8], delimiter: UInt8) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field: [UInt8] = []
        var inQuotes = false, i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == 0x22 { if i + 1 < bytes.count && bytes[i + 1] == 0x22 { field.append(0x22); i += 1 } else { inQuotes = false } }
                else { field.append(b) }
            } else if b == 0x22 { inQuotes = true }
            else if b == delimiter { row.append(String(decoding: field, as: UTF8.self)); field = [] }
            else if b == 0x0A { row.append(String(decoding: field, as: UTF8.self)); rows.append(row); row = []; field = [] }
            else if b != 0x0D { field.append(b) }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty { row.append(String(decoding: field, as: UTF8.self)); rows.append(row) }
        return rows
    }
}
