import Foundation
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// One line of the output-control audit log: who checked or released which request under which
/// policy, with what outcome. File names, hashes, counts and fingerprints only — never a value.
public struct OutputAuditEvent: Codable, Equatable, Sendable {
    public var time: String
    /// check, approve, release
    public var event: String
    public var request: String
    public var policy: PolicyReference
    /// pass, needs-review, fail, evidence-mismatch (check); ok, refused (approve, release)
    public var outcome: String
    public var files: [String: String]?
    public var checker: String?
    public var countersigners: [String]?
    public var package: String?
    public var packageId: String?
    public var error: String?

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
    public var path: String { log.path }
    private let log: JSONLinesLog

    public init(path: String) throws {
        log = try JSONLinesLog(path: path)
    }

    /// The default log beside the request folder: `PARENT/sluis-output-audit.log`.
    public static func defaultPath(forRequest folder: String) -> String {
        let trimmed = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        return splitPath(trimmed).directory + "/sluis-output-audit.log"
    }

    public func append(_ event: OutputAuditEvent) throws {
        try log.append(event)
    }
}
