import Foundation

/// The one producer/consumer hand-off in sluis: a producer (the calling thread) passes filled
/// items to consumer threads through a bounded queue and, when the items are reusable buffers or
/// batches, gets emptied ones back.
///
/// Why one type: overlapping parsing/pseudonymising with encrypting/writing (seal, open, decrypt),
/// reading with linking (link) and reading with pseudonymising (the register index) is what makes
/// sluis use two cores, and each earlier hand-off had its own way to get the hard parts wrong —
/// a deadlock when the ring was full, a use-after-free when the producer gave up early. Here:
///
/// - **Bounded**: at most `capacity` filled items wait (`put` blocks: back-pressure), and with
///   reusable items at most `items.count` exist, so memory stays flat however long the stream.
/// - **Errors flow back**: the first error a consumer throws is rethrown to the producer at its
///   next `takeFree`, `put` or at `finish`; later items are recycled unconsumed, so nothing waits
///   on a consumer that has failed.
/// - **Ending**: `finish()` waits until every queued item is consumed and every consumer thread
///   has ended; `abandon()` (or releasing the hand-off unfinished) ends the threads *without*
///   consuming what is queued and returns only once they are gone, so the producer may free the
///   items' memory as soon as it returns.
/// - The consumer threads hold the shared state, never the `HandOff`: releasing it is what
///   abandons, and cannot wait for itself.
///
/// Consumers take items in the order they were put; with one consumer they are consumed in order,
/// on one thread. One producer thread calls `takeFree`/`put`/`finish`/`abandon`.
public final class HandOff<Item>: @unchecked Sendable {
    private let state: HandOffState<Item>
    private var ended = false

    /// Starts one thread per closure in `consumers`.
    /// - Parameters:
    ///   - items: reusable items, all free at first; empty when the producer makes new ones.
    ///   - capacity: how many filled items may wait for a consumer before `put` blocks.
    ///   - name: the consumer threads' name (seen in `top -H` and in profiles).
    ///   - stackByteCount: each consumer thread's stack size.
    ///   - recycle: run on a consumer thread on every item it is done with (consumed or skipped),
    ///     before the item is free again: e.g. reset a batch.
    ///   - consumers: one closure per consumer thread; the first error it throws ends the hand-off.
    public init(reusing items: [Item] = [], capacity: Int, name: String, stackByteCount: Int = 1 << 20,
                recycle: @escaping (Item) -> Void = { _ in }, consumers: [(Item) throws -> Void]) {
        precondition(!consumers.isEmpty && capacity > 0)
        state = HandOffState(free: items, capacity: capacity, threads: consumers.count, recycle: recycle)
        for (i, consume) in consumers.enumerated() {
            let state = self.state
            let box = UncheckedConsumer(consume)
            let thread = Thread { state.run(box.consume) }
            thread.name = consumers.count == 1 ? name : "\(name)-\(i)"
            thread.stackSize = stackByteCount
            thread.start()
        }
    }

    /// One consumer thread.
    public convenience init(reusing items: [Item] = [], capacity: Int, name: String, stackByteCount: Int = 1 << 20,
                            recycle: @escaping (Item) -> Void = { _ in }, consume: @escaping (Item) throws -> Void) {
        self.init(reusing: items, capacity: capacity, name: name, stackByteCount: stackByteCount, recycle: recycle,
                  consumers: [consume])
    }

    /// A free item to fill (only with reusable items); waits while all are in flight. Throws a
    /// consumer's error.
    public func takeFree() throws -> Item { try state.takeFree() }

    /// Queues a filled item for the consumers; waits while `capacity` items wait already.
    /// Throws a consumer's error (the item is then recycled, not consumed).
    public func put(_ item: Item) throws { try state.put(item) }

    /// Queues a filled item and returns a free one.
    public func handOff(_ item: Item) throws -> Item {
        try put(item)
        return try takeFree()
    }

    /// The number of filled items waiting for a consumer (a snapshot).
    public var backlog: Int { state.backlog }

    /// No more items: waits until every queued item is consumed and the threads have ended, then
    /// rethrows a consumer's error.
    public func finish() throws {
        guard !ended else { return }
        ended = true
        try state.end(abandoned: false)
    }

    /// Ends the threads without consuming what is queued (the producer failed); returns once no
    /// consumer touches any item any more.
    public func abandon() {
        guard !ended else { return }
        ended = true
        try? state.end(abandoned: true)
    }

    deinit { abandon() }
}

/// A consumer closure, moved to its thread once.
private struct UncheckedConsumer<Item>: @unchecked Sendable {
    let consume: (Item) throws -> Void
    init(_ consume: @escaping (Item) throws -> Void) { self.consume = consume }
}

/// What the producer and the consumer threads share; every field is guarded by `condition`.
private final class HandOffState<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: [Item]
    private var full: [Item] = []
    private var fullHead = 0
    private let capacity: Int
    private let reusing: Bool
    private let recycle: (Item) -> Void
    private var failure: (any Error)?
    private var closing = false
    private var abandoned = false
    private var running: Int

    init(free: [Item], capacity: Int, threads: Int, recycle: @escaping (Item) -> Void) {
        self.free = free
        self.reusing = !free.isEmpty
        self.capacity = capacity
        self.running = threads
        self.recycle = recycle
        full.reserveCapacity(capacity)
    }

    private var waiting: Int { full.count - fullHead }

    func takeFree() throws -> Item {
        precondition(reusing, "takeFree needs reusable items")
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && failure == nil { condition.wait() }
        if let failure { throw failure }
        return free.removeLast()
    }

    func put(_ item: Item) throws {
        condition.lock()
        while waiting >= capacity && failure == nil { condition.wait() }
        if let failure {
            condition.unlock()
            recycle(item)
            if reusing { condition.lock(); free.append(item); condition.unlock() }
            throw failure
        }
        full.append(item)
        condition.broadcast()
        condition.unlock()
    }

    var backlog: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiting
    }

    func end(abandoned: Bool) throws {
        condition.lock()
        closing = true
        if abandoned { self.abandoned = true }
        condition.broadcast()
        while running > 0 { condition.wait() }
        // Abandoned: what was queued goes back unconsumed (no consumer runs any more).
        let left = Array(full[fullHead...])
        full.removeAll()
        fullHead = 0
        let error = failure
        condition.unlock()
        for item in left { recycle(item) }
        if reusing {
            condition.lock()
            free.append(contentsOf: left)
            condition.unlock()
        }
        if !abandoned, let error { throw error }
    }

    /// A consumer thread's loop.
    func run(_ consume: (Item) throws -> Void) {
        condition.lock()
        while true {
            while waiting == 0 && !closing { condition.wait() }
            if abandoned || waiting == 0 { break }
            let item = full[fullHead]
            fullHead += 1
            if fullHead == full.count { full.removeAll(keepingCapacity: true); fullHead = 0 }
            let skip = failure != nil
            condition.broadcast()  // room in the queue
            condition.unlock()
            var error: (any Error)?
            if !skip {
                do { try consume(item) } catch let e { error = e }
            }
            recycle(item)
            condition.lock()
            if let error, failure == nil { failure = error }
            if reusing { free.append(item) }
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
