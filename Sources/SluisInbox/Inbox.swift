import Foundation
import SluisCore
import SluisCrypto
import SluisIO
import SluisPipeline
#if canImport(Glibc)
import Glibc
#endif

/// What the linking step of the intake reports back.
public struct LinkOutcome: Sendable {
    public var rows: UInt64
    /// Overall link rate in percent.
    public var linkRate: Double?
    /// Colliding pseudonyms in the register index per domain label (never linked on; issue 17).
    public var collisions: [String: Int]?
    /// True when the project's register was new or changed since the last index (its collisions were reported).
    public var registerChanged: Bool?
    public init(rows: UInt64, linkRate: Double?, collisions: [String: Int]? = nil, registerChanged: Bool? = nil) {
        self.rows = rows
        self.linkRate = linkRate
        self.collisions = collisions
        self.registerChanged = registerChanged
    }
}

/// Links an opened package folder into `outputDirectory` (which exists and is empty) for a project.
public typealias InboxLinker = (_ opened: OpenedPackage, _ outputDirectory: String, _ project: IntakeConfig.Project) throws -> LinkOutcome

/// The totals of one run, for the summary line and the exit code.
public struct InboxSummary: Codable, Sendable {
    public var delivered = 0
    public var quarantined = 0
    public var duplicates = 0
    public var waiting = 0
    public var busy = 0
    public init() {}
}

/// `sluis inbox`: takes every complete upload, verifies, opens, links and delivers it, and sets
/// aside what fails — without losing, duplicating or half-delivering anything (docs/intake.md).
///
/// Each package moves through durable states inside its claim folder, so a run that dies at any
/// point is finished by the next one:
///
///     inbox/X.sluis ─claim→ work/claim-ID/package.sluis ─open→ …/opened/ ─link→ …/linked/
///       ─deliver (rename)→ delivery/PROJECT/PACKAGE-ID/ ─archive (rename)→ archive/PROJECT/PACKAGE-ID.sluis
///
/// Every arrow is one atomic rename. The delivered folder carries `sluis-delivery.json` naming
/// its claim, which is how a resumed run tells "I delivered this before I died" from a replay.
public final class Inbox {
    public let config: IntakeConfig
    private let identity: Identity
    private let audit: AuditLog
    private let linker: InboxLinker
    private let crash: CrashInjection

    public init(config: IntakeConfig, identity: Identity, linker: @escaping InboxLinker) throws {
        self.config = config
        self.identity = identity
        self.linker = linker
        for dir in [config.inbox, config.work, config.delivery, config.archive, config.quarantine] {
            try FileSystem.makeDirectories(dir, mode: 0o700)
        }
        self.audit = try AuditLog(path: config.auditLog)
        self.crash = CrashInjection()
    }

    /// How many runs may die while processing one package before it is quarantined.
    public static let maximumAttempts = 3

    /// One pass over the work folder (interrupted claims first) and the inbox.
    public func runOnce() throws -> InboxSummary {
        var summary = InboxSummary()
        try recoverInterruptedQuarantines()
        for name in try FileSystem.list(config.work) where name.hasPrefix("claim-") {
            guard let claim = try Claim.resume(directory: config.work + "/" + name) else { summary.busy += 1; continue }
            guard FileSystem.exists(claim.packagePath) else { claim.remove(); continue }
            var event = AuditEvent(event: "resumed", claim: claim.id)
            event.upload = claim.uploadName
            try audit.append(event)
            // A package that makes the job die every time (a bug, a resource it exhausts) must
            // not hold up every later upload: after `maximumAttempts` interrupted runs, set it aside.
            let attempts = try claim.recordAttempt()
            if attempts > Self.maximumAttempts {
                var base = AuditEvent(event: "", claim: claim.id)
                base.upload = claim.uploadName
                quarantine(claim, stage: "resume", error: InboxError.interruptedTooOften(times: attempts - 1), base: base, summary: &summary)
                continue
            }
            process(claim, into: &summary)
        }
        for name in try FileSystem.list(config.inbox) {
            guard isCandidate(name) else {
                if name.hasSuffix(".part") || name.hasPrefix(".") { summary.waiting += 1 }
                continue
            }
            guard isSettled(config.inbox + "/" + name) else { summary.waiting += 1; continue }
            guard let claim = try Claim.take(upload: name, inbox: config.inbox, work: config.work) else { continue }
            var event = AuditEvent(event: "claimed", claim: claim.id)
            event.upload = name
            try audit.append(event)
            _ = try claim.recordAttempt()
            crash.step("claimed")
            process(claim, into: &summary)
        }
        return summary
    }

