import SluisIO

/// Hands full `RowBatch`es from the reading thread to a consumer on a second thread and gives
/// emptied ones back: `HandOff` (SluisIO) with `depth` reusable batches, reset when recycled.
/// At most `depth` batches exist, so memory stays bounded; an error on the consumer's side is
/// rethrown to the reader at its next hand-off or at `finish()`.
final class BatchPipe: @unchecked Sendable {
    private let queue: HandOff<RowBatch>

    /// `consume` runs on the pipe's thread only, one batch at a time, in order.
    init(depth: Int, fieldsPerRow: Int, consume: @escaping (RowBatch) throws -> Void) {
        let batches = (0..<max(depth, 2)).map { _ in RowBatch(fieldsPerRow: fieldsPerRow) }
        queue = HandOff(reusing: batches, capacity: batches.count, name: "sluis-pseudonymise-write",
                        recycle: { $0.reset() }, consume: consume)
    }

    /// An empty batch to fill (waits while all are in flight).
    func take() throws -> RowBatch { try queue.takeFree() }

    /// The number of filled batches waiting for the consumer (a snapshot).
    var backlog: Int { queue.backlog }

    /// Queues a filled batch and returns an empty one.
    func handOff(_ batch: RowBatch) throws -> RowBatch { try queue.handOff(batch) }

    /// Queues the last batch, waits until everything is consumed, stops the thread.
    func finish(last batch: RowBatch) throws {
        try queue.put(batch)
        try queue.finish()
    }

    /// Stops the thread without consuming what is queued (the reader failed); queued batches are reset.
    func abandon() { queue.abandon() }
}
