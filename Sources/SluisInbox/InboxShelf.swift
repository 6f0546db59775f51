import Foundation
import SluisCore
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// What waits, what is in progress, and what is in quarantine and why (`sluis inbox --list`), and
/// putting a quarantined package back (`sluis inbox --requeue ENTRY`).
public enum InboxShelf {
    /// The whole shelf as `--list` prints it (and `--list --json` writes it).
    public struct Listing: Codable, Sendable {
        /// An entry of the inbox folder and whether a run would take it now.
        public struct Upload: Codable, Sendable {
            /// The entry's name in the inbox (escaped, bounded: a sender chose it).
            public var name: String
            /// ready, uploading, stale, refused, ignored
            public var state: String
            /// The entry's size in bytes.
            public var byteCount: Int64
            /// Seconds since the entry last changed (settle and stale times are measured by it).
            public var ageSeconds: Int
        }
        /// A claim folder under `work/`: a package a run has taken and not yet finished.
        public struct InProgress: Codable, Sendable {
            /// The claim folder's id.
            public var claim: String
            /// The upload's name in the inbox before it was claimed, when recorded.
            public var upload: String?
            /// in progress (a live run holds it) or interrupted (the next run resumes it)
            public var state: String
        }
        /// A quarantine entry and the reason file written with it.
        public struct Quarantined: Codable, Sendable {
            /// The entry's name in the quarantine folder (what `--requeue` takes).
            public var entry: String
            /// The stage that refused it (verify, open, link, …).
            public var stage: String?
            /// The refusal's message (never a data value).
            public var reason: String?
            /// UTC, when it was set aside.
            public var time: String?
            /// The project, when the package got far enough to tell.
            public var project: String?
            /// The package id, when the package got far enough to tell.
            public var packageId: String?
            /// The upload's original name in the inbox.
            public var upload: String?
            /// Whether `--requeue` can put it back (it holds a package, not a refused entry).
            public var requeueable: Bool
        }
        /// Entries of the inbox folder, by name.
        public var inbox: [Upload] = []
        /// Packages claimed and not finished.
        public var work: [InProgress] = []
        /// Quarantine entries, by name.
        public var quarantine: [Quarantined] = []
    }

    /// Reads the inbox, work and quarantine folders of `config` into a listing (nothing is taken or delivered).
    public static func list(_ config: IntakeConfig) throws -> Listing {
        var listing = Listing()
        for e in try InboxEntry.scan(config.inbox, settleSeconds: config.settleSeconds, staleSeconds: config.staleSeconds) {
            let state: String
            switch e.state {
            case .ready: state = "ready"
            case .uploading: state = "uploading"
            case .stale: state = "stale"
            case let .refused(kind): state = "refused (\(kind))"
            case .ignored: state = "ignored (not a .sluis file)"
            }
            listing.inbox.append(.init(name: e.display, state: state, byteCount: e.byteCount, ageSeconds: Int(e.ageSeconds)))
        }
        for name in try FileSystem.list(config.work) where name.hasPrefix("claim-") {
            let dir = config.work + "/" + name
            let upload = (try? FileSystem.readAll(dir + "/upload-name", limitByteCount: 4096)).map { RecordedText.safe(nameBytes: $0) }
            let claim = try Claim.resume(directory: dir)
            listing.work.append(.init(claim: String(name.dropFirst(6)), upload: upload, state: claim == nil ? "in progress" : "interrupted"))
        }
        for name in try FileSystem.list(config.quarantine) where !name.hasPrefix(".") {
            let dir = config.quarantine + "/" + name
            let reason = (try? FileSystem.readAll(dir + "/reason.json", limitByteCount: 1 << 20))
                .flatMap { try? JSONDecoder().decode(QuarantineReason.self, from: Data($0)) }
            listing.quarantine.append(.init(entry: RecordedText.safe(name), stage: reason?.stage, reason: reason?.error, time: reason?.time,
                                            project: reason?.project, packageId: reason?.packageId, upload: reason?.upload,
                                            requeueable: FileSystem.exists(dir + "/package.sluis")))
        }
        return listing
    }

    /// Moves `quarantine/ENTRY/package.sluis` back to `inbox/ENTRY.sluis`, records `requeued` in
    /// the audit log, and removes the entry. Returns the inbox path.
    public static func requeue(_ config: IntakeConfig, entry: String) throws -> String {
        guard !entry.isEmpty, !entry.hasPrefix("."), !entry.contains("/"), entry.utf8.count <= 200 else {
            throw InboxError.noSuchQuarantineEntry(entry: entry)
        }
        let dir = config.quarantine + "/" + entry
        let package = dir + "/package.sluis"
        var st = stat()
        guard lstat(package, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw InboxError.noSuchQuarantineEntry(entry: entry) }
        let reason = (try? FileSystem.readAll(dir + "/reason.json", limitByteCount: 1 << 20))
            .flatMap { try? JSONDecoder().decode(QuarantineReason.self, from: Data($0)) }
        let target = config.inbox + "/" + entry + ".sluis"
        // RENAME_NOREPLACE: never over an existing inbox file (and never a second hard link, which a
        // concurrent run would refuse).
        if renameNoReplace(package, target) != 0 {
            if errno == EEXIST { throw InboxError.requeueTargetExists(path: target) }
            throw IOError.renameFailed(from: package, to: target, errno: errno)
        }
        // It is complete: dated back past `settleSeconds`, so the next run takes it at once.
        let settled = timeval(tv_sec: time(nil) - Int(config.settleSeconds) - 1, tv_usec: 0)
        _ = utimes(target, [settled, settled])
        try syncDirectory(at: config.inbox)
        try syncDirectory(at: dir)
        let audit = try AuditLog(path: config.auditLog)
        var event = AuditEvent(event: "requeued", claim: reason?.claim ?? entry)
        event.upload = entry + ".sluis"
        event.packageId = reason?.packageId
        event.project = reason?.project
        event.stage = reason?.stage
        event.error = reason?.error
        try audit.append(event)
        let old = config.quarantine + "/.old-requeued-" + Claim.newId()
        try FileSystem.rename(dir, old)
        FileSystem.removeTree(old)
        try syncDirectory(at: config.quarantine)
        return target
    }
}

/// `renameat2(…, RENAME_NOREPLACE)` (glibc ≥ 2.28, not exported to Swift): fails with EEXIST
/// instead of replacing the target.
func renameNoReplace(_ from: String, _ to: String) -> Int32 {
    typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else {
        if FileSystem.exists(to) { errno = EEXIST; return -1 }
        return rename(from, to)
    }
    let call = unsafeBitCast(symbol, to: RenameAt2.self)
    return call(AT_FDCWD, from, AT_FDCWD, to, 1)  // 1: RENAME_NOREPLACE
}
