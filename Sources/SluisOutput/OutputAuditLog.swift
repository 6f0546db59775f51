import Foundation
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// One line of the output-control audit log: who checked or released which request under which
/// policy, with what outcome. File names, hashes, counts and fingerprints only — never a value.
public struct OutputAuditEvent: Codable, Equatable, Sendable {
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    public var time: String
    /// check, approve, release
    public var event: String
    /// The request folder's name.
    public var request: String
    /// The policy the action ran under.
    public var policy: PolicyReference
    /// pass, needs-review, fail, evidence-mismatch (check); ok, refused (approve, release)
    public var outcome: String
    /// Per file: its verdict (check) or its SHA-256 (approve, release); never content.
    public var files: [String: String]?
    /// Fingerprint of the checker who acted.
    public var checker: String?
    /// Fingerprints of the countersigning checkers (release).
    public var countersigners: [String]?
    /// The release package's path (release).
    public var package: String?
    /// The release package's id (release).
    public var packageId: String?
    /// Why the action was refused (never a value from a file).
    public var error: String?

    /// An event stamped now; the optional fields are filled in by the action.
    public init(event: String, request: String, policy: PolicyReference, outcome: String) {
        self.time = OutputClock.now()
        self.event = event
        self.request = request
        self.policy = policy
        self.outcome = outcome
    }
}

/// Output control's audit log: events as JSON lines (`JSONLinesLog`: one write per line,
/// `O_APPEND`, `fsync`), as the inbox's.
public final class OutputAuditLog {
    /// Where the log is written.
    public var path: String { log.path }
    private let log: JSONLinesLog

    /// Opens (creating it when missing) the log for appending.
    public init(path: String) throws {
        log = try JSONLinesLog(path: path)
    }

    /// The default log beside the request folder: `PARENT/sluis-output-audit.log`.
    public static func defaultPath(forRequest folder: String) -> String {
        let trimmed = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        return splitPath(trimmed).directory + "/sluis-output-audit.log"
    }

    /// Appends one event as one JSON line and syncs it.
    public func append(_ event: OutputAuditEvent) throws {
        try log.append(event)
    }
}
