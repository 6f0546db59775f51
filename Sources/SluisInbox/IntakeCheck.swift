import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisLink
#if canImport(Glibc)
import Glibc
#endif

/// Validates, before any package is touched, everything a run of `sluis inbox` will need
/// (docs/intake.md, "Checking the set-up"), and creates the folders for `--init`.
///
/// A typo in a folder path must be a configuration error naming its JSON path — never a folder
/// created in the wrong place and a run that quietly reports "0 delivered". So runs never create
/// the five folders; `sluis inbox --init` does, with the documented modes.
public enum IntakeCheck {
    /// The folders of intake.json with their JSON paths and documented modes. The inbox is shared
    /// with the upload service's group (setgid, group may rename out of it); the delivery folder is
    /// read by the project environment's group; the rest is the job's alone.
    public static func folders(_ config: IntakeConfig) -> [(jsonPath: String, path: String, mode: mode_t)] {
        [("inbox", config.inbox, 0o2770), ("work", config.work, 0o700), ("delivery", config.delivery, 0o750),
         ("archive", config.archive, 0o700), ("quarantine", config.quarantine, 0o700),
         ("auditLog", splitPath(config.auditLog).directory, 0o750)]
    }

    /// Permission bits a folder must not have: nobody else may read the job's folders, and no
    /// folder may be writable or readable by others.
    static func forbiddenBits(jsonPath: String) -> mode_t {
        switch jsonPath {
        case "work", "archive", "quarantine": return 0o077
        case "inbox": return 0o007
        default: return 0o027
        }
    }

    /// Creates every folder that does not exist yet with its documented mode (`--init`), and
    /// reports what it did. Existing folders are left as they are (and then checked).
    public static func initialise(_ config: IntakeConfig) throws -> [String] {
        var created: [String] = []
        for folder in folders(config) where !FileSystem.isDirectory(folder.path) {
            try FileSystem.makeDirectories(splitPath(folder.path).directory, mode: 0o755)
            guard mkdir(folder.path, 0o700) == 0 else { throw IOError.cannotCreate(path: folder.path, errno: errno) }
            guard chmod(folder.path, folder.mode) == 0 else { throw IOError.cannotCreate(path: folder.path, errno: errno) }
            created.append(folder.path)
        }
        return created
    }

