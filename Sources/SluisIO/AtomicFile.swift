#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that appears at its path complete or not at all.
///
/// Bytes go to a hidden temporary file beside the target (same directory, so the final rename is
/// atomic); `commit()` flushes, fsyncs, renames and fsyncs the directory. If the object is released
/// without `commit()` — an error, a thrown check — the temporary file is removed, so no
/// half-written output (and no unverified plaintext) is ever left behind.
public final class AtomicFile: ByteSink {
    public let targetPath: String
    public let temporaryPath: String
    private let output: FileOutput
    private var state: State = .open
    private let overwrite: Bool

    private enum State { case open, committed, discarded }

    /// Creates the temporary file with `mode` (0600 by default: plaintext and keys are private).
    public init(path: String, mode: mode_t = 0o600, overwrite: Bool = true) throws {
        if !overwrite, access(path, F_OK) == 0 { throw IOError.alreadyExists(path: path) }
        let (dir, base) = splitPath(path)
        var fd: Int32 = -1
        var tmp = ""
        for _ in 0..<16 {
            tmp = dir + "/." + base + ".sluis-tmp-" + randomSuffix()
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw IOError.cannotCreate(path: path, errno: errno) }
        fchmod(fd, mode)
        self.targetPath = path
        self.temporaryPath = tmp
        self.overwrite = overwrite
        self.output = FileOutput(fd: fd, path: path, ownsDescriptor: true)
        output.earlyWritebackByteCount = 16 << 20
    }

    public var byteCount: UInt64 { output.byteCount }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(state == .open, "write after commit or discard")
        try output.write(bytes)
    }

    /// Flushes the buffer; the file stays temporary until `commit()`.
    public func finish() throws { try output.flush() }

    /// Makes the file durable and moves it into place.
    public func commit() throws {
        precondition(state == .open, "commit twice")
        do {
            try output.sync()
            if !overwrite, access(targetPath, F_OK) == 0 { throw IOError.alreadyExists(path: targetPath) }
            if rename(temporaryPath, targetPath) != 0 {
                throw IOError.renameFailed(from: temporaryPath, to: targetPath, errno: errno)
            }
            state = .committed
            try syncDirectory(containing: targetPath)
        } catch {
            if state == .open { discard() }
            throw error
        }
    }

    /// Removes the temporary file.
    public func discard() {
        guard state == .open else { return }
        unlink(temporaryPath)
        state = .discarded
    }

    deinit { discard() }
}

/// Splits a path into its directory (`.` when none) and last component.
public func splitPath(_ path: String) -> (directory: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let dir = String(path[..<slash])
    return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
}

/// fsyncs the directory that holds `path`, so a rename into it survives a crash.
public func syncDirectory(containing path: String) throws {
    try syncDirectory(at: splitPath(path).directory)
}

/// fsyncs a directory.
public func syncDirectory(at dir: String) throws {
    let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw IOError.cannotOpen(path: dir, errno: errno) }
    defer { close(fd) }
    if fsync(fd) != 0 && errno != EINVAL { throw IOError.syncFailed(path: dir, errno: errno) }
}

private func randomSuffix() -> String {
    var g = SystemRandomNumberGenerator()
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    return String((0..<10).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
}
