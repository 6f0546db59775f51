import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import SluisCore
import SluisCrypto
import SluisTransfer
#if canImport(Glibc)
import Glibc
#endif

/// How one package went.
public enum UploadOutcome: String, Sendable, Encodable {
    /// Sent from the first byte.
    case uploaded
    /// Continued from where an earlier run stopped.
    case resumed
    /// A valid receipt for it was already beside it: nothing was sent.
    case alreadyUploaded = "already-uploaded"
}

/// What sending one package came to.
public struct UploadResult: Sendable {
    /// The package sent.
    public let package: SealedPackage
    /// Whether it was sent now, resumed, or already had a receipt.
    public let outcome: UploadOutcome
    /// The server's offset this run started from (0 for a new upload).
    public let resumedFromByte: UInt64
    /// Where its receipt was kept (beside the package).
    public let receiptPath: String
    /// The kept receipt, verified against the server's key when one was given.
    public let receipt: KeptReceipt
}

/// Sends one sealed package to a tus 1.0 server and keeps its receipt: resumes from the server's
/// offset when the state file knows an upload for it, retries network errors and 5xx answers
/// with backoff, checksums every PATCH, and mints a fresh token for every request.
public struct PackageUploader: Sendable {
    /// How a package is sent: chunk size, retries and token lifetime.
    public struct Options: Sendable {
        /// Bytes per PATCH: hashed (while the previous one is sent), then sent as one checksummed
        /// request. Large, because the server fsyncs before it acknowledges each one.
        public var chunkByteCount: Int
        /// How often and how long to retry after network errors and 5xx answers.
        public var retry: RetryPolicy
        /// Each token lives this long; it is minted just before its request, so it never needs more.
        public var tokenLifetime: TimeInterval

        /// Whether later chunks grow (or shrink) so that each takes about `chunkSeconds` at the
        /// rate measured so far, between 16 and 256 MiB: on a fast link few PATCHes (each waits
        /// for the server's fsync), on a slow one little to send again after a broken connection.
        public var adaptiveChunks: Bool
        /// How long an adaptive chunk should take to send, in seconds.
        public static let chunkSeconds = 4.0
        /// The smallest and largest adaptive chunk.
        public static let adaptiveChunkRange = (16 << 20)...(256 << 20)

        /// Options; 64 MiB adaptive chunks, the default retries and two-minute tokens unless told otherwise.
        public init(chunkByteCount: Int = 64 << 20, adaptiveChunks: Bool = true, retry: RetryPolicy = RetryPolicy(),
                    tokenLifetime: TimeInterval = 120) {
            self.chunkByteCount = chunkByteCount
            self.adaptiveChunks = adaptiveChunks
            self.retry = retry
            self.tokenLifetime = tokenLifetime
        }
    }

    let client: TusClient
    let identity: Identity
    /// The server's name, the tokens' `aud`.
    let audience: String
    let receipts: ReceiptKeeper
    let state: UploadStateStore
    let options: Options
    let progress: UploadProgress

    /// An uploader for `client` signing tokens with `identity`; a receipt is checked against `serverKey` when one is given.
    public init(client: TusClient, identity: Identity, audience: String, serverKey: Recipient?, state: UploadStateStore,
                options: Options, progress: UploadProgress) {
        self.client = client
        self.identity = identity
        self.audience = audience
        self.receipts = ReceiptKeeper(server: client.endpoint, audience: audience, serverKey: serverKey)
        self.state = state
        self.options = Options(chunkByteCount: options.chunkByteCount, adaptiveChunks: options.adaptiveChunks, retry: UploadTestHooks.retryPolicy(options.retry),
                               tokenLifetime: options.tokenLifetime)
        self.progress = progress
    }

    /// Uploads `path` (or finds it already uploaded) and returns what happened.
    public func upload(path: String) async throws -> UploadResult {
        let package = try SealedPackage.open(path: path)
        if let kept = receipts.existing(for: package) {
            progress.add(package: package.byteCount, alreadyDone: package.byteCount)
            return UploadResult(package: package, outcome: .alreadyUploaded, resumedFromByte: package.byteCount,
                                receiptPath: ReceiptKeeper.path(for: path), receipt: kept)
        }
        progress.add(package: package.byteCount, alreadyDone: 0)
        let run = Run(uploader: self, package: package)
        var failures = 0
        while true {
            do {
                let text = try await run.attempt { failures = 0 }
                let kept = try receipts.keep(text, for: package)
                state.forget(server: client.endpoint, package: package)
                let start = run.firstOffset ?? 0
                return UploadResult(package: package, outcome: start > 0 ? .resumed : .uploaded, resumedFromByte: start,
                                    receiptPath: ReceiptKeeper.path(for: path), receipt: kept)
            } catch let error as UploadError {
                throw error
            } catch {
                let reason = try classify(error, package: package)
                if reason == .uploadGone { state.forget(server: client.endpoint, package: package) }
                failures += 1
                guard failures < options.retry.maximumAttempts else {
                    throw UploadError.serverUnreachable(server: client.endpoint, attempts: failures)
                }
                // A stale offset or a bad chunk is retried at once (the HEAD that follows fixes it);
                // the rest waits, longer each time.
                if reason == .retryLater { try await options.retry.sleep(beforeAttempt: failures) }
            }
        }
    }

    enum RetryReason { case retryLater, retryNow, uploadGone }

    /// Turns a failed request into a retry reason, or throws the `UploadError` that ends this package.
    func classify(_ error: any Error, package: SealedPackage) throws -> RetryReason {
        let server = client.endpoint
        if let f = error as? TusClient.Failure {
            switch f.status {
            case 0, 408, 423, 429, 500...599: return .retryLater
            case 409, 460: return .retryNow
            case 404, 410: return .uploadGone
            case 401: throw UploadError.unauthorised(server: server)
            case 403: throw UploadError.keyNotTrusted(server: server, fingerprint: identity.recipient.fingerprint, project: package.project)
            case 412: throw UploadError.protocolMismatch(server: server)
            case 413: throw UploadError.tooLarge(path: package.path, server: server)
            case 415: throw UploadError.refusedAsNotAPackage(path: package.path, server: server)
            case 422: throw UploadError.failedVerification(path: package.path, server: server, reason: Self.oneLine(f.body))
            default: throw UploadError.refused(server: server, status: f.status, during: "upload")
            }
        }
        if let tls = error as? NIOSSLError, case .handshakeFailed = tls {
            throw UploadError.untrustedServerCertificate(server: server)
        }
        if let tls = error as? BoringSSLError, case .sslError = tls {
            throw UploadError.untrustedServerCertificate(server: server)
        }
        if error is TransferError { throw error }
        return .retryLater
    }

    /// The server's reason, made safe to print: one line of printable ASCII, at most 300 characters.
    static func oneLine(_ text: String) -> String {
        var s = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? $0 : " " }))
        s = s.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("sluis: ") { s.removeFirst(7) }
        return s.isEmpty ? "no reason given" : String(s.prefix(300))
    }

    func token(_ package: SealedPackage) throws -> String {
        try UploadToken.mint(identity: identity, audience: audience, project: package.project, packageSHA256: package.sha256Hex,
                             lifetime: options.tokenLifetime)
    }
}
