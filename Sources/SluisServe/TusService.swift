import Foundation
import HTTPTypes
import Hummingbird
import SluisCore
import SluisCrypto
import SluisIO
import SluisPipeline
import SluisTransfer

/// The tus 1.0 upload service (core, creation, checksum, termination, expiration) behind
/// `/files/`: authentication, ownership, limits and the upload lifecycle (docs/serve.md).
/// Holds no upload state of its own: everything is in the staging folder, so several processes
/// may serve one staging folder.
final class TusService: Sendable {
    let config: ServeConfig
    let store: UploadStore
    let identity: Identity
    let audit: ServeAuditLog
    let metrics: ServeMetrics
    /// Per project, its trust list (the same key files `sluis inbox` trusts).
    let trust: [String: TrustStore]
    /// Every trusted key by fingerprint, to find the key a token names before its project is known.
    let keysByFingerprint: [String: Recipient]

    /// The caller of a request: whose token, for which project.
    struct Caller {
        var key: String
        var project: String
        var packageSHA256: String?
    }

    init(config: ServeConfig, identity: Identity, audit: ServeAuditLog, metrics: ServeMetrics) throws {
        self.config = config
        self.store = UploadStore(staging: config.staging, inbox: config.inbox)
        self.identity = identity
        self.audit = audit
        self.metrics = metrics
        var trust: [String: TrustStore] = [:], keys: [String: Recipient] = [:]
        for (id, project) in config.projects {
            let t = try TrustStore(publicKeyFiles: project.trust, project: id)
            trust[id] = t
            for entry in t.entries { keys[entry.recipient.fingerprint] = entry.recipient }
        }
        self.trust = trust
        self.keysByFingerprint = keys
    }

    // MARK: Checks every request passes

    func checkVersion(_ request: Request) throws(Refusal) {
        guard request.headers[TusHeader.resumable] == TusHeader.protocolVersion else {
            throw Refusal(412, "this server speaks tus 1.0.0 only (the Tus-Resumable header is missing or names another version)",
                          headers: [("Tus-Version", TusHeader.protocolVersion)])
        }
    }

    /// The bearer token: signed by a key on the project's trust list, for this server, unexpired.
    func authenticate(_ request: Request, now: Date = Date()) throws(Refusal) -> Caller {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw Refusal(401, "no bearer token: every request needs 'Authorization: Bearer <token>' (sluis upload token)")
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let claims: UploadToken.Claims
        do {
            claims = try UploadToken.verify(token, audience: config.serverName, maximumLifetime: config.maxTokenSeconds,
                                            clockSkew: config.clockSkewSeconds, trust: { self.keysByFingerprint[$0] }, now: now)
        } catch let error as TransferError {
            if case .untrustedKey = error { throw Refusal(403, error.description) }
            throw Refusal(401, error.description)
        } catch {
            throw Refusal(401, "the upload token could not be checked")
        }
        guard let store = trust[claims.project], let key = keysByFingerprint[claims.issuer], store.trusted(key, project: claims.project) else {
            throw Refusal(403, "key \(claims.issuer) is not trusted for project \(claims.project) on this server")
        }
        return Caller(key: claims.issuer, project: claims.project, packageSHA256: claims.packageSHA256)
    }

    /// The caller's own, unexpired upload; anything else is 404, so nobody learns that another
    /// key's upload exists.
    func ownedUpload(_ id: String?, caller: Caller, now: Date = Date()) throws(Refusal) -> UploadRecord {
        guard let id, UploadRecord.isValidId(Substring(id)), let record = store.load(id) else { throw Refusal.notFound }
        guard Sodium.constantTimeEqual(Array(record.owner.utf8), Array(caller.key.utf8)), record.project == caller.project else {
            throw Refusal.notFound
        }
        // A token restricted to one package touches only uploads created for that package.
        if let a = caller.packageSHA256, a != record.packageSHA256 { throw Refusal.notFound }
        if !record.isComplete && Int64(now.timeIntervalSince1970) > record.expiresAt { throw Refusal.notFound }
        return record
    }

    // MARK: Requests other than PATCH

    /// OPTIONS: what this server supports (no token needed: it says nothing about any upload).
    func options() -> Response {
        .tus(204, [(TusHeader.version, TusHeader.protocolVersion),
                   (TusHeader.extensions, "creation,checksum,termination,expiration"),
                   (TusHeader.maxSize, String(config.maxUploadBytes)),
                   (TusHeader.checksumAlgorithm, "sha1,sha256")])
    }

