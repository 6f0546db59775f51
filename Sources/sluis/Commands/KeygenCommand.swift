import ArgumentParser
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisLink

/// `sluis keygen identity|pseudonym`: makes key files (docs/format.md, "Keys").
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Make an identity or a project pseudonym key",
        subcommands: [KeygenIdentityCommand.self, KeygenPseudonymCommand.self])
}

/// `sluis keygen identity -o NAME`: writes NAME.pub (one line to share) and NAME.key (secret, 0600).
struct KeygenIdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Make an identity: NAME.pub to share, NAME.key to keep (passphrase-protected)")

    @Option(name: .shortAndLong, help: "Base name: writes NAME.pub and NAME.key.")
    var output: String
    @Option(help: "A label stored in the public key (a name or e-mail address).")
    var comment: String?
    @Flag(help: "Write the secret key WITHOUT passphrase protection (demos and tests only).")
    var unprotected = false
    @Option(help: "Read the new passphrase from this file (mode 0600) instead of the terminal.")
    var passphraseFile: String?
    @Flag(help: "Accept a passphrase shorter than 12 characters.")
    var force = false

    func run() throws {
        try reportingErrors {
            let pubPath = output + ".pub", keyPath = output + ".key"
            for p in [pubPath, keyPath] where FileSystem.exists(p) { throw IOError.alreadyExists(path: p) }
            let identity = try Identity.generate(comment: comment)
            let protection = try newKeyProtection(unprotected: unprotected, passphraseFile: passphraseFile, keyPath: keyPath, force: force)
            try identity.write(secretKeyFile: keyPath, protection: protection)
            do {
                try identity.write(publicKeyFile: pubPath)
            } catch {
                FileSystem.removeTree(keyPath)
                throw error
            }
            print("wrote \(pubPath) (share it) and \(keyPath) (keep it private)")
            print("fingerprint: \(identity.recipient.fingerprint)")
        }
    }
}

/// `sluis keygen pseudonym --project ID -o FILE`: a project's pseudonym key in a secret key file.
struct KeygenPseudonymCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudonym", abstract: "Make a project pseudonym key (32 random bytes, project id, key id)")

    @Option(help: "The project id (1-64 characters: A-Z a-z 0-9 . _ -).")
    var project: String
    @Option(name: .shortAndLong, help: "The key file to write (mode 0600; never overwritten).")
    var output: String
    @Flag(help: "Write the key WITHOUT passphrase protection (demos and tests only).")
    var unprotected = false
    @Option(help: "Read the new passphrase from this file (mode 0600) instead of the terminal.")
    var passphraseFile: String?
    @Flag(help: "Accept a passphrase shorter than 12 characters.")
    var force = false
    @Option(help: "Make a key whose pseudonyms are free of collisions over this register (CSV, as for sluis link); retries with a new key when needed.")
    var checkRegister: String?
    @Option(help: "The pseudonym rendering the project uses, for --check-register (default decimal:17).")
    var rendering: String?
    @Option(help: "A register column name for --check-register, as ROLE=NAME (roles: bsn rinpersoons rinpersoon sex birthdate postcode housenumber).")
    var registerColumn: [String] = []

    func run() throws {
        try reportingErrors {
            if FileSystem.exists(output) { throw IOError.alreadyExists(path: output) }
            var key = try ProjectKey.generate(projectId: project)
            if let register = checkRegister {
                guard let rendering = PseudonymRendering(parsing: rendering ?? "decimal:17") else {
                    throw UsageError("--rendering must be decimal:N or hex:N")
                }
                // Only the domains the register has the columns for: a BSN-only register checks BSN pseudonyms.
                let columns = try LinkCommand.registerColumns(registerColumn, over: RegisterColumns())
                var domains = columns.domainsAvailable(in: try CSVReader(path: register).columnNames)
                if domains.isEmpty { domains = [LinkDomains.bsn] }  // the check names the missing column
                var attempts = 1
                while let collision = try checkRegisterForCollisions(register: CSVReader(path: register), projectKey: key.secret,
                                                                     projectId: project, rendering: rendering,
                                                                     columns: columns, domains: domains) {
                    guard attempts < 20 else {
                        throw UsageError("20 keys in a row collide over \(register) (last: \(collision)); use a wider rendering")
                    }
                    printError("sluis: key \(attempts) gives colliding pseudonyms (\(collision)); trying a new key")
                    key = try ProjectKey.generate(projectId: project)
                    attempts += 1
                }
                print("checked: no pseudonym collisions over \(register) (\(rendering); \(domains.map(\.label).joined(separator: ", ")))")
            }
            let protection = try newKeyProtection(unprotected: unprotected, passphraseFile: passphraseFile, keyPath: output, force: force)
            try key.write(secretKeyFile: output, protection: protection)
            print("wrote \(output) (keep it private)")
            print("project: \(key.projectId)")
            print("key id: \(key.keyId)")
        }
    }
}

/// The protection for a new key: a passphrase (asked twice on a terminal) or, with a loud warning, none.
/// A passphrase shorter than 12 characters is refused unless `force`.
func newKeyProtection(unprotected: Bool, passphraseFile: String?, keyPath: String, force: Bool = false) throws -> KeyProtection {
    if unprotected {
        printError("sluis: WARNING: \(keyPath) is NOT protected by a passphrase: anyone who can read it can use it. "
            + "Use unprotected keys only for demos and tests.")
        return .none
    }
    let source = PassphraseSource.resolve(passphraseFile: passphraseFile)
    let words = try source.passphrase(prompt: "new passphrase for \(keyPath)", confirm: true)
    try refuseShortPassphrase(words, force: force)
    return .passphrase(words)
}
