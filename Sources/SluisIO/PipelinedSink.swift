import Dispatch
import Foundation

/// Hands bytes to another thread, so that producing them (parsing, pseudonymising, decrypting)
/// and consuming them (encrypting, hashing, writing) run on two cores at once.
///
/// The producer fills one of `bufferCount` fixed blocks; a full block is passed to a consumer
/// thread that writes it into `next`. Memory is bounded: `bufferCount × blockByteCount`, whatever
/// the stream's length. The number of blocks waiting is counted explicitly (ring indices alone
/// cannot tell a full ring from an empty one). An error in the consumer is rethrown to the
/// producer on its next `write` or on `finish`. One producer thread writes at a time.
public final class PipelinedSink: ByteSink, @unchecked Sendable {
    private let next: any ByteSink
    private let blockByteCount: Int
    private var blocks: [UnsafeMutableRawBufferPointer]
    private var lengths: [Int]
    /// Signalled once per block handed over, and once at the end of the stream.
    private let handedOver = DispatchSemaphore(value: 0)
    /// Counts blocks the producer may still take (all but the one it is filling).
    private let freeBlocks: DispatchSemaphore
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    // Guarded by `lock`:
    private var pending = 0
    private var endOfStream = false
    private var consumerError: (any Error)?
    // Producer only:
    private var producerIndex = 0
    private var fill = 0
    private var finished = false
    // Consumer only:
    private var consumerIndex = 0

    public init(forwardingTo next: any ByteSink, blockByteCount: Int = 1 << 20, bufferCount: Int = 4) {
        precondition(bufferCount >= 2 && blockByteCount > 0)
        self.next = next
        self.blockByteCount = blockByteCount
        self.blocks = (0..<bufferCount).map { _ in .allocate(byteCount: blockByteCount, alignment: 64) }
        self.lengths = Array(repeating: 0, count: bufferCount)
        self.freeBlocks = DispatchSemaphore(value: bufferCount - 1)
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
        if fill > 0 { try handOver(takeNext: false) }
        end()
        if let error = locked({ consumerError }) { throw error }
    }

    /// Passes the block being filled to the consumer and, unless it was the last, waits for a free one.
    private func handOver(takeNext: Bool = true) throws {
        if let error = locked({ consumerError }) { throw error }
        lengths[producerIndex] = fill
        locked { pending += 1 }
        handedOver.signal()
        producerIndex = (producerIndex + 1) % blocks.count
        fill = 0
        if takeNext { freeBlocks.wait() }
    }

    /// Tells the consumer no more blocks come, and waits until it has drained them.
    private func end() {
        locked { endOfStream = true }
        handedOver.signal()
        done.wait()
    }

    private func consume() {
        while true {
            handedOver.wait()
            let (waiting, ending, failed) = locked { (pending, endOfStream, consumerError != nil) }
            if waiting == 0 {
                if ending { break }
                continue
            }
            if !failed {
                let block = UnsafeRawBufferPointer(rebasing: blocks[consumerIndex][0..<lengths[consumerIndex]])
                do { try next.write(block) } catch { locked { consumerError = error } }
            }
            consumerIndex = (consumerIndex + 1) % blocks.count
            locked { pending -= 1 }
            freeBlocks.signal()
        }
        if locked({ consumerError == nil }) {
            do { try next.finish() } catch { locked { consumerError = error } }
        }
        done.signal()
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    deinit {
        if !finished {
            // Abandoned after an error upstream: drain without writing and without finishing `next`.
            locked { consumerError = consumerError ?? Abandoned() }
            end()
        }
        for b in blocks { b.deallocate() }
    }
}

private struct Abandoned: Error {}