    /// A run that died while quarantining may have moved a package into a hidden staging folder
    /// (`quarantine/.tmp-<claim>`) without renaming that folder into place: finish the rename, so
    /// the package is visible, unless its claim is still alive.
    func recoverInterruptedQuarantines() throws {
        for name in try FileSystem.list(config.quarantine) where name.hasPrefix(".tmp-") {
            let claimId = String(name.dropFirst(5))
            let staging = config.quarantine + "/" + name
            guard FileSystem.exists(staging + "/package.sluis") else { continue }
            if let claim = try Claim.resume(directory: config.work + "/claim-" + claimId) {
                // The claim's lock was free: its run is gone. It has no package left, so it is done with.
                claim.remove()
            } else if FileSystem.isDirectory(config.work + "/claim-" + claimId) {
                continue  // a live run is quarantining it right now
            }
            try FileSystem.rename(staging, config.quarantine + "/recovered-" + claimId)
            try syncDirectory(at: config.quarantine)
        }
    }

    /// An upload is a visible `*.sluis` file; `.part` files and hidden temporary files are uploads in progress.
    func isCandidate(_ name: String) -> Bool {
        !name.hasPrefix(".") && name.hasSuffix(".sluis") && !name.hasSuffix(".part")
    }

    /// The file's modification time is at least `settleSeconds` old, and its size did not change
    /// across a short second look.
    func isSettled(_ path: String) -> Bool {
        var first = stat()
        guard stat(path, &first) == 0, (first.st_mode & S_IFMT) == S_IFREG else { return false }
        let age = Date().timeIntervalSince1970 - Double(first.st_mtim.tv_sec)
        guard age >= config.settleSeconds else { return false }
        usleep(50_000)
        var second = stat()
        guard stat(path, &second) == 0 else { return false }
        return first.st_size == second.st_size && first.st_mtim.tv_sec == second.st_mtim.tv_sec
            && first.st_mtim.tv_nsec == second.st_mtim.tv_nsec
    }

    private func process(_ claim: Claim, into summary: inout InboxSummary) {
        var stage = "verify"
        var base = AuditEvent(event: "", claim: claim.id)
        base.upload = claim.uploadName
        do {
            let peek = try PackagePeek.project(of: claim.packagePath)
            guard let project = config.projects[peek] else { throw InboxError.unknownProject(project: peek) }
            base.project = project.id
            let trust = try TrustStore(publicKeyFiles: project.trust, project: project.id)
            let verified = try PackageVerifier.verify(path: claim.packagePath, trust: trust, expectedProject: project.id)
            let manifest = verified.manifest
            base.packageId = manifest.packageId
            base.signer = verified.signer.fingerprint
            base.entries = manifest.entries.count
            try log(base, "verified")
            crash.step("verified")

            let deliveryDir = config.delivery + "/" + project.id + "/" + manifest.packageId
            stage = "deliver"
            if let owner = deliveredBy(deliveryDir) {
                guard owner == claim.id else { throw InboxError.duplicate(packageId: manifest.packageId) }
            } else {
                if FileSystem.exists(config.archive + "/" + project.id + "/" + manifest.packageId + ".sluis") {
                    throw InboxError.duplicate(packageId: manifest.packageId)
                }
                var e = base
                // `linked/` appears by one rename only when linking completed: a run that died
                // after it goes straight on to delivery; anything less is redone from the package.
                if !FileSystem.isDirectory(claim.linkedPath) {
                    stage = "open"
                    FileSystem.removeTree(claim.linkingPath)
                    FileSystem.removeTree(claim.openedPath)
                    let opened = try PackageOpener.open(path: claim.packagePath, identity: identity, trust: trust,
                                                        expectedProject: project.id, outputDirectory: claim.openedPath)
                    e.rows = opened.inner.files.reduce(0) { $0 + $1.rows }
                    try log(e, "opened")
                    crash.step("opened")

                    stage = "link"
                    guard mkdir(claim.linkingPath, 0o700) == 0 else { throw IOError.cannotCreate(path: claim.linkingPath, errno: errno) }
                    let outcome = try linker(opened, claim.linkingPath, project)
                    let marker = DeliveryMarker(claim: claim.id, packageId: manifest.packageId, project: project.id,
                                                signer: verified.signer.fingerprint, deliveredAt: PackageTime.now())
                    try FileSystem.writeAtomically(try JSONEncoder().encode(marker).map { $0 } + [0x0A],
                                                   to: claim.linkingPath + "/" + DeliveryMarker.fileName, mode: 0o640)
                    // The project environment's group reads deliveries (docs/intake.md): 0750/0640.
                    for name in try FileSystem.list(claim.linkingPath) { chmod(claim.linkingPath + "/" + name, 0o640) }
                    chmod(claim.linkingPath, 0o750)
                    try syncDirectory(at: claim.linkingPath)
                    try FileSystem.rename(claim.linkingPath, claim.linkedPath)
                    try syncDirectory(at: claim.directory)
                    FileSystem.removeTree(claim.openedPath)
                    e.rows = outcome.rows
                    e.linkRate = outcome.linkRate
                    e.collisions = outcome.collisions
                    e.registerChanged = outcome.registerChanged
                    try log(e, "linked")
                    crash.step("linked")
                }

                stage = "deliver"
                try FileSystem.makeDirectories(config.delivery + "/" + project.id, mode: 0o750)
                if rename(claim.linkedPath, deliveryDir) != 0 {
                    // Someone delivered the same package id in the meantime: a replay.
                    throw InboxError.duplicate(packageId: manifest.packageId)
                }
                try syncDirectory(at: config.delivery + "/" + project.id)
                try log(e, "delivered")
                crash.step("delivered")
            }

            stage = "archive"
            FileSystem.removeTree(claim.openedPath)
            FileSystem.removeTree(claim.linkingPath)
            let archiveDir = config.archive + "/" + project.id
            try FileSystem.makeDirectories(archiveDir, mode: 0o700)
            try FileSystem.rename(claim.packagePath, archiveDir + "/" + manifest.packageId + ".sluis")
            try syncDirectory(at: archiveDir)
            crash.step("archived")
            claim.remove()
            try log(base, "archived")
            summary.delivered += 1
        } catch {
            quarantine(claim, stage: stage, error: error, base: base, summary: &summary)
        }
    }

