import SluisCore
import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// A package taken from the inbox into its own folder in the work area, held under an exclusive
/// `flock` for as long as this process works on it.
///
/// The lock is what lets two `sluis inbox` runs share one work folder: a claim whose lock is held
/// belongs to a live run and is skipped; a claim whose lock is free was left by a run that died,
/// and is resumed. The kernel drops the lock when a process dies, even by kill -9.
final class Claim {
    let id: String
    let directory: String
    let lockFD: Int32
    var packagePath: String { directory + "/package.sluis" }
    var openedPath: String { directory + "/opened" }
    var linkedPath: String { directory + "/linked" }
    var linkingPath: String { directory + "/.linking" }
    /// The inbox file name, recorded at claim time.
    var uploadName: String?
    /// Set when the claimed name turned out not to be a regular file with one link (swapped in
    /// the moment between the check and the rename): it is set aside unread.
    var refusedKind: String?
    /// Written before the package is renamed into the archive: which archive file it becomes, so
    /// that a run killed right after that rename can still write the `archived` audit event.
    var archivingPath: String { directory + "/archiving" }

    private init(id: String, directory: String, lockFD: Int32) {
        self.id = id
        self.directory = directory
        self.lockFD = lockFD
    }

    deinit {
        flock(lockFD, LOCK_UN)
        close(lockFD)
    }

    /// What became of an attempt to take an upload.
    enum Taken {
        case claimed(Claim)
        /// Another run took it first (the name was gone).
        case gone
        /// The entry is not a regular file with one link: it was not read; the caller sets it aside.
        case refused(kind: String)
    }

    /// A new claim id: the UTC time and 4 random bytes.
    static func newId() -> String {
        PackageTime.now().filter { $0.isNumber } + "-" + Hex.encode(Sodium.randomBytes(count: 4))
    }

    /// Claims `inbox/name` by renaming it into a new claim folder.
    ///
    /// The entry is first opened with `O_NOFOLLOW | O_NONBLOCK` (a link is refused, a pipe cannot
    /// block the job) and `fstat`ed; after the rename the claimed name must still be that same
    /// regular, singly linked file — so an entry swapped for a link between the look and the
    /// rename is caught, and the job never reads through a link.
    static func take(upload name: String, inbox: String, work: String) throws -> Taken {
        let source = inbox + "/" + name
        let fd = open(source, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            if e == ENOENT { return .gone }
            if e == ELOOP { return .refused(kind: "a symbolic link") }
            // An upload the job may not read would otherwise block every upload behind it.
            if e == EACCES || e == EPERM { return .refused(kind: "a file the intake may not read (check the upload service's modes)") }
            if e == ENXIO || e == ENODEV { return .refused(kind: "a special file (device, pipe or socket)") }
            throw IOError.cannotOpen(path: source, errno: e)
        }
        var before = stat()
        let statted = fstat(fd, &before)
        close(fd)
        guard statted == 0 else { throw IOError.readFailed(path: source, errno: errno) }
        if let kind = InboxEntry.irregularKind(before) { return .refused(kind: kind) }

        let id = newId()
        let dir = work + "/claim-" + id
        guard mkdir(dir, 0o700) == 0 else { throw IOError.cannotCreate(path: dir, errno: errno) }
        guard let claim = try lock(id: id, directory: dir, wait: false) else {
            FileSystem.removeTree(dir)
            return .gone
        }
        try FileSystem.writeAtomically(Array(name.utf8), to: dir + "/upload-name", mode: 0o600)
        if rename(source, claim.packagePath) != 0 {
            let e = errno
            FileSystem.removeTree(dir)
            if e == ENOENT { return .gone }
            throw IOError.renameFailed(from: source, to: claim.packagePath, errno: e)
        }
        try syncDirectory(at: dir)
        try syncDirectory(at: inbox)
        claim.uploadName = name
        var after = stat()
        guard lstat(claim.packagePath, &after) == 0 else { throw IOError.cannotOpen(path: claim.packagePath, errno: errno) }
        if after.st_ino != before.st_ino || after.st_dev != before.st_dev || InboxEntry.irregularKind(after) != nil {
            claim.refusedKind = InboxEntry.irregularKind(after) ?? "a file that was replaced while it was being taken"
        }
        return .claimed(claim)
    }

    /// Locks an existing claim folder left by an earlier run; nil when a live run holds it.
    static func resume(directory: String) throws -> Claim? {
        let name = splitPath(directory).name
        guard name.hasPrefix("claim-") else { return nil }
        guard let claim = try lock(id: String(name.dropFirst(6)), directory: directory, wait: false) else { return nil }
        if let bytes = try? FileSystem.readAll(directory + "/upload-name", limitByteCount: 4096) {
            claim.uploadName = String(decoding: bytes, as: UTF8.self)
        }
        return claim
    }

    private static func lock(id: String, directory: String, wait: Bool) throws -> Claim? {
        let lockPath = directory + "/lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }  // the folder was removed by the run that finished it
            throw IOError.cannotOpen(path: lockPath, errno: errno)
        }
        if flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        // The folder may have been finished and removed between listing and locking.
        guard FileSystem.isDirectory(directory) else {
            close(fd)
            return nil
        }
        return Claim(id: id, directory: directory, lockFD: fd)
    }

    /// Counts one more start of processing this claim (durably, before the work) and returns the
    /// count. A count above one means earlier runs died while processing it.
    func recordAttempt() throws -> Int {
        let path = directory + "/attempts"
        let previous = (try? FileSystem.readAll(path, limitByteCount: 32)).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
        try FileSystem.writeAtomically(Array(String(previous + 1).utf8), to: path, mode: 0o600)
        return previous + 1
    }

    /// Takes back the count of `recordAttempt` when the attempt ended in an orderly way (an intake
    /// fault stopped the run): only runs that died count towards `Inbox.maximumAttempts`.
    func undoAttempt() {
        let path = directory + "/attempts"
        let previous = (try? FileSystem.readAll(path, limitByteCount: 32)).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 1
        try? FileSystem.writeAtomically(Array(String(max(previous - 1, 0)).utf8), to: path, mode: 0o600)
    }

    /// Removes the claim folder (plaintext first), while still holding the lock.
    func remove() {
        FileSystem.removeTree(openedPath)
        FileSystem.removeTree(linkingPath)
        FileSystem.removeTree(linkedPath)
        FileSystem.removeTree(directory)
    }
}
