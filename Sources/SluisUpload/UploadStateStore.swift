import Foundation
import SluisCore
import SluisCrypto
import SluisIO

/// Remembers, per server and package, the tus upload URL the server made, so that an interrupted
/// upload (network drop, Ctrl-C, kill -9, a laptop asleep) continues from the server's offset on
/// the next run instead of starting again.
///
/// One small JSON file per (server, package SHA-256) in the state folder — `$SLUIS_STATE_DIR`, else
/// `$XDG_STATE_HOME/sluis/uploads`, else `~/.local/state/sluis/uploads` (docs/upload.md) — named
/// by SHA-256(server URL ‖ "\n" ‖ package SHA-256), written atomically (mode 0600) and removed
/// once the receipt is kept. It holds no secret: the URL is useless without the key that made it.
public struct UploadStateStore: Sendable {
    /// The state folder (see `defaultDirectory`).
    public let directory: String

    /// A store in `directory` (created when the first record is written).
    public init(directory: String) { self.directory = directory }

    /// The folder the environment names (see the type's comment).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let d = environment["SLUIS_STATE_DIR"], !d.isEmpty { return d }
        if let x = environment["XDG_STATE_HOME"], x.hasPrefix("/") { return x + "/sluis/uploads" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/sluis/uploads"
    }

    struct Record: Codable {
        var server: String
        var package: String
        var upload: String
    }

    func path(server: String, package: SealedPackage) -> String {
        let key = SHA256Hasher.hash(Array((server + "\n" + package.sha256Hex).utf8))
        return directory + "/" + Hex.encode(key) + ".json"
    }

    /// The upload URL remembered for this package on this server, if any (an unreadable or
    /// foreign record counts as none: the worst case is one new upload).
    public func uploadURL(server: String, package: SealedPackage) -> String? {
        let p = path(server: server, package: package)
        guard FileSystem.exists(p), let bytes = try? FileSystem.readAll(p, limitByteCount: 1 << 16),
              let r = try? JSONDecoder().decode(Record.self, from: Data(bytes)),
              r.server == server, r.package == package.sha256Hex else { return nil }
        return r.upload
    }

    /// Records the upload URL for this package and server, atomically, so a later run can resume.
    public func remember(uploadURL: String, server: String, package: SealedPackage) throws {
        let p = path(server: server, package: package)
        do {
            try FileSystem.makeDirectories(directory, mode: 0o700)
            let bytes = try JSONEncoder().encode(Record(server: server, package: package.sha256Hex, upload: uploadURL))
            try FileSystem.writeAtomically(Array(bytes), to: p, mode: 0o600)
        } catch {
            throw UploadError.stateWriteFailed(path: p)
        }
    }

    /// Drops the record once the receipt is kept (a missing record is fine).
    public func forget(server: String, package: SealedPackage) {
        _ = unlink(path(server: server, package: package))
    }
}
