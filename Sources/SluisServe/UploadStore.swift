import Foundation
import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// The staging folder: one sub-folder per upload, `<id>/` holding `data` (the bytes received),
/// `state.json` (an UploadRecord) and `lock` (flocked by whoever writes the upload). Every
/// process serving the same staging folder sees the same uploads; nothing lives only in memory.
///
/// A folder appears only complete (made as `.new-<id>`, then renamed) and disappears by a rename
/// to `.gone-<id>-<random>` before it is removed, so a reader never sees half of one.
public struct UploadStore: Sendable {
    /// The staging folder, one sub-folder per upload.
    public let staging: String
    /// The inbox complete packages are renamed into.
    public let inbox: String

    /// A store over the two folders (which must be on one file system).
    public init(staging: String, inbox: String) {
        self.staging = staging
        self.inbox = inbox
    }

    /// The sub-folder of upload `id`.
    public func directory(_ id: String) -> String { staging + "/" + id }
    /// The received bytes of upload `id`.
    public func dataPath(_ id: String) -> String { directory(id) + "/data" }
    func statePath(_ id: String) -> String { directory(id) + "/state.json" }
    func lockPath(_ id: String) -> String { directory(id) + "/lock" }
    /// Where a verified package goes: the inbox `sluis inbox` reads, named by the upload id only.
    public func inboxPath(_ id: String) -> String { inbox + "/" + id + ".sluis" }

    /// A fresh random upload id (16 bytes, lowercase hex).
    public static func newId() -> String { Sodium.randomBytes(count: 16).map { String(format: "%02x", $0) }.joined() }

    /// Makes the upload's folder with an empty data file and its first state.
    public func create(_ record: UploadRecord) throws {
        let temporary = staging + "/.new-" + record.id
        try FileSystem.makeDirectories(temporary, mode: 0o700)
        for name in ["data", "lock"] {
            let fd = open(temporary + "/" + name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw IOError.cannotCreate(path: temporary + "/" + name, errno: errno) }
            close(fd)
        }
        try FileSystem.writeAtomically(try record.encoded(), to: temporary + "/state.json", mode: 0o600)
        try FileSystem.rename(temporary, directory(record.id))
        try syncDirectory(at: staging)
    }

    /// The upload's current durable state, or nil when there is no such upload.
    public func load(_ id: String) -> UploadRecord? {
        guard let bytes = try? FileSystem.readAll(statePath(id), limitByteCount: 1 << 20),
              let record = UploadRecord.decode(bytes), record.id == id else { return nil }
        return record
    }

    /// Replaces state.json atomically (the new state is fsynced before the rename).
    public func save(_ record: UploadRecord) throws {
        try FileSystem.writeAtomically(try record.encoded(), to: statePath(record.id), mode: 0o600)
    }

    /// Removes an upload: first renamed away (so it is gone at once for every process), then deleted.
    public func remove(_ id: String) {
        let gone = staging + "/.gone-" + id + "-" + Self.newId().prefix(8)
        if rename(directory(id), gone) == 0 { FileSystem.removeTree(gone) }
    }

    /// Every upload in the staging folder (not those being made or removed).
    public func all() -> [UploadRecord] {
        ((try? FileSystem.list(staging)) ?? []).filter { UploadRecord.isValidId(Substring($0)) }.compactMap { load($0) }
    }

    /// Leftovers of a process that died while making or removing an upload, older than `age` seconds.
    public func leftovers(olderThan age: Double, now: Date = Date()) -> [String] {
        ((try? FileSystem.list(staging)) ?? []).filter { $0.hasPrefix(".new-") || $0.hasPrefix(".gone-") }.filter { name in
            var st = stat()
            guard lstat(staging + "/" + name, &st) == 0 else { return false }
            return now.timeIntervalSince1970 - Double(st.st_mtim.tv_sec) > age
        }
    }

    /// Runs `body` holding the staging folder's own lock (`.lock`), so that the quota and
    /// per-key counts of all processes agree at the moment an upload is made.
    public func withStagingLock<T>(_ body: () throws -> T) throws -> T {
        let lock = try FileLock(path: staging + "/.lock", blocking: true)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }
}

/// An exclusive `flock(2)` on a file, released when the value is released (or the process dies,
/// which is what makes a crash mid-write safe: the lock goes with the process).
public final class FileLock: @unchecked Sendable {
    private let fd: Int32

    /// nil-free: throws `FileLock.Busy` when `blocking` is false and another holder has it.
    public init(path: String, blocking: Bool) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw IOError.cannotOpen(path: path, errno: errno) }
        while flock(fd, LOCK_EX | (blocking ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let e = errno
            close(fd)
            if e == EWOULDBLOCK { throw Busy() }
            throw IOError.cannotOpen(path: path, errno: e)
        }
        self.fd = fd
    }

    /// The upload's lock is held by another request or process: the client is told to retry (423).
    public struct Busy: Error {}

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
