/// Hands bytes to another thread, so that producing them (parsing, pseudonymising, decrypting)
/// and consuming them (encrypting, hashing, writing) run on two cores at once.
///
/// The producer fills one of `bufferCount` fixed blocks; a full block goes through a `HandOff`
/// to a consumer thread that writes it into `next`. Memory is bounded: `bufferCount ×
/// blockByteCount`, whatever the stream's length. An error in the consumer is rethrown to the
/// producer on its next `write` or on `finish`. One producer thread writes at a time. A sink
/// released without `finish()` (an error upstream) abandons the hand-off — which returns only once
/// its thread is gone — before the blocks are freed, and does not finish `next`.
public final class PipelinedSink: ByteSink, @unchecked Sendable {
    /// A block handed over: its index in `blocks` and how many of its bytes are filled.
    private struct Filled { var index: Int; var byteCount: Int }

    private let blocks: [UnsafeMutableRawBufferPointer]
    private let blockByteCount: Int
    private let next: any ByteSink
    private let handOff: HandOff<Filled>
    private var current: Filled
    private var finished = false

    /// Starts the consumer thread writing into `next`; memory is `bufferCount` blocks of `blockByteCount` bytes.
    public init(forwardingTo next: any ByteSink, blockByteCount: Int = 1 << 20, bufferCount: Int = 4) {
        precondition(bufferCount >= 2 && blockByteCount > 0)
        let blocks = (0..<bufferCount).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: blockByteCount, alignment: 64) }
        // The consumer captures the block pointers and `next`, never `self`.
        let handOff = HandOff(reusing: (0..<bufferCount).map { Filled(index: $0, byteCount: 0) }, capacity: bufferCount,
                              name: "sluis-pipelined-sink") { filled in
            try next.write(UnsafeRawBufferPointer(rebasing: blocks[filled.index][0..<filled.byteCount]))
        }
        self.blocks = blocks
        self.blockByteCount = blockByteCount
        self.next = next
        self.handOff = handOff
        // Every block is free at the start: this cannot fail or wait.
        current = (try? handOff.takeFree()) ?? Filled(index: 0, byteCount: 0)
    }

    /// Copies `bytes` into the current block, handing each full block to the consumer; rethrows the consumer's error.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = min(blockByteCount - current.byteCount, bytes.count - offset)
            // swift-format-ignore: NeverForceUnwrap
            // Safe: blocks are allocated once with blockByteCount > 0; offset < bytes.count, so `bytes` is not empty.
            (blocks[current.index].baseAddress! + current.byteCount).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            current.byteCount += n
            offset += n
            if current.byteCount == blockByteCount {
                current = try handOff.handOff(current)
                current.byteCount = 0
            }
        }
    }

    /// Hands over the last block, waits for the consumer to write everything and finish `next`, and rethrows its error.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        if current.byteCount > 0 { try handOff.put(current) }
        try handOff.finish()
        try next.finish()
    }

    deinit {
        // Abandon first: it returns only once the consumer thread no longer touches a block.
        handOff.abandon()
        for b in blocks { b.deallocate() }
    }
}
