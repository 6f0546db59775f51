import Foundation

/// Runs the closures on their own threads and returns when all have finished.
///
/// Why threads and not tasks: the register build and the linking are CPU-bound loops over
/// unsafe buffers that must not be suspended or hop executors; two plain threads on two cores
/// are what we measure.
func runConcurrently(_ jobs: [@Sendable () -> Void]) {
    guard jobs.count > 1 else { jobs.first?(); return }
    let group = DispatchGroup()
    var threads: [Thread] = []
    for job in jobs.dropFirst() {
        group.enter()
        let t = Thread { job(); group.leave() }
        t.stackSize = 1 << 22
        threads.append(t)
        t.start()
    }
    jobs[0]()
    group.wait()
}

/// A bounded first-in first-out queue between one producer and several consumer threads.
final class BoundedQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private var closed = false
    private let capacity: Int
    private let condition = NSCondition()

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Waits while the queue is full.
    func push(_ item: Element) {
        condition.lock()
        while items.count >= capacity { condition.wait() }
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    /// The next item, or nil once the queue is closed and empty.
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        if items.isEmpty { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// The number of items waiting (a snapshot: it may change as soon as it is read).
    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
