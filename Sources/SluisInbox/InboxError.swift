import SluisCore

/// Why the intake job could not run, or why one package was set aside.
public enum InboxError: SluisError, Equatable {
    case config(path: String, jsonPath: String, problem: String)
    case unknownProject(project: String)
    case duplicate(packageId: String)
    case noRegister(project: String)
    case locked(path: String)
    case interruptedTooOften(times: Int)
    /// A fault of the intake itself (its configuration, keys, registers, disk or folders) met while
    /// working on a package: the run stops and the package stays claimed for the next run.
    case couldNotRun(claim: String, reason: String, category: FailureCategory)
    /// An inbox entry that is not a regular file with a UTF-8 name (a symbolic link, a folder, a
    /// hard-linked file, a device, a name that is not UTF-8): set aside without being read.
    case notARegularUpload(kind: String)
    /// `--requeue ENTRY` named something that is not a quarantined package.
    case noSuchQuarantineEntry(entry: String)
    /// `--requeue ENTRY` would put the package back under a name the inbox already has.
    case requeueTargetExists(path: String)

    /// The exit code family (docs/cli.md): config problems are usage, a refused package is verification, a held lock is I/O.
    public var category: FailureCategory {
        switch self {
        case .config, .noRegister, .noSuchQuarantineEntry: return .usage
        case .unknownProject, .duplicate, .notARegularUpload: return .verification
        case .locked, .requeueTargetExists: return .io
        case .interruptedTooOften: return .data
        case let .couldNotRun(_, _, category): return category
        }
    }

    /// One line for stderr, the audit log and the reason file: ids, projects and paths, never data values.
    public var description: String {
        switch self {
        case let .config(path, jp, problem): return "\(path): \(jp): \(problem)"
        case let .unknownProject(p):
            return "the package claims project \(RecordedText.safe(p, limit: 80)), which intake.json does not list"
        case let .duplicate(id): return "package \(id) was delivered before; this copy is a replay and is not delivered again"
        case let .noRegister(p): return "project \(p) has no register to link against"
        case let .locked(p): return "\(p) is in use by another sluis inbox run"
        case let .interruptedTooOften(n):
            return "the intake was interrupted \(n) times while processing this package (a crash, a kill, a power cut); "
                + "set aside so that it does not hold up later uploads — see the audit log, then open it by hand"
        case let .couldNotRun(claim, reason, _):
            if claim.isEmpty {
                return "the intake could not run: \(reason); nothing was taken, and the next run after the fault is fixed takes the uploads"
            }
            return "the intake could not run: \(reason); the package stays in work/claim-\(claim) "
                + "and the next run after the fault is fixed delivers it"
        case let .notARegularUpload(kind):
            return "refused without reading it: the inbox entry is \(kind), not a regular file"
        case let .noSuchQuarantineEntry(entry):
            return "quarantine has no entry \(RecordedText.safe(entry, limit: 80)) holding a package; see 'sluis inbox --list'"
        case let .requeueTargetExists(path):
            return "\(path) already exists in the inbox; nothing was moved"
        }
    }
}
