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
        if FileSystem.exists(target) {
            if !replacing { try Self.refuseExisting(target) }
            if FileSystem.isDirectory(target) && (try? FileSystem.list(target))?.isEmpty == true {
                try FileSystem.rename(path, target)
            } else {
                guard sluis_rename_exchange(path, target) == 0 else {
                    throw IOError.renameFailed(from: path, to: target, errno: errno)
                }
                // `path` now holds the old output.
                FileSystem.removeTree(path)
            }
        } else {
            try FileSystem.rename(path, target)
        }
        committed = true
        try syncDirectory(containing: target)
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
