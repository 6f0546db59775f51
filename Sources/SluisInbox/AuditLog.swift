import Foundation
import SluisCore
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// One line of the intake's audit log. Holds ids, fingerprints, counts and outcomes — never
/// identifiers, pseudonyms or data values, and never file or column names from inside a package.
public struct AuditEvent: Codable, Equatable, Sendable {
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`, when the event happened.
    public var time: String
    /// claimed, resumed, verified, opened, linked, delivered, archived, quarantined, refused, deferred, requeued
    public var event: String
    /// The claim folder's id (known before the package id is trusted).
    public var claim: String
    /// The upload's file name in the inbox.
    public var upload: String?
    /// The package id from the signed manifest, once verified.
    public var packageId: String?
    /// The project the package is for, once verified.
    public var project: String?
    /// Fingerprint of the researcher key that signed the package.
    public var signer: String?
    /// Data entries in the package (a count, never names).
    public var entries: Int?
    /// Rows delivered after linking.
    public var rows: UInt64?
    /// Overall link rate in percent, one decimal.
    public var linkRate: Double?
    /// Colliding pseudonyms in the project's register per domain (counts, never values).
    public var collisions: [String: Int]?
    /// True when the project's register was new or changed since the intake last indexed it.
    public var registerChanged: Bool?
    /// ok, duplicate, failed
    public var outcome: String
    /// For failures: the stage and the error message (which by construction holds no data values).
    public var stage: String?
    /// The failure's message (bounded and escaped when written).
    public var error: String?

    /// An event stamped now; the optional fields are filled in as the stage learns them.
    public init(event: String, claim: String, outcome: String = "ok") {
        self.time = PackageTime.now()
        self.event = event
        self.claim = claim
        self.outcome = outcome
    }
}

/// The intake's audit log: events as JSON lines (`JSONLinesLog`: one write per line, `O_APPEND`,
/// `fsync`), with sender-written text bounded and escaped first.
public final class AuditLog {
    /// Where the log is written (intake.json's `auditLog`).
    public var path: String { log.path }
    private let log: JSONLinesLog

    /// Opens (creating it and its folder when missing) the log for appending.
    public init(path: String) throws {
        log = try JSONLinesLog(path: path, creatingFolder: true)
    }

    /// Appends one event as one JSON line and syncs it, so the record survives a crash right after.
    public func append(_ event: AuditEvent) throws {
        // Upload names and error messages may quote sender-written text: bound and escape it.
        var event = event
        event.upload = event.upload.map { RecordedText.safe($0) }
        event.project = event.project.map { RecordedText.safe($0) }
        event.packageId = event.packageId.map { RecordedText.safe($0) }
        event.error = event.error.map { RecordedText.safe($0, limit: 1024) }
        event.stage = event.stage.map { RecordedText.safe($0) }
        try log.append(event)
    }
}

/// UTC timestamps for the log and reason files.
public enum PackageTime {
    /// Now in UTC, `YYYY-MM-DDTHH:MM:SSZ` (second precision, no time zone to get wrong).
    public static func now() -> String {
        var t = time(nil)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
                      tmv.tm_hour, tmv.tm_min, tmv.tm_sec)
    }
}
