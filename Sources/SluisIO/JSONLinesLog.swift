import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only log of JSON objects, one per line — the audit logs of the inbox, the upload
/// service and output control. Each line goes out in one `write(2)` on an `O_APPEND` descriptor
/// and is then `fsync`ed, so lines of concurrent runs (or processes) never interleave and a line
/// that was appended survives a crash. Keys are sorted, so the same event always reads the same.
public final class JSONLinesLog: Sendable {
    /// The log file, for messages.
    public let path: String
    private let fd: Int32

    /// Opens (creating with mode 0640) the log at `path`; with `creatingFolder`, its folder too (0750).
    public init(path: String, creatingFolder: Bool = false) throws {
        if creatingFolder { try FileSystem.makeDirectories(splitPath(path).directory, mode: 0o750) }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw IOError.cannotOpen(path: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    /// Appends `event` as one line and makes it durable.
    public func append<Event: Encodable>(_ event: Event) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = Array(try encoder.encode(event))
        line.append(0x0A)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw IOError.writeFailed(path: path, errno: errno) }
        guard fsync(fd) == 0 else { throw IOError.syncFailed(path: path, errno: errno) }
    }

    deinit { close(fd) }
}
