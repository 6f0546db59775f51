/// What one run did with one package (or one refused inbox entry), for the run's output: the
/// same words in the text lines and in `--json`.
public struct PackageResult: Codable, Sendable, Equatable {
    /// UTC, when the outcome was reached.
    public var time: String
    /// `delivered`, `quarantined`, `duplicate` (quarantined as a replay), `refused` (not a regular
    /// file, set aside unread), `deferred` (an intake fault stopped the run; the package stays claimed).
    public var outcome: String
    /// The upload's name in the inbox (escaped, bounded).
    public var upload: String?
    public var claim: String
    /// Only once verified.
    public var packageId: String?
    public var project: String?
    /// Where it went: the delivery folder, the quarantine entry, or the claim folder.
    public var path: String?
    /// The stage that failed and why (never a data value).
    public var stage: String?
    public var reason: String?

    /// One line of text: `TIME OUTCOME UPLOAD: package ID, project P, stage S: REASON -> PATH`.
    public var line: String {
        var parts: [String] = []
        if let packageId { parts.append("package \(packageId)") }
        if let project { parts.append("project \(project)") }
        var text = "\(time) \(outcome) \(upload ?? "claim-" + claim)"
        if !parts.isEmpty { text += ": " + parts.joined(separator: ", ") }
        if let stage, let reason { text += "; \(stage): \(reason)" }
        if let path { text += " -> \(path)" }
        return text
    }
}

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
