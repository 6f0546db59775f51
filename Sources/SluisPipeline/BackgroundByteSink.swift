import Foundation
import SluisIO

/// Hands blocks to another sink on a second thread, so parsing and pseudonymising (this
/// thread) overlap with writing or encrypting (that thread) on a two-core machine.
///
/// Memory is bounded: `depth` blocks of `blockByteCount` bytes are in flight at most; a writer
/// that gets ahead waits. An error on the background thread is rethrown by the next `write` or
/// by `drain()`. Bytes reach the target in order and in blocks of `blockByteCount` (the last one
/// shorter).
public final class BackgroundByteSink: ByteSink {
    private let channel: Channel
    private let blockByteCount: Int
    private var current: UnsafeMutableRawPointer
    private var used = 0
    private var allBlocks: [UnsafeMutableRawPointer] = []
    private var stopped = false

    /// The state both threads share; the writer thread holds it strongly, so it outlives `deinit`.
    private final class Channel: @unchecked Sendable {
        let target: ByteSink
        let condition = NSCondition()
        var filled: [(UnsafeMutableRawPointer, Int)] = []
        var free: [UnsafeMutableRawPointer] = []
        var failure: Error?
        var closing = false
        var running = true
        init(target: ByteSink) { self.target = target }

        func writerLoop() {
            while true {
                condition.lock()
                while filled.isEmpty && !closing { condition.wait() }
                if filled.isEmpty && closing {
                    running = false
                    condition.broadcast()
                    condition.unlock()
                    return
                }
                let (block, count) = filled.removeFirst()
                let failed = failure != nil
                condition.unlock()
                var error: Error?
                if !failed {
                    do { try target.write(UnsafeRawBufferPointer(start: block, count: count)) } catch let e { error = e }
                }
                condition.lock()
                if let error, failure == nil { failure = error }
                free.append(block)
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    public init(target: ByteSink, blockByteCount: Int = 1 << 20, depth: Int = 4) {
        self.channel = Channel(target: target)
        self.blockByteCount = max(blockByteCount, 1)
        for _ in 0..<(max(depth, 1) + 1) {
            allBlocks.append(.allocate(byteCount: self.blockByteCount, alignment: 64))
        }
        current = allBlocks[0]
        channel.free = Array(allBlocks.dropFirst())
        let channel = self.channel
        let thread = Thread { channel.writerLoop() }
        thread.name = "sluis-writer"
        thread.start()
    }

    deinit {
        stopThread()
        for b in allBlocks { b.deallocate() }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, blockByteCount - used)
            (current + used).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            used += n
            offset += n
            if used == blockByteCount { try handOff() }
        }
    }

    /// Waits until every byte written so far has reached the target; does not finish it.
    public func drain() throws {
        if used > 0 { try handOff() }
        let c = channel
        c.condition.lock()
        while (!c.filled.isEmpty || c.free.count < allBlocks.count - 1) && c.failure == nil { c.condition.wait() }
        let error = c.failure
        c.condition.unlock()
        if let error { throw error }
    }

    /// Drains, stops the thread, then finishes the target.
    public func finish() throws {
        try drain()
        stopThread()
        try channel.target.finish()
    }

    private func handOff() throws {
        let c = channel
        c.condition.lock()
        defer { c.condition.unlock() }
        if let failure = c.failure { throw failure }
        c.filled.append((current, used))
        c.condition.broadcast()
        while c.free.isEmpty && c.failure == nil { c.condition.wait() }
        if let failure = c.failure { throw failure }
        current = c.free.removeLast()
        used = 0
    }

    private func stopThread() {
        guard !stopped else { return }
        stopped = true
        let c = channel
        c.condition.lock()
        c.closing = true
        c.condition.broadcast()
        while c.running { c.condition.wait() }
        c.condition.unlock()
    }
}
