#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that appears at its path complete or not at all.
///
/// Bytes go to a temporary file in the target's directory (so the final rename is atomic);
/// `commit()` flushes, fsyncs, moves it into place and fsyncs the directory. If the object is
/// released without `commit()` — an error, a thrown check — the temporary file goes, so no
/// half-written output (and no unverified plaintext) is ever left behind.
///
/// Where the file system allows it (Linux `O_TMPFILE`: ext4, XFS, Btrfs, tmpfs) the temporary file
/// has no name at all until `commit()` links it in, so even a process killed with SIGKILL, or a
/// machine that loses power, leaves nothing behind: the kernel frees an unnamed file with its
/// last descriptor. Elsewhere it is a hidden `.NAME.sluis-tmp-XXXXXXXXXX` beside the target,
/// removed on every path but a hard kill.
public final class AtomicFile: CommittableSink {
    /// The path the file appears at on `commit()`.
    public let targetPath: String
    /// The named temporary file, or nil while the file is unnamed (`O_TMPFILE`).
    public let temporaryPath: String?
    /// A path that reads the file's bytes before commit (`/proc/self/fd/N` for an unnamed one).
    public var readablePath: String { temporaryPath ?? "/proc/self/fd/\(output.fd)" }
    private let output: FileOutput
    private var state: State = .open
    private let overwrite: Bool

    private enum State { case open, committed, discarded }

    /// Creates the temporary file with `mode` (0600 by default: plaintext and keys are private).
    /// `unnamed: false` always uses a named temporary file.
    public init(path: String, mode: mode_t = 0o600, overwrite: Bool = true, unnamed: Bool = true) throws {
        if !overwrite, access(path, F_OK) == 0 { throw IOError.alreadyExists(path: path) }
        let (dir, base) = splitPath(path)
        var fd: Int32 = -1
        var tmp: String? = nil
        #if os(Linux)
        // Committing links the file in through /proc; without /proc, use a named file.
        if unnamed && procFileDescriptorsAvailable { fd = open(dir, openTemporaryFile | O_WRONLY | O_CLOEXEC, mode) }
        #endif
        if fd < 0 {
            for _ in 0..<16 {
                let name = dir + "/." + base + ".sluis-tmp-" + randomSuffix()
                fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
                tmp = name
                if fd >= 0 || errno != EEXIST { break }
            }
        }
        guard fd >= 0 else { throw IOError.cannotCreate(path: path, errno: errno) }
        fchmod(fd, mode)
        self.targetPath = path
        self.temporaryPath = tmp
        self.overwrite = overwrite
        self.output = FileOutput(fd: fd, path: path, ownsDescriptor: true)
        output.earlyWritebackByteCount = 16 << 20
    }

    /// Bytes written so far.
    public var byteCount: UInt64 { output.byteCount }

    /// Writes to the temporary file (buffered); nothing is visible at the target yet.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(state == .open, "write after commit or discard")
        try output.write(bytes)
    }

    /// Flushes the buffer; the file stays temporary until `commit()`.
    public func finish() throws { try output.flush() }

    /// Makes the file durable and moves it into place.
    public func commit() throws {
        precondition(state == .open, "commit twice")
        var linked: String? = nil
        do {
            try output.sync()
            if !overwrite {
                // Link, not rename: creating the name fails if it exists, atomically, so two
                // writers of the same new file can never replace each other's.
                let result = temporaryPath.map { link($0, targetPath) }
                    ?? linkat(AT_FDCWD, "/proc/self/fd/\(output.fd)", AT_FDCWD, targetPath, AT_SYMLINK_FOLLOW)
                if result == 0 {
                    state = .committed
                    if let temporaryPath { unlink(temporaryPath) }
                    try syncDirectory(containing: targetPath)
                    return
                }
                if errno == EEXIST { throw IOError.alreadyExists(path: targetPath) }
                // A file system without hard links: check, then rename (a narrow race remains).
                guard temporaryPath != nil else {
                    throw IOError.renameFailed(from: readablePath, to: targetPath, errno: errno)
                }
                if access(targetPath, F_OK) == 0 { throw IOError.alreadyExists(path: targetPath) }
            }
            let source: String
            if let temporaryPath {
                source = temporaryPath
            } else {
                // Give the complete, durable file a hidden name, then rename it over the target
                // (`linkat` cannot replace an existing file; `rename` can, atomically).
                let (dir, base) = splitPath(targetPath)
                var name = ""
                var result: Int32 = -1
                for _ in 0..<16 {
                    name = dir + "/." + base + ".sluis-tmp-" + randomSuffix()
                    result = linkat(AT_FDCWD, "/proc/self/fd/\(output.fd)", AT_FDCWD, name, AT_SYMLINK_FOLLOW)
                    if result == 0 || errno != EEXIST { break }
                }
                guard result == 0 else { throw IOError.renameFailed(from: readablePath, to: targetPath, errno: errno) }
                linked = name
                source = name
            }
            if rename(source, targetPath) != 0 {
                throw IOError.renameFailed(from: source, to: targetPath, errno: errno)
            }
            state = .committed
            try syncDirectory(containing: targetPath)
        } catch {
            if state == .open {
                if let linked { unlink(linked) }
                discard()
            }
            throw error
        }
    }

    /// Removes the temporary file (an unnamed one goes with its descriptor).
    public func discard() {
        guard state == .open else { return }
        if let temporaryPath { unlink(temporaryPath) }
        state = .discarded
    }

    deinit { discard() }
}

#if os(Linux)
/// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`): Glibc's module map does not export it. `__O_TMPFILE`
/// is 0o20000000 on x86-64 and AArch64 (the generic value).
let openTemporaryFile: Int32 = 0o20000000 | O_DIRECTORY
let procFileDescriptorsAvailable = access("/proc/self/fd", F_OK) == 0
#endif

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

func randomSuffix() -> String {
    var g = SystemRandomNumberGenerator()
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    return String((0..<10).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
}
