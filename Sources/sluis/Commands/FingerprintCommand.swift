import ArgumentParser
import SluisCore
import SluisCrypto
import SluisIO

/// `sluis fingerprint FILE…`: the short fingerprint of a public key or identity file (no passphrase
/// needed), or the key id of a project pseudonym key, to compare out of band.
struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        abstract: "Print the fingerprint of a public key or identity file (the key id of a pseudonym key)",
        discussion: "Prints one line per file: '<fingerprint>  <file>'. Read the fingerprint aloud to compare keys.")

    @Argument(help: "Public key (.pub) or secret key (.key) files.")
    var files: [String]

    func run() throws {
        try reportingErrors {
            for path in files {
                let head = try FileSystem.readAll(path, limitByteCount: 1 << 16).prefix(64)
                let text = String(decoding: head, as: UTF8.self)
                if text.hasPrefix(Recipient.textPrefix) {
                    print("\(try Recipient(contentsOfFile: path).fingerprint)  \(path)")
                } else if text.hasPrefix("sluis-secret-key-") {
                    if text.contains("kind: pseudonym-key") {
                        let d = try ProjectKey.describe(secretKeyFile: path)
                        print("\(d.keyId)  \(path)  (project pseudonym key for \(d.projectId))")
                    } else {
                        print("\(try Identity.recipient(ofSecretKeyFile: path).fingerprint)  \(path)")
                    }
                } else {
                    throw KeyFileError.notAKeyFile(path: path)
                }
            }
        }
    }
}
