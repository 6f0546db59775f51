import Foundation
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// One line of the upload service's audit log, in the style of the inbox's (JSON lines, sorted
/// keys). Holds upload ids, fingerprints, project ids, sizes, statuses and reasons — never
/// package bytes, tokens, metadata or anything else a client wrote.
public struct ServeAuditEvent: Codable, Equatable, Sendable {
    public var time: String
    /// created, resumed, completed, refused, deleted, expired, started, stopped
    public var event: String
    public var upload: String?
    public var project: String?
    /// Fingerprint of the key that signed the request's token.
    public var key: String?
    public var size: UInt64?
    public var offset: UInt64?
    /// The HTTP status answered.
    public var status: Int?
    /// ok or refused
    public var outcome: String
    public var reason: String?

    public init(event: String, outcome: String = "ok") {
        self.time = ServeAuditEvent.timestamp(Date())
        self.event = event
        self.outcome = outcome
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, as the inbox writes it.
    public static func timestamp(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
                      tmv.tm_hour, tmv.tm_min, tmv.tm_sec)
    }
}

/// Appends events with one `write(2)` per line on an `O_APPEND` descriptor, then `fsync`, so
/// lines from several processes never interleave and survive a crash.
public final class ServeAuditLog: Sendable {
    public let path: String
    private let fd: Int32

    public init(path: String) throws {
        try FileSystem.makeDirectories(splitPath(path).directory, mode: 0o750)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw IOError.cannotOpen(path: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    /// Best effort from the request path: a failing log write is reported on stderr, not to the client.
    public func append(_ event: ServeAuditEvent) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? Array(encoder.encode(event)) else { return }
        line.append(0x0A)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written != line.count || fsync(fd) != 0 {
            writeStandardError("sluis: cannot append to the audit log \(path): \(errnoText(errno))")
        }
    }

    deinit { close(fd) }
}
