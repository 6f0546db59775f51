import SluisCore

/// A count with the first line numbers it occurred on (capped), never the values.
public struct LineTally: Codable, Sendable, Equatable {
    /// Lines listed per tally: enough to find the problem, few enough that a report stays small.
    public static let lineLimit = 20
    /// Occurrences counted.
    public var count = 0
    /// The first `lineLimit` 1-based lines.
    public var lines: [Int] = []

    /// An empty tally.
    public init() {}

    /// Counts one occurrence on `line`, listing the line while fewer than `lineLimit` are.
    public mutating func add(line: Int) {
        count += 1
        if lines.count < Self.lineLimit { lines.append(line) }
    }
}

/// What a run did to one file: rows, dialect, actions, invalid identifiers and residual
/// findings. Holds counts and line numbers only, so it can be shown, logged and sealed.
public struct FileReport: Codable, Sendable, Equatable {
    /// One input column and what the run did with it.
    public struct Column: Codable, Sendable, Equatable {
        /// The column's header name.
        public var name: String
        /// `keep`, `drop`, `pseudonymise` or `generalise`.
        public var action: String
        /// For example `pseudonymise bsn as PSEUDO_BSN, invalid: blank`.
        public var detail: String
        /// The output column it becomes, or nil when dropped.
        public var output: String?
    }

    /// Identifiers that were empty or failed validation, per output column and reason.
    public struct Invalid: Codable, Sendable, Equatable {
        /// The output column the identifier was meant for.
        public var column: String
        /// For a composite pseudonym: the source column (part) whose value failed; nil otherwise.
        public var part: String?
        /// Why it failed (`NormalisationFailure`: `empty`, `badChecksum`, …).
        public var reason: String
        /// What the column's policy did with it: `blank`, `reject-row` or `fail`.
        public var policy: String
        /// How many, and on which lines.
        public var tally: LineTally
    }

    /// Values in a kept column that look like direct identifiers.
    public struct Residual: Codable, Sendable, Equatable {
        /// The kept column the value is in.
        public var column: String
        /// What it looks like (`ResidualKind`: `bsn`, `email`, `phone`, `iban`, `postcode-housenumber`).
        public var kind: String
        /// True when the column says `allowIdentifiers: true`; such findings do not stop sealing.
        public var allowed: Bool
        /// How many, and on which lines.
        public var tally: LineTally
    }

    /// The path as written in pipeline.json.
    public var path: String
    /// `csv`, `sav`, `zsav` or `dta`.
    public var format: String
    /// How the input was decoded (`utf-8`, `windows-1252`, …).
    public var encoding: String
    /// The input's CSV dialect as found (delimiter, line ending, byte order mark).
    public var inputDialect: String
    /// The output's CSV dialect.
    public var outputDialect: String
    /// Data rows read.
    public var rowsIn = 0
    /// Data rows written.
    public var rowsOut = 0
    /// Rows left out by a `reject-row` policy.
    public var rowsRejected = 0
    /// Bytes read.
    public var bytesIn: UInt64 = 0
    /// Bytes written (before encryption).
    public var bytesOut: UInt64 = 0
    /// Every input column and its action.
    public var columns: [Column] = []
    /// The output's header, in order.
    public var outputColumns: [String] = []
    /// Invalid identifiers per column and reason.
    public var invalid: [Invalid] = []
    /// Residual identifiers found in kept columns.
    public var residuals: [Residual] = []
    /// What the run did on its own that the user should know (an ignored empty-named column).
    public var notes: [String] = []
    /// Risks `sluis check` sees that do not stop sealing (a kept column that looks like names or addresses).
    public var warnings: [String] = []

    static func phrase(forResidualKind kind: String) -> String {
        switch ResidualKind(rawValue: kind) {
        case .bsn: return "a BSN"
        case .email: return "an e-mail address"
        case .phone: return "a phone number"
        case .iban: return "an IBAN"
        case .postcodeHouseNumber: return "a postcode with a house number"
        case nil: return kind
        }
    }

    /// Why sealing must refuse this file: residual identifiers in columns that do not allow
    /// them, and columns in which most values could not be read.
    public var refusals: [String] { residualRefusals + unreadableColumns }

    /// Columns in which more than half of the non-empty values failed to normalise or
    /// generalise: the action or the number format does not fit the column, and blanking most
    /// of it silently would send data that is mostly missing.
    public var unreadableColumns: [String] {
        var columns: [String] = []
        for entry in invalid where !columns.contains(entry.column) { columns.append(entry.column) }
        return columns.compactMap { column in
            let entries = invalid.filter { $0.column == column }
            let empty = entries.filter { $0.reason == NormalisationFailure.empty.rawValue }.reduce(0) { $0 + $1.tally.count }
            let failed = entries.filter { $0.reason != NormalisationFailure.empty.rawValue }
            let failedCount = failed.reduce(0) { $0 + $1.tally.count }
            let nonEmpty = rowsIn - empty
            guard failedCount > 0, failedCount * 2 > nonEmpty else { return nil }
            let reasons = failed.map(\.reason).joined(separator: ", ")
            return "\(path): column \(column): \(failedCount) of \(nonEmpty) non-empty values could not be read (\(reasons)); "
                + "when most of a column fails, its action or identifier type does not fit it (for numbers in a band, state \"decimal\")"
        }
    }

    var residualRefusals: [String] {
        residuals.filter { !$0.allowed && $0.tally.count > 0 }.map {
            "\(path): column \($0.column) holds \($0.tally.count) value\($0.tally.count == 1 ? " that looks" : "s that look") like \(Self.phrase(forResidualKind: $0.kind)) (lines \($0.tally.lines.map(String.init).joined(separator: ", "))\($0.tally.count > $0.tally.lines.count ? ", …" : "")); remove them, drop or pseudonymise the column, or set \"allowIdentifiers\": true"
        }
    }
}

/// The result of `check` over a whole config.
public struct CheckReport: Codable, Sendable, Equatable {
    /// The pipeline.json checked.
    public var config: String
    /// The project the config is for.
    public var project: String
    /// The pseudonym rendering the config sets.
    public var rendering: String
    /// One report per input file.
    public var files: [FileReport]
    /// Every reason sealing would refuse; empty when it may go ahead.
    public var refusals: [String]
    /// True when sealing would refuse (written to JSON so scripts need not count).
    public var mustRefuse: Bool { !refusals.isEmpty }

    enum CodingKeys: String, CodingKey { case config, project, rendering, files, refusals, mustRefuse }

    /// A report with the refusals already collected.
    public init(config: String, project: String, rendering: String, files: [FileReport], refusals: [String]) {
        self.config = config
        self.project = project
        self.rendering = rendering
        self.files = files
        self.refusals = refusals
    }

    /// Reads a report back (the derived `mustRefuse` is not read).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        config = try c.decode(String.self, forKey: .config)
        project = try c.decode(String.self, forKey: .project)
        rendering = try c.decode(String.self, forKey: .rendering)
        files = try c.decode([FileReport].self, forKey: .files)
        refusals = try c.decode([String].self, forKey: .refusals)
    }

    /// Writes the report with `mustRefuse`, so a script can act on one field.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(config, forKey: .config)
        try c.encode(project, forKey: .project)
        try c.encode(rendering, forKey: .rendering)
        try c.encode(files, forKey: .files)
        try c.encode(refusals, forKey: .refusals)
        try c.encode(mustRefuse, forKey: .mustRefuse)
    }
}
