import ArgumentParser
import Foundation
import SluisCore
import SluisIO
import SluisCrypto
import SluisPipeline

/// `sluis open`: verify, then decrypt every entry and check it against the inner manifest; the
/// output folder appears complete or not at all.
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Verify and decrypt a package into a new folder, all or nothing.")

    @Argument(help: "The package (.sluis).") var package: String
    @Option(name: [.customShort("i"), .long], help: "The intake identity (secret key file).") var identity: String
    @Option(name: .long, help: "Trusted researcher public keys: a file or a folder.") var trust: String
    @Option(name: [.customShort("o"), .long], help: "The folder to create (refused when it exists, unless --force).") var output: String
    @Flag(name: .long, help: "Replace an existing output folder (atomically, after every check passed).") var force = false
    @Flag(name: [.customShort("q"), .long], help: "No progress on stderr.") var quiet = false
    @Option(name: .long, help: "Refuse a package for any other project.") var project: String?
    @Option(name: .long, help: "Read the identity's passphrase from this file (or set SLUIS_PASSPHRASE_FILE).")
    var passphraseFile: String?
    @Flag(name: .long, help: "Print the result as JSON on stdout.") var json = false

    func run() throws {
        try reportingErrors {
            let store = try TrustStore(path: trust)
            let id = try Identity.load(path: identity, passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
            let progress = ProgressReporter(label: "opening", totalByteCount: (try? FileInput(path: package).size()) ?? nil ?? 0,
                                            enabled: !quiet && !json)
            defer { progress.finish() }
            let opened = try PackageOpener.open(path: package, identity: id, trust: store, expectedProject: project,
                                                outputDirectory: output, replacing: force)
            progress.finish()
            let m = opened.verified.manifest
            if json {
                printJSON(OpenSummary(package: package, directory: opened.directory, signer: opened.verified.signer.fingerprint,
                                      project: m.project, packageId: m.packageId,
                                      files: opened.inner.files.map { .init(name: $0.name, rows: $0.rows, bytes: $0.plaintextSize) }))
            } else {
                // Names and ids were written by the sender: escaped (UntrustedText), though verified.
                let t = { (s: String) in UntrustedText.escaped(s) }
                print("package \(t(package)) opened into \(t(opened.directory))")
                print("  signer:     \(opened.verified.signer.fingerprint)")
                print("  project:    \(t(m.project)), package id \(t(m.packageId))")
                for f in opened.inner.files { print("    \(t(f.name))  \(f.rows) rows  \(f.plaintextSize) bytes  checked") }
            }
        }
    }
}

struct OpenSummary: Encodable {
    struct File: Encodable { var name: String; var rows: UInt64; var bytes: UInt64 }
    var package: String
    var directory: String
    var signer: String
    var project: String
    var packageId: String
    var files: [File]
}
