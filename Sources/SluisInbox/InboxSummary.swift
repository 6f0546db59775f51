/// An upload that has not changed for `staleSeconds` but is still hidden or named `.part`: an
/// upload that stalled, reported so that a person can act.
public struct StaleUpload: Codable, Sendable, Equatable {
    /// The upload's name in the inbox (escaped, bounded).
    public var name: String
    /// Bytes received so far.
    public var byteCount: Int64
    /// Seconds since it last changed.
    public var ageSeconds: Int
}

/// The totals and the per-package results of one run, for the output and the exit code.
public struct InboxSummary: Codable, Sendable {
    /// Packages delivered in this run.
    public var delivered = 0
    /// Packages and entries set aside in this run.
    public var quarantined = 0
    /// Packages quarantined as replays of a delivered package (also counted in `quarantined`).
    public var duplicates = 0
    /// Entries set aside unread (also counted in `quarantined`).
    public var refused = 0
    /// Uploads not yet settled (still changing, hidden, or `.part`); the next run looks again.
    public var waiting = 0
    /// Uploads waiting longer than `staleSeconds` (listed in `staleUploads`).
    public var stale = 0
    /// Claims a live run elsewhere holds; left alone.
    public var busy = 0
    /// UTC, when the run started.
    public var started = ""
    /// UTC, when the run finished.
    public var finished = ""
    /// One result per package or entry handled, in order.
    public var packages: [PackageResult] = []
    /// The stalled uploads counted in `stale`.
    public var staleUploads: [StaleUpload] = []
    /// Set when an intake fault stopped the run: its message.
    public var stopped: String?
    /// The exit code for a stopped run: 2 (configuration, keys, registers) or 5 (disk, folders).
    public var stoppedExitCode: Int32?
    /// An empty summary the run fills in.
    public init() {}

    /// `sluis inbox: 3 delivered, 1 quarantined (1 replayed), 1 still uploading, …`
    public var line: String {
        "sluis inbox: \(delivered) delivered, \(quarantined) quarantined"
            + (duplicates > 0 ? " (\(duplicates) replayed)" : "") + (refused > 0 ? " (\(refused) refused unread)" : "")
            + ", \(waiting) still uploading, \(stale) stale, \(busy) in progress elsewhere"
            + (stopped != nil ? "; stopped: the intake could not run" : "")
    }
}
