import ArgumentParser
import SluisCore
import SluisCrypto
import SluisIO

/// `sluis key send|receive`: moves a project's pseudonym key from the intake to a researcher
/// without it ever travelling in clear (docs/intake.md, "The key lifecycle").
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Send a project key sealed to a researcher, or receive one.",
        subcommands: [Send.self, Receive.self])

    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt a project pseudonym key to a researcher's public key.",
            discussion: "The output holds the key encrypted to the researcher only (the sluis encrypted-file format); "
                + "send it any way you like. Compare the printed fingerprint with the researcher's out of band first.")

        @Argument(help: "The project key file (P.pkey).") var keyFile: String
        @Option(name: .customLong("to"), help: "The researcher's public key (.pub).") var recipient: String
        @Option(name: .shortAndLong, help: "The sealed key to write (P.pkey.sluis); never over an existing file.") var output: String
        @Option(help: "The project key's passphrase file (or SLUIS_PASSPHRASE_FILE, or the terminal).") var passphraseFile: String?

        func run() throws {
            try reportingErrors {
                let to = try Recipient(contentsOfFile: recipient)
                let key = try ProjectKey.load(path: keyFile, passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
                let file = try AtomicFile(path: output, mode: 0o600, overwrite: false)
                do {
                    try KeyFileRewrap.send(key, to: to, output: file)
                    try file.finish()
                    try file.commit()
                } catch {
                    file.discard()
                    throw error
                }
                print("sealed pseudonym key \(key.keyId) of project \(key.projectId) for \(to.fingerprint) into \(output)")
            }
        }
    }

    struct Receive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt a sealed project key with your identity and store it under your own passphrase.")

        @Argument(help: "The sealed key (P.pkey.sluis).") var sealed: String
        @Option(name: [.customShort("i"), .long], help: "Your identity (secret key file).") var identity: String
        @Option(name: .shortAndLong, help: "The key file to write (P.pkey); never over an existing file.") var output: String
        @Option(help: "Your identity's passphrase file (or SLUIS_PASSPHRASE_FILE, or the terminal).") var passphraseFile: String?
        @Option(help: "The new key file's passphrase, from a file (mode 0600) instead of the terminal.") var newPassphraseFile: String?
        @Flag(help: "Write the key WITHOUT passphrase protection (demos and tests only).") var unprotected = false
        @Flag(help: "Accept a passphrase shorter than 12 characters.") var force = false

        func run() throws {
            try reportingErrors {
                if FileSystem.exists(output) { throw IOError.alreadyExists(path: output) }
                let me = try Identity.load(path: identity, passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
                let key = try KeyFileRewrap.receive(from: try FileInput(path: sealed), identity: me, path: sealed)
                let protection = try checkedNewProtection(unprotected: unprotected, passphraseFile: newPassphraseFile,
                                                          keyPath: output, force: force)
                try key.write(secretKeyFile: output, protection: protection)
                print("received pseudonym key \(key.keyId) of project \(key.projectId) into \(output)")
            }
        }
    }
}

/// Refuses a new passphrase shorter than this many characters unless `--force`.
let minimumPassphraseCharacterCount = 12

/// The protection for a new or re-protected key: `newKeyProtection`, plus the minimum length.
func checkedNewProtection(unprotected: Bool, passphraseFile: String?, keyPath: String, force: Bool) throws -> KeyProtection {
    if unprotected { return try newKeyProtection(unprotected: true, passphraseFile: nil, keyPath: keyPath) }
    let source: PassphraseSource = passphraseFile.map { .file(path: $0) } ?? .terminal
    let words = try source.passphrase(prompt: "new passphrase for \(keyPath)", confirm: true)
    try refuseShortPassphrase(words, force: force)
    return .passphrase(words)
}

/// Refuses a new passphrase of fewer than `minimumPassphraseCharacterCount` characters unless `force`.
func refuseShortPassphrase(_ words: SecretBytes, force: Bool) throws {
    // Counted in place, without a copy (a Swift string or array cannot be wiped): UTF-8 lead bytes.
    let characters = words.withUnsafeBytes { bytes in
        var n = 0
        for b in bytes where b & 0xC0 != 0x80 { n += 1 }
        return n
    }
    if characters < minimumPassphraseCharacterCount && !force {
        throw UsageError("the new passphrase has fewer than \(minimumPassphraseCharacterCount) characters; "
                         + "choose a longer one (or give --force); nothing was written")
    }
}
