import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// The three tus 1.0 requests `sluis upload` makes (tus.io protocol 1.0.0: core, creation,
/// checksum): POST, HEAD and PATCH, over one shared async-http-client. Every request carries a token minted
/// just before it is sent, so none can outlive its token however long the upload takes.
///
/// The client never follows redirects: a bearer token is only ever sent to the server named by `--to`.
public final class TusClient: Sendable {
    /// The tus protocol version sent as `Tus-Resumable` and required of the server.
    public static let tusVersion = "1.0.0"
    let http: HTTPClient
    /// The creation endpoint, e.g. `https://intake.example.org/files/`.
    public let endpoint: String
    /// `scheme://host:port` of `endpoint`: the only origin upload URLs may point at.
    let origin: String

    /// A refusal or an answer the upload cannot go on from; `status` 0 means no HTTP answer.
    struct Failure: Error {
        var status: Int
        var body: String
    }

    /// A client for `endpoint` (http or https), trusting `caCertificatePath`'s certificates besides the system's.
    public init(endpoint: String, caCertificatePath: String?) throws {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            throw UploadError.badServerURL(url: endpoint)
        }
        self.endpoint = endpoint
        self.origin = Self.origin(of: url) ?? endpoint
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caCertificatePath {
            guard let certificates = try? NIOSSLCertificate.fromPEMFile(caCertificatePath), !certificates.isEmpty else {
                throw UploadError.badCertificateFile(path: caCertificatePath)
            }
            tls.additionalTrustRoots = [.certificates(certificates)]
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(UploadTestHooks.connectTimeoutSeconds(15)), read: .seconds(120)))
        configuration.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the client's connections; call once when every upload is done.
    public func shutdown() async { try? await http.shutdown() }

    static func origin(of url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }

    private func request(_ url: String, _ method: HTTPMethod, token: String) -> HTTPClientRequest {
        var r = HTTPClientRequest(url: url)
        r.method = method
        r.headers.add(name: "Tus-Resumable", value: Self.tusVersion)
        r.headers.add(name: "Authorization", value: "Bearer " + token)
        return r
    }

    /// POST to the endpoint (creation): returns the absolute upload URL from `Location`.
    func create(length: UInt64, metadata: [(String, String)], token: String) async throws -> String {
        var r = request(endpoint, .POST, token: token)
        r.headers.add(name: "Upload-Length", value: String(length))
        if !metadata.isEmpty {
            r.headers.add(name: "Upload-Metadata", value: metadata.map {
                $0.0 + " " + Data($0.1.utf8).base64EncodedString()
            }.joined(separator: ","))
        }
        let response = try await http.execute(r, timeout: .seconds(120))
        let body = try await Self.text(response)
        guard response.status.code == 201 else { throw Failure(status: Int(response.status.code), body: body) }
        guard let location = response.headers.first(name: "Location"),
              let url = URL(string: location, relativeTo: URL(string: endpoint))?.absoluteURL,
              Self.origin(of: url) == origin else {
            throw UploadError.protocolViolation(server: endpoint, detail: "the creation answer has no usable Location on the same server")
        }
        return url.absoluteString
    }

    /// What HEAD says about an upload.
    struct Status {
        var offset: UInt64
        var length: UInt64?
        /// `Upload-Receipt`: present once the package was verified and delivered.
        var receipt: String?
    }

    /// HEAD: the server's durable offset (and, once delivered, the receipt), or nil when the upload
    /// is gone (404/410: expired, swept, or never ours).
    func status(of upload: String, token: String) async throws -> Status? {
        let response = try await http.execute(request(upload, .HEAD, token: token), timeout: .seconds(60))
        let code = Int(response.status.code)
        if code == 404 || code == 410 { return nil }
        guard code == 200 || code == 204 else { throw Failure(status: code, body: "") }
        guard let o = response.headers.first(name: "Upload-Offset").flatMap(UInt64.init) else {
            throw UploadError.protocolViolation(server: endpoint, detail: "HEAD gave no Upload-Offset")
        }
        return Status(offset: o, length: response.headers.first(name: "Upload-Length").flatMap(UInt64.init),
                      receipt: response.headers.first(name: "Upload-Receipt"))
    }

    /// PATCH one chunk at `offset` with its SHA-256 in `Upload-Checksum`; the body is sent as the
    /// given slices (so progress is seen while it goes). Returns the new offset and the answer's
    /// `Upload-Receipt` (present when this chunk completed the upload and it was delivered).
    func patch(_ upload: String, offset: UInt64, body: FileSliceSequence, byteCount: Int, sha256: [UInt8],
               token: String) async throws -> (offset: UInt64, receipt: String?) {
        var r = request(upload, .PATCH, token: token)
        r.headers.add(name: "Content-Type", value: "application/offset+octet-stream")
        r.headers.add(name: "Upload-Offset", value: String(offset))
        r.headers.add(name: "Upload-Checksum", value: "sha256 " + Data(sha256).base64EncodedString())
        r.body = .stream(body, length: .known(Int64(byteCount)))
        let response = try await http.execute(r, timeout: .hours(1))
        let body = try await Self.bytes(response)
        let code = Int(response.status.code)
        guard (200...204).contains(code) else { throw Failure(status: code, body: String(decoding: body, as: UTF8.self)) }
        guard let o = response.headers.first(name: "Upload-Offset").flatMap(UInt64.init) else {
            throw UploadError.protocolViolation(server: endpoint, detail: "PATCH gave no Upload-Offset")
        }
        return (o, response.headers.first(name: "Upload-Receipt"))
    }

    static func bytes(_ response: HTTPClientResponse) async throws -> [UInt8] {
        var buffer = try await response.body.collect(upTo: 1 << 20)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    static func text(_ response: HTTPClientResponse) async throws -> String {
        String(decoding: try await bytes(response), as: UTF8.self)
    }
}

/// A chunk's body read from the package file in slices as the connection asks for them (so a
/// PATCH holds one slice in memory, not the chunk), reporting each slice as it is handed on
/// (progress, and the test hook that stops a client mid-PATCH).
struct FileSliceSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    let offset: UInt64
    let byteCount: Int
    let sliceByteCount: Int
    let sent: @Sendable (Int) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: FileSliceSequence
        var file: FileInput?
        var done = 0
        var last = 0
        /// A slice counts as sent when the connection asks for the next one (or for the end).
        mutating func next() async throws -> ByteBuffer? {
            if last > 0 { sequence.sent(last); last = 0 }
            guard done < sequence.byteCount else { return nil }
            let input: FileInput
            if let file {
                input = file
            } else {
                do { input = try FileInput(path: sequence.path) } catch { throw UploadError.unreadable(path: sequence.path) }
                file = input
            }
            let n = Swift.min(sequence.sliceByteCount, sequence.byteCount - done)
            var buffer = ByteBufferAllocator().buffer(capacity: n)
            let fd = input.fd, at = off_t(sequence.offset) + off_t(done)
            var got = 0
            while got < n {
                let r = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: n - got) { raw in
                    Swift.max(pread(fd, raw.baseAddress, n - got, at + off_t(got)), 0)
                }
                guard r > 0 else { throw UploadError.unreadable(path: sequence.path) }
                got += r
            }
            done += n
            last = n
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sequence: self) }
}
