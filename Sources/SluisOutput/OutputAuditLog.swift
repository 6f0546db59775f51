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

/// Appends events as JSON lines, one `write(2)` per line with `O_APPEND`, then `fsync`: lines of
/// concurrent runs never interleave and the log survives a crash (as the inbox's audit log).
public final class OutputAuditLog {
    public let path: String
    private let fd: Int32

    public init(path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw IOError.cannotOpen(path: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    /// The default log beside the request folder: `PARENT/sluis-output-audit.log`.
    public static func defaultPath(forRequest folder: String) -> String {
        let trimmed = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        return splitPath(trimmed).directory + "/sluis-output-audit.log"
    }

    public func append(_ event: OutputAuditEvent) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = Array(try encoder.encode(event))
        line.append(0x0A)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw IOError.writeFailed(path: path, errno: errno) }
        guard fsync(fd) == 0 else { throw IOError.syncFailed(path: path, errno: errno) }
    }

    deinit { close(fd) }
}
