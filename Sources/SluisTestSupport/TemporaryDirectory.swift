import Foundation
import SluisIO

/// A fresh directory under the system temp folder, removed when released.
public final class TemporaryDirectory {
    /// The directory's absolute path.
    public let path: String

    /// Creates a fresh directory named after `label`; stops the test run when that fails.
    public init(_ label: String = "sluis-test") {
        let base = NSTemporaryDirectory() + "/\(label)-\(UUID().uuidString.prefix(8))"
        do {
            try FileSystem.makeDirectories(base)
        } catch {
            // A test cannot run without its scratch folder; stop with the reason rather than fail later.
            preconditionFailure("cannot create the test directory \(base): \(error)")
        }
        path = base
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes a small file and returns its path.
    @discardableResult
    public func write(_ name: String, _ contents: String) -> String {
        let p = file(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(contents.utf8))
        return p
    }

    /// Writes a small file of bytes and returns its path.
    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) -> String {
        let p = file(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    /// The bytes of a file inside the directory, or none when it cannot be read.
    public func read(_ name: String) -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: file(name)))).map(Array.init) ?? []
    }

    /// Every file below the directory, as relative paths, sorted (hidden temp files included).
    public func allFiles() -> [String] {
        let e = FileManager.default.enumerator(atPath: path)
        var out: [String] = []
        while let f = e?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: file(f), isDirectory: &isDir), !isDir.boolValue { out.append(f) }
        }
        return out.sorted()
    }

    deinit { FileSystem.removeTree(path) }
}

extension TemporaryDirectory {
    /// Copies demo keys from keys-example/ into `folder` (relative to this directory), secret key
    /// files with mode 0600 (git does not keep modes, and sluis refuses keys others can read).
    public func installExampleKeys(_ names: [String], into folder: String = ".") throws {
        try FileSystem.makeDirectories(file(folder))
        for name in names {
            let bytes = try FileSystem.readAll(CLI.packageRoot + "/keys-example/" + name)
            try FileSystem.writeAtomically(bytes, to: file(folder + "/" + name), mode: name.hasSuffix(".key") ? 0o600 : 0o644)
        }
    }
}
