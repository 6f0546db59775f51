import Foundation
import HTTPTypes
import Hummingbird
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO

extension TusService {
    /// Bytes gathered before one write(2); bounds the memory of one PATCH.
    static let writeBatchByteCount = 256 << 10
    /// Without Upload-Checksum, progress is made durable (fsync, then state) every this many
    /// bytes, so a broken connection or a killed server loses at most this much.
    static let checkpointByteCount: UInt64 = 16 << 20

    /// PATCH /files/ID: appends the body at Upload-Offset. The new offset is acknowledged only
    /// after the bytes are fsynced and the state saying so is saved.
    func patch(_ request: Request, id: String?) async throws(Refusal) -> Response {
        try checkVersion(request)
        let caller = try authenticate(request)
        guard request.headers[.contentType]?.lowercased() == "application/offset+octet-stream" else {
            throw Refusal(415, "a PATCH must have Content-Type: application/offset+octet-stream")
        }
        var record = try ownedUpload(id, caller: caller)
        guard let offsetText = request.headers[TusHeader.uploadOffset], let clientOffset = UInt64(offsetText) else {
            throw Refusal.badRequest("Upload-Offset is missing or not a non-negative integer")
        }
        let checksum = try Self.parseChecksum(request.headers[TusHeader.uploadChecksum])
        if let cl = request.headers[.contentLength].flatMap({ UInt64($0) }),
           clientOffset.addingReportingOverflow(cl).overflow || clientOffset + cl > record.length {
            throw Refusal(413, "the chunk would end past Upload-Length \(record.length)")
        }
        let store = self.store
        let lock: FileLock
        do { lock = try FileLock(path: store.lockPath(record.id), blocking: false) } catch {
            throw Refusal(423, "upload \(record.id) is being written by another request; try again when it ends")
        }
        defer { withExtendedLifetime(lock) {} }
        // Under the lock, the state on disk is the truth (another process may have moved it on).
        guard let current = store.load(record.id) else { throw Refusal.notFound }
        record = current
        guard clientOffset == record.offset else {
            throw Refusal(409, "Upload-Offset \(clientOffset) is not the upload's offset \(record.offset); ask with HEAD and resume there",
                          headers: [("Upload-Offset", String(record.offset))])
        }
        if record.isComplete || record.offset == record.length {
            return try await finish(record, caller: caller, received: 0)
        }
        metrics.activePatches.increment()
        defer { metrics.activePatches.decrement() }
        let started = ContinuousClock.now
        let writer: ChunkWriter
        do { writer = try ChunkWriter(path: store.dataPath(record.id), offset: record.offset, checksum: checksum?.algorithm) } catch {
            throw Refusal(500, "upload \(record.id) could not be opened on the server's disk")
        }
        if record.offset > 0 && (record.interrupted == true || writer.foundByteCount != record.offset) {
            logEvent("resumed", record, caller: caller, status: nil)
        }
        let state = Reception(record: record)
        let preamble = PackageLayout.preamble
        let idle = config.idleTimeoutSeconds
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await buffer in request.body {
                        state.touch()
                        let position = writer.offset + UInt64(state.pending.count)
                        guard position + UInt64(buffer.readableBytes) <= state.record.length else {
                            let keep = state.record.offset
                            try? await BlockingIO.run { try writer.discard(to: keep) }
                            throw Refusal(413, "the chunk goes past Upload-Length \(state.record.length); it was discarded")
                        }
                        if position < UInt64(preamble.count) {
                            // The first bytes must be a sluis package preamble: refuse anything else at once.
                            let view = buffer.readableBytesView
                            for (i, byte) in view.prefix(preamble.count - Int(position)).enumerated() where byte != preamble[Int(position) + i] {
                                store.remove(state.record.id)
                                throw Refusal(415, "upload \(state.record.id) is not a sluis package (no SLUISPKG preamble); seal the data with 'sluis seal' first. The upload was deleted")
                            }
                        }
                        state.pending.append(contentsOf: buffer.readableBytesView)
                        if state.pending.count >= Self.writeBatchByteCount {
                            let batch = state.pending
                            state.pending.removeAll(keepingCapacity: true)
                            try await BlockingIO.run { try batch.withUnsafeBytes { try writer.write($0) } }
                            if checksum == nil && writer.offset - state.checkpoint >= Self.checkpointByteCount {
                                state.record = try await self.durable(state.record, writer: writer)
                                self.metrics.bytesReceived.increment(by: Int64(writer.offset - state.checkpoint))
                                state.checkpoint = writer.offset
                            }
                        }
                    }
                }
                // The idle timeout while a body is being received: a client that stops sending
                // cannot hold the upload's lock and a connection for ever.
                group.addTask {
                    while true {
                        try await Task.sleep(for: .milliseconds(500))
                        if state.secondsSinceProgress() > idle { throw IdleTimeout() }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            // The client went away, or sent nothing for the idle timeout, mid-chunk. Without a
            // checksum, keep what arrived (tus: store as much as possible); with one, the chunk
            // cannot be checked: drop it.
            if checksum == nil {
                let batch = state.pending
                do {
                    try await BlockingIO.run { try batch.withUnsafeBytes { try writer.write($0) } }
                    let saved = try await durable(state.record, writer: writer, interrupted: true)
                    metrics.bytesReceived.increment(by: Int64(saved.offset - state.checkpoint))
                } catch {}
            } else {
                let keep = state.record.offset
                try? await BlockingIO.run { try writer.discard(to: keep) }
            }
            throw Refusal.badRequest("the request body ended early or stalled; resume from the offset HEAD gives")
        }
        record = state.record
        let pending = state.pending
        let checkpoint = state.checkpoint
        do {
            let batch = pending
            try await BlockingIO.run { try batch.withUnsafeBytes { try writer.write($0) } }
            if let checksum, let digest = writer.digest(), !Sodium.constantTimeEqual(digest, checksum.digest) {
                let keep = record.offset
                try await BlockingIO.run { try writer.discard(to: keep) }
                throw Refusal(460, "the chunk does not match its Upload-Checksum (\(checksum.algorithm.rawValue)); it was discarded, send it again")
            }
            record = try await durable(record, writer: writer)
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal(500, "upload \(record.id) could not be written to the server's disk")
        }
        metrics.bytesReceived.increment(by: Int64(writer.offset - checkpoint))
        metrics.patchDuration.record(ContinuousClock.now - started)
        return try await finish(record, caller: caller, received: writer.offset - writer.startOffset)
    }

