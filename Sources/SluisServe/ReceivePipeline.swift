import Foundation
import NIOCore
import SluisCrypto
import SluisIO
import SluisPipeline

/// One PATCH's bytes on their way to disk. Buffers are gathered as they arrive (not copied) into
/// batches of `batchByteCount`; each batch is written (`writev`) and hashed — the package's stream
/// digests, and the chunk's `Upload-Checksum` — on two blocking threads at once while the next
/// batch is received. At most two batches are held per PATCH: the one being written and the one
/// being gathered, so memory per upload is bounded whatever the upload's size.
///
/// Checkpoints (`checkpoint(every:)`) make progress durable without stalling the receiving: the
/// batch that crosses the checkpoint takes a snapshot of the digests at its end, and a background
/// task fsyncs the data and then saves state.json with that offset and snapshot. Saves happen in
/// order, one at a time, so state.json never goes back.
final class ReceivePipeline: @unchecked Sendable {
    let writer: ChunkWriter
    let digests: PackageStreamDigests
    let checksum: ChecksumHasher?
    /// Offset just past the last byte handed to `append` (gathered, in flight or written).
    private(set) var received: UInt64
    private var gathering: [ByteBuffer] = []
    private var gatheredByteCount = 0
    private var inFlight: Task<Snapshot?, any Error>?
    /// The last scheduled checkpoint's fsync-and-save, and the offset it records.
    private var saving: Task<Void, any Error>?
    private(set) var scheduledCheckpoint: UInt64
    private var snapshotWanted = false

    static let batchByteCount = 256 << 10

    /// Where a batch ended, and the digests' state there.
    struct Snapshot: Sendable {
        var offset: UInt64
        var digests: PackageStreamDigests.Saved
    }

    init(writer: ChunkWriter, digests: PackageStreamDigests, checksum: ChecksumHasher.Algorithm?) {
        self.writer = writer
        self.digests = digests
        self.checksum = checksum.map { ChecksumHasher($0) }
        self.received = writer.offset
        self.scheduledCheckpoint = writer.offset
    }

    /// The next buffer of the body.
    func append(_ buffer: ByteBuffer) async throws {
        received += UInt64(buffer.readableBytes)
        gathering.append(buffer)
        gatheredByteCount += buffer.readableBytes
        if gatheredByteCount >= Self.batchByteCount { try await flush() }
    }

    /// Saves a checkpoint's state (after the fsync); set once, before the first `checkpoint`.
    var save: (@Sendable (Snapshot) throws -> Void)?

    /// Asks for a batch to end in a checkpoint once `byteCount` bytes arrived since the last: the
    /// one gathered now, or (when none is) the next.
    func checkpoint(every byteCount: UInt64) async throws {
        if received - scheduledCheckpoint >= byteCount && !snapshotWanted {
            snapshotWanted = true
            try await flush()
        }
    }

    /// Hands the gathered batch on, after the previous batch finished.
    func flush() async throws {
        guard !gathering.isEmpty else { return }
        let batch = gathering
        gathering = []
        gatheredByteCount = 0
        if let previous = inFlight {
            inFlight = nil
            _ = try await previous.value
        }
        let writer = self.writer
        let snapshot = snapshotWanted && save != nil
        let job = Task { [self] in try await BlockingIO.run { try self.process(batch, snapshot: snapshot) } }
        inFlight = job
        if snapshot, let save {
            snapshotWanted = false
            scheduledCheckpoint = received
            let before = saving
            saving = Task {
                try await before?.value
                guard let snap = try await job.value else { return }
                try await BlockingIO.run {
                    try writer.sync()
                    try save(snap)
                }
            }
        }
    }

    /// Waits until every byte handed on is written and hashed, and every checkpoint saved.
    func drain() async throws {
        try await flush()
        if let previous = inFlight {
            inFlight = nil
            _ = try await previous.value
        }
        if let s = saving {
            saving = nil
            try await s.value
        }
    }

    /// Like `drain`, for a PATCH that failed: waits for what is running and ignores its errors, so
    /// that nothing writes behind the caller's back afterwards.
    func settle() async {
        gathering = []
        gatheredByteCount = 0
        if let previous = inFlight { inFlight = nil; _ = try? await previous.value }
        if let s = saving { saving = nil; _ = try? await s.value }
    }

    /// Writes a batch on this thread while hashing it on another.
    /// (Batches run one after another, so the hashers are never used by two threads at once.)
    private func process(_ batch: [ByteBuffer], snapshot: Bool) throws -> Snapshot? {
        final class Failure: @unchecked Sendable { var error: (any Error)? }
        let failure = Failure()
        DispatchQueue.concurrentPerform(iterations: 2) { [self] part in
            if part == 0 {
                do { try self.writer.write(batch) } catch { failure.error = error }
                if let checksum = self.checksum { for buffer in batch { buffer.withUnsafeReadableBytes { checksum.update($0) } } }
            } else {
                for buffer in batch { buffer.withUnsafeReadableBytes { self.digests.consume($0) } }
            }
        }
        if let error = failure.error { throw error }
        return snapshot ? Snapshot(offset: writer.offset, digests: digests.saved) : nil
    }
}
