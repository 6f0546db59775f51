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
    /// Rows written to the linked output.
    public var rows: UInt64
    /// Overall link rate in percent.
    public var linkRate: Double?
    /// Colliding pseudonyms in the register index per domain label (never linked on; issue 17).
    public var collisions: [String: Int]?
    /// True when the project's register was new or changed since the last index (its collisions were reported).
    public var registerChanged: Bool?
    /// An outcome; collisions and the register change are reported only when the index was built.
    public init(rows: UInt64, linkRate: Double?, collisions: [String: Int]? = nil, registerChanged: Bool? = nil) {
        self.rows = rows
        self.linkRate = linkRate
        self.collisions = collisions
        self.registerChanged = registerChanged
    }
}

/// Links an opened package folder into `outputDirectory` (which exists and is empty) for a project.
public typealias InboxLinker = (_ opened: OpenedPackage, _ outputDirectory: String, _ project: IntakeConfig.Project) throws -> LinkOutcome

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
///
/// A fault of the package quarantines it; a fault of the intake (`IntakeFault`) stops the run and
/// leaves the package claimed, to be delivered by the next run after the fix.
public final class Inbox {
    /// The intake.json the run works with (folders, identity, projects).
    public let config: IntakeConfig
    private let loadIdentity: () throws -> Identity
    private var loadedIdentity: Identity?
    private var resources: [String: ProjectResources] = [:]
    let audit: AuditLog
    private let linker: InboxLinker
    let crash: CrashInjection

    /// Checks the layout (folders, modes, one file system, key and register files) before
    /// anything is touched. `identity` is called only when there is a package to take, so an empty
    /// inbox never unlocks a key.
    public init(config: IntakeConfig, identity: @escaping () throws -> Identity, linker: @escaping InboxLinker) throws {
        try IntakeCheck.checkLayout(config)
        self.config = config
        self.loadIdentity = identity
        self.linker = linker
        self.audit = try AuditLog(path: config.auditLog)
        self.crash = CrashInjection()
    }

    /// How many runs may die while processing one package before it is quarantined.
    public static let maximumAttempts = 3

    /// Thrown inside a run when an intake fault must stop it.
    struct Stop: Error {
        let fault: InboxError
    }

    /// One pass over the work folder (interrupted claims first) and the inbox.
    public func runOnce() throws -> InboxSummary {
        var summary = InboxSummary()
        summary.started = PackageTime.now()
        do {
            try recoverInterruptedQuarantines()
            try resumeClaims(into: &summary)
            try takeUploads(into: &summary)
        } catch let stop as Stop {
            summary.stopped = stop.fault.description
            summary.stoppedExitCode = stop.fault.category.rawValue
        }
        summary.finished = PackageTime.now()
        return summary
    }

    private func resumeClaims(into summary: inout InboxSummary) throws {
        for name in try FileSystem.list(config.work) where name.hasPrefix("claim-") {
            guard let claim = try Claim.resume(directory: config.work + "/" + name) else { summary.busy += 1; continue }
            guard FileSystem.exists(claim.packagePath) else {
                try reconcileArchived(claim)
                claim.remove()
                continue
            }
            try unlockIdentity(claim: claim.id)
            var event = AuditEvent(event: "resumed", claim: claim.id)
            event.upload = claim.uploadName
            try audit.append(event)
            // A package that makes the job die every time (a bug, a resource it exhausts) must
            // not hold up every later upload: after `maximumAttempts` interrupted runs, set it aside.
            let attempts = try claim.recordAttempt()
            if attempts > Self.maximumAttempts {
                var base = AuditEvent(event: "", claim: claim.id)
                base.upload = claim.uploadName
                try quarantine(claim, stage: "resume", error: InboxError.interruptedTooOften(times: attempts - 1), base: base, summary: &summary)
                continue
            }
            try process(claim, into: &summary)
        }
    }

    private func takeUploads(into summary: inout InboxSummary) throws {
        for entry in try InboxEntry.scan(config.inbox, settleSeconds: config.settleSeconds, staleSeconds: config.staleSeconds) {
            switch entry.state {
            case .ignored: continue
            case .uploading: summary.waiting += 1; continue
            case .stale:
                summary.stale += 1
                summary.staleUploads.append(StaleUpload(name: entry.display, byteCount: entry.byteCount, ageSeconds: Int(entry.ageSeconds)))
                continue
            case let .refused(kind):
                refuse(entry, kind: kind, summary: &summary)
                continue
            case .ready: break
            }
            guard let name = entry.name, entry.isStable(in: config.inbox) else { summary.waiting += 1; continue }
            try unlockIdentity(claim: nil)
            let claim: Claim
            switch try Claim.take(upload: name, inbox: config.inbox, work: config.work) {
            case .gone: continue
            case let .refused(kind): refuse(entry, kind: kind, summary: &summary); continue
            case let .claimed(c): claim = c
            }
            var event = AuditEvent(event: "claimed", claim: claim.id)
            event.upload = name
            try audit.append(event)
            _ = try claim.recordAttempt()
            crash.step("claimed")
            if let kind = claim.refusedKind {
                var base = AuditEvent(event: "", claim: claim.id)
                base.upload = name
                try quarantine(claim, stage: "claim", error: InboxError.notARegularUpload(kind: kind), base: base, summary: &summary)
                continue
            }
            try process(claim, into: &summary)
        }
    }