    /// The claim id recorded in a delivered folder, or nil when nothing was delivered there.
    func deliveredBy(_ deliveryDir: String) -> String? {
        guard FileSystem.isDirectory(deliveryDir) else { return nil }
        guard let bytes = try? FileSystem.readAll(deliveryDir + "/" + DeliveryMarker.fileName, limitByteCount: 1 << 16),
              let marker = try? JSONDecoder().decode(DeliveryMarker.self, from: Data(bytes)) else { return "" }
        return marker.claim
    }

    private func quarantine(_ claim: Claim, stage: String, error: any Error, base: AuditEvent, summary: inout InboxSummary) {
        let message = (error as? SluisError)?.description ?? "internal error (\(type(of: error)))"
        let isDuplicate = (error as? InboxError).map { if case .duplicate = $0 { return true } else { return false } } ?? false
        // A verified package id names the folder; an unverified one could be forged, so the claim id does.
        let name = base.packageId.map { $0 + (isDuplicate ? "-duplicate-" + claim.id : "") } ?? "unverified-" + claim.id
        let target = config.quarantine + "/" + name
        FileSystem.removeTree(claim.openedPath)
        FileSystem.removeTree(claim.linkingPath)
        FileSystem.removeTree(claim.linkedPath)
        do {
            let staging = config.quarantine + "/.tmp-" + claim.id
            FileSystem.removeTree(staging)
            try FileSystem.makeDirectories(staging, mode: 0o700)
            let reason = QuarantineReason(stage: stage, error: message, time: PackageTime.now(), claim: claim.id,
                                          upload: claim.uploadName, packageId: base.packageId, project: base.project,
                                          signer: base.signer, duplicate: isDuplicate)
            try FileSystem.writeAtomically(try CanonicalJSON.bytes(reason), to: staging + "/reason.json", mode: 0o640)
            try FileSystem.rename(claim.packagePath, staging + "/package.sluis")
            try syncDirectory(at: staging)
            crash.step("quarantining")
            try FileSystem.rename(staging, FileSystem.exists(target) ? target + "-" + claim.id : target)
            try syncDirectory(at: config.quarantine)
            claim.remove()
        } catch {
            // Leave the claim in place: the package is not lost, and the next run retries.
            writeStandardError("sluis: cannot quarantine claim \(claim.id): \((error as? SluisError)?.description ?? "internal error")")
        }
        var e = base
        e.outcome = isDuplicate ? "duplicate" : "failed"
        e.stage = stage
        e.error = message
        try? log(e, "quarantined")
        if isDuplicate { summary.duplicates += 1 }
        summary.quarantined += 1
    }

    private func log(_ base: AuditEvent, _ event: String) throws {
        var e = base
        e.event = event
        e.time = PackageTime.now()
        try audit.append(e)
    }
}

/// Written into every delivered folder.
struct DeliveryMarker: Codable {
    static let fileName = "sluis-delivery.json"
    var claim: String
    var packageId: String
    var project: String
    var signer: String
    var deliveredAt: String
}

/// `quarantine/<id>/reason.json`: why a package was set aside. Never data values.
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

/// Test hook: `SLUIS_INBOX_CRASH_AT=N` makes the process exit abruptly (as kill -9 would leave
/// things) at the Nth step it reaches. Steps: claimed, verified, opened, linked, delivered, archived.
final class CrashInjection {
    private let target: Int?
    private var count = 0
    init() { target = ProcessInfo.processInfo.environment["SLUIS_INBOX_CRASH_AT"].flatMap(Int.init) }
    func step(_ name: String) {
        count += 1
        if let target, count == target { _exit(137) }
    }
}


