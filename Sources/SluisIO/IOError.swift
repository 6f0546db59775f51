/// Failures of the file system. Cases carry paths and `errno` numbers, never file contents.
public enum IOError: Error, Equatable, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, errno: Int32)
    case cannotCreate(path: String, errno: Int32)
    case readFailed(path: String, errno: Int32)
    case writeFailed(path: String, errno: Int32)
    case syncFailed(path: String, errno: Int32)
    case renameFailed(from: String, to: String, errno: Int32)
    case alreadyExists(path: String)
    case notADirectory(path: String)

    /// One line naming the path and the system's reason (`strerror`), never file contents.
    public var description: String {
        switch self {
        case let .cannotOpen(path, e): return "cannot open \(path): \(errnoText(e))"
        case let .cannotCreate(path, e): return "cannot create \(path): \(errnoText(e))"
        case let .readFailed(path, e): return "cannot read \(path): \(errnoText(e))"
        case let .writeFailed(path, e): return "cannot write \(path): \(errnoText(e))"
        case let .syncFailed(path, e): return "cannot flush \(path) to disk: \(errnoText(e))"
        case let .renameFailed(from, to, e): return "cannot rename \(from) to \(to): \(errnoText(e))"
        case let .alreadyExists(path): return "\(path) already exists; remove it or choose another output"
        case let .notADirectory(path): return "\(path) is not a directory"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's text for an `errno` value.
public func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

import SluisCore
extension IOError: SluisError {
    /// Every file-system failure is an I/O failure (exit 5).
    public var category: FailureCategory { .io }
}
