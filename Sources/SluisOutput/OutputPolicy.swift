import Foundation
import SluisCore
import SluisCrypto
import SluisIO

/// The disclosure-control policy every output is judged by (`output-policy.json`, docs/output.md).
///
/// One versioned file holds every threshold with its boundary stated in the field's name and doc:
/// a check made under one version can be told from a check under another, because the version and
/// the SHA-256 of the policy's canonical form go into every evidence file and decision log.
/// The built-in default is Statistics Netherlands' rules (`OutputPolicy.cbsDefault`).
public struct OutputPolicy: Codable, Equatable, Sendable {
    /// The `format` value of every policy file; anything else is refused.
    public static let formatName = "sluis-output-policy"

    /// Always `formatName`.
    public var format: String
    /// A name people recognise (`cbs-default`).
    public var name: String
    /// Bumped whenever a rule or threshold changes.
    public var version: String
    /// The rules for tables.
    public var table: TableRules
    /// The rules for models.
    public var model: ModelRules
    /// What a suppressed cell shows instead of its value (never empty, never a number).
    public var suppressionMarker: String
    /// When rounding may replace suppression, and to what base.
    public var rounding: Rounding
    /// What a release needs.
    public var release: ReleaseRules
    /// Shapes of person and business keys `output check` looks for in every file.
    public var keyFormats: [KeyFormat]

    /// The table rules: thresholds with their boundaries (see each field).
    public struct TableRules: Codable, Equatable, Sendable {
        /// Threshold rule: unsafe when 0 < N < minimumCount (N unweighted contributors; N = 0 is
        /// governed by `zeroCellsDisclosive`).
        public var minimumCount: Int
        /// Dominance (n = 1): unsafe when largest / total ≥ dominanceShare (on absolute values).
        public var dominanceShare: Double
        /// Group disclosure: unsafe when a cell's N / its row's N > groupShare (strictly).
        public var groupShare: Double
        /// Optional p % rule: unsafe when total − largest − second < p/100 · largest.
        public var percentRule: Double?
        /// Optional (n,k) dominance, n > 1: unsafe when the n largest sum to > k · total (strictly, as τ-Argus).
        public var nkDominance: NK?
        /// Zero cells (N = 0) unsafe when true.
        public var zeroCellsDisclosive: Bool
        /// Optional: unsafe when a cell has fewer distinct institutions than this.
        public var minimumInstitutions: Int?
        /// Dominance, p % and (n,k) count each institution's summed contribution as one contributor.
        public var dominanceByInstitution: Bool
    }

    /// The (n,k) dominance parameters.
    public struct NK: Codable, Equatable, Sendable {
        /// How many of the largest contributions are summed (more than 1).
        public var n: Int
        /// The share of the total they may not exceed (0…1).
        public var k: Double
    }

    /// The model rules.
    public struct ModelRules: Codable, Equatable, Sendable {
        /// Unsafe when residual degrees of freedom < minimumResidualDF.
        public var minimumResidualDF: Int
    }

    /// Rounding as an alternative to suppression.
    public struct Rounding: Codable, Equatable, Sendable {
        /// Whether `--round` may replace suppression (frequency tables only).
        public var allowed: Bool
        /// Every count, margins included, is rounded to the nearest multiple of `base`.
        public var base: Int
    }

    /// The rules for releasing.
    public struct ReleaseRules: Codable, Equatable, Sendable {
        /// Distinct checkers whose signatures a release needs (1 or 2).
        public var requiredApprovals: Int
    }

    /// Statistics Netherlands' rules: N ≥ 10, largest < 50 %, group ≤ 90 %, residual df ≥ 10.
    public static let cbsDefault = OutputPolicy(
        format: formatName, name: "cbs-default", version: "1",
        table: TableRules(minimumCount: 10, dominanceShare: 0.5, groupShare: 0.9, percentRule: nil, nkDominance: nil,
                          zeroCellsDisclosive: false, minimumInstitutions: nil, dominanceByInstitution: false),
        model: ModelRules(minimumResidualDF: 10), suppressionMarker: "x",
        rounding: Rounding(allowed: false, base: 5), release: ReleaseRules(requiredApprovals: 1),
        keyFormats: KeyFormat.defaults)

    /// SHA-256 of the canonical JSON form, lowercase hex: names exactly the rules that were applied.
    public var sha256: String { Hex.encode(SHA256Hasher.hash((try? CanonicalJSON.bytes(self)) ?? [])) }

