import SluisCore

/// Why `sluis serve` could not start or stopped. Request-level refusals are HTTP statuses
/// (TusStatus), not errors of this kind. Messages name files and JSON paths, never values.
public enum ServeError: SluisError, Equatable {
    case config(path: String, jsonPath: String, problem: String)
    case tls(path: String, detail: String)
    case stagingNotOnInboxFileSystem(staging: String, inbox: String)
    case cannotListen(address: String, port: Int)
    case server(detail: String)

    /// Configuration and TLS problems are usage (exit 2); a port that cannot be bound or a failed server is I/O (exit 5).
    public var category: FailureCategory {
        switch self {
        case .config, .tls, .stagingNotOnInboxFileSystem: return .usage
        case .cannotListen, .server: return .io
        }
    }

    /// One line naming the file, JSON path or address and what to do; never a key or token.
    public var description: String {
        switch self {
        case let .config(p, j, problem): return "\(p): \(j): \(problem)"
        case let .tls(p, d): return "\(p): \(d)"
        case let .stagingNotOnInboxFileSystem(s, i):
            return "the staging folder \(s) is not on the same file system as the inbox \(i); completed uploads must move into the inbox with one rename"
        case let .cannotListen(a, port): return "cannot listen on \(a) port \(port) (in use, or not an address of this machine)"
        case let .server(d): return "the server stopped: \(d)"
        }
    }
}
