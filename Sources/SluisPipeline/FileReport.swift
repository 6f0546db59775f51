import SluisCore

/// A count with the first line numbers it occurred on (capped), never the values.
public struct LineTally: Codable, Sendable, Equatable {
    public static let lineLimit = 20
    public var count = 0
    /// The first `lineLimit` 1-based lines.
    public var lines: [Int] = []

    public init() {}

    public mutating func add(line: Int) {
        count += 1
        if lines.count < Self.lineLimit { lines.append(line) }
    }
}

/// What a run did to one file: rows, dialect, actions, invalid identifiers and residual
/// findings. Holds counts and line numbers only, so it can be shown, logged and sealed.
public struct FileReport: Codable, Sendable, Equatable {
    public struct Column: Codable, Sendable, Equatable {
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
        public var column: String
        /// For a composite pseudonym: the source column (part) whose value failed; nil otherwise.
        public var part: String?
        public var reason: String
        public var policy: String
        public var tally: LineTally
    }

    /// Values in a kept column that look like direct identifiers.
    public struct Residual: Codable, Sendable, Equatable {
        public var column: String
        public var kind: String
        /// True when the column says `allowIdentifiers: true`; such findings do not stop sealing.
        public var allowed: Bool
        public var tally: LineTally
    }

    /// The path as written in pipeline.json.
    public var path: String
    public var format: String
    public var encoding: String
    public var inputDialect: String
    public var outputDialect: String
    public var rowsIn = 0
    public var rowsOut = 0
    public var rowsRejected = 0
    public var bytesIn: UInt64 = 0
    public var bytesOut: UInt64 = 0
    public var columns: [Column] = []
    public var outputColumns: [String] = []
    public var invalid: [Invalid] = []
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
    public var config: String
    public var project: String
    public var rendering: String
    public var files: [FileReport]
    /// Every reason sealing would refuse; empty when it may go ahead.
    public var refusals: [String]
    public var mustRefuse: Bool { !refusals.isEmpty }

    enum CodingKeys: String, CodingKey { case config, project, rendering, files, refusals, mustRefuse }

    public init(config: String, project: String, rendering: String, files: [FileReport], refusals: [String]) {
        self.config = config
        self.project = project
        self.rendering = rendering
        self.files = files
        self.refusals = refusals
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        config = try c.decode(String.self, forKey: .config)
        project = try c.decode(String.self, forKey: .project)
        rendering = try c.decode(String.self, forKey: .rendering)
        files = try c.decode([FileReport].self, forKey: .files)
        refusals = try c.decode([String].self, forKey: .refusals)
    }

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
