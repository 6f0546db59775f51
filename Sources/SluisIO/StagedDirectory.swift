#if canImport(Glibc)
import Glibc
import CLinux
#elseif canImport(Darwin)
import Darwin
#endif
import SluisCore

/// An output folder written as a whole: every file goes into a hidden staging folder beside the
/// target (mode 0700), and `commit()` puts it in place in one step, so a reader never sees half a
/// folder and a failure or a kill leaves no output behind.
///
/// Without `replacing`, an existing file or non-empty folder at the target is refused (an empty
/// folder is taken). With it, the old target is swapped out atomically (`renameat2` with
/// `RENAME_EXCHANGE`) and then removed. Staging folders of the same target left by a killed run
/// (`.NAME.sluis-PURPOSE-*`) are removed when the next one starts.
public final class StagedDirectory {
    /// The folder the caller asked for.
    public let target: String
    /// Where the files are written until `commit()`.
    public let path: String
    private let replacing: Bool
    private var committed = false

    /// Creates the staging folder beside `target` (named after `purpose`, created with `mode`); refuses an existing target unless `replacing`.
    public init(target: String, replacing: Bool, purpose: String, mode: mode_t = 0o700) throws {
        let trimmed = Self.trimmingTrailingSlashes(target)
        self.target = trimmed
        self.replacing = replacing
        if !replacing { try Self.refuseExisting(trimmed) }
        let (parent, base) = splitPath(trimmed)
        if !FileSystem.isDirectory(parent) { try FileSystem.makeDirectories(parent) }
        let prefix = "." + base + ".sluis-" + purpose + "-"
        for name in (try? FileSystem.list(parent)) ?? [] where name.hasPrefix(prefix) {
            FileSystem.removeTree(parent + "/" + name)
        }
        path = (parent == "." ? "" : parent + "/") + prefix + randomSuffix()
        guard mkdir(path, mode) == 0 else { throw IOError.cannotCreate(path: path, errno: errno) }
    }

    deinit { discard() }

    /// The path of a file `name` inside the staging folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Syncs the staging folder and puts it at the target.
    public func commit() throws {
        try syncDirectory(at: path)
        if !replacing { try Self.refuseExisting(target) }
        try Self.putInPlace(path, at: target)
        committed = true
        try syncDirectory(containing: target)
    }

    /// Renames the finished folder `staging` to `target` in one step: over nothing or an empty
    /// folder with rename(2), over anything else by swapping the two atomically (`renameat2` with
    /// `RENAME_EXCHANGE`) and then removing the old one, so the target is never missing.
    public static func putInPlace(_ staging: String, at target: String) throws {
        guard FileSystem.exists(target),
              !(FileSystem.isDirectory(target) && (try? FileSystem.list(target))?.isEmpty == true) else {
            try FileSystem.rename(staging, target)
            return
        }
        guard sluis_rename_exchange(staging, target) == 0 else {
            throw IOError.renameFailed(from: staging, to: target, errno: errno)
        }
        FileSystem.removeTree(staging)  // now the old output
    }

    /// Removes the staging folder and everything in it (nothing is left behind).
    public func discard() {
        guard !committed else { return }
        committed = true
        FileSystem.removeTree(path)
    }

    static func refuseExisting(_ target: String) throws {
        guard FileSystem.exists(target) else { return }
        if FileSystem.isDirectory(target), (try? FileSystem.list(target))?.isEmpty == true { return }
        throw IOError.alreadyExists(path: target)
    }

    static func trimmingTrailingSlashes(_ p: String) -> String {
        var s = Substring(p)
        while s.count > 1 && s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }
}
