/// The decision log sealed into every release (`decision-log.json`, and the inner manifest's
/// `pipeline` field): who approved what, under which policy, when, and what the check said.
public struct DecisionLog: Codable, Equatable, Sendable {
    public static let formatName = "sluis-output-decision-log"
    public static let fileName = "decision-log.json"

    public struct Checker: Codable, Equatable, Sendable {
        /// `releaser` (signed the package) or `countersigner` (signed an approval).
        public var role: String
        public var publicKey: String
        public var fingerprint: String
        public var signedAt: String
    }

    public struct Decision: Codable, Equatable, Sendable {
        /// The file's path in the request folder.
        public var file: String
        /// Its name in the release.
        public var releasedAs: String
        public var sha256: String
        /// The check's verdict when it was approved: pass or needs-review.
        public var check: CheckReport.Status
        public var decision: String
        /// The released (redacted) evidence's name, when the file has evidence.
        public var evidence: String?
    }

    public var format: String
    public var version: Int
    public var request: String
    public var policy: PolicyReference
    public var requiredApprovals: Int
    public var decidedAt: String
    public var checkers: [Checker]
    public var decisions: [Decision]
    /// Files of the request not released, with their check verdicts.
    public var notReleased: [String: CheckReport.Status]
}
