import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import SluisCore
import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// `sluis serve`: loads serve.json, checks the folders, and runs the tus service over HTTP/1.1
/// (with TLS unless bound to loopback) until SIGTERM or SIGINT, which stop it gracefully: no new
/// connections, in-flight requests (and their fsyncs) finish first.
public enum UploadServer {
    /// Runs until stopped. `portFile`: where to write the port actually bound (useful with port 0).
    /// `onListening` is called with the port once the server accepts connections.
    public static func run(configPath: String, portFile: String?, onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let config = try ServeConfig.load(path: configPath)
        try FileSystem.makeDirectories(config.staging, mode: 0o700)
        guard FileSystem.isDirectory(config.inbox) else {
            throw ServeError.config(path: configPath, jsonPath: "inbox", problem: "\(config.inbox) is not a folder")
        }
        var a = stat(), b = stat()
        guard stat(config.staging, &a) == 0, stat(config.inbox, &b) == 0, a.st_dev == b.st_dev else {
            throw ServeError.stagingNotOnInboxFileSystem(staging: config.staging, inbox: config.inbox)
        }
        let identity = try Identity.load(path: config.identity, passphrase: PassphraseSource.resolve(passphraseFile: config.passphraseFile))
        let audit = try ServeAuditLog(path: config.auditLog)
        let metrics = ServeMetrics()
        let service = try TusService(config: config, identity: identity, audit: audit, metrics: metrics)

        let router = Router()
        router.on("/files", method: .options) { _, _ in service.options() }
        router.on("/files/:id", method: .options) { _, _ in service.options() }
        router.post("/files") { request, _ in await service.answer(request, id: nil) { () async throws(Refusal) -> Response in try await service.create(request) } }
        router.on("/files/:id", method: .head) { request, context in
            let id = context.parameters.get("id")
            return await service.answer(request, id: id) { () async throws(Refusal) -> Response in try await service.head(request, id: id) }
        }
        router.patch("/files/:id") { request, context in
            let id = context.parameters.get("id")
            return await service.answer(request, id: id) { () async throws(Refusal) -> Response in try await service.patch(request, id: id) }
        }
        router.delete("/files/:id") { request, context in
            let id = context.parameters.get("id")
            return await service.answer(request, id: id) { () async throws(Refusal) -> Response in try await service.delete(request, id: id) }
        }
        router.get("/healthz") { _, _ -> Response in
            let ok = FileSystem.isDirectory(config.staging) && FileSystem.isDirectory(config.inbox)
            return Response(status: ok ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                            body: .init(byteBuffer: ByteBuffer(string: ok ? "ok\n" : "unavailable\n")))
        }
        router.get("/metrics") { _, _ -> Response in
            var buffer = ByteBuffer()
            buffer.writeBytes(metrics.text())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: buffer))
        }

        // Hummingbird's idle timeout runs while a connection waits for a complete request head (a
        // new connection, or between keep-alive requests): that is the header timeout. The idle
        // timeout inside a request body is the PATCH watchdog's (TusService.Reception).
        let http = HTTP1Channel.Configuration(additionalChannelHandlers: [ReadSizeLimit()],
                                              idleTimeout: .milliseconds(Int64(config.headerTimeoutSeconds * 1000)))
        let server: HTTPServerBuilder
        if let cert = config.tlsCertificate, let key = config.tlsKey {
            server = try .tls(.http1(configuration: http), tlsConfiguration: try tlsConfiguration(certificate: cert, key: key))
        } else {
            server = .http1(configuration: http)
        }
        let scheme = config.tlsCertificate == nil ? "http" : "https"
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(config.address, port: config.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.port
                if let portFile { try? FileSystem.writeAtomically(Array("\(port)\n".utf8), to: portFile, mode: 0o644) }
                writeStandardError("sluis serve: listening on \(scheme)://\(config.address):\(port) as \(config.serverName)")
                var event = ServeAuditEvent(event: "started")
                event.reason = "\(scheme) port \(port)"
                audit.append(event)
                onListening(port)
            })
        let sweeper = Task.detached { await Sweeper(service: service).run() }
        defer { sweeper.cancel() }
        do {
            try await app.runService()
        } catch {
            throw ServeError.cannotListen(address: config.address, port: config.port)
        }
        audit.append(ServeAuditEvent(event: "stopped"))
    }

    static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let privateKey: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(certificate) } catch {
            throw ServeError.tls(path: certificate, detail: "not a PEM certificate chain")
        }
        // Through SecretFile: owner and mode checked on the descriptor the key is read from. Group
        // read is allowed (Debian keeps TLS keys root:ssl-cert 0640); others get nothing.
        var pem: [UInt8]
        do { pem = try SecretFile.read(path: key, limitByteCount: 1 << 20, forbidding: 0o037) } catch let error as IOError {
            switch error {
            case let .secretFileExposed(_, mode):
                throw ServeError.tls(path: key, detail: "others may read or group may change this private key "
                                     + "(mode \(String(mode, radix: 8))); chmod 600 (or 640) it")
            case let .secretFileNotOwned(_, owner):
                throw ServeError.tls(path: key, detail: "this private key belongs to user \(owner), not to this user or root")
            default: throw ServeError.tls(path: key, detail: "cannot be read")
            }
        }
        defer { pem.withUnsafeMutableBytes { for i in $0.indices { $0[i] = 0 } } }
        do { privateKey = try NIOSSLPrivateKey(bytes: pem, format: .pem) } catch {
            throw ServeError.tls(path: key, detail: "not a PEM private key (or it is protected by a passphrase)")
        }
        guard !chain.isEmpty else { throw ServeError.tls(path: certificate, detail: "holds no certificate") }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        tls.minimumTLSVersion = .tlsv12
        return tls
    }
}

extension TusService {
    /// Runs a handler; a refusal becomes its response, a metric and an audit line.
    func answer(_ request: Request, id: String?, _ body: () async throws(Refusal) -> Response) async -> Response {
        do {
            return try await body()
        } catch {
            metrics.refused(status: error.status)
            var event = ServeAuditEvent(event: "refused", outcome: "refused")
            if let id, UploadRecord.isValidId(Substring(id)) { event.upload = id }
            event.status = error.status
            event.reason = "\(request.method.rawValue): \(error.message)"
            audit.append(event)
            return .refusal(error)
        }
    }
}
