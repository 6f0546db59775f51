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
/// Crash safety: the receipt is saved in state.json before the rename, and `deliverIfPending`
/// finishes the rename for a completed upload whose bytes are still in staging (a process that
/// died between the two), so `sluis inbox` sees each verified package exactly once.
enum PackageIntake {
    /// Verifies and delivers; returns the updated record. Throws a 422 refusal (the upload is
    /// then deleted) when the package does not verify.
    static func complete(_ record: UploadRecord, store: UploadStore, trust: TrustStore, identity: Identity,
                         serverName: String) throws(Refusal) -> UploadRecord {
        let path = store.dataPath(record.id)
        let shown = "upload \(record.id)"
        let verified: VerifiedPackage
        let digest: String
        do {
            verified = try PackageVerifier.verify(path: path, trust: trust, expectedProject: record.project, hashEntries: true)
            digest = try PackageDigest.sha256Hex(ofFile: path)
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
