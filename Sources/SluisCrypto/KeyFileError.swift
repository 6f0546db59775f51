import SluisCore
import SluisIO

/// Why a key file, a public key or a passphrase could not be used. Cases carry paths, line numbers,
/// modes and fingerprints — never a key, a passphrase or any byte of a secret.
public enum KeyFileError: SluisError, Equatable, Sendable {
    /// A key or passphrase file that cannot be opened (missing, no permission).
    case cannotOpen(path: String, reason: String)
    /// A secret key file (or passphrase file) that group or others may read.
    case permissionsTooOpen(path: String, mode: UInt32)
    /// A secret key file (or passphrase file) owned by another user than the one running sluis (or root).
    case notOwned(path: String, owner: UInt32)
    /// Not a sluis key file at all.
    case notAKeyFile(path: String)
    /// A sluis key file of a kind this build does not read.
    case unsupportedVersion(path: String)
    /// A line is missing, out of order or malformed.
    case malformed(path: String, line: Int, expected: String)
    /// A secret key file of the other kind (an identity where a project key was asked for, or back).
    case wrongKind(path: String, found: String, expected: String)
    /// The public key text is not a sluis public key.
    case notAPublicKey(source: String)
    /// The Argon2id cost in the file is above what sluis accepts.
    case costTooHigh(path: String)
    /// The passphrase does not open the file (or the file was altered).
    case wrongPassphrase(path: String)
    /// The secret in the file does not match its public part: the file was altered.
    case inconsistent(path: String)
    /// No passphrase could be obtained without a terminal.
    case noTerminalForPassphrase
    /// The two passphrases typed on creation differ.
    case passphrasesDiffer
    /// An empty passphrase.
    case emptyPassphrase(source: String)
    /// Argon2id could not run (memory).
    case keyDerivationFailed(path: String)
    /// A project id that is empty, too long, has characters outside A–Z a–z 0–9 . _ -, or does not start with a letter or digit.
    case invalidProjectId
    /// A comment with a line break or control characters, or longer than 200 bytes.
    case invalidComment

    /// Opens a key-related file, reporting a failure as a configuration error (exit 2), not I/O.
    static func opening(_ path: String) throws -> FileInput {
        do { return try FileInput(path: path) } catch let IOError.cannotOpen(_, code) {
            throw KeyFileError.cannotOpen(path: path, reason: errnoText(code))
        }
    }

    /// Opens a secret key or passphrase file through `SecretFile` (checked on the open descriptor),
    /// reporting a failure to open as a configuration error. Its permissions are judged separately
    /// (`requirePrivate`), so a public key given by mistake can be named as such first.
    static func openingSecret(_ path: String) throws -> SecretFile {
        do { return try SecretFile(path: path) } catch let IOError.cannotOpen(_, code) {
            throw KeyFileError.cannotOpen(path: path, reason: errnoText(code))
        } catch IOError.notARegularFile {
            throw KeyFileError.cannotOpen(path: path, reason: "not a regular file")
        }
    }

    /// Refuses a secret file that group or others may read, or that another user owns.
    static func requirePrivate(_ file: SecretFile) throws {
        switch file.exposure {
        case let .secretFileExposed(path, mode)?: throw KeyFileError.permissionsTooOpen(path: path, mode: mode)
        case let .secretFileNotOwned(path, owner)?: throw KeyFileError.notOwned(path: path, owner: owner)
        case let other?: throw other
        case nil: return
        }
    }

    /// A wrong passphrase or an inconsistent key is verification (exit 4); a missing, unreadable or unsafe key file is usage (exit 2).
    public var category: FailureCategory {
        switch self {
        case .wrongPassphrase, .inconsistent: return .verification
        default: return .usage
        }
    }

    /// One line naming the key file and what to do; never key material or a passphrase.
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open key file \(path): \(reason)"
        case let .permissionsTooOpen(path, mode):
            return "refusing to use \(path): group or others may read it (mode \(String(mode, radix: 8))); "
                + "run 'chmod 600 \(path)' and keep it private"
        case let .notOwned(path, owner):
            return "refusing to use \(path): it is owned by user \(owner), not by the user running sluis; "
                + "a secret file must belong to whoever uses it (chown it)"
        case let .notAKeyFile(path):
            return "\(path) is not a sluis key file"
        case let .unsupportedVersion(path):
            return "\(path) is a sluis key file of a version this build does not read; upgrade sluis"
        case let .malformed(path, line, expected):
            return "\(path):\(line): malformed key file (expected \(expected)); the file is damaged or was edited"
        case let .wrongKind(path, found, expected):
            return "\(path) is \(found), but \(expected) is needed here"
        case let .notAPublicKey(source):
            return "\(source) is not a sluis public key (expected one line 'sluis-pub-v1 <base64 key> [comment]')"
        case let .costTooHigh(path):
            return "\(path) asks for more passphrase-hashing work than sluis allows "
                + "(at most \(Argon2Cost.maximum.opsLimit) passes over \(Argon2Cost.maximum.memLimitBytes >> 20) MiB); "
                + "refusing, because a crafted file could make this take minutes and gigabytes"
        case let .wrongPassphrase(path):
            return "wrong passphrase for \(path) (or the file was altered)"
        case let .inconsistent(path):
            return "\(path) is inconsistent: its secret does not match its public part; the file was altered"
        case .noTerminalForPassphrase:
            return "a passphrase is needed but standard input is not a terminal; "
                + "use --passphrase-file FILE or set SLUIS_PASSPHRASE_FILE"
        case .passphrasesDiffer:
            return "the two passphrases differ; nothing was written"
        case let .emptyPassphrase(source):
            return "the passphrase from \(source) is empty"
        case let .keyDerivationFailed(path):
            return "cannot derive the key for \(path): not enough memory for Argon2id"
        case .invalidProjectId:
            return "invalid project id: use 1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit"
        case .invalidComment:
            return "invalid comment: use at most 200 bytes of printable text on one line"
        }
    }
}
