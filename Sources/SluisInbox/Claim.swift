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

    private init(id: String, directory: String, lockFD: Int32) {
        self.id = id
        self.directory = directory
        self.lockFD = lockFD
    }

    deinit {
        flock(lockFD, LOCK_UN)
        close(lockFD)
    }

    /// Claims `inbox/name` by renaming it into a new claim folder. Returns nil when another run
    /// took it first (the rename found nothing).
    static func take(upload name: String, inbox: String, work: String) throws -> Claim? {
        let id = PackageTime.now().filter { $0.isNumber } + "-" + Hex.encode(Sodium.randomBytes(count: 4))
        let dir = work + "/claim-" + id
        guard mkdir(dir, 0o700) == 0 else { throw IOError.cannotCreate(path: dir, errno: errno) }
        guard let claim = try lock(id: id, directory: dir, wait: false) else {
            FileSystem.removeTree(dir)
            return nil
        }
        try FileSystem.writeAtomically(Array(name.utf8), to: dir + "/upload-name", mode: 0o600)
        if rename(inbox + "/" + name, claim.packagePath) != 0 {
            let e = errno
            FileSystem.removeTree(dir)
            if e == ENOENT { return nil }
            throw IOError.renameFailed(from: inbox + "/" + name, to: claim.packagePath, errno: e)
        }
        try syncDirectory(at: dir)
        try syncDirectory(at: inbox)
        claim.uploadName = name
        return claim
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

    /// Removes the claim folder (plaintext first), while still holding the lock.
    func remove() {
        FileSystem.removeTree(openedPath)
        FileSystem.removeTree(linkingPath)
        FileSystem.removeTree(linkedPath)
        FileSystem.removeTree(directory)
    }
}
