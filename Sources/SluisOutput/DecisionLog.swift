/// The decision log sealed into every release (`decision-log.json`, and the inner manifest's
/// `pipeline` field): who approved what, under which policy, when, and what the check said.
public struct DecisionLog: Codable, Equatable, Sendable {
    /// The `format` value of every decision log.
    public static let formatName = "sluis-output-decision-log"
    /// Its name inside a release package.
    public static let fileName = "decision-log.json"

    /// A checker who took part in the release.
    public struct Checker: Codable, Equatable, Sendable {
        /// `releaser` (signed the package) or `countersigner` (signed an approval).
        public var role: String
        /// The checker's public key, as the approval or the package signature was checked with.
        public var publicKey: String
        /// The key's fingerprint.
        public var fingerprint: String
        /// UTC, when the checker signed.
        public var signedAt: String
    }

    /// One released file and the decision about it.
    public struct Decision: Codable, Equatable, Sendable {
        /// The file's path in the request folder.
        public var file: String
        /// Its name in the release.
        public var releasedAs: String
        /// SHA-256 of the file as approved, lowercase hex.
        public var sha256: String
        /// The check's verdict when it was approved: pass or needs-review.
        public var check: CheckReport.Status
        /// `approved` for every released file.
        public var decision: String
        /// The released (redacted) evidence's name, when the file has evidence.
        public var evidence: String?
    }

    /// Always `formatName`.
    public var format: String
    /// The log's layout version.
    public var version: Int
    /// The request folder's name.
    public var request: String
    /// The policy the request was checked under.
    public var policy: PolicyReference
    /// Approvals the policy requires before a release.
    public var requiredApprovals: Int
    /// UTC, when the release was made.
    public var decidedAt: String
    /// Every checker who approved or released.
    public var checkers: [Checker]
    /// One decision per released file.
    public var decisions: [Decision]
    /// Files of the request not released, with their check verdicts.
    public var notReleased: [String: CheckReport.Status]
}
