import ArgumentParser
import Foundation
import SluisCore
import SluisIO
import SluisPipeline

/// `sluis verify`: the intake's check of who sent a package and that nothing changed, with no secret key.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a package's signature, signer and every entry, without any secret key.",
        discussion: "TRUSTED is a file of researcher public keys (one per line, optionally prefixed with "
            + "'projects=ID[,ID...] ') or a folder of *.pub files (sub-folders named after a project trust "
            + "their keys for that project only). Exit 0 when the package checks out, 4 when it does not.")

    @Argument(help: "The package (.sluis), or - for standard input.") var package: String
    @Option(name: .long, help: "Trusted researcher public keys: a file or a folder.") var trust: String
    @Option(name: .long, help: "Refuse a package for any other project.") var project: String?
    @Flag(name: .long, help: "Print the result as JSON on stdout.") var json = false
    @Flag(name: [.customShort("q"), .long], help: "No progress on stderr.") var quiet = false

    func run() throws {
        try reportingErrors {
            let store = try TrustStore(path: trust)
            let path = try StandardInputSpool.path(for: package)
            let progress = ProgressReporter(label: "verifying", totalByteCount: (try? FileInput(path: path).size()) ?? nil ?? 0,
                                            enabled: !quiet && !json)
            defer { progress.finish() }
            let verified = try PackageVerifier.verify(path: path, trust: store, expectedProject: project, hashEntries: true)
            progress.finish()
            let m = verified.manifest
            if json {
                let summary = VerifySummary(package: package, verified: true, signer: verified.signer.fingerprint,
                                            project: m.project, packageId: m.packageId, createdAt: m.createdAt, tool: m.tool,
                                            recipients: m.recipients, pseudonymKeyId: m.pseudonymKeyId,
                                            entries: m.entries.map { .init(name: $0.name, size: $0.size, sha256: $0.sha256) })
                printJSON(summary)
            } else {
                // Every field below was written by the sender: escaped (UntrustedText), though verified.
                let t = { (s: String) in UntrustedText.escaped(s) }
                print("package \(t(package)) verified")
                print("  signer:      \(verified.signer.fingerprint) (trusted for \(t(m.project)))")
                print("  project:     \(t(m.project))")
                print("  package id:  \(t(m.packageId))")
                print("  created:     \(t(m.createdAt)) by \(t(m.tool))")
                print("  recipients:  \(m.recipients.map(t).joined(separator: ", "))")
                print("  entries:     \(m.entries.count), all intact:")
                for e in m.entries { print("    \(t(e.name))  \(e.size) bytes  sha256 \(t(String(e.sha256.prefix(16))))…") }
            }
        }
    }
}

struct VerifySummary: Encodable {
    struct Entry: Encodable { var name: String; var size: UInt64; var sha256: String }
    var package: String
    var verified: Bool
    var signer: String
    var project: String
    var packageId: String
    var createdAt: String
    var tool: String
    var recipients: [String]
    var pseudonymKeyId: String
    var entries: [Entry]
}

/// Prints a value as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) {
    if let text = try? CanonicalJSON.string(value) { print(text, terminator: "") }
}
