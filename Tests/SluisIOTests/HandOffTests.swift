import Foundation
import SluisIO
import XCTest

/// The one producer/consumer hand-off: order, bounds, back-pressure, errors flowing back, and
/// ending early without a consumer touching anything afterwards.
final class HandOffTests: XCTestCase {
    /// A reusable item, as the batches and blocks of the real users are.
    final class Box: @unchecked Sendable {
        var value = -1
        var recycled = 0
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        private(set) var maximum = 0
        func add(_ n: Int) -> Int { lock.lock(); defer { lock.unlock() }; value += n; maximum = max(maximum, value); return value }
        var current: Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    struct Failure: Error, Equatable { let at: Int }

    func testEveryItemIsConsumedOnceInOrderWithBoundedItems() throws {
        let boxes = (0..<3).map { _ in Box() }
        var seen: [Int] = []
        let inFlight = Counter()
        let handOff = HandOff(reusing: boxes, capacity: 3, name: "test", recycle: { $0.value = -1; $0.recycled += 1 }) { box in
            seen.append(box.value)
            _ = inFlight.add(-1)
        }
        var box = try handOff.takeFree()
        for i in 0..<10_000 {
            box.value = i
            XCTAssertLessThanOrEqual(inFlight.add(1), 3)
            box = try handOff.handOff(box)
            XCTAssertEqual(box.value, -1, "a free item comes back recycled")
        }
        try handOff.finish()
        XCTAssertEqual(seen, Array(0..<10_000))
        XCTAssertEqual(boxes.map(\.recycled).reduce(0, +), 10_000)
    }

    /// A consumer slower than the producer fills the queue: `put` waits (back-pressure) and
    /// nothing deadlocks or is lost. The consumer is held until the producer is known to wait.
    func testAFullQueueMakesTheProducerWaitWithoutDeadlock() throws {
        let gate = DispatchSemaphore(value: 0)
        let consumed = Counter()
        let handOff = HandOff<Int>(capacity: 2, name: "test") { _ in
            gate.wait()
            _ = consumed.add(1)
        }
        try handOff.put(0)  // the consumer takes it and waits at the gate
        try handOff.put(1)
        try handOff.put(2)  // the queue now holds 2: the next put must wait
        let third = DispatchSemaphore(value: 0)
        let producer = Thread {
            try? handOff.put(3)
            third.signal()
        }
        producer.start()
        XCTAssertEqual(third.wait(timeout: .now() + .milliseconds(200)), .timedOut, "put did not wait on a full queue")
        for _ in 0..<4 { gate.signal() }
        XCTAssertEqual(third.wait(timeout: .now() + 30), .success)
        try handOff.finish()
        XCTAssertEqual(consumed.current, 4)
    }

    func testAConsumerErrorReachesTheProducerAndLaterItemsAreSkipped() throws {
        let consumed = Counter()
        let handOff = HandOff(reusing: (0..<2).map { _ in Box() }, capacity: 2, name: "test") { box in
            _ = consumed.add(1)
            if box.value == 5 { throw Failure(at: 5) }
        }
        var box = try handOff.takeFree()
        var thrown: Error?
        do {
            for i in 0..<1_000 {
                box.value = i
                box = try handOff.handOff(box)
            }
        } catch { thrown = error }
        XCTAssertEqual(thrown as? Failure, Failure(at: 5))
        XCTAssertEqual(consumed.current, 6, "nothing after the failing item is consumed")
        XCTAssertThrowsError(try handOff.finish()) { XCTAssertEqual($0 as? Failure, Failure(at: 5)) }
    }

    func testAnErrorOnTheLastItemIsRethrownByFinish() throws {
        let handOff = HandOff<Int>(capacity: 4, name: "test") { if $0 == 3 { throw Failure(at: 3) } }
        for i in 0...3 { try handOff.put(i) }
        XCTAssertThrowsError(try handOff.finish()) { XCTAssertEqual($0 as? Failure, Failure(at: 3)) }
    }

    /// Abandoned with items queued while one is in flight: `abandon` returns only once no consumer
    /// runs — so the items' memory may be freed at once (the use-after-free an early abandon once
    /// caused) — and every item is recycled exactly once, consumed or not.
    func testAbandonReturnsOnlyWhenNoConsumerTouchesAnItem() throws {
        let gate = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let active = Counter()
        let consumed = Counter()
        let boxes = (0..<4).map { _ in Box() }
        for (i, b) in boxes.enumerated() { b.value = i }
        let handOff = HandOff(reusing: boxes, capacity: 4, name: "test", recycle: { $0.recycled += 1 }) { box in
            _ = active.add(1)
            if box.value == 0 { started.signal(); gate.wait() }
            _ = consumed.add(1)
            _ = active.add(-1)
        }
        var taken = (0..<4).map { _ in try? handOff.takeFree() }.compactMap { $0 }
        taken.sort { $0.value < $1.value }
        for box in taken { try handOff.put(box) }
        XCTAssertEqual(started.wait(timeout: .now() + 30), .success)
        // The item in flight is let go while abandon waits for it.
        let release = Thread { gate.signal() }
        release.start()
        handOff.abandon()
        XCTAssertEqual(active.current, 0, "a consumer still ran after abandon returned")
        XCTAssertGreaterThanOrEqual(consumed.current, 1)
        XCTAssertEqual(boxes.map(\.recycled), [1, 1, 1, 1], "every item is recycled once")
        XCTAssertNoThrow(try handOff.finish(), "finish after abandon does nothing")
    }

    func testReleasingAnUnfinishedHandOffAbandonsIt() throws {
        let consumed = Counter()
        var handOff: HandOff<Int>? = HandOff(capacity: 8, name: "test") { _ in _ = consumed.add(1) }
        try handOff?.put(1)
        handOff = nil  // deinit abandons and waits for the thread
        XCTAssertLessThanOrEqual(consumed.current, 1)
    }

    /// Several consumers (the register index's workers): every item exactly once.
    func testSeveralConsumersTakeEveryItemOnce() throws {
        let lock = NSLock()
        var seen = Set<Int>()
        var duplicates = 0
        let consumers: [(Int) throws -> Void] = (0..<3).map { _ in
            { item in lock.lock(); if !seen.insert(item).inserted { duplicates += 1 }; lock.unlock() }
        }
        let handOff = HandOff<Int>(capacity: 6, name: "test", consumers: consumers)
        for i in 0..<20_000 { try handOff.put(i) }
        try handOff.finish()
        XCTAssertEqual(seen.count, 20_000)
        XCTAssertEqual(duplicates, 0)
    }
}
