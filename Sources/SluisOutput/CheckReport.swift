/// What `sluis output check` found in a request folder: per file a status and findings that
/// name lines and columns, never values.
public struct CheckReport: Codable, Equatable, Sendable {
    /// One file's verdict, ordered from best to worst: a request's status is its worst file's.
    public enum Status: String, Codable, Sendable, Comparable {
        case pass
        /// Nothing fails, but a person must look (no evidence: a graph, a text, a workbook).
        case review = "needs-review"
        case fail
        /// The output does not match its evidence (changed after it was made, or the evidence is not its own).
        case mismatch = "evidence-mismatch"

        var rank: Int {
            switch self {
            case .pass: 0
            case .review: 1
            case .fail: 2
            case .mismatch: 3
            }
        }
        /// Orders by severity: pass < needs-review < fail < evidence-mismatch.
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }

        /// The exit code a script acts on (docs/output.md): 0, 7, 3, 4.
        public var exitCode: Int32 {
            switch self {
            case .pass: 0
            case .review: 7
            case .fail: 3
            case .mismatch: 4
            }
        }
    }

    /// One thing `check` found in a file: what, where, and how bad.
    public struct Finding: Codable, Equatable, Sendable {
        /// key-format, known-key, one-row-per-unit, rule, audit, marker, evidence, policy, needs-review, unreadable
        public var kind: String
        /// 1-based line, when the finding has one.
        public var line: Int?
        /// 1-based column, when the finding has one.
        public var column: Int?
        /// What was found and what to do; never a value from the file.
        public var detail: String
        /// How bad the finding is for the file.
        public var status: Status
        /// The part of an XLSX workbook (`xl/worksheets/sheet1.xml`) the line and column are in,
        /// when the file is one; nil (left out of JSON) otherwise.
        public var part: String?

        /// A finding; `part` only for a place inside an XLSX workbook.
        public init(kind: String, line: Int?, column: Int?, detail: String, status: Status, part: String? = nil) {
            self.kind = kind
            self.line = line
            self.column = column
            self.detail = detail
            self.status = status
            self.part = part
        }
    }

    /// One file of the request and what `check` made of it.
    public struct File: Codable, Equatable, Sendable {
        /// The path inside the request folder.
        public var file: String
        /// SHA-256 of the file as checked, lowercase hex (approval records it).
        public var sha256: String
        /// The evidence file beside it, when there is one.
        public var evidence: String?
        /// The file's verdict: its worst finding.
        public var status: Status
        /// The findings, at most 50 per kind.
        public var findings: [Finding]
        /// Findings beyond those listed (listing stops at 50 per kind and file).
        public var moreFindings: Int
    }

    /// The request folder checked.
    public var request: String
    /// The policy the request was checked under.
    public var policy: PolicyReference
    /// UTC, when it was checked.
    public var checkedAt: String
    /// Every file of the request, by path.
    public var files: [File]
    /// The request's verdict: its worst file's.
    public var status: Status

    /// The file with this path inside the request, or nil.
    public func file(_ name: String) -> File? { files.first { $0.file == name } }
}
