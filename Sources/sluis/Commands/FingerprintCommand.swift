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

    @Argument(help: "Public key (.pub) or secret key (.key) files; - reads one public key from standard input.")
    var files: [String]

    func run() throws {
        try reportingErrors {
            for path in files {
                if path == "-" {
                    print("\(try Self.recipientFromStandardInput().fingerprint)  -")
                    continue
                }
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

    /// A public key piped in (`… | sluis fingerprint -`). Secret keys are read from their files
    /// only, never from a pipe.
    static func recipientFromStandardInput() throws -> Recipient {
        let input = try FileInput(path: "-")
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 4096 {
            let n = try block.withUnsafeMutableBytes { try input.read(into: $0) }
            if n == 0 { break }
            bytes += block[0..<n]
        }
        guard bytes.count <= 4096, let text = String(validating: bytes, as: UTF8.self),
              text.hasPrefix(Recipient.textPrefix) else {
            throw KeyFileError.notAPublicKey(source: "standard input")
        }
        return try Recipient(parsing: text)
    }
}
