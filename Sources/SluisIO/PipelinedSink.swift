import Dispatch
import Foundation

/// Hands bytes to another thread, so that producing them (parsing, pseudonymising, decrypting)
/// and consuming them (encrypting, hashing, writing) run on two cores at once.
///
/// The producer fills one of `bufferCount` fixed blocks; a full block is passed to a consumer
/// thread that writes it into `next`. Memory is bounded: `bufferCount × blockByteCount`, whatever
/// the stream's length. An error in the consumer is rethrown to the producer on its next `write`
/// or on `finish`. One producer thread writes at a time. A sink released without `finish()`
/// (an error upstream) stops its thread without finishing `next`.
public final class PipelinedSink: ByteSink, @unchecked Sendable {
    private let ring: Ring
    private var producerIndex = 0
    private var fill = 0
    private var finished = false

    /// Starts the consumer thread writing into `next`; memory is `bufferCount` blocks of `blockByteCount` bytes.
    public init(forwardingTo next: any ByteSink, blockByteCount: Int = 1 << 20, bufferCount: Int = 4) {
        precondition(bufferCount >= 2 && blockByteCount > 0)
        let ring = Ring(next: next, blockByteCount: blockByteCount, bufferCount: bufferCount)
        self.ring = ring
        // The thread holds the ring, never the sink: the sink can go away at any time.
        Thread { ring.consume() }.start()
    }

    /// Copies `bytes` into the current block, handing each full block to the consumer; rethrows the consumer's error.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = min(ring.blockByteCount - fill, bytes.count - offset)
            // swift-format-ignore: NeverForceUnwrap
            // Safe: ring blocks are allocated once; offset < bytes.count, so `bytes` is not empty.
            (ring.blocks[producerIndex].baseAddress! + fill).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            fill += n
            offset += n
            if fill == ring.blockByteCount { try handOver(takeNext: true) }
        }
    }

    /// Hands over the last block, waits for the consumer to write everything and finish `next`, and rethrows its error.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        if fill > 0 { try handOver(takeNext: false) }
        ring.end(abandoned: false)
        if let error = ring.error { throw error }
    }

    /// Passes the block being filled to the consumer and, unless it was the last, waits for a free one.
    private func handOver(takeNext: Bool) throws {
        if let error = ring.error { throw error }
        ring.handOver(index: producerIndex, byteCount: fill)
        producerIndex = (producerIndex + 1) % ring.blocks.count
        fill = 0
        if takeNext { ring.freeBlocks.wait() }
    }

    deinit {
        if !finished { ring.end(abandoned: true) }
    }
}

/// The blocks and the consumer's side of a `PipelinedSink`. The number of blocks waiting is
/// counted explicitly: ring indices alone cannot tell a full ring from an empty one.
private final class Ring: @unchecked Sendable {
    let next: any ByteSink
    let blockByteCount: Int
    let blocks: [UnsafeMutableRawBufferPointer]
    private var lengths: [Int]
    /// Signalled once per block handed over, and once at the end of the stream.
    private let handedOver = DispatchSemaphore(value: 0)
    /// Blocks the producer may still take (all but the one it is filling).
    let freeBlocks: DispatchSemaphore
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    // Guarded by `lock`:
    private var pending = 0
    private var endOfStream = false
    private var abandoned = false
    private var consumerError: (any Error)?
    // Consumer thread only:
    private var consumerIndex = 0

    init(next: any ByteSink, blockByteCount: Int, bufferCount: Int) {
        self.next = next
        self.blockByteCount = blockByteCount
        self.blocks = (0..<bufferCount).map { _ in .allocate(byteCount: blockByteCount, alignment: 64) }
        self.lengths = Array(repeating: 0, count: bufferCount)
        self.freeBlocks = DispatchSemaphore(value: bufferCount - 1)
    }

    deinit { for b in blocks { b.deallocate() } }

    var error: (any Error)? { locked { consumerError } }

    func handOver(index: Int, byteCount: Int) {
        locked {
            lengths[index] = byteCount
            pending += 1
        }
        handedOver.signal()
    }

    /// No more blocks come; waits until the consumer has drained (or, abandoned, skipped) them.
    func end(abandoned: Bool) {
        locked {
            endOfStream = true
            self.abandoned = abandoned
        }
        handedOver.signal()
        done.wait()
    }

    func consume() {
        while true {
            handedOver.wait()
            let (waiting, ending, skip) = locked { (pending, endOfStream, consumerError != nil || abandoned) }
            if waiting == 0 {
                if ending { break }
                continue
            }
            if !skip {
                let length = locked { lengths[consumerIndex] }
                do { try next.write(UnsafeRawBufferPointer(rebasing: blocks[consumerIndex][0..<length])) } catch {
                    locked { consumerError = error }
                }
            }
            consumerIndex = (consumerIndex + 1) % blocks.count
            locked { pending -= 1 }
            freeBlocks.signal()
        }
        if locked({ consumerError == nil && !abandoned }) {
            do { try next.finish() } catch { locked { consumerError = error } }
        }
        done.signal()
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
