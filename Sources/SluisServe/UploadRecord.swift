import Foundation
import SluisPipeline

/// The durable state of one upload, kept in `state.json` beside its bytes (docs/serve.md,
/// "On disk"). It is replaced only by an atomic rename after the bytes it counts were fsynced,
/// so `offset` never names a byte that is not on disk, and every process sharing the staging
/// folder sees the same state.
public struct UploadRecord: Codable, Equatable, Sendable {
    /// The record layout's version, for a future change of `state.json`.
    public var version: Int = 1
    /// 32 lowercase hex digits, made by the server from 16 random bytes.
    public var id: String
    /// Fingerprint of the key whose token created the upload: the only key that may touch it.
    public var owner: String
    /// The project the creating token named.
    public var project: String
    /// Upload-Length.
    public var length: UInt64
    /// The durable offset: bytes [0, offset) of `data` are fsynced.
    public var offset: UInt64
    /// Seconds since 1970.
    public var createdAt: Int64
    /// Seconds since 1970 after which an unfinished upload is swept.
    public var expiresAt: Int64
    /// The `sha256` claim of the creating token: the package this upload must turn out to be.
    public var packageSHA256: String?
    /// The client's Upload-Metadata header, opaque, returned on HEAD as tus requires; never a path, never logged.
    public var metadata: String?
    /// The last PATCH broke off (connection lost or stalled): the next one is a resumption.
    public var interrupted: Bool?
    /// Set once the package is verified and in the inbox.
    public var receipt: String?
    /// The SHA-256 state of the whole upload and of its entries at `offset` (docs/serve.md,
    /// "Streaming verification"); saved in the same atomic replacement as `offset`.
    public var digests: PackageStreamDigests.Saved?

    /// True once the package was delivered and a receipt made.
    public var isComplete: Bool { receipt != nil }

    /// The record as sorted-key JSON and a newline: the bytes written to `state.json`.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self)) + [0x0A]
    }

    /// A record from `state.json`, or nil when the bytes are not one (a damaged record is treated as no upload).
    public static func decode(_ bytes: [UInt8]) -> UploadRecord? {
        try? JSONDecoder().decode(UploadRecord.self, from: Data(bytes))
    }

    /// Upload ids are exactly 32 lowercase hex digits; anything else in a URL is not an upload.
    public static func isValidId(_ s: Substring) -> Bool {
        s.utf8.count == 32 && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}
