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
    /// The claim folder's id, which names the package in the audit log before its id is trusted.
    public var claim: String
    /// Only once verified.
    public var packageId: String?
    /// Only once verified.
    public var project: String?
    /// Where it went: the delivery folder, the quarantine entry, or the claim folder.
    public var path: String?
    /// The stage that failed and why (never a data value).
    public var stage: String?
    /// The message of the failure (never a data value).
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
