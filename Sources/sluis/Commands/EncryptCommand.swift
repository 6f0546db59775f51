import ArgumentParser
import SluisCore
import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// `sluis encrypt -r RECIPIENT.pub [-r …] [-o OUT] [IN]`: streams IN (or stdin) into the sluis
/// encrypted file format; `-o` writes atomically (nothing appears unless all of it was written).
struct EncryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt", abstract: "Encrypt a file for one or more recipients",
        discussion: "IN and OUT default to standard input and output ('-' means the same).")

    @Option(name: [.customShort("r"), .customLong("recipient")],
            help: "A recipient: a .pub file or the one-line key text 'sluis-pub-v1 …'. Repeat for several.")
    var recipients: [String] = []
    @Flag(name: .long, help: "Replace an existing output file (atomically) instead of refusing it.")
    var force = false
    @Option(name: .shortAndLong, help: "The encrypted file to write (default: standard output).")
    var output: String?
    @Argument(help: "The file to encrypt (default: standard input).")
    var input: String?

    func run() throws {
        try reportingErrors {
            guard !recipients.isEmpty else { throw UsageError("give at least one recipient with -r RECIPIENT.pub") }
            let keys = try recipients.map { arg in
                arg.hasPrefix(Recipient.textPrefix + " ") ? try Recipient(parsing: arg) : try Recipient(contentsOfFile: arg)
            }
            let source = try FileInput(path: input ?? "-")
            try StreamCopy.withOutput(output, refuseTerminal: true, replacing: force) { out in
                let sink = try EncryptingSink(recipients: keys, output: out)
                try StreamCopy.copy(from: source, to: sink)
                try sink.finish()
            }
        }
    }
}

/// Shared plumbing of the streaming commands.
enum StreamCopy {
    static let bufferByteCount = 1 << 20

    /// Copies a source into a sink through one reused buffer (does not finish the sink).
    static func copy(from source: any ByteSource, to sink: any ByteSink) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferByteCount, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = try source.readFully(into: buffer)
            if n == 0 { return }
            try sink.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Runs `body` with the output sink: an `AtomicFile` committed only when `body` succeeds, or
    /// standard output for nil / `-`.
    static func withOutput(_ path: String?, mode: mode_t = 0o644, refuseTerminal: Bool = false, replacing: Bool = false,
                           _ body: (any ByteSink) throws -> Void) throws {
        if let path, path != "-" {
            var st = stat()
            if stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
                throw UsageError("\(path) is not a regular file; to write to a device or pipe, use standard output and a redirect")
            }
            let file = try AtomicFile(path: path, mode: mode, overwrite: replacing)
            do {
                try body(file)
                try file.finish()
                try file.commit()
            } catch {
                file.discard()
                throw error
            }
        } else {
            if refuseTerminal && isatty(1) == 1 {
                throw UsageError("refusing to write encrypted bytes to a terminal; use -o FILE or redirect the output")
            }
            let out = FileOutput.standardOutput()
            try body(out)
            try out.flush()
        }
    }
}

/// An error that happened while reading a named file: prefixes the file to the message.
struct ErrorInFile: SluisError {
    let path: String
    let underlying: any SluisError
    var category: FailureCategory { underlying.category }
    var description: String { "\(path): \(underlying.description)" }

    /// Runs `body`, naming `path` in any stream-format error it throws.
    static func naming<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as EncryptedFileError { throw ErrorInFile(path: path, underlying: e) }
    }
}