    /// The checks every run makes at its start; cheap (no key is unlocked).
    public static func checkLayout(_ config: IntakeConfig) throws {
        func fail(_ jsonPath: String, _ problem: String) -> InboxError { .config(path: config.path, jsonPath: jsonPath, problem: problem) }
        var device: dev_t?
        for folder in folders(config) {
            var st = stat()
            guard lstat(folder.path, &st) == 0 else {
                throw fail(folder.jsonPath, "folder \(folder.path) does not exist (a typo? 'sluis inbox --init' creates the folders)")
            }
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw fail(folder.jsonPath, "\(folder.path) is not a folder (or is a symbolic link)") }
            if st.st_mode & forbiddenBits(jsonPath: folder.jsonPath) != 0 {
                throw fail(folder.jsonPath, "folder \(folder.path) has mode \(String(st.st_mode & 0o7777, radix: 8)); "
                           + "expected \(String(folder.mode, radix: 8)) (chmod it; docs/intake.md, \"Running it\")")
            }
            guard access(folder.path, R_OK | W_OK | X_OK) == 0 else {
                throw fail(folder.jsonPath, "folder \(folder.path) is not readable and writable by this user")
            }
            if folder.jsonPath == "auditLog" { continue }
            if let device, device != st.st_dev {
                throw fail(folder.jsonPath, "folder \(folder.path) is on another file system than the inbox; "
                           + "every hand-over is an atomic rename, so inbox, work, delivery, archive and quarantine must share one")
            }
            device = st.st_dev
        }
        try checkFile(config.identity, config, "identity", secret: true)
        if let p = config.passphraseFile { try checkFile(p, config, "passphraseFile", secret: true) }
        for project in config.projects.values.sorted(by: { $0.id < $1.id }) {
            let prefix = "projects.\(project.id)."
            for (i, t) in project.trust.enumerated() { try checkFile(t, config, prefix + "trust[\(i)]", secret: false) }
            try checkFile(project.pseudonymKey, config, prefix + "pseudonymKey", secret: true)
            if let p = project.pseudonymKeyPassphraseFile { try checkFile(p, config, prefix + "pseudonymKeyPassphraseFile", secret: true) }
            try checkFile(project.surrogateKey, config, prefix + "surrogateKey", secret: true)
            try checkFile(project.register, config, prefix + "register", secret: false)
            try checkRegisterColumns(project, config)
        }
    }

    /// Unlocks every key (Argon2id) with its passphrase file, as a run with a package would:
    /// for `--check`, so a wrong passphrase is found before the first upload arrives.
    /// Every failure is a configuration error (exit 2), a wrong passphrase included.
    public static func checkKeys(_ config: IntakeConfig) throws {
        func unwrap(_ error: any Error) -> any Error { (error as? IntakeFault.Raised)?.underlying ?? error }
        do {
            _ = try Identity.load(path: config.identity, passphrase: PassphraseSource.resolve(passphraseFile: config.passphraseFile))
        } catch {
            throw InboxError.config(path: config.path, jsonPath: "identity", problem: IntakeFault.message(error))
        }
        for project in config.projects.values.sorted(by: { $0.id < $1.id }) {
            do { _ = try ProjectResources.prepare(project, config: config) } catch {
                let inner = unwrap(error)
                if let e = inner as? InboxError, case .config = e { throw e }
                throw InboxError.config(path: config.path, jsonPath: "projects.\(project.id)", problem: IntakeFault.message(inner))
            }
        }
    }

    /// The file named at `jsonPath` exists, is a regular file this user can read and, when `secret`,
    /// passes `SecretFile`'s checks — made on the opened file, as every later read of it is.
    static func checkFile(_ path: String, _ config: IntakeConfig, _ jsonPath: String, secret: Bool) throws {
        func fail(_ problem: String) -> InboxError { .config(path: config.path, jsonPath: jsonPath, problem: problem) }
        do {
            let file = try SecretFile(path: path)
            if secret { try file.requirePrivate() }
        } catch let error as IOError {
            switch error {
            case .cannotOpen(_, ENOENT), .notARegularFile: throw fail("file \(path) does not exist")
            case .cannotOpen(_, EACCES): throw fail("\(path) is not readable by this user")
            case let .secretFileExposed(_, mode):
                throw fail("\(path) has mode \(String(mode, radix: 8)); a secret file must be 0600 (chmod 600 it)")
            case let .secretFileNotOwned(_, owner):
                throw fail("\(path) belongs to user \(owner); a secret file must belong to the user running the job (chown it)")
            default: throw fail(error.description)
            }
        }
    }

    /// The register's header has the columns linking needs: RINPERSOONS and RINPERSOON, and a
    /// BSN column or all four demographic columns (the domains a package can be linked on).
    static func checkRegisterColumns(_ project: IntakeConfig.Project, _ config: IntakeConfig) throws {
        let columns = try ProjectLinker.checkSettings(of: project, configPath: config.path).register?.columns ?? RegisterColumns()
        let jsonPath = "projects.\(project.id).register"
        let header: Set<String>
        do { header = Set(try CSVReader(path: project.register).columnNames) } catch {
            throw InboxError.config(path: config.path, jsonPath: jsonPath, problem: "cannot read the register's header: \(IntakeFault.message(error))")
        }
        for (role, name) in [("rinpersoons", columns.rinpersoons), ("rinpersoon", columns.rinpersoon)] where !header.contains(name) {
            throw InboxError.config(path: config.path, jsonPath: jsonPath,
                                    problem: "register \(project.register) has no column '\(name)' (role \(role)); name it in projects.\(project.id).link.register.columns")
        }
        let demographic = [columns.sex, columns.birthdate, columns.postcode, columns.housenumber]
        guard header.contains(columns.bsn) || demographic.allSatisfy(header.contains) else {
            throw InboxError.config(path: config.path, jsonPath: jsonPath,
                                    problem: "register \(project.register) has neither a '\(columns.bsn)' column nor all of "
                                        + demographic.joined(separator: ", ") + "; nothing could be linked")
        }
    }
}
