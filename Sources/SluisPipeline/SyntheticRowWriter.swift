import SluisIO

/// Builds text rows straight into a byte buffer and hands it to a sink in 1 MiB blocks; the
/// synthesiser writes a gigabyte this way in seconds, without `String` formatting per value.
final class SyntheticRowWriter {
    private let sink: ByteSink
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity = 1 << 20
    @exclusivity(unchecked) private var used = 0
    /// Physical lines written so far (counts newlines, including those inside quoted fields).
    @exclusivity(unchecked) private(set) var lines = 0

    init(sink: ByteSink) {
        self.sink = sink
        buffer = .allocate(capacity: capacity + 4096)
    }

    deinit { buffer.deallocate() }

    @inline(__always) func byte(_ b: UInt8) {
        buffer[used] = b
        used += 1
        if b == 0x0A { lines += 1 }
    }

    func text(_ s: String) {
        for b in s.utf8 { byte(b) }
    }

    func bytes(_ a: [UInt8]) {
        for b in a { byte(b) }
    }

    /// A non-negative number in decimal, zero-padded to `width`.
    @inline(__always) func number(_ value: Int, width: Int = 1) {
        var digits = 1
        var v = value / 10
        while v > 0 { digits += 1; v /= 10 }
        for _ in digits..<max(digits, width) { byte(0x30) }
        var i = used + digits - 1
        v = value
        repeat { buffer[i] = UInt8(v % 10) + 0x30; v /= 10; i -= 1 } while v > 0
        used += digits
    }

    /// Ends a row; flushes when a block is full.
    func endRow() throws {
        byte(0x0A)
        if used >= capacity { try flush() }
    }

    func flush() throws {
        guard used > 0 else { return }
        try sink.write(UnsafeRawBufferPointer(start: buffer, count: used))
        used = 0
    }
}
