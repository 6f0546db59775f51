import ArgumentParser
import SluisCore
import SluisCrypto
import SluisOutput
import SluisPipeline

/// `sluis output release`: approved files, their released evidence and the decision log, sealed
/// for the researcher and signed by the checker, in the ordinary package format.
struct OutputReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Seal approved files of a request for the researcher, signed by the checker.",
        discussion: "The researcher opens the release with `sluis open`; anyone verifies who released it with "
            + "`sluis verify --trust CHECKERS`. When the policy needs two checkers, give a second checker's "
            + "`sluis output approve` file with --countersign and the trusted checkers' keys with --checkers.")

    @Argument(help: "The request folder.") var request: String
    @Option(name: .long, parsing: .upToNextOption, help: "The files to release (paths in the request folder).") var approve: [String]
    @Option(name: .long, help: "The checker's identity (secret key file) that signs the release.") var identity: String
    @Option(name: [.customShort("r"), .long], help: "The researcher's public key file (repeatable).") var recipient: [String]
    @Option(name: .long, help: "A second checker's approval file (sluis output approve).") var countersign: [String] = []
    @Option(name: .long, help: "Public keys of the checkers whose countersignatures count: a file or a folder.") var checkers: String?
    @Option(name: .long, help: "The project name recorded in the package.") var project = "output-release"
    @Option(name: .long, help: "output-policy.json (default: the built-in CBS rules).") var policy: String?
    @Option(name: .long, help: "Read the identity's passphrase from this file (or set SLUIS_PASSPHRASE_FILE).")
    var passphraseFile: String?
    @Option(name: .long, help: "The audit log (default: sluis-output-audit.log beside the request folder).") var auditLog: String?
    @Option(name: [.customShort("o"), .long], help: "The release package to write (.sluis).") var output: String

    func run() throws {
        try reportingErrors {
            let loaded = try OutputPolicy.load(path: policy)
            let checker = try Identity.load(path: identity, passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
            let recipients = try recipient.map { try Recipient(contentsOfFile: $0) }
            guard !recipients.isEmpty else { throw UsageError("give the researcher's public key with -r") }
            let trust = try checkers.map { try TrustStore(path: $0) }
            let log = try OutputAuditLog(path: auditLog ?? OutputAuditLog.defaultPath(forRequest: request))
            var event = OutputAuditEvent(event: "release", request: OutputRelease.requestName(request), policy: loaded.reference,
                                         outcome: "ok")
            event.checker = checker.recipient.fingerprint
            let result: OutputRelease.Result
            do {
                result = try OutputRelease.release(.init(
                    folder: request, approve: approve, policy: loaded, checker: checker, recipients: recipients,
                    countersignatures: countersign, checkers: trust, project: project, output: output, toolVersion: sluisVersion))
            } catch let error as SluisError {
                event.outcome = "refused"
                event.error = error.description
                try? log.append(event)
                throw error
            }
            event.files = Dictionary(uniqueKeysWithValues: result.log.decisions.map { ($0.file, $0.sha256) })
            event.countersigners = result.log.checkers.filter { $0.role == "countersigner" }.map(\.fingerprint)
            event.package = result.packagePath
            event.packageId = result.packageId
            try log.append(event)
            print("released \(result.packagePath): \(result.log.decisions.count) files, signed by \(checker.recipient.fingerprint)")
            for d in result.log.decisions { print("    \(d.releasedAs)  \(d.check.rawValue)") }
        }
    }
}
