import ArgumentParser
import Foundation
import SluisCore
import SluisCrypto
import SluisPipeline
import SluisUpload

/// `sluis upload`: the researcher's door into the secure environment (docs/upload.md). Sends
/// sealed packages to `sluis serve` (or any tus 1.0 server that speaks sluis tokens); `token`
/// prints a token for other tus clients.
struct UploadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload sealed packages to the intake's server (resumable, checked, with a signed receipt).",
        subcommands: [Send.self, UploadTokenCommand.self],
        defaultSubcommand: Send.self)

    /// `sluis upload PACKAGE… --to URL`.
    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send",
            abstract: "Upload sealed packages (the default: `sluis upload PACKAGE… --to URL`).",
            discussion: "Each request carries a fresh token signed by your identity. An interrupted upload (network drop, "
                + "Ctrl-C, kill -9) continues from the server's offset when the same command is run again; the upload "
                + "URLs are remembered in $SLUIS_STATE_DIR, else $XDG_STATE_HOME/sluis/uploads, else "
                + "~/.local/state/sluis/uploads. The server's signed receipt is kept beside each package as "
                + "PACKAGE.receipt.json, and a package with a receipt is not sent again. Exit codes: 0 all uploaded, "
                + "2 usage, 3 not a sealed package or too large, 4 refused (untrusted key or certificate, failed "
                + "verification, bad receipt), 5 the server could not be reached or a file not read or written.")

        @Argument(help: "Sealed package files (made by 'sluis seal').") var packages: [String]
        @Option(name: .long, help: "The server's tus endpoint, e.g. https://intake.example.org/files/.") var to: String
        @Option(name: .long, help: "Your identity (secret key file); default: \"sign\" in pipeline.json.") var identity: String?
        @Option(name: [.customShort("c"), .long], help: "pipeline.json to take \"sign\" from.") var config: String = "pipeline.json"
        @Option(name: .long, help: "Passphrase file for the identity.") var passphraseFile: String?
        @Option(name: .long, help: "The server's name (serverName in its serve.json); default: the host of --to.") var audience: String?
        @Option(name: .long, help: "PEM file of the CA that signed the server's certificate (a private CA).") var cacert: String?
        @Option(name: .long, help: "The server's public key file: receipts must verify with it.") var serverKey: String?
        @Option(name: [.customShort("j"), .long], help: "Packages uploaded at once (1–16).") var jobs: Int = 3
        @Option(name: .long, help: "Failed requests in a row before giving up on a package.") var retries: Int = 8
        @Option(name: .long, help: ArgumentHelp("Bytes per PATCH request.", visibility: .hidden)) var chunkSize: Int?
        @Flag(name: [.customShort("q"), .long], help: "No progress and no summary lines (errors only).") var quiet = false
        @Flag(name: .long, help: "Print the summary as JSON on stdout.") var json = false

        func run() throws {
            try reportingErrors {
                guard (1...16).contains(jobs) else { throw UsageError("--jobs must be between 1 and 16") }
                guard (1...100).contains(retries) else { throw UsageError("--retries must be between 1 and 100") }
                if let chunkSize { guard chunkSize >= 1024 && chunkSize <= 256 << 20 else { throw UsageError("--chunk-size must be between 1 KiB and 256 MiB") } }
                guard let audience = audience ?? URL(string: to)?.host, !audience.isEmpty else {
                    throw UsageError("--to \(to) is not an http:// or https:// address")
                }
                var seen = Set<String>()
                let paths = packages.filter { seen.insert($0).inserted }
                for path in paths { try SealedPackage.check(path: path) }
                let serverRecipient = try serverKey.map { try Recipient(contentsOfFile: $0) }
                let signer = try Identity.load(path: try identityPath(), passphrase: PassphraseSource.resolve(passphraseFile: passphraseFile))
                // Last: from here on nothing throws before the client is shut down.
                let client = try TusClient(endpoint: to, caCertificatePath: cacert)
                let progress = UploadProgress(enabled: !quiet && !json && UploadProgress.terminalWanted())
                let uploader = PackageUploader(
                    client: client, identity: signer, audience: audience, serverKey: serverRecipient,
                    state: UploadStateStore(directory: UploadStateStore.defaultDirectory()),
                    options: .init(chunkByteCount: chunkSize ?? 64 << 20, adaptiveChunks: chunkSize == nil, retry: RetryPolicy(maximumAttempts: retries)), progress: progress)
                let session = UploadSession(uploader: uploader, concurrency: jobs)
                let start = Date()
                let items = blocking {
                    let items = await session.run(paths: paths)
                    await client.shutdown()
                    return items
                }
                progress.finish()
                try report(items, seconds: Date().timeIntervalSince(start), sent: progress.bytesSentThisRun)
            }
        }

        private func identityPath() throws -> String {
            if let identity { return identity }
            let pipeline = try LoadedPipeline.load(path: config)
            guard let p = pipeline.signingKeyPath else { throw UsageError("no identity: give --identity or \"sign\" in \(config)") }
            return p
        }

        /// Prints what happened to each package and throws the exit code of the first failure.
        private func report(_ items: [UploadSession.Item], seconds: Double, sent: Int64) throws {
            var firstFailure: (any SluisError)?
            var summaries: [Summary.Package] = []
            for item in items {
                switch item {
                case let .done(r):
                    summaries.append(.init(path: r.package.path, status: r.outcome.rawValue, packageId: r.package.packageId,
                                           sha256: r.package.sha256Hex, bytes: r.package.byteCount, resumedFromByte: r.resumedFromByte,
                                           receipt: r.receiptPath, receivedAt: r.receipt.receipt.receivedAt,
                                           receiptSignatureChecked: r.receipt.signatureChecked, error: nil))
                    if !quiet && !json {
                        let how = r.outcome == .alreadyUploaded ? "already uploaded"
                            : r.outcome == .resumed ? "uploaded (resumed at byte \(r.resumedFromByte))" : "uploaded"
                        print("\(r.package.path): \(how), \(r.package.byteCount) bytes; receipt \(r.receiptPath)")
                    }
                case let .failed(path, error):
                    printError("sluis: \(error.description)")
                    if firstFailure == nil { firstFailure = error }
                    summaries.append(.init(path: path, status: "failed", packageId: nil, sha256: nil, bytes: nil, resumedFromByte: nil,
                                           receipt: nil, receivedAt: nil, receiptSignatureChecked: nil, error: error.description))
                }
            }
            if json {
                printJSON(Summary(server: to, packages: summaries, bytesSent: max(sent, 0), milliseconds: Int((seconds * 1000).rounded())))
            }
            if let firstFailure { throw ExitCode(firstFailure.category.rawValue) }
        }

        /// The `--json` summary.
        struct Summary: Encodable {
            struct Package: Encodable {
                var path: String
                var status: String
                var packageId: String?
                var sha256: String?
                var bytes: UInt64?
                var resumedFromByte: UInt64?
                var receipt: String?
                var receivedAt: String?
                var receiptSignatureChecked: Bool?
                var error: String?
            }
            var server: String
            var packages: [Package]
            var bytesSent: Int64
            var milliseconds: Int
        }
    }
}

/// Runs async work from a synchronous command (the root command is synchronous) and waits for it.
private func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = BlockingBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        box.value = await body()
        done.signal()
    }
    done.wait()
    guard let value = box.value else { preconditionFailure("the task signalled before storing its result") }
    return value
}

private final class BlockingBox<T>: @unchecked Sendable { var value: T? }
