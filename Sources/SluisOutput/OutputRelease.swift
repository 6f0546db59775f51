import Foundation
import SluisCore
import SluisCrypto
import SluisIO
import SluisPipeline

/// `sluis output approve` and `sluis output release`.
///
/// A release is an ordinary sluis package (PackageSealer): its entries are the approved files,
/// each file's evidence in released form (`ReleasedEvidence`: statuses and reasons, no counts) and
/// the decision log; it is encrypted to the researcher and signed by the releasing checker, so the
/// researcher opens it with `sluis open` and anyone can `sluis verify` who released it.
public enum OutputRelease {
    /// What `release` needs: the request, what to approve, who releases to whom, and the approvals collected.
    public struct Request {
        /// The request folder (the researcher's outputs with their evidence).
        public var folder: String
        /// The files of the request to release; every other file stays inside.
        public var approve: [String]
        /// The policy the request is checked under again before anything is released.
        public var policy: OutputPolicy
        /// The releasing checker's identity: signs the release package.
        public var checker: Identity
        /// The researchers the release is encrypted to.
        public var recipients: [Recipient]
        /// Paths of other checkers' signed approvals, for policies that need more than one.
        public var countersignatures: [String]
        /// Public keys of the checkers whose countersignatures count.
        public var checkers: TrustStore?
        /// The project the release package names.
        public var project: String
        /// Where the release package is written.
        public var output: String
        /// `sluis <version>`, recorded in the package and the decision log.
        public var toolVersion: String
        /// A request; every field must be given (nothing here has a safe default).
        public init(folder: String, approve: [String], policy: OutputPolicy, checker: Identity, recipients: [Recipient],
                    countersignatures: [String], checkers: TrustStore?, project: String, output: String, toolVersion: String) {
            self.folder = folder; self.approve = approve; self.policy = policy; self.checker = checker
            self.recipients = recipients; self.countersignatures = countersignatures; self.checkers = checkers
            self.project = project; self.output = output; self.toolVersion = toolVersion
        }
    }

    /// What `release` wrote.
    public struct Result {
        /// Where the release package is.
        public var packagePath: String
        /// The release package's id.
        public var packageId: String
        /// The decision log sealed into it.
        public var log: DecisionLog
        /// The check the release was made after.
        public var report: CheckReport
    }

    /// The request's name as statements and logs record it (the folder's base name).
    public static func requestName(_ folder: String) -> String {
        let trimmed = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        return splitPath(trimmed).name
    }

    /// Checks the folder and returns the approved files with their verdicts; refuses any that fail.
    static func approvedFiles(folder: String, approve: [String], policy: OutputPolicy) throws -> (CheckReport, [CheckReport.File]) {
        guard !approve.isEmpty else { throw OutputError.usage("name at least one file with --approve") }
        let report = try RequestChecker.check(folder: folder, policy: policy, keys: nil)
        var files: [CheckReport.File] = []
        for name in approve {
            let relative = name.hasPrefix(folder + "/") ? String(name.dropFirst(folder.count + 1)) : name
            guard let f = report.file(relative) else {
                throw OutputError.approvalRefused(file: name, detail: "it is not a file of the request (evidence files travel with their output)")
            }
            guard f.status <= .review else {
                throw OutputError.approvalRefused(file: name, detail: "the check says \(f.status.rawValue)")
            }
            if !files.contains(where: { $0.file == f.file }) { files.append(f) }
        }
        return (report, files)
    }

    /// `sluis output approve`: a signed approval for a second checker's countersignature.
    public static func approve(folder: String, approve: [String], policy: OutputPolicy, checker: Identity,
                               output: String) throws -> Approval {
        let (_, files) = try approvedFiles(folder: folder, approve: approve, policy: policy)
        let statement = Approval.Statement(
            format: Approval.formatName, request: requestName(folder), policy: policy.reference,
            files: files.map { .init(file: $0.file, sha256: $0.sha256) }, approvedAt: OutputClock.now(),
            checker: checker.recipient.publicKeyText, checkerFingerprint: checker.recipient.fingerprint)
        let approval = try Approval.sign(statement, with: checker)
        try FileSystem.writeAtomically(try CanonicalJSON.bytes(approval), to: output, mode: 0o644, overwrite: false)
        return approval
    }

