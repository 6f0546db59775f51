import ArgumentParser
import Foundation
import SluisCore
import SluisCrypto
import SluisIO
import SluisPipeline
#if canImport(Glibc)
import Glibc
#endif

/// `sluis trust add`: adds a researcher's public key to a trust folder (docs/intake.md, "Trust
/// lists"), after its fingerprint was compared out of band.
struct TrustCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust", abstract: "Manage the researcher keys an intake trusts.", subcommands: [Add.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a researcher's public key to a trust folder, for one project or for all.",
            discussion: "Shows the key's fingerprint: compare it with the researcher (by phone, in person) before you trust it. "
                + "On a terminal you are asked to confirm; otherwise give --fingerprint with the fingerprint you compared.")

        @Argument(help: "The researcher's public key (.pub).") var publicKey: String
        @Option(help: "Trust it for this project only (the key goes into DIR/PROJECT/); omit to trust it for every project.") var project: String?
        @Option(name: .customLong("trust"), help: "The trust folder (created if missing).") var folder: String
        @Option(help: "The fingerprint you compared out of band (spaces and dashes ignored); needed without a terminal.") var fingerprint: String?

        func run() throws {
            try reportingErrors {
                let key = try Recipient(contentsOfFile: publicKey)
                if let project, !ProjectKey.isValidProjectId(project) {
                    throw UsageError("--project: not a project id (1 to 64 characters from A-Z a-z 0-9 . _ -)")
                }
                print("fingerprint of \(publicKey): \(key.fingerprint)")
                try confirm(key)
                let dir = project.map { folder + "/" + $0 } ?? folder
                if FileSystem.exists(folder), !FileSystem.isDirectory(folder) {
                    throw UsageError("\(folder) is a trust file; 'sluis trust add' manages trust folders (docs/intake.md)")
                }
                try FileSystem.makeDirectories(dir, mode: 0o755)
                var name = splitPath(publicKey).name
                if !name.hasSuffix(".pub") { name += ".pub" }
                let target = dir + "/" + name
                if FileSystem.exists(target) {
                    if (try? Recipient(contentsOfFile: target)) == key {
                        print("\(target) already holds this key; nothing changed")
                        return
                    }
                    throw IOError.alreadyExists(path: target)
                }
                try FileSystem.writeAtomically(Array((key.lineText + "\n").utf8), to: target, mode: 0o644, overwrite: false)
                print("trusted \(key.fingerprint) for " + (project.map { "project \($0)" } ?? "every project") + ": \(target)")
            }
        }

        private func confirm(_ key: Recipient) throws {
            func squeezed(_ s: String) -> String { s.lowercased().filter { !$0.isWhitespace && $0 != "-" && $0 != ":" } }
            if let fingerprint {
                guard squeezed(fingerprint) == squeezed(key.fingerprint) else {
                    throw UsageError("the fingerprint given does not match \(publicKey)'s; nothing was trusted")
                }
                return
            }
            guard isatty(0) == 1 else {
                throw UsageError("compare the fingerprint with the researcher, then run again with --fingerprint '\(key.fingerprint)'")
            }
            print("does it match the fingerprint the researcher gave you? type yes to trust it: ", terminator: "")
            guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                throw UsageError("not confirmed; nothing was trusted")
            }
        }
    }
}
