import SluisCore

/// Why the intake job could not run, or why one package was set aside.
public enum InboxError: SluisError, Equatable {
    case config(path: String, jsonPath: String, problem: String)
    case unknownProject(project: String)
    case duplicate(packageId: String)
    case noRegister(project: String)
    case locked(path: String)

    public var category: FailureCategory {
        switch self {
        case .config, .noRegister: return .usage
        case .unknownProject, .duplicate: return .verification
        case .locked: return .io
        }
    }

    public var description: String {
        switch self {
        case let .config(path, jp, problem): return "\(path): \(jp): \(problem)"
        case let .unknownProject(p): return "the package is for project \(p), which intake.json does not list"
        case let .duplicate(id): return "package \(id) was delivered before; this copy is a replay and is not delivered again"
        case let .noRegister(p): return "project \(p) has no register to link against"
        case let .locked(p): return "\(p) is in use by another sluis inbox run"
        }
    }
}
