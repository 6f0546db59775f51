import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisPipeline
import SluisTransfer
#if canImport(Glibc)
import Glibc
#endif

/// What happens when an upload's last byte is durable: the whole package is verified exactly as
/// `sluis verify` does (PackageVerifier, with the project's trust list and every entry hashed),
/// a receipt is signed, and only then the package enters the inbox with one rename.
///
/// The SHA-256 of the whole package (for the receipt) and of each entry were computed while the
/// bytes arrived (`PackageStreamDigests`, kept in state.json beside the upload); what is left here
/// is reading the manifest, checking its signature, fields and layout and each entry's header, and
/// comparing the entry hashes — plus hashing the last few MiB, where the manifest may begin.
///
/// Crash safety: the receipt is saved in state.json before the rename, and `deliverIfPending`
/// finishes the rename for a completed upload whose bytes are still in staging (a process that
/// died between the two), so `sluis inbox` sees each verified package exactly once.
enum PackageIntake {
    /// Verifies and delivers; returns the updated record. Throws a 422 refusal (the upload is
    /// then deleted) when the package does not verify. `digests`: the stream digests of the whole
    /// upload, when the caller has them (else restored from state.json, or rebuilt from the file).
    static func complete(_ record: UploadRecord, digests: PackageStreamDigests?, store: UploadStore, trust: TrustStore,
                         identity: Identity, serverName: String) throws(Refusal) -> UploadRecord {
        let path = store.dataPath(record.id)
        let shown = "upload \(record.id)"
        let verified: VerifiedPackage
        let digest: String
        do {
            let streamed = try digests ?? TusService.digests(of: record, store: store)
            guard streamed.position == record.length else { throw IOError.readFailed(path: path, errno: EIO) }
            verified = try PackageVerifier.verify(path: path, trust: trust, expectedProject: record.project, hashEntries: true,
                                                  entryDigests: streamed.entryDigests(reading: path))
            digest = Hex.encode(streamed.wholeDigest())
        } catch let error as SluisError {
            store.remove(record.id)
            throw Refusal(422, error.description.replacingOccurrences(of: path, with: shown) + "; the upload was deleted")
        } catch {
            store.remove(record.id)
            throw Refusal(422, "\(shown) could not be verified; the upload was deleted")
        }
        if let wanted = record.packageSHA256, !Sodium.constantTimeEqual(Array(wanted.utf8), Array(digest.utf8)) {
            store.remove(record.id)
            throw Refusal(422, "\(shown) is not the package its upload token names (sha256 claim); the upload was deleted")
        }
        var done = record
        do {
            let receipt = UploadReceipt(packageId: verified.manifest.packageId, packageSHA256: digest, size: record.length,
                                        project: record.project, signer: verified.signer.fingerprint, server: serverName,
                                        serverKey: identity.recipient.fingerprint, upload: record.id,
                                        receivedAt: ServeAuditEvent.timestamp(Date()))
            done.receipt = try receipt.signed(by: identity)
            try store.save(done)
            try deliverIfPending(done, store: store)
        } catch {
            throw Refusal(500, "\(shown) verified but could not be moved into the inbox; it will be retried")
        }
        return done
    }

    /// For a completed upload whose package is still in staging: one rename into the inbox
    /// (same file system), then fsync of the inbox folder. Harmless when already done.
    static func deliverIfPending(_ record: UploadRecord, store: UploadStore) throws {
        guard record.isComplete else { return }
        let data = store.dataPath(record.id)
        guard FileSystem.exists(data) else { return }
        chmod(data, 0o640)
        if rename(data, store.inboxPath(record.id)) != 0 {
            if errno == ENOENT { return }  // another process delivered it just now
            throw IOError.renameFailed(from: data, to: store.inboxPath(record.id), errno: errno)
        }
        try syncDirectory(at: store.inbox)
    }
}
