import Dispatch

/// Hands bytes to another thread, so that producing them (parsing, pseudonymising) and consuming
/// them (encrypting, hashing, writing) run on two cores at once.
///
/// The producer fills one of `bufferCount` fixed blocks; a full block is passed to a consumer
/// thread that writes it into `next`. Memory is bounded: `bufferCount × blockByteCount`, whatever
/// the stream's length. An error in the consumer is rethrown to the producer on its next
/// `write` or on `finish`. Not for concurrent producers: one thread writes.
public final class PipelinedSink: ByteSink, @unchecked Sendable {
    private let next: any ByteSink
    private let blockByteCount: Int
    private var blocks: [UnsafeMutableRawBufferPointer]
    private var lengths: [Int]
    /// Blocks free for the producer / full blocks waiting for the consumer, in ring order.
    private let free: DispatchSemaphore
    private let full: DispatchSemaphore
    private let lock = DispatchQueue(label: "sluis.pipelined-sink.state")
    private var producerIndex = 0
    private var consumerIndex = 0
    private var fill = 0
    private var consumerError: (any Error)?
    private var endOfStream = false
    private let done = DispatchSemaphore(value: 0)
    private var finished = false

    public init(forwardingTo next: any ByteSink, blockByteCount: Int = 1 << 20, bufferCount: Int = 4) {
        precondition(bufferCount >= 2 && blockByteCount > 0)
        self.next = next
        self.blockByteCount = blockByteCount
        self.blocks = (0..<bufferCount).map { _ in .allocate(byteCount: blockByteCount, alignment: 64) }
        self.lengths = Array(repeating: 0, count: bufferCount)
        self.free = DispatchSemaphore(value: bufferCount - 1)
        self.full = DispatchSemaphore(value: 0)
        let thread = Thread { [unowned self] in self.consume() }
        thread.start()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = min(blockByteCount - fill, bytes.count - offset)
            (blocks[producerIndex].baseAddress! + fill).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            fill += n
            offset += n
            if fill == blockByteCount { try handOver() }
        }
    }

    public func finish() throws {
        guard !finished else { return }
        finished = true
        if fill > 0 { try handOver() }
        lock.sync { endOfStream = true }
        full.signal()
        done.wait()
        if let error = lock.sync(execute: { consumerError }) { throw error }
    }

    private func handOver() throws {
        if let error = lock.sync(execute: { consumerError }) { throw error }
        lengths[producerIndex] = fill
        producerIndex = (producerIndex + 1) % blocks.count
        fill = 0
        full.signal()
        free.wait()
    }

    private func consume() {
        while true {
            full.wait()
            let (ending, failed) = lock.sync { (endOfStream, consumerError != nil) }
            // Blocks handed over before the end-of-stream signal are still in the ring.
            if consumerIndex == producerIndex && ending { break }
            if consumerIndex == producerIndex { continue }
            let block = UnsafeRawBufferPointer(rebasing: blocks[consumerIndex][0..<lengths[consumerIndex]])
            if !failed {
                do { try next.write(block) } catch { lock.sync { consumerError = error } }
            }
            consumerIndex = (consumerIndex + 1) % blocks.count
            free.signal()
            if ending && consumerIndex == producerIndex { break }
        }
        if lock.sync(execute: { consumerError == nil }) {
            do { try next.finish() } catch { lock.sync { consumerError = error } }
        }
        done.signal()
    }

    deinit {
        if !finished {
            // Abandoned after an error upstream: stop the consumer without finishing `next`.
            lock.sync { endOfStream = true; consumerError = consumerError ?? CancellationMarker() }
            full.signal()
            done.wait()
        }
        for b in blocks { b.deallocate() }
    }
}

private struct CancellationMarker: Error {}

import Foundation