    /// The policy in `path`, or the built-in default when `path` is nil.
    public static func load(path: String?) throws -> OutputPolicy {
        guard let path else { return cbsDefault }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readAll(path, limitByteCount: 1 << 20) } catch {
            throw OutputError.policyInvalid(path: path, detail: "it cannot be read")
        }
        return try parse(bytes, path: path)
    }

    /// Parses and checks a policy; every problem names `path` and the field.
    public static func parse(_ bytes: [UInt8], path: String) throws -> OutputPolicy {
        guard let json = try? JSONValue.parse(bytes), !json.hasRepeatedKeys else {
            throw OutputError.policyInvalid(path: path, detail: "it is not JSON (or repeats a key)")
        }
        let policy: OutputPolicy
        do { policy = try JSONDecoder().decode(OutputPolicy.self, from: Data(bytes)) } catch let DecodingError.keyNotFound(key, ctx) {
            throw OutputError.policyInvalid(path: path, detail: "$\(jsonPath(ctx.codingPath)).\(key.stringValue) is missing")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw OutputError.policyInvalid(path: path, detail: "$\(jsonPath(ctx.codingPath)) has the wrong type")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw OutputError.policyInvalid(path: path, detail: "$\(jsonPath(ctx.codingPath)) is null")
        } catch {
            throw OutputError.policyInvalid(path: path, detail: "it does not match the schema")
        }
        try policy.validate(path: path)
        return policy
    }

    private static func jsonPath(_ path: [CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
    }

    func validate(path: String) throws {
        func bad(_ field: String, _ why: String) -> OutputError { .policyInvalid(path: path, detail: "$.\(field) \(why)") }
        guard format == Self.formatName else { throw bad("format", "must be \"\(Self.formatName)\"") }
        guard !version.isEmpty else { throw bad("version", "must not be empty") }
        guard table.minimumCount >= 1 else { throw bad("table.minimumCount", "must be at least 1") }
        guard table.dominanceShare > 0, table.dominanceShare <= 1 else { throw bad("table.dominanceShare", "must be in (0, 1]") }
        guard table.groupShare > 0, table.groupShare <= 1 else { throw bad("table.groupShare", "must be in (0, 1]") }
        if let p = table.percentRule, !(p > 0 && p < 100) { throw bad("table.percentRule", "must be in (0, 100)") }
        if let nk = table.nkDominance {
            guard nk.n > 1, nk.n <= 20 else { throw bad("table.nkDominance.n", "must be 2 to 20 (n = 1 is dominanceShare)") }
            guard nk.k > 0, nk.k <= 1 else { throw bad("table.nkDominance.k", "must be in (0, 1]") }
        }
        if let m = table.minimumInstitutions, m < 1 { throw bad("table.minimumInstitutions", "must be at least 1") }
        guard model.minimumResidualDF >= 1 else { throw bad("model.minimumResidualDF", "must be at least 1") }
        guard !suppressionMarker.isEmpty, Double(suppressionMarker) == nil, !suppressionMarker.contains(","),
              !suppressionMarker.contains("\""), !suppressionMarker.contains("\n") else {
            throw bad("suppressionMarker", "must be a non-empty, non-numeric text without commas, quotes or line breaks")
        }
        guard rounding.base >= 2 else { throw bad("rounding.base", "must be at least 2") }
        for (i, f) in keyFormats.enumerated() where f.name.isEmpty || !(4...40).contains(f.digits) {
            throw bad("keyFormats[\(i)]", "needs a name and 4 to 40 digits")
        }
        guard (1...2).contains(release.requiredApprovals) else { throw bad("release.requiredApprovals", "must be 1 or 2") }
    }

    /// How many of the largest contributions a cell must keep for every rule of this policy.
    public var topContributionCount: Int { max(2, table.nkDominance?.n ?? 2) }

    /// Name, version and hash, as recorded in evidence and decision logs.
    public var reference: PolicyReference { PolicyReference(name: name, version: version, sha256: sha256) }
}

/// Which policy a decision was made under.
public struct PolicyReference: Codable, Equatable, Sendable {
    /// The policy's name.
    public var name: String
    /// The policy's version.
    public var version: String
    /// SHA-256 of the policy's canonical JSON, lowercase hex: tells two policies of one name and version apart.
    public var sha256: String
}
