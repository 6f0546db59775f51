import ArgumentParser
import Foundation
import SluisCore
import SluisCrypto
import SluisIO
import SluisPipeline

/// `sluis seal`: the researcher's one step from pipeline.json to a signed, encrypted package.
struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Pseudonymise, encrypt and sign the files of pipeline.json into one package.",
        discussion: "The signing identity and the recipients come from pipeline.json (\"sign\", \"recipients\") "
            + "or from --sign and -r. When -o names an existing folder, the package is named from the project "
            + "and the UTC time and appears there atomically, so a scheduled export never leaves a half-written "
            + "package for the intake to pick up. Never prompts when stdin is not a terminal: give "
            + "--passphrase-file or SLUIS_PASSPHRASE_FILE for protected keys.")

    @Option(name: [.customShort("c"), .long], help: "The pipeline.json to seal.") var config: String = "pipeline.json"
    @Option(name: [.customShort("o"), .long], help: "The package file to write, an existing folder, or - for standard output (not a terminal).")
    var output: String
    @Flag(name: .long, help: "Replace an existing package file (atomically) instead of refusing it.") var force = false
    @Option(name: .long, help: "The researcher's identity (secret key file) that signs the package.") var sign: String?
    @Option(name: [.customShort("r"), .long], help: "An intake officer's public key file (repeatable).") var recipient: [String] = []
    @Option(name: .long, help: "Passphrase file for the signing identity and the pseudonym key.") var passphraseFile: String?
    @Option(name: .long, help: "Passphrase file for the pseudonym key, when it differs.") var pseudonymKeyPassphraseFile: String?
    @Flag(name: [.customShort("q"), .long], help: "No progress on stderr.") var quiet = false
    @Flag(name: .long, help: "Print the summary as JSON on stdout.") var json = false

    func run() throws {
        try reportingErrors {
            if output == "-" {
                if isatty(1) == 1 { throw UsageError("refusing to write a binary package to a terminal; redirect standard output or give -o FILE") }
                if json { throw UsageError("--json and -o - both want standard output; give -o FILE") }
            }
            let pipeline = try LoadedPipeline.load(path: config)
            guard let signPath = sign ?? pipeline.signingKeyPath else {
                throw UsageError("no signing identity: give --sign or \"sign\" in \(config)")
            }
            let recipientPaths = recipient.isEmpty ? pipeline.recipientPaths : recipient
            guard !recipientPaths.isEmpty else {
                throw UsageError("no recipients: give -r or \"recipients\" in \(config)")
            }
            let recipients = try recipientPaths.map { try Recipient(contentsOfFile: $0) }
            // The same key twice is a mistake (another officer was meant), and the package's
            // entries would list fewer recipients than its manifest: refuse it.
            for (i, r) in recipients.enumerated() {
                if let j = recipients[..<i].firstIndex(where: { $0.fingerprint == r.fingerprint }) {
                    throw UsageError("recipient \(recipientPaths[i]) is the same public key (\(r.fingerprint)) as \(recipientPaths[j]); give each intake officer's key once")
                }
            }
            let signer: Identity
            do {
                signer = try Identity.load(path: signPath, passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
            } catch let error as KeyFileError {
                throw SealKeyError(underlying: error, role: "the signing identity", hint: nil)
            }
            let key: PseudonymKey
            let sharedFile = pseudonymKeyPassphraseFile == nil
            do {
                key = try pipeline.loadPseudonymKey(
                    passphrase: PassphraseSource.resolve(passphraseFile: pseudonymKeyPassphraseFile ?? passphraseFile))
            } catch let error as KeyFileError {
                // One passphrase file serves both keys unless told otherwise; when the pseudonym
                // key has its own passphrase, say where it goes.
                var hint: String?
                if case .wrongPassphrase = error, sharedFile, case .file = PassphraseSource.resolve(passphraseFile: passphraseFile) {
                    hint = "the same passphrase file was used for the signing identity; if the pseudonym key has its own passphrase, give it with --pseudonym-key-passphrase-file"
                }
                throw SealKeyError(underlying: error, role: "the pseudonym key", hint: hint)
            }

            let total = pipeline.config.files.indices.reduce(UInt64(0)) { sum, i in
                sum + ((try? FileInput(path: pipeline.resolve(pipeline.config.files[i].path)).size()) ?? nil ?? 0)
            }
            let progress = ProgressReporter(label: "sealing", totalByteCount: total, enabled: !quiet && !json)
            let result: SealResult
            do {
                var request = SealRequest(
                    project: pipeline.config.project, pseudonymKeyId: key.keyId, recipients: recipients, signer: signer,
                    pipeline: pipeline.sealedConfiguration, sources: pipeline.sealSources(key: key),
                    output: output, toolVersion: sluisVersion)
                request.replacing = force
                result = try PackageSealer.seal(request)
                progress.finish()
            } catch {
                progress.finish()
                throw error
            }
            if output == "-" {
                // Standard output holds the package: the summary goes to stderr.
                printError("sluis: sealed package \(result.manifest.packageId) (\(result.byteCount) bytes) written to standard output")
            } else if json {
                printJSON(SealSummary(result))
            } else {
                print("sealed \(result.packagePath) (\(result.byteCount) bytes)")
                print("  project:    \(result.manifest.project), package id \(result.manifest.packageId)")
                print("  signed by:  \(signer.recipient.fingerprint)")
                print("  for:        \(result.manifest.recipients.joined(separator: ", "))")
                for f in result.inner.files {
                    let invalid = f.invalidIdentifiers.values.flatMap(\.values).reduce(0, +)
                    print("    \(f.name)  \(f.rows) rows" + (invalid > 0 ? ", \(invalid) invalid identifiers" : ""))
                }
            }
        }
    }
}

/// A key file error in `sluis seal`, saying which of its two keys it is about (and, for a wrong
/// passphrase from a shared passphrase file, that the pseudonym key can have its own).
struct SealKeyError: SluisError {
    let underlying: KeyFileError
    let role: String
    let hint: String?
    var category: FailureCategory { underlying.category }
    var description: String { "\(role): \(underlying.description)" + (hint.map { "; \($0)" } ?? "") }
}

struct SealSummary: Encodable {
    struct File: Encodable {
        var name: String
        var rows: UInt64
        var rowsRead: UInt64
        var invalidIdentifiers: [String: [String: UInt64]]
    }
    var package: String
    var bytes: UInt64
    var project: String
    var packageId: String
    var signer: String
    var recipients: [String]
    var pseudonymKeyId: String
    var files: [File]

    init(_ r: SealResult) {
        package = r.packagePath
        bytes = r.byteCount
        project = r.manifest.project
        packageId = r.manifest.packageId
        signer = r.manifest.sender.fingerprint
        recipients = r.manifest.recipients
        pseudonymKeyId = r.manifest.pseudonymKeyId
        files = r.inner.files.map { File(name: $0.name, rows: $0.rows, rowsRead: $0.rowsRead, invalidIdentifiers: $0.invalidIdentifiers) }
    }
}
