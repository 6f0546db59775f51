import ArgumentParser
import SluisCrypto
import SluisOutput

/// `sluis output approve`: a second checker's signed approval, for policies that need two.
struct OutputApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Sign an approval of files of a request (the countersignature of a two-checker release).")

    @Argument(help: "The request folder.") var request: String
    @Option(name: .long, parsing: .upToNextOption, help: "The files to approve (paths in the request folder).") var approve: [String]
    @Option(name: .long, help: "The checker's identity (secret key file).") var identity: String
    @Option(name: .long, help: "output-policy.json (default: the built-in CBS rules).") var policy: String?
    @Option(name: .long, help: "Read the identity's passphrase from this file (or set SLUIS_PASSPHRASE_FILE).")
    var passphraseFile: String?
    @Option(name: .long, help: "The audit log (default: sluis-output-audit.log beside the request folder).") var auditLog: String?
    @Option(name: [.customShort("o"), .long], help: "The approval file to write.") var output: String

    func run() throws {
        try reportingErrors {
            let loaded = try OutputPolicy.load(path: policy)
            let checker = try Identity.load(path: identity, passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
            let log = try OutputAuditLog(path: auditLog ?? OutputAuditLog.defaultPath(forRequest: request))
            var event = OutputAuditEvent(event: "approve", request: OutputRelease.requestName(request), policy: loaded.reference,
                                         outcome: "ok")
            event.checker = checker.recipient.fingerprint
            do {
                let a = try OutputRelease.approve(folder: request, approve: approve, policy: loaded, checker: checker, output: output)
                event.files = Dictionary(uniqueKeysWithValues: a.statement.files.map { ($0.file, $0.sha256) })
                try log.append(event)
            } catch let error as OutputError {
                event.outcome = "refused"
                event.error = error.description
                try? log.append(event)
                throw error
            }
            print("wrote \(output): approval by \(checker.recipient.fingerprint)")
        }
    }
}
