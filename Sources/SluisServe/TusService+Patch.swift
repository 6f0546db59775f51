import Foundation
import HTTPTypes
import Hummingbird
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisPipeline

extension TusService {
    /// Without Upload-Checksum, progress is made durable (fsync, then state) every this many
    /// bytes, in the background, so a broken connection or a killed server loses at most about
    /// this much (ReceivePipeline).
    static let checkpointByteCount: UInt64 = 16 << 20

    /// PATCH /files/ID: appends the body at Upload-Offset. The new offset is acknowledged only
    /// after the bytes are fsynced and the state saying so is saved.
    func patch(_ request: Request, id: String?) async throws(Refusal) -> Response {
        let (caller, claimed, checksum) = try await claimForPatch(request, id: id)
        var record = claimed.record
        defer { withExtendedLifetime(claimed.lock) {} }
        if record.isComplete || record.offset == record.length {
            return try await finish(record, caller: caller, received: 0)
        }
        metrics.activePatches.increment()
        defer { metrics.activePatches.decrement() }
        let started = ContinuousClock.now
        let (writer, digests) = try await openReception(record)
        if record.offset > 0 && (record.interrupted == true || writer.foundByteCount != record.offset) {
            logEvent("resumed", record, caller: caller, status: nil)
        }
        let state = Reception(record: record)
        let pipeline = ReceivePipeline(writer: writer, digests: digests, checksum: checksum?.algorithm)
        pipeline.save = checkpointSaver(for: record)
        do {
            try await receiveBody(request, into: pipeline, state: state, checkpoints: checksum == nil)
        } catch let refusal as Refusal {
            await pipeline.settle()
            if refusal.status == 413 {
                let keep = (store.load(record.id) ?? record).offset
                try? await BlockingIO.run { try writer.discard(to: keep) }
            }
            throw refusal
        } catch {
            try await keepWhatArrived(record, state: state, pipeline: pipeline, writer: writer, digests: digests,
                                      checksummed: checksum != nil)
        }
        record = try await commitChunk(state.record, pipeline: pipeline, writer: writer, digests: digests, checksum: checksum)
        metrics.bytesReceived.increment(by: Int64(writer.offset - writer.startOffset))
        metrics.patchDuration.record(ContinuousClock.now - started)
        return try await finish(record, caller: caller, received: writer.offset - writer.startOffset, digests: digests)
    }

    /// An upload held for one PATCH: its state as on disk under the lock, and the lock.
    struct ClaimedUpload {
        var record: UploadRecord
        let lock: FileLock
    }

    /// Everything a PATCH must pass before a byte is read: version, token, content type, owner,
    /// offset syntax, length, the per-upload lock (423 when another request holds it) and the
    /// offset as on disk under that lock (409 when it differs).
    private func claimForPatch(_ request: Request, id: String?) async throws(Refusal)
        -> (Caller, ClaimedUpload, (algorithm: ChecksumHasher.Algorithm, digest: [UInt8])?) {
        try checkVersion(request)
        let caller = try authenticate(request)
        guard request.headers[.contentType]?.lowercased() == "application/offset+octet-stream" else {
            throw Refusal(415, "a PATCH must have Content-Type: application/offset+octet-stream")
        }
        let record = try ownedUpload(id, caller: caller)
        guard let offsetText = request.headers[TusHeader.uploadOffset], let clientOffset = UInt64(offsetText) else {
            throw Refusal.badRequest("Upload-Offset is missing or not a non-negative integer")
        }
        let checksum = try Self.parseChecksum(request.headers[TusHeader.uploadChecksum])
        if let cl = request.headers[.contentLength].flatMap({ UInt64($0) }),
           clientOffset.addingReportingOverflow(cl).overflow || clientOffset + cl > record.length {
            throw Refusal(413, "the chunk would end past Upload-Length \(record.length)")
        }
        let lock: FileLock
        do { lock = try FileLock(path: store.lockPath(record.id), blocking: false) } catch {
            throw Refusal(423, "upload \(record.id) is being written by another request; try again when it ends")
        }
        // Under the lock, the state on disk is the truth (another process may have moved it on).
        guard let current = store.load(record.id) else { throw Refusal.notFound }
        guard clientOffset == current.offset else {
            throw Refusal(409, "Upload-Offset \(clientOffset) is not the upload's offset \(current.offset); ask with HEAD and resume there",
                          headers: [("Upload-Offset", String(current.offset))])
        }
        return (caller, ClaimedUpload(record: current, lock: lock), checksum)
    }

    /// The data file opened at the durable offset, and the stream digests for it.
    private func openReception(_ record: UploadRecord) async throws(Refusal) -> (ChunkWriter, PackageStreamDigests) {
        let store = self.store
        do {
            let opened = try await BlockingIO.run {
                Unchecked((try ChunkWriter(path: store.dataPath(record.id), offset: record.offset), try Self.digests(of: record, store: store)))
            }
            return opened.value
        } catch {
            throw Refusal(500, "upload \(record.id) could not be opened on the server's disk")
        }
    }

    /// A checkpoint's state: the offset and digests at the end of a batch, saved after the fsync.
    private func checkpointSaver(for base: UploadRecord) -> @Sendable (ReceivePipeline.Snapshot) throws -> Void {
        let store = self.store, expiry = Int64(config.uploadExpirySeconds)
        return { snap in
            var next = base
            next.offset = snap.offset
            next.digests = snap.digests
            next.interrupted = nil
            next.expiresAt = Int64(Date().timeIntervalSince1970) + expiry
            try store.save(next)
        }
    }

