import Foundation

/// Hands full `RowBatch`es from the reading thread to a consumer on a second thread and gives
/// emptied ones back. At most `depth` batches exist, so memory stays bounded; an error on the
/// consumer's side is rethrown to the reader at its next hand-off or at `finish()`.
final class BatchPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var full: [RowBatch] = []
    private var free: [RowBatch] = []
    private var failure: Error?
    private var closing = false
    private var abandoned = false
    private var running = true
    private let consume: (RowBatch) throws -> Void

    /// `consume` runs on the pipe's thread only, one batch at a time, in order.
    init(depth: Int, fieldsPerRow: Int, consume: @escaping (RowBatch) throws -> Void) {
        self.consume = consume
        for _ in 0..<max(depth, 2) { free.append(RowBatch(fieldsPerRow: fieldsPerRow)) }
        let thread = Thread { [self] in self.loop() }
        thread.name = "sluis-pseudonymise-write"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// An empty batch to fill (waits while all are in flight).
    func take() throws -> RowBatch {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && failure == nil { condition.wait() }
        if let failure { throw failure }
        return free.removeLast()
    }

    /// The number of filled batches waiting for the consumer (a snapshot).
    var backlog: Int {
        condition.lock()
        defer { condition.unlock() }
        return full.count
    }

    /// Queues a filled batch and returns an empty one.
    func handOff(_ batch: RowBatch) throws -> RowBatch {
        condition.lock()
        full.append(batch)
        condition.broadcast()
        condition.unlock()
        return try take()
    }

    /// Queues the last batch, waits until everything is consumed, stops the thread.
    func finish(last batch: RowBatch) throws {
        condition.lock()
        full.append(batch)
        closing = true
        condition.broadcast()
        while running { condition.wait() }
        let error = failure
        condition.unlock()
        if let error { throw error }
    }

    /// Stops the thread without consuming what is queued (the reader failed).
    func abandon() {
        condition.lock()
        abandoned = true
        closing = true
        condition.broadcast()
        while running { condition.wait() }
        for b in full { b.reset() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while full.isEmpty && !closing { condition.wait() }
            if (full.isEmpty && closing) || abandoned {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = full.removeFirst()
            let skip = failure != nil
            condition.unlock()
            var error: Error?
            if !skip {
                do { try consume(batch) } catch let e { error = e }
            }
            batch.reset()
            condition.lock()
            if let error, failure == nil { failure = error }
            free.append(batch)
            condition.broadcast()
            condition.unlock()
        }
    }
}
