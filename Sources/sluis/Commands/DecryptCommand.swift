import ArgumentParser
import SluisCore
import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// `sluis decrypt -i IDENTITY.key [-o OUT] [IN]`: checks and decrypts a sluis encrypted file.
///
/// No unverified plaintext is released: with `-o` the plaintext goes to a temporary file beside
/// OUT that is renamed only after the final chunk verified (removed on failure). To standard
/// output, `--buffer-until-verified` holds the plaintext in a private, already-unlinked temporary
/// file and copies it out only after verification; without it plaintext streams out chunk by
/// chunk and a failure ends with a message that the output must be discarded.
struct DecryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt", abstract: "Decrypt a file with an identity",
        discussion: "IN and OUT default to standard input and output ('-' means the same). "
            + "Exit 4 when the file is not for this identity, was changed, truncated or extended, or the passphrase is wrong.")

    @Option(name: [.customShort("i"), .customLong("identity")], help: "The identity's secret key file (NAME.key).")
    var identity: String
    @Flag(name: .long, help: "Replace an existing output file (atomically) instead of refusing it.")
    var force = false
    @Option(name: .shortAndLong, help: "The plaintext file to write (appears only after full verification).")
    var output: String?
    @Flag(help: "When writing to standard output, release nothing until the whole file verified (uses a private temporary file).")
    var bufferUntilVerified = false
    @Option(help: "Read the identity's passphrase from this file (mode 0600).")
    var passphraseFile: String?
    @Argument(help: "The encrypted file (default: standard input).")
    var input: String?

    func run() throws {
        try reportingErrors {
            let me = try Identity.load(path: identity, passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
            let name = (input ?? "-") == "-" ? "<stdin>" : (input ?? "-")
            let source = try FileInput(path: input ?? "-")
            if let output, output != "-" {
                try StreamCopy.withOutput(output, mode: 0o600, replacing: force) { out in
                    // Decrypt on this core, write on the other; the file is committed only after the final tag.
                    let pipelined = PipelinedSink(forwardingTo: out)
                    try ErrorInFile.naming(name) { _ = try StreamDecryptor.decrypt(from: source, identity: me, into: pipelined) }
                }
            } else if bufferUntilVerified {
                let spool = try PrivateSpool()
                try ErrorInFile.naming(name) { _ = try StreamDecryptor.decrypt(from: source, identity: me, into: spool.output) }
                try spool.copy(to: FileOutput.standardOutput())
            } else {
                let out = FileOutput.standardOutput()
                do {
                    try ErrorInFile.naming(name) { _ = try StreamDecryptor.decrypt(from: source, identity: me, into: out) }
                } catch let error as ErrorInFile {
                    try? out.flush()
                    printError("sluis: \(error.description)")
                    printError("sluis: the plaintext already written to standard output is NOT verified: discard it "
                        + "(use -o FILE or --buffer-until-verified to release nothing on failure)")
                    throw ExitCode(error.category.rawValue)
                }
            }
        }
    }
}

/// A private temporary file (mode 0600, unlinked at once so nothing is left behind even on a crash)
/// that holds verified-later plaintext until it may be released.
final class PrivateSpool {
    let fd: Int32
    let output: FileOutput

    init() throws {
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((dir + "/.sluis-spool-XXXXXX").utf8CString)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: the template is a non-empty C string, so it has a base address.
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw IOError.cannotCreate(path: dir, errno: errno) }
        // swift-format-ignore: NeverForceUnwrap
        // Safe: the template is a non-empty C string, so it has a base address.
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
        self.output = FileOutput(fd: fd, path: "<temporary file>", ownsDescriptor: true)
    }

    /// Copies everything spooled to `sink` and finishes it.
    func copy(to sink: FileOutput) throws {
        try output.flush()
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw IOError.readFailed(path: "<temporary file>", errno: errno) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: StreamCopy.bufferByteCount, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 { if errno == EINTR { continue }; throw IOError.readFailed(path: "<temporary file>", errno: errno) }
            if n == 0 { break }
            try sink.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        try sink.flush()
    }
}