    /// Reads the body into `pipeline`, refusing at once anything past Upload-Length or not starting
    /// with a package preamble (415, the upload deleted), with the idle timeout watching: a client
    /// that stops sending cannot hold the upload's lock and a connection for ever. `checkpoints`:
    /// make progress durable as it goes (in the background), for PATCHes without a checksum.
    private func receiveBody(_ request: Request, into pipeline: ReceivePipeline, state: Reception, checkpoints: Bool) async throws {
        let preamble = PackageLayout.preamble
        let idle = config.idleTimeoutSeconds
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await buffer in request.body {
                    state.touch()
                    let position = pipeline.received
                    guard position + UInt64(buffer.readableBytes) <= state.record.length else {
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
                    try await pipeline.append(buffer)
                    if checkpoints { try await pipeline.checkpoint(every: Self.checkpointByteCount) }
                }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(500))
                    if state.secondsSinceProgress() > idle { throw IdleTimeout() }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The client went away, or sent nothing for the idle timeout, mid-chunk. Without a checksum,
    /// keep what arrived (tus: store as much as possible); with one, the chunk cannot be checked:
    /// drop it. Always ends in a 400 telling the client to resume from HEAD's offset.
    private func keepWhatArrived(_ record: UploadRecord, state: Reception, pipeline: ReceivePipeline, writer: ChunkWriter,
                                 digests: PackageStreamDigests, checksummed: Bool) async throws(Refusal) -> Never {
        if !checksummed {
            do {
                try await pipeline.drain()
                let saved = try await durable(state.record, writer: writer, digests: digests, interrupted: true)
                metrics.bytesReceived.increment(by: Int64(saved.offset - record.offset))
            } catch {
                await pipeline.settle()
            }
        } else {
            await pipeline.settle()
            let keep = record.offset
            try? await BlockingIO.run { try writer.discard(to: keep) }
        }
        throw Refusal.badRequest("the request body ended early or stalled; resume from the offset HEAD gives")
    }

    /// The whole body is in: the chunk's Upload-Checksum is checked (460, chunk discarded, on a
    /// mismatch), then the bytes are fsynced and the state counting them saved.
    private func commitChunk(_ record: UploadRecord, pipeline: ReceivePipeline, writer: ChunkWriter, digests: PackageStreamDigests,
                             checksum: (algorithm: ChecksumHasher.Algorithm, digest: [UInt8])?) async throws(Refusal) -> UploadRecord {
        do {
            try await pipeline.drain()
            if let checksum, let digest = pipeline.checksum?.finalize(), !Sodium.constantTimeEqual(digest, checksum.digest) {
                let keep = record.offset
                try await BlockingIO.run { try writer.discard(to: keep) }
                throw Refusal(460, "the chunk does not match its Upload-Checksum (\(checksum.algorithm.rawValue)); it was discarded, send it again")
            }
            return try await durable(record, writer: writer, digests: digests)
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            await pipeline.settle()
            throw Refusal(500, "upload \(record.id) could not be written to the server's disk")
        }
    }

    /// The upload's stream digests at its durable offset: restored from state.json, or (when that
    /// holds none, or one for another offset) rebuilt by reading the durable prefix again.
    static func digests(of record: UploadRecord, store: UploadStore) throws -> PackageStreamDigests {
        if let saved = record.digests, let d = PackageStreamDigests(restoring: saved, length: record.length), d.position == record.offset {
            return d
        }
        return try PackageStreamDigests.rebuilt(path: store.dataPath(record.id), length: record.length, upTo: record.offset)
    }

    /// The upload a PATCH is receiving, shared with its idle watchdog.
    final class Reception: @unchecked Sendable {
        let record: UploadRecord
        private let lock = NSLock()
        private var lastProgress = ContinuousClock.now

        init(record: UploadRecord) {
            self.record = record
        }

        func touch() { lock.withLock { lastProgress = .now } }

        func secondsSinceProgress() -> Double {
            let d = lock.withLock { ContinuousClock.now - lastProgress }
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
    }

    struct IdleTimeout: Error {}

    /// fsync the bytes, then save the state that counts them (atomic rename of state.json).
    private func durable(_ record: UploadRecord, writer: ChunkWriter, digests: PackageStreamDigests,
                         interrupted: Bool = false) async throws -> UploadRecord {
        var next = record
        next.offset = writer.offset
        next.digests = digests.saved
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
    private func finish(_ record: UploadRecord, caller: Caller, received: UInt64,
                        digests: PackageStreamDigests? = nil) async throws(Refusal) -> Response {
        var record = record
        if record.offset == record.length && !record.isComplete {
            let started = ContinuousClock.now
            let store = self.store, identity = self.identity, name = config.serverName
            guard let trust = trust[record.project] else { throw Refusal(403, "project \(record.project) is not served here") }
            let current = record
            let streamed = Unchecked(digests)
            let result: Result<UploadRecord, Refusal>
            do {
                result = try await BlockingIO.run { () -> Result<UploadRecord, Refusal> in
                    do {
                        return .success(try PackageIntake.complete(current, digests: streamed.value, store: store, trust: trust, identity: identity,
                                                                   serverName: name))
                    }
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