    /// POST /files/: a new upload of `Upload-Length` bytes, owned by the token's key.
    func create(_ request: Request) async throws(Refusal) -> Response {
        try checkVersion(request)
        let caller = try authenticate(request)
        guard request.headers[TusHeader.uploadDeferLength] == nil else {
            throw Refusal.badRequest("Upload-Defer-Length is not supported: send Upload-Length")
        }
        guard let text = request.headers[TusHeader.uploadLength], let length = UInt64(text) else {
            throw Refusal.badRequest("Upload-Length is missing or not a non-negative integer")
        }
        guard length <= config.maxUploadBytes else {
            throw Refusal(413, "Upload-Length \(length) is over this server's maximum of \(config.maxUploadBytes) bytes")
        }
        let metadata = request.headers[TusHeader.uploadMetadata]
        if let metadata, metadata.utf8.count > 4096 { throw Refusal.badRequest("Upload-Metadata is longer than 4096 bytes") }
        let now = Int64(Date().timeIntervalSince1970)
        let record = UploadRecord(id: UploadStore.newId(), owner: caller.key, project: caller.project, length: length, offset: 0,
                                  createdAt: now, expiresAt: now + Int64(config.uploadExpirySeconds),
                                  packageSHA256: caller.packageSHA256, metadata: metadata, receipt: nil)
        let quota = config.projects[caller.project]?.quotaBytes ?? 0
        let perKey = config.concurrentUploadsPerKey
        let store = self.store
        let refusal: Refusal?
        do {
            refusal = try await BlockingIO.run { () -> Refusal? in
                try store.withStagingLock { () -> Refusal? in
                    let open = store.all().filter { !$0.isComplete && $0.expiresAt >= now }
                    if open.filter({ $0.owner == record.owner }).count >= perKey {
                        return Refusal(429, "key \(record.owner) already has \(perKey) unfinished uploads (the most allowed at once); finish or delete one")
                    }
                    let used = open.filter { $0.project == record.project }.reduce(UInt64(0)) { $0 + $1.length }
                    if used + length > quota {
                        return Refusal(413, "project \(record.project) is over its quota of \(quota) bytes of unfinished uploads")
                    }
                    try store.create(record)
                    return nil
                }
            }
        } catch {
            throw Refusal(500, "the upload could not be created on the server's disk")
        }
        if let refusal { throw refusal }
        metrics.created.increment()
        var event = ServeAuditEvent(event: "created")
        event.upload = record.id
        event.project = record.project
        event.key = record.owner
        event.size = length
        event.status = 201
        audit.append(event)
        return .tus(201, [(.location, "/files/" + record.id), (TusHeader.uploadExpires, Self.httpDate(record.expiresAt))])
    }

    /// HEAD /files/ID: the durable offset (and, once delivered, the receipt).
    func head(_ request: Request, id: String?) async throws(Refusal) -> Response {
        try checkVersion(request)
        let caller = try authenticate(request)
        let record = try ownedUpload(id, caller: caller)
        if record.isComplete {
            let store = self.store
            try? await BlockingIO.run { try PackageIntake.deliverIfPending(record, store: store) }
        }
        var headers: [(HTTPField.Name, String)] = [(TusHeader.uploadOffset, String(record.offset)),
                                                   (TusHeader.uploadLength, String(record.length)), (.cacheControl, "no-store")]
        if let m = record.metadata { headers.append((TusHeader.uploadMetadata, m)) }
        if let r = record.receipt { headers.append((TusHeader.uploadReceipt, r)) } else {
            headers.append((TusHeader.uploadExpires, Self.httpDate(record.expiresAt)))
        }
        return .tus(200, headers)
    }

    /// DELETE /files/ID: the termination extension. A delivered package stays in the inbox;
    /// only the upload's record goes.
    func delete(_ request: Request, id: String?) async throws(Refusal) -> Response {
        try checkVersion(request)
        let caller = try authenticate(request)
        let record = try ownedUpload(id, caller: caller)
        let store = self.store
        let removed: Bool
        do {
            removed = try await BlockingIO.run { () -> Bool in
                guard let lock = try? FileLock(path: store.lockPath(record.id), blocking: false) else { return false }
                withExtendedLifetime(lock) { store.remove(record.id) }
                return true
            }
        } catch { throw Refusal(500, "the upload could not be removed") }
        guard removed else { throw Refusal(423, "upload \(record.id) is being written by another request; try again when it ends") }
        var event = ServeAuditEvent(event: "deleted")
        event.upload = record.id
        event.project = record.project
        event.key = caller.key
        event.offset = record.offset
        event.status = 204
        audit.append(event)
        return .tus(204)
    }

    /// RFC 9110 IMF-fixdate, as tus's Upload-Expires wants it.
    static func httpDate(_ seconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
