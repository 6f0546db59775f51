/// An upload that has not changed for `staleSeconds` but is still hidden or named `.part`: an
/// upload that stalled, reported so that a person can act.
public struct StaleUpload: Codable, Sendable, Equatable {
    public var name: String
    public var byteCount: Int64
    public var ageSeconds: Int
}

/// The totals and the per-package results of one run, for the output and the exit code.
public struct InboxSummary: Codable, Sendable {
    public var delivered = 0
    public var quarantined = 0
    public var duplicates = 0
    /// Entries set aside unread (also counted in `quarantined`).
    public var refused = 0
    public var waiting = 0
    public var stale = 0
    public var busy = 0
    public var started = ""
    public var finished = ""
    public var packages: [PackageResult] = []
    public var staleUploads: [StaleUpload] = []
    /// Set when an intake fault stopped the run: its message.
    public var stopped: String?
    /// The exit code for a stopped run: 2 (configuration, keys, registers) or 5 (disk, folders).
    public var stoppedExitCode: Int32?
    public init() {}

    /// `sluis inbox: 3 delivered, 1 quarantined (1 replayed), 1 still uploading, …`
    public var line: String {
        "sluis inbox: \(delivered) delivered, \(quarantined) quarantined"
            + (duplicates > 0 ? " (\(duplicates) replayed)" : "") + (refused > 0 ? " (\(refused) refused unread)" : "")
            + ", \(waiting) still uploading, \(stale) stale, \(busy) in progress elsewhere"
            + (stopped != nil ? "; stopped: the intake could not run" : "")
    }
}
