import SluisCore

/// Why the intake job could not run, or why one package was set aside.
public enum InboxError: SluisError, Equatable {
    case config(path: String, jsonPath: String, problem: String)
    case unknownProject(project: String)
    case duplicate(packageId: String)
    case noRegister(project: String)
    case locked(path: String)
    case interruptedTooOften(times: Int)

    public var category: FailureCategory {
        switch self {
        case .config, .noRegister: return .usage
        case .unknownProject, .duplicate: return .verification
        case .locked: return .io
        case .interruptedTooOften: return .data
        }
    }

    public var description: String {
        switch self {
        case let .config(path, jp, problem): return "\(path): \(jp): \(problem)"
        case let .unknownProject(p): return "the package is for project \(p), which intake.json does not list"
        case let .duplicate(id): return "package \(id) was delivered before; this copy is a replay and is not delivered again"
        case let .noRegister(p): return "project \(p) has no register to link against"
        case let .locked(p): return "\(p) is in use by another sluis inbox run"
        case let .interruptedTooOften(n):
            return "the intake was interrupted \(n) times while processing this package (a crash, a kill, a power cut); "
                + "set aside so that it does not hold up later uploads — see the audit log, then open it by hand"
        }
    }
}
