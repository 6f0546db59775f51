import Foundation
import SluisCore
import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// Setting packages aside: quarantine (a package's own fault) and refusal (an inbox entry that
/// is not a regular file, moved away unread).
extension Inbox {
    /// Moves the claim's package to `quarantine/<name>/package.sluis` with `reason.json`.
    ///
    /// What is quarantined is a snapshot: a new file holding the bytes the package had, never
    /// the uploaded file itself — a writer that still holds the upload open (a stalled upload
    /// that resumes) keeps writing into the unlinked original, not into the quarantine. A refused
    /// entry is moved as it is (as `upload`) and never read. A package quarantined again under
    /// the same name replaces its earlier entry, so a requeued package does not pile up copies.
    ///
    /// When the quarantine itself cannot be written (the disk is full), that is the intake's
    /// fault: the package stays claimed and the run stops (`Stop`).
    func quarantine(_ claim: Claim, stage: String, error: any Error, base: AuditEvent, summary: inout InboxSummary) throws {
        let message = (error as? SluisError)?.description ?? "internal error (\(type(of: error)))"
        let isDuplicate = (error as? InboxError).map { if case .duplicate = $0 { return true } else { return false } } ?? false
        let refusedKind = claim.refusedKind
        // A verified package id names the folder; an unverified one could be forged, so the
        // SHA-256 of the package's bytes does (the same bytes quarantined again replace their entry).
        var target = config.quarantine + "/" + (base.packageId.map { $0 + (isDuplicate ? "-duplicate" : "") } ?? "unverified-" + claim.id)
        FileSystem.removeTree(claim.openedPath)
        FileSystem.removeTree(claim.linkingPath)
        FileSystem.removeTree(claim.linkedPath)
        do {
            let staging = config.quarantine + "/.tmp-" + claim.id
            FileSystem.removeTree(staging)
            try FileSystem.makeDirectories(staging, mode: 0o700)
            let reason = QuarantineReason(stage: stage, error: RecordedText.safe(message, limit: 1024), time: PackageTime.now(), claim: claim.id,
                                          upload: claim.uploadName.map { RecordedText.safe($0) }, packageId: base.packageId,
                                          project: base.project, signer: base.signer, duplicate: isDuplicate)
            try FileSystem.writeAtomically(try CanonicalJSON.bytes(reason), to: staging + "/reason.json", mode: 0o640)
            if refusedKind != nil {
                try FileSystem.rename(claim.packagePath, staging + "/upload")
            } else {
                let digest = try Self.snapshot(claim.packagePath, to: staging + "/package.sluis")
                if base.packageId == nil { target = config.quarantine + "/unverified-" + Hex.encode(Array(digest.prefix(8))) }
                unlink(claim.packagePath)
            }
            try syncDirectory(at: staging)
            crash.step("quarantining")
            // The earlier entry of the same name goes (its package was requeued or is the same package).
            if FileSystem.exists(target) {
                let old = config.quarantine + "/.old-" + claim.id
                try FileSystem.rename(target, old)
                FileSystem.removeTree(old)
            }
            try FileSystem.rename(staging, target)
            try syncDirectory(at: config.quarantine)
            claim.remove()
        } catch let failure {
            // Leave the claim in place: the package is not lost, and the next run retries.
            // Only while the package is still in the claim: once moved, the staging folder holds it,
            // and the next run finishes the move (`recoverInterruptedQuarantines`).
            if FileSystem.exists(claim.packagePath) { FileSystem.removeTree(config.quarantine + "/.tmp-" + claim.id) }
            throw deferClaim(claim, stage: "quarantine", reason: "cannot quarantine the package (\(message)): " + IntakeFault.message(failure),
                             category: .io, base: base, summary: &summary)
        }
        var e = base
        e.outcome = isDuplicate ? "duplicate" : (refusedKind != nil ? "refused" : "failed")
        e.stage = stage
        e.error = message
        try? log(e, refusedKind != nil ? "refused" : "quarantined")
        if isDuplicate { summary.duplicates += 1 }
        if refusedKind != nil { summary.refused += 1 }
        summary.quarantined += 1
        summary.packages.append(PackageResult(time: PackageTime.now(), outcome: isDuplicate ? "duplicate" : (refusedKind != nil ? "refused" : "quarantined"),
                                              upload: claim.uploadName.map { RecordedText.safe($0) }, claim: claim.id,
                                              packageId: base.packageId, project: base.project, path: target, stage: stage,
                                              reason: RecordedText.safe(message, limit: 1024)))
    }

