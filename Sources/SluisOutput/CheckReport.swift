/// What `sluis output check` found in a request folder: per file a status and findings that
/// name lines and columns, never values.
public struct CheckReport: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable, Comparable {
        case pass
        /// Nothing fails, but a person must look (no evidence: a graph, a text, an unreadable XLSX).
        case review = "needs-review"
        case fail
        /// The output does not match its evidence (changed after it was made, or the evidence is not its own).
        case mismatch = "evidence-mismatch"

        var rank: Int { [.pass: 0, .review: 1, .fail: 2, .mismatch: 3][self]! }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }

        /// The exit code a script acts on (docs/output.md): 0, 7, 3, 4.
        public var exitCode: Int32 { [.pass: 0, .review: 7, .fail: 3, .mismatch: 4][self]! }
    }

    public struct Finding: Codable, Equatable, Sendable {
        /// key-format, known-key, one-row-per-unit, rule, audit, marker, evidence, policy, needs-review
        public var kind: String
        public var line: Int?
        public var column: Int?
        public var detail: String
        public var status: Status
    }

    public struct File: Codable, Equatable, Sendable {
        /// The path inside the request folder.
        public var file: String
        public var sha256: String
        public var evidence: String?
        public var status: Status
        public var findings: [Finding]
        /// Findings beyond those listed (listing stops at 50 per kind and file).
        public var moreFindings: Int
    }

    public var request: String
    public var policy: PolicyReference
    public var checkedAt: String
    public var files: [File]
    public var status: Status

    public func file(_ name: String) -> File? { files.first { $0.file == name } }
}
