import ArgumentParser
import SluisCore
import SluisCrypto
import SluisIO

/// `sluis passphrase KEYFILE`: changes a secret key file's passphrase, or adds one to an
/// unprotected key, atomically in place; the key id and fingerprint stay the same.
struct PassphraseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passphrase", abstract: "Change (or add) the passphrase of a secret key file, in place.",
        discussion: "The file is rewritten atomically: a crash leaves the old file or the new one, never half of either. "
            + "New passphrases shorter than 12 characters are refused unless --force.")

    @Argument(help: "The secret key file (an identity or a project pseudonym key).") var keyFile: String
    @Option(help: "The current passphrase, from a file (or SLUIS_PASSPHRASE_FILE, or the terminal).") var passphraseFile: String?
    @Option(help: "The new passphrase, from a file (mode 0600) instead of the terminal.") var newPassphraseFile: String?
    @Flag(help: "Remove the protection (demos and tests only).") var unprotected = false
    @Flag(help: "Accept a new passphrase shorter than 12 characters.") var force = false

    func run() throws {
        try reportingErrors {
            let what = try KeyFileRewrap.describe(path: keyFile)
            let current = PassphraseSource.resolve(passphraseFile: passphraseFile)
            try KeyFileRewrap.changeProtection(path: keyFile, current: current) {
                try checkedNewProtection(unprotected: unprotected, passphraseFile: newPassphraseFile, keyPath: keyFile, force: force)
            }
            print("\(keyFile): \(what): passphrase " + (unprotected ? "removed" : "changed"))
        }
    }
}