    /// What one PATCH has received so far, shared with its idle watchdog.
    final class Reception: @unchecked Sendable {
        var record: UploadRecord
        var pending: [UInt8] = []
        var checkpoint: UInt64
        private let lock = NSLock()
        private var lastProgress = ContinuousClock.now

        init(record: UploadRecord) {
            self.record = record
            self.checkpoint = record.offset
        }

        func touch() { lock.withLock { lastProgress = .now } }

        func secondsSinceProgress() -> Double {
            let d = lock.withLock { ContinuousClock.now - lastProgress }
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
    }

    struct IdleTimeout: Error {}

    /// fsync the bytes, then save the state that counts them (atomic rename of state.json).
    private func durable(_ record: UploadRecord, writer: ChunkWriter, interrupted: Bool = false) async throws -> UploadRecord {
        var next = record
        next.offset = writer.offset
        next.interrupted = interrupted ? true : nil
        next.expiresAt = Int64(Date().timeIntervalSince1970) + Int64(config.uploadExpirySeconds)
        let store = self.store
        let saved = next
        try await BlockingIO.run {
            try writer.sync()
            try store.save(saved)
        }
        return next
    }

    /// The response to a PATCH: the new offset, and at the last byte, verification and delivery.
    private func finish(_ record: UploadRecord, caller: Caller, received: UInt64) async throws(Refusal) -> Response {
        var record = record
        if record.offset == record.length && !record.isComplete {
            let started = ContinuousClock.now
            let store = self.store, identity = self.identity, name = config.serverName
            guard let trust = trust[record.project] else { throw Refusal(403, "project \(record.project) is not served here") }
            let current = record
            let result: Result<UploadRecord, Refusal>
            do {
                result = try await BlockingIO.run { () -> Result<UploadRecord, Refusal> in
                    do { return .success(try PackageIntake.complete(current, store: store, trust: trust, identity: identity, serverName: name)) }
                    catch let refusal as Refusal { return .failure(refusal) }
                    catch { return .failure(Refusal(500, "upload \(current.id) could not be verified")) }
                }
            } catch { throw Refusal(500, "upload \(record.id) could not be verified") }
            record = try result.get()
            metrics.verifyDuration.record(ContinuousClock.now - started)
            metrics.completed.increment()
            var event = ServeAuditEvent(event: "completed")
            event.upload = record.id
            event.project = record.project
            event.key = caller.key
            event.size = record.length
            event.status = 204
            audit.append(event)
        } else if record.isComplete {
            let store = self.store, done = record
            try? await BlockingIO.run { try PackageIntake.deliverIfPending(done, store: store) }
        }
        var headers: [(HTTPField.Name, String)] = [(TusHeader.uploadOffset, String(record.offset))]
        if let receipt = record.receipt { headers.append((TusHeader.uploadReceipt, receipt)) } else {
            headers.append((TusHeader.uploadExpires, Self.httpDate(record.expiresAt)))
        }
        return .tus(204, headers)
    }

    func logEvent(_ name: String, _ record: UploadRecord, caller: Caller, status: Int?) {
        var event = ServeAuditEvent(event: name)
        event.upload = record.id
        event.project = record.project
        event.key = caller.key
        event.offset = record.offset
        event.size = record.length
        event.status = status
        audit.append(event)
    }

    /// `Upload-Checksum: <algorithm> <base64 digest>` (tus checksum extension); nil when absent.
    static func parseChecksum(_ header: String?) throws(Refusal) -> (algorithm: ChecksumHasher.Algorithm, digest: [UInt8])? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { throw Refusal.badRequest("Upload-Checksum must be '<algorithm> <base64 digest>'") }
        guard let algorithm = ChecksumHasher.Algorithm(rawValue: parts[0].lowercased()) else {
            throw Refusal.badRequest("Upload-Checksum names an algorithm this server does not support (sha1, sha256)")
        }
        guard let data = Data(base64Encoded: String(parts[1])), data.count == algorithm.digestByteCount else {
            throw Refusal.badRequest("the Upload-Checksum digest is not base64 of a \(algorithm.rawValue) digest")
        }
        return (algorithm, Array(data))
    }
}
