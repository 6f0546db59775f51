import SluisCore
import SluisIO

/// `sluis output check`: every file of a request folder, rechecked from its evidence and scanned
/// for keys. Files without evidence (graphs, texts) are never passed automatically.
public enum RequestChecker {
    /// Extensions read as delimited text (fields are columns) and as plain text (byte columns).
    static let delimitedExtensions: Set<String> = ["csv", "tsv"]
    static let textExtensions: Set<String> = ["txt", "md", "json", "log", "html", "htm", "tex", "xml", "yaml", "yml", "r", "do", "sps", "py", "lst", "out"]

    /// Checks every file of `folder` under `policy` (and against `keys` when given); the report names lines and columns, never values.
    public static func check(folder: String, policy: OutputPolicy, keys: KeyHashSet?) throws -> CheckReport {
        guard FileSystem.isDirectory(folder) else {
            throw OutputError.requestInvalid(path: folder, detail: "it is not a folder")
        }
        let names = try listFiles(folder)
        let nameSet = Set(names)
        // Evidence files travel with their output (read there); each other file is read once.
        let toRead = names.filter { !$0.hasSuffix(Evidence.fileSuffix) || !nameSet.contains(String($0.dropLast(Evidence.fileSuffix.count))) }
        let reads = try readAll(folder: folder, names: toRead, policy: policy, keys: keys) {
            nameSet.contains($0 + Evidence.fileSuffix)
        }
        var files: [CheckReport.File] = []
        for (name, read) in zip(toRead, reads) {
            if name.hasSuffix(Evidence.fileSuffix) {
                files.append(.init(file: name, sha256: read.sha256, evidence: nil,
                                   status: .review, findings: [.init(kind: "evidence", line: nil, column: nil,
                                   detail: "evidence without its output", status: .review)], moreFindings: 0))
                continue
            }
            files.append(try checkFile(folder: folder, name: name, read: read,
                                       hasEvidence: nameSet.contains(name + Evidence.fileSuffix), policy: policy))
        }
        let status = files.map(\.status).max() ?? .pass
        return CheckReport(request: folder, policy: policy.reference, checkedAt: OutputClock.now(), files: files, status: status)
    }

    /// The verdict on one file from its read (`FileRead`) and, when it has one, its evidence.
    /// Runs on the calling thread, one file after another (the evidence audit uses GLPK).
    static func checkFile(folder: String, name: String, read: FileRead, hasEvidence: Bool,
                          policy: OutputPolicy) throws -> CheckReport.File {
        let path = folder + "/" + name
        let sha = read.sha256
        var findings: [CheckReport.Finding] = []
        var more = 0
        if hasEvidence {
            do {
                let evidence = try EvidenceCheck.read(path + Evidence.fileSuffix)
                findings += try EvidenceCheck.findings(output: path, name: splitPath(name).name, sha256: sha, evidence: evidence, policy: policy)
            } catch OutputError.evidenceInvalid(_, let detail) {
                // One unreadable evidence file fails its output, not the whole check.
                findings.append(.init(kind: "evidence", line: nil, column: nil, detail: "its evidence \(detail)", status: .mismatch))
            }
        } else {
            findings.append(.init(kind: "needs-review", line: nil, column: nil,
                                  detail: "no evidence: a person must review this file", status: .review))
        }
        switch read.content {
        case .unreadableWorkbook(let detail):
            findings.append(.init(kind: "unreadable", line: nil, column: nil,
                                  detail: "not a readable XLSX workbook (\(detail)), so it cannot be scanned: save or export it again",
                                  status: .fail))
        case .text(let found, let count):
            for f in found {
                let detail: String
                switch f.kind {
                case .keyFormat: detail = "a value in the format of a \(f.detail ?? "key")"
                case .knownKey: detail = "a value that is one of the environment's keys"
                case .oneRowPerUnit: detail = "one row per unit (microdata?): " + (f.detail ?? "")
                }
                findings.append(.init(kind: f.kind.rawValue, line: f.line, column: f.column, detail: detail, status: .fail, part: f.part))
            }
            more = count - found.count
        case .binary, .evidence:
            findings.append(.init(kind: "needs-review", line: nil, column: nil,
                                  detail: "not text (a graph or a binary file?): sluis cannot scan it", status: .review))
        }
        let status = findings.map(\.status).max() ?? .pass
        return CheckReport.File(file: name, sha256: sha, evidence: hasEvidence ? name + Evidence.fileSuffix : nil,
                                status: status, findings: findings, moreFindings: more)
    }

    /// Text when the first 64 KiB hold no NUL byte and are valid UTF-8 (or end mid-character).
    static func isText(_ path: String) -> Bool {
        guard let input = try? FileInput(path: path) else { return false }
        var block = [UInt8](repeating: 0, count: 1 << 16)
        guard let n = try? block.withUnsafeMutableBytes({ try input.read(into: $0) }) else { return false }
        let head = block[0..<n]
        if head.contains(0) { return false }
        var trimmed = Array(head)
        for _ in 0..<3 where !UTF8Text.isValid(trimmed) && !trimmed.isEmpty { trimmed.removeLast() }
        return UTF8Text.isValid(trimmed)
    }

    /// Regular files under `folder`, recursively, as relative paths, sorted; hidden names skipped.
    static func listFiles(_ folder: String, prefix: String = "") throws -> [String] {
        var out: [String] = []
        for name in try FileSystem.list(folder).sorted() where !name.hasPrefix(".") {
            let path = folder + "/" + name
            if FileSystem.isDirectory(path) {
                out += try listFiles(path, prefix: prefix + name + "/")
            } else {
                out.append(prefix + name)
            }
        }
        return out
    }
}