    /// Checks the request again, verifies the approvals, and seals the approved files with their released evidence and the decision log; refuses when anything does not pass.
    public static func release(_ r: Request) throws -> Result {
        let (report, files) = try approvedFiles(folder: r.folder, approve: r.approve, policy: r.policy)
        let request = requestName(r.folder)
        let now = OutputClock.now()
        var checkers = [DecisionLog.Checker(role: "releaser", publicKey: r.checker.recipient.publicKeyText,
                                            fingerprint: r.checker.recipient.fingerprint, signedAt: now)]
        let approvedSet = Set(files.map { Approval.ApprovedFile(file: $0.file, sha256: $0.sha256) })
        for path in r.countersignatures {
            let (a, signer) = try Approval.load(path: path)
            guard let trust = r.checkers, trust.trusted(signer, project: r.project) else {
                throw OutputError.countersignatureInvalid(path: path, detail: "its checker \(signer.fingerprint) is not in --checkers")
            }
            guard !checkers.contains(where: { $0.fingerprint == signer.fingerprint }) else {
                throw OutputError.countersignatureInvalid(path: path, detail: "it is signed by a checker who signed already; two different checkers are needed")
            }
            guard a.statement.request == request, a.statement.policy == r.policy.reference else {
                throw OutputError.countersignatureInvalid(path: path, detail: "it is for another request or policy")
            }
            guard Set(a.statement.files) == approvedSet else {
                throw OutputError.countersignatureInvalid(path: path, detail: "it approves other files (or other versions of them)")
            }
            checkers.append(.init(role: "countersigner", publicKey: signer.publicKeyText, fingerprint: signer.fingerprint,
                                  signedAt: a.statement.approvedAt))
        }
        guard checkers.count >= r.policy.release.requiredApprovals else {
            throw OutputError.usage("the policy \(r.policy.name) version \(r.policy.version) requires "
                + "\(r.policy.release.requiredApprovals) different checkers: add a second checker's approval with --countersign")
        }

        var sources: [SealSource] = []
        var decisions: [DecisionLog.Decision] = []
        var used = Set<String>([DecisionLog.fileName.lowercased()])
        for f in files {
            let releasedAs = f.file.replacingOccurrences(of: "/", with: "_")
            guard PackageOpener.isSafeFileName(releasedAs), used.insert(releasedAs.lowercased()).inserted,
                  used.insert((releasedAs + Evidence.fileSuffix).lowercased()).inserted else {
                throw OutputError.approvalRefused(file: f.file, detail: "its name clashes with another released file")
            }
            let path = r.folder + "/" + f.file
            sources.append(fileSource(name: releasedAs, path: path, expectedSHA256: f.sha256))
            var evidenceName: String?
            if let e = f.evidence {
                let evidence = try EvidenceCheck.read(r.folder + "/" + e)
                let bytes = try CanonicalJSON.bytes(ReleasedEvidence(evidence))
                let name = releasedAs + Evidence.fileSuffix
                evidenceName = name
                sources.append(bytesSource(name: name, sourcePath: e, bytes: bytes))
            }
            decisions.append(.init(file: f.file, releasedAs: releasedAs, sha256: f.sha256, check: f.status,
                                   decision: "approved", evidence: evidenceName))
        }
        var notReleased: [String: CheckReport.Status] = [:]
        for f in report.files where !files.contains(where: { $0.file == f.file }) { notReleased[f.file] = f.status }
        let log = DecisionLog(format: DecisionLog.formatName, version: 1, request: request, policy: r.policy.reference,
                              requiredApprovals: r.policy.release.requiredApprovals, decidedAt: now, checkers: checkers,
                              decisions: decisions, notReleased: notReleased)
        let logBytes = try CanonicalJSON.bytes(log)
        sources.append(bytesSource(name: DecisionLog.fileName, sourcePath: DecisionLog.fileName, bytes: logBytes))
        let result = try PackageSealer.seal(SealRequest(
            project: r.project, pseudonymKeyId: "none", recipients: r.recipients, signer: r.checker,
            pipeline: try JSONValue.parse(logBytes), sources: sources, output: r.output, toolVersion: r.toolVersion))
        return Result(packagePath: result.packagePath, packageId: result.manifest.packageId, log: log, report: report)
    }

    /// A file streamed into the package, refused if it changed since it was checked.
    static func fileSource(name: String, path: String, expectedSHA256: String) -> SealSource {
        SealSource(name: name, sourcePath: path, format: "file") { sink in
            let input = try FileInput(path: path)
            let hasher = SHA256Hasher()
            var block = [UInt8](repeating: 0, count: 1 << 20)
            var total: UInt64 = 0
            while true {
                let n = try block.withUnsafeMutableBytes { try input.read(into: $0) }
                if n == 0 { break }
                try block.withUnsafeBytes { b in
                    let part = UnsafeRawBufferPointer(rebasing: b[0..<n])
                    hasher.update(part)
                    try sink.write(part)
                }
                total += UInt64(n)
            }
            guard Hex.encode(hasher.finalize()) == expectedSHA256 else {
                throw OutputError.approvalRefused(file: path, detail: "it changed while it was being released")
            }
            return SealedFileDescription(columns: [], rows: 0, rowsRead: 0, invalidIdentifiers: [:], residualFindings: [:], dialect: nil)
        }
    }

    static func bytesSource(name: String, sourcePath: String, bytes: [UInt8]) -> SealSource {
        SealSource(name: name, sourcePath: sourcePath, format: "file") { sink in
            try sink.write(bytes)
            return SealedFileDescription(columns: [], rows: 0, rowsRead: 0, invalidIdentifiers: [:], residualFindings: [:], dialect: nil)
        }
    }
}
