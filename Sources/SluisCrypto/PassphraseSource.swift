#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SluisIO

/// Where a passphrase comes from: `--passphrase-file F` > env `SLUIS_PASSPHRASE_FILE` > terminal.
///
/// The terminal is used only when standard input is one (never a prompt a scheduled job could
/// hang on); the passphrase is read with echo off (termios) and lives only in `SecretBytes`.
/// A passphrase file must not be readable by group or others, like a secret key file.
public enum PassphraseSource: Sendable {
    case terminal
    case file(path: String)
    /// A passphrase already in memory (programmatic use, tests).
    case given(SecretBytes)

    /// Names a file holding the passphrase, for unattended runs (the passphrase itself never goes in the environment).
    public static let environmentVariable = "SLUIS_PASSPHRASE_FILE"
    static let maximumByteCount = 1024

    /// The source the shared convention names: the flag, else the environment variable, else the terminal.
    public static func resolve(passphraseFile: String?) -> PassphraseSource {
        if let f = passphraseFile, !f.isEmpty { return .file(path: f) }
        if let env = getenv(environmentVariable), env.pointee != 0 { return .file(path: String(cString: env)) }
        return .terminal
    }

    /// Obtains the passphrase; on the terminal asks `prompt`, and asks twice when `confirm`.
    public func passphrase(prompt: String, confirm: Bool) throws -> SecretBytes {
        switch self {
        case let .given(secret):
            guard secret.count > 0 else { throw KeyFileError.emptyPassphrase(source: "the caller") }
            return secret
        case let .file(path):
            return try Self.readFile(path)
        case .terminal:
            guard isatty(0) == 1 else { throw KeyFileError.noTerminalForPassphrase }
            let first = try Self.readTerminal(prompt: prompt + ": ")
            if confirm {
                let second = try Self.readTerminal(prompt: "repeat the passphrase: ")
                guard first.constantTimeEquals(second) else { throw KeyFileError.passphrasesDiffer }
            }
            return first
        }
    }

    /// Reads a passphrase file: its bytes minus one trailing line break.
    static func readFile(_ path: String) throws -> SecretBytes {
        // Opened once: the mode and owner are checked on this descriptor and the bytes read from it.
        let file = try KeyFileError.openingSecret(path)
        try KeyFileError.requirePrivate(file)
        var bytes = try file.readAll(limitByteCount: maximumByteCount)
        defer { bytes.withUnsafeMutableBytes { Sodium.zero($0) } }
        var n = bytes.count
        if n > 0, bytes[n - 1] == 10 { n -= 1; if n > 0, bytes[n - 1] == 13 { n -= 1 } }
        guard n > 0 else { throw KeyFileError.emptyPassphrase(source: path) }
        return SecretBytes(copying: bytes[0..<n])
    }

    /// Reads one line from standard input (a terminal) with echo switched off.
    static func readTerminal(prompt: String) throws -> SecretBytes {
        var saved = termios()
        let haveTerminal = tcgetattr(0, &saved) == 0
        if haveTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            quiet.c_lflag |= tcflag_t(ICANON)
            tcsetattr(0, TCSAFLUSH, &quiet)
        }
        // The prompt only once echo is off and input typed ahead is flushed: whatever is typed
        // after the prompt appears is read, and none of it is echoed.
        writeStandardError(prompt)
        defer {
            if haveTerminal { var s = saved; tcsetattr(0, TCSAFLUSH, &s) }
            writeStandardError("\n")
        }
        let buffer = SecretBytes(count: maximumByteCount)
        var length = 0
        try buffer.withUnsafeMutableBytes { b in
            var byte: UInt8 = 0
            while true {
                let r = read(0, &byte, 1)
                if r < 0 { if errno == EINTR { continue }; throw IOError.readFailed(path: "<terminal>", errno: errno) }
                if r == 0 || byte == 10 { break }
                if byte == 13 { continue }
                if length < b.count { b[length] = byte; length += 1 }
            }
            byte = 0
        }
        guard length > 0 else { throw KeyFileError.emptyPassphrase(source: "the terminal") }
        let out = SecretBytes(count: length)
        out.withUnsafeMutableBytes { o in buffer.withUnsafeBytes { o.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<length])) } }
        return out
    }

    private static func writeStandardError(_ s: String) {
        var text = s
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

/// Argon2id cost parameters: what new keys use and the cap applied when reading a file.
public struct Argon2Cost: Equatable, Sendable {
    /// Argon2id passes.
    public var opsLimit: UInt64
    /// Argon2id memory in bytes.
    public var memLimitBytes: UInt64

    /// libsodium's MODERATE setting (3 passes, 256 MiB, ~0.3 s): the setting new keys use.
    public static let moderate = Argon2Cost(opsLimit: 3, memLimitBytes: 256 << 20)
    /// The most a file may ask for (~2 s, 512 MiB); more is refused before any work is done.
    public static let maximum = Argon2Cost(opsLimit: 10, memLimitBytes: 512 << 20)
    /// The least libsodium accepts; only for fast tests of the file format.
    static let minimumForTests = Argon2Cost(opsLimit: 1, memLimitBytes: 8192)

    /// True when the cost is within what libsodium accepts and no more than `maximum`: a key file cannot make a reader spend unbounded time or memory.
    public var isWithinCap: Bool {
        opsLimit >= 1 && opsLimit <= Self.maximum.opsLimit && memLimitBytes >= 8192 && memLimitBytes <= Self.maximum.memLimitBytes
    }
}