    /// Unlocks the intake identity (Argon2id) the first time a run has a package to work on.
    private func unlockIdentity(claim: String?) throws {
        guard loadedIdentity == nil else { return }
        do { loadedIdentity = try loadIdentity() } catch {
            let reading = IntakeFault.classify(IntakeFault.Raised(underlying: error)) ?? (IntakeFault.message(error), .usage)
            throw Stop(fault: .couldNotRun(claim: claim ?? "", reason: reading.reason, category: reading.category))
        }
    }

    /// The project's trust list and keys, prepared once per run (an intake fault when they fail).
    private func prepared(_ project: IntakeConfig.Project) throws -> ProjectResources {
        if let r = resources[project.id] { return r }
        let r = try ProjectResources.prepare(project, config: config)
        resources[project.id] = r
        return r
    }

    private func process(_ claim: Claim, into summary: inout InboxSummary) throws {
        var stage = "verify"
        var base = AuditEvent(event: "", claim: claim.id)
        base.upload = claim.uploadName
        var registers: [String] = []
        do {
            let peek = try PackagePeek.project(of: claim.packagePath)
            guard let project = config.projects[peek] else { throw InboxError.unknownProject(project: peek) }
            base.project = project.id
            registers = [project.register]
            stage = "prepare"  // the intake's own keys, trust list and register for this project
            let trust = try prepared(project).trust
            stage = "verify"
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
                // Delivered by this claim before the run died: the `delivered` event may be missing.
                if !auditHas(claim: claim.id, event: "delivered") { try log(base, "delivered") }
            } else {
                if FileSystem.exists(config.archive + "/" + project.id + "/" + manifest.packageId + ".sluis") {
                    throw InboxError.duplicate(packageId: manifest.packageId)
                }
                try openAndLink(claim, verified: verified, project: project, trust: trust, deliveryDir: deliveryDir,
                                base: base, stage: &stage)
            }

            stage = "archive"
            try archive(claim, project: project, packageId: manifest.packageId, base: base)
            summary.delivered += 1
            summary.packages.append(PackageResult(time: PackageTime.now(), outcome: "delivered", upload: base.upload.map { RecordedText.safe($0) },
                                                  claim: claim.id, packageId: manifest.packageId, project: project.id,
                                                  path: deliveryDir, stage: nil, reason: nil))
        } catch let stop as Stop {
            throw stop
        } catch {
            if let reading = IntakeFault.classify(error, registers: registers) {
                throw deferClaim(claim, stage: stage, reason: reading.reason, category: reading.category, base: base, summary: &summary)
            }
            try quarantine(claim, stage: stage, error: error, base: base, summary: &summary)
        }
    }

    /// Opens the package into the claim folder and links it into `linked/` (skipped when a run
    /// that died had finished linking), then delivers it by one rename.
    private func openAndLink(_ claim: Claim, verified: VerifiedPackage, project: IntakeConfig.Project, trust: TrustStore,
                             deliveryDir: String, base: AuditEvent, stage: inout String) throws {
        let manifest = verified.manifest
        var e = base
        // `linked/` appears by one rename only when linking completed: a run that died
        // after it goes straight on to delivery; anything less is redone from the package.
        if !FileSystem.isDirectory(claim.linkedPath) {
            stage = "open"
            FileSystem.removeTree(claim.linkingPath)
            FileSystem.removeTree(claim.openedPath)
            guard let identity = loadedIdentity else { throw InboxError.locked(path: config.identity) }
            let opened = try PackageOpener.open(path: claim.packagePath, identity: identity, trust: trust,
                                                expectedProject: project.id, outputDirectory: claim.openedPath)
            e.rows = opened.inner.files.reduce(0) { $0 + $1.rows }
            try log(e, "opened")
            crash.step("opened")

            stage = "link"
            guard mkdir(claim.linkingPath, 0o700) == 0 else { throw IOError.cannotCreate(path: claim.linkingPath, errno: errno) }
            let outcome = try linker(opened, claim.linkingPath, project)
            try LinkReportPaths.rewrite(in: claim.linkingPath, opened: claim.openedPath, deliveredTo: deliveryDir,
                                        archive: archivePath(project.id, manifest.packageId))
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
            let code = errno
            // Someone delivered the same package id in the meantime: a replay.
            if code == EEXIST || code == ENOTEMPTY { throw InboxError.duplicate(packageId: manifest.packageId) }
            throw IOError.renameFailed(from: claim.linkedPath, to: deliveryDir, errno: code)
        }
        try syncDirectory(at: config.delivery + "/" + project.id)
        try log(e, "delivered")
        crash.step("delivered")
    }

    func archivePath(_ project: String, _ packageId: String) -> String {
        config.archive + "/" + project + "/" + packageId + ".sluis"
    }

    /// Renames the package into the archive. Which file it becomes is written into the claim
    /// first, so that a run killed right after the rename still gets its `archived` event written
    /// by the next run (`reconcileArchived`).
    private func archive(_ claim: Claim, project: IntakeConfig.Project, packageId: String, base: AuditEvent) throws {
        FileSystem.removeTree(claim.openedPath)
        FileSystem.removeTree(claim.linkingPath)
        let archiveDir = config.archive + "/" + project.id
        let target = archivePath(project.id, packageId)
        try FileSystem.makeDirectories(archiveDir, mode: 0o700)
        let pending = PendingArchive(path: target, event: base)
        try FileSystem.writeAtomically(try JSONEncoder().encode(pending).map { $0 }, to: claim.archivingPath, mode: 0o600)
        try FileSystem.rename(claim.packagePath, target)
        try syncDirectory(at: archiveDir)
        crash.step("archived")
        try log(base, "archived")
        claim.remove()
    }

    /// A claim without its package: a run died after archiving it. Writes the `archived` event
    /// that run may not have written.
    func reconcileArchived(_ claim: Claim) throws {
        guard let bytes = try? FileSystem.readAll(claim.archivingPath, limitByteCount: 1 << 16),
              let pending = try? JSONDecoder().decode(PendingArchive.self, from: Data(bytes)),
              FileSystem.exists(pending.path), !auditHas(claim: claim.id, event: "archived") else { return }
        try log(pending.event, "archived")
    }

    /// Whether the audit log's recent part (the last 8 MiB) holds `event` for `claim`: only asked
    /// when resuming a claim a dead run left, whose events are recent.
    func auditHas(claim: String, event: String) -> Bool {
        guard let input = try? FileInput(path: config.auditLog), let size = input.size() else { return false }
        let count = Int(min(size, 8 << 20))
        guard let tail = try? FileRangeSource.readExactly(input, offset: size - UInt64(count), count: count) else { return false }
        let claimField = "\"claim\":\"\(claim)\"", eventField = "\"event\":\"\(event)\""
        return tail.split(separator: 0x0A).contains { line in
            let text = String(decoding: line, as: UTF8.self)
            return text.contains(claimField) && text.contains(eventField)
        }
    }

    /// The claim id recorded in a delivered folder, or nil when nothing was delivered there.
    func deliveredBy(_ deliveryDir: String) -> String? {
        guard FileSystem.isDirectory(deliveryDir) else { return nil }
        guard let bytes = try? FileSystem.readAll(deliveryDir + "/" + DeliveryMarker.fileName, limitByteCount: 1 << 16),
              let marker = try? JSONDecoder().decode(DeliveryMarker.self, from: Data(bytes)) else { return "" }
        return marker.claim
    }

    /// An intake fault while working on `claim`: removes its plaintext, leaves the package claimed
    /// (the attempt does not count as an interrupted one), records it, and returns the `Stop`.
    func deferClaim(_ claim: Claim, stage: String, reason: String, category: FailureCategory, base: AuditEvent,
                         summary: inout InboxSummary) -> Stop {
        FileSystem.removeTree(claim.openedPath)
        FileSystem.removeTree(claim.linkingPath)
        claim.undoAttempt()
        let fault = InboxError.couldNotRun(claim: claim.id, reason: reason, category: category)
        var e = base
        e.outcome = "deferred"
        e.stage = stage
        e.error = fault.description
        try? log(e, "deferred")
        summary.packages.append(PackageResult(time: PackageTime.now(), outcome: "deferred", upload: base.upload.map { RecordedText.safe($0) },
                                              claim: claim.id, packageId: base.packageId, project: base.project,
                                              path: claim.directory, stage: stage, reason: RecordedText.safe(reason, limit: 1024)))
        return Stop(fault: fault)
    }

    func log(_ base: AuditEvent, _ event: String) throws {
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

/// `work/claim-ID/archiving`: the archive file the package is about to become, and the audit
/// event to write for it.
struct PendingArchive: Codable {
    var path: String
    var event: AuditEvent
}
