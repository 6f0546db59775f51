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
    /// Not a regular file (a folder, a FIFO, a device) where a file was needed.
    case notARegularFile(path: String)
    /// A file longer than its stated limit.
    case tooLarge(path: String, limitByteCount: Int)
    /// A secret file (`SecretFile`) that group or others have permission bits on.
    case secretFileExposed(path: String, mode: UInt32)
    /// A secret file (`SecretFile`) owned by someone other than this user or root.
    case secretFileNotOwned(path: String, owner: UInt32)

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
        case let .notARegularFile(path): return "\(path) is not a regular file"
        case let .tooLarge(path, limit): return "\(path) is larger than \(limit) bytes"
        case let .secretFileExposed(path, mode):
            return "refusing to use \(path): group or others may read it (mode \(String(mode, radix: 8))); "
                + "run 'chmod 600 \(path)' and keep it private"
        case let .secretFileNotOwned(path, owner):
            return "refusing to use \(path): it is owned by user \(owner), not by this user; "
                + "a secret file must belong to the user who runs sluis (chown it)"
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
    /// A secret file others may read or replace is a set-up mistake (exit 2, as for key files);
    /// every other file-system failure is an I/O failure (exit 5).
    public var category: FailureCategory {
        switch self {
        // A secret file anyone else may read or replace is a set-up mistake, as for key files.
        case .secretFileExposed, .secretFileNotOwned: return .usage
        default: return .io
        }
    }
}
