#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that holds a secret — a secret key, a pseudonym key, a surrogate key, a passphrase —
/// opened once and checked on the open descriptor.
///
/// Why one type: checking a path with `stat` and then opening it reads whatever the path names
/// *at open time*, which may no longer be the file that was checked (a rename or symbolic link
/// swapped in between). Here the file is opened first and the checks are made with `fstat` on
/// that descriptor; the bytes are then read from the same descriptor, so the file checked is by
/// construction the file read. Every secret file in sluis is read (or, for the intake's start-up
/// check, only checked) through `SecretFile`.
///
/// The checks: a regular file (not a folder or FIFO: opening those is non-blocking here so a FIFO
/// cannot hang the job); no permission bits for group or others (`mode & 077 == 0`, what OpenSSH
/// asks of private keys); owned by the user running sluis or by root (a file someone else owns
/// could be replaced by them at any time). Symbolic links are followed by default — people keep
/// keys on mounted volumes and link them — because the checks are on the file finally opened;
/// `followSymlinks: false` adds `O_NOFOLLOW` where a path is under sluis's own control.
public final class SecretFile {
    /// Permission bits a secret file must not have: any for group or others.
    public static let forbiddenModeBits: mode_t = 0o077

    /// The opened file; read the secret from here.
    public let input: FileInput
    /// Permission bits of the open file (`st_mode & 07777`).
    public let mode: mode_t
    /// The open file's owner.
    public let owner: uid_t

    /// Opens `path` read-only (`O_CLOEXEC`, `O_NONBLOCK`; `O_NOFOLLOW` unless `followSymlinks`)
    /// and `fstat`s it. Throws `cannotOpen` or `notARegularFile`; permissions are judged by
    /// `exposure` / `requirePrivate()`, so a caller can first say what else is wrong with the file.
    public init(path: String, followSymlinks: Bool = true) throws {
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followSymlinks ? 0 : O_NOFOLLOW)
        let fd = open(path, flags)
        guard fd >= 0 else { throw IOError.cannotOpen(path: path, errno: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw IOError.cannotOpen(path: path, errno: code)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw IOError.notARegularFile(path: path)
        }
        // Reads of a regular file never return EAGAIN; clear the flag for plain blocking reads.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        input = FileInput(path: path, adopting: fd)
        mode = st.st_mode & 0o7777
        owner = st.st_uid
    }

    /// What is wrong with the open file's permissions or owner, or nil when it is private.
    public var exposure: IOError? { exposure(forbidding: Self.forbiddenModeBits) }

    /// What is wrong with the open file, judged with `forbidden` permission bits (a TLS key may
    /// be group-readable, the Debian `ssl-cert` convention: `0o037`).
    public func exposure(forbidding forbidden: mode_t) -> IOError? {
        if mode & forbidden != 0 { return .secretFileExposed(path: input.path, mode: UInt32(mode)) }
        if owner != geteuid() && owner != 0 { return .secretFileNotOwned(path: input.path, owner: UInt32(owner)) }
        return nil
    }

    /// Throws the file's exposure when there is one.
    public func requirePrivate(forbidding forbidden: mode_t = SecretFile.forbiddenModeBits) throws {
        if let exposure = exposure(forbidding: forbidden) { throw exposure }
    }

    /// Reads the whole file from the open descriptor: at most `limitByteCount` bytes (more is
    /// `tooLarge`). The caller zeroes the returned bytes when done with them.
    public func readAll(limitByteCount: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: limitByteCount + 1)
        let n = try out.withUnsafeMutableBytes { try input.readFully(into: $0) }
        guard n <= limitByteCount else {
            out.withUnsafeMutableBytes { for i in $0.indices { $0[i] = 0 } }
            throw IOError.tooLarge(path: input.path, limitByteCount: limitByteCount)
        }
        // Shrinking in place keeps the one allocation (no copy of the secret is left behind).
        out.removeLast(out.count - n)
        return out
    }

    /// Opens, checks and reads a secret file in one step (see the type's comment).
    public static func read(path: String, limitByteCount: Int, forbidding forbidden: mode_t = SecretFile.forbiddenModeBits,
                            followSymlinks: Bool = true) throws -> [UInt8] {
        let file = try SecretFile(path: path, followSymlinks: followSymlinks)
        try file.requirePrivate(forbidding: forbidden)
        return try file.readAll(limitByteCount: limitByteCount)
    }

    /// Opens and checks a secret file without reading it (the intake's start-up check, before
    /// any package is taken).
    public static func check(path: String, followSymlinks: Bool = true) throws {
        try SecretFile(path: path, followSymlinks: followSymlinks).requirePrivate()
    }
}
