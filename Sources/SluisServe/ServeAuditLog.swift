import Foundation
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// One line of the upload service's audit log, in the style of the inbox's (JSON lines, sorted
/// keys). Holds upload ids, fingerprints, project ids, sizes, statuses and reasons — never
/// package bytes, tokens, metadata or anything else a client wrote.
public struct ServeAuditEvent: Codable, Equatable, Sendable {
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    public var time: String
    /// created, resumed, completed, refused, deleted, expired, started, stopped
    public var event: String
    /// The upload's id (server-made, so safe to log).
    public var upload: String?
    /// The project the token named.
    public var project: String?
    /// Fingerprint of the key that signed the request's token.
    public var key: String?
    /// The upload's announced length in bytes.
    public var size: UInt64?
    /// The durable offset after the request.
    public var offset: UInt64?
    /// The HTTP status answered.
    public var status: Int?
    /// ok or refused
    public var outcome: String
    /// Why the request was refused (never anything the client wrote).
    public var reason: String?

    /// An event stamped now; the optional fields are filled in by the handler.
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

/// The upload service's audit log: events as JSON lines (`JSONLinesLog`: one write per line,
/// `O_APPEND`, `fsync`), so lines from several processes never interleave and survive a crash.
public final class ServeAuditLog: Sendable {
    /// Where the log is written (serve.json's `auditLog`).
    public var path: String { log.path }
    private let log: JSONLinesLog

    /// Opens (creating it and its folder when missing) the log for appending.
    public init(path: String) throws {
        log = try JSONLinesLog(path: path, creatingFolder: true)
    }

    /// Best effort from the request path: a failing log write is reported on stderr, not to the client.
    public func append(_ event: ServeAuditEvent) {
        do { try log.append(event) } catch {
            writeStandardError("sluis: cannot append to the audit log \(path): \(error)")
        }
    }
}