    /// Copies the file's current bytes (its size now) into a new file of our own; returns their SHA-256.
    static func snapshot(_ path: String, to target: String) throws -> [UInt8] {
        let hasher = SHA256Hasher()
        let input = try FileInput(path: path)
        var remaining = input.size() ?? 0
        let output = try AtomicFile(path: target, mode: 0o600, overwrite: false)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while remaining > 0 {
            let n = try buffer.withUnsafeMutableBytes { try input.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<Int(min(UInt64($0.count), remaining))])) }
            if n == 0 { break }
            try buffer.withUnsafeBytes {
                hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n]))
                try output.write(UnsafeRawBufferPointer(rebasing: $0[0..<n]))
            }
            remaining -= UInt64(n)
        }
        try output.commit()
        return hasher.finalize()
    }

    /// Moves an inbox entry that is not a regular file (or whose name is not UTF-8) to
    /// `quarantine/refused-<id>/upload`, unread, with `reason.json`; reported once, because it
    /// leaves the inbox.
    func refuse(_ entry: InboxEntry, kind: String, summary: inout InboxSummary) {
        let id = Claim.newId()
        let staging = config.quarantine + "/.tmp-refused-" + id
        let target = config.quarantine + "/refused-" + id
        let error = InboxError.notARegularUpload(kind: kind)
        var e = AuditEvent(event: "refused", claim: id, outcome: "refused")
        e.upload = entry.display
        e.stage = "claim"
        e.error = error.description
        do {
            try FileSystem.makeDirectories(staging, mode: 0o700)
            let reason = QuarantineReason(stage: "claim", error: error.description, time: PackageTime.now(), claim: id,
                                          upload: entry.display, packageId: nil, project: nil, signer: nil, duplicate: false)
            try FileSystem.writeAtomically(try CanonicalJSON.bytes(reason), to: staging + "/reason.json", mode: 0o640)
            let from = Array(config.inbox.utf8) + [0x2F] + entry.nameBytes
            let moved = withPath(from) { f in Glibc.rename(f, staging + "/upload") }
            guard moved == 0 else {
                let code = errno
                FileSystem.removeTree(staging)
                if code == ENOENT { return }  // taken away meanwhile
                throw IOError.renameFailed(from: config.inbox + "/" + entry.display, to: staging + "/upload", errno: code)
            }
            try FileSystem.rename(staging, target)
            try syncDirectory(at: config.quarantine)
            try syncDirectory(at: config.inbox)
        } catch {
            writeStandardError("sluis: cannot set aside inbox entry \(entry.display): \((error as? SluisError)?.description ?? "internal error")")
            return
        }
        try? audit.append(e)
        summary.refused += 1
        summary.quarantined += 1
        summary.packages.append(PackageResult(time: PackageTime.now(), outcome: "refused", upload: entry.display, claim: id,
                                              packageId: nil, project: nil, path: target, stage: "claim", reason: error.description))
    }

    /// A run that died while quarantining may have left a hidden staging folder
    /// (`quarantine/.tmp-<claim>`) not yet renamed into place: finish the rename, so the package
    /// is visible, unless its claim is still alive. Leftover `.old-*` folders are removed.
    func recoverInterruptedQuarantines() throws {
        for name in try FileSystem.list(config.quarantine) {
            let path = config.quarantine + "/" + name
            if name.hasPrefix(".old-") { FileSystem.removeTree(path); continue }
            guard name.hasPrefix(".tmp-") else { continue }
            if name.hasPrefix(".tmp-refused-") {
                if FileSystem.exists(path + "/upload") { try FileSystem.rename(path, config.quarantine + "/" + name.dropFirst(5)) } else { FileSystem.removeTree(path) }
                continue
            }
            let claimId = String(name.dropFirst(5))
            guard FileSystem.exists(path + "/package.sluis") || FileSystem.exists(path + "/upload") else { continue }
            if let claim = try Claim.resume(directory: config.work + "/claim-" + claimId) {
                // The claim's lock was free: its run is gone. Its package is in the staging folder.
                claim.remove()
            } else if FileSystem.isDirectory(config.work + "/claim-" + claimId) {
                continue  // a live run is quarantining it right now
            }
            try FileSystem.rename(path, config.quarantine + "/recovered-" + claimId)
            try syncDirectory(at: config.quarantine)
        }
    }
}

/// `quarantine/<id>/reason.json`: why a package was set aside. Never data values; sender-written
/// text (the upload's name, an error quoting an unverified field) bounded and escaped.
struct QuarantineReason: Codable {
    var stage: String
    var error: String
    var time: String
    var claim: String
    var upload: String?
    var packageId: String?
    var project: String?
    var signer: String?
    var duplicate: Bool
}
