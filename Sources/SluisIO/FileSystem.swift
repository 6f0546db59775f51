#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small file-system helpers with errors that name the path.
public enum FileSystem {
    /// True when anything (file, folder, link) is at `path`; for messages and tests, not for check-then-use.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// True when `path` is a folder (following symbolic links).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Permission bits of a file, or nil when it cannot be stat'ed.
    public static func mode(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & 0o7777
    }

    /// Reads a whole (small) file.
    public static func readAll(_ path: String, limitByteCount: Int = 64 << 20) throws -> [UInt8] {
        let input = try FileInput(path: path)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try input.read(into: $0) }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limitByteCount { throw IOError.readFailed(path: path, errno: EFBIG) }
        }
        return out
    }

    /// Writes a whole (small) file atomically.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, overwrite: Bool = true) throws {
        let file = try AtomicFile(path: path, mode: mode, overwrite: overwrite)
        try file.write(bytes)
        try file.commit()
    }

    /// Creates a directory and its parents (mode 0700 unless said).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws {
        if isDirectory(path) { return }
        let (parent, _) = splitPath(path)
        if parent != path && parent != "." && parent != "/" && !exists(parent) {
            try makeDirectories(parent, mode: mode)
        }
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw IOError.cannotCreate(path: path, errno: errno)
        }
    }

    /// Names in a directory, sorted, without `.` and `..`.
    public static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw IOError.cannotOpen(path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        // The name is read in place, up to its NUL: copying `entry.pointee` (or its `d_name`) would
        // read a whole `struct dirent`, past the end of a short record (found by AddressSanitizer
        // under `make fuzz`, target `open`).
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 0
        while let entry = readdir(dir) {
            let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes a file or a directory tree; missing is fine.
    public static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? list(path)) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Renames atomically; fails when the target exists and is a non-empty directory.
    public static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw IOError.renameFailed(from: from, to: to, errno: errno) }
    }
}

/// `directory/name` with exactly one slash between them, however the user wrote the folder
/// (`out`, `out/`, `out//`), so paths in messages and reports never show `//`.
public func joinPath(_ directory: String, _ name: String) -> String {
    var dir = Substring(directory)
    while dir.count > 1 && dir.hasSuffix("/") { dir = dir.dropLast() }
    if dir.isEmpty || dir == "." { return name }
    return dir == "/" ? "/" + name : dir + "/" + name
}
