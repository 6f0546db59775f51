import SluisIO

/// Collects a small plaintext in guarded memory (wiped when released), refusing more than `capacity`.
final class SecretSink: ByteSink {
    let buffer: SecretBytes
    private(set) var count = 0
    private(set) var overflowed = false

    init(capacity: Int) { buffer = SecretBytes(count: capacity) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard count + bytes.count <= buffer.count else { overflowed = true; return }
        buffer.withUnsafeMutableBytes { out in
            UnsafeMutableRawBufferPointer(rebasing: out[count..<(count + bytes.count)]).copyMemory(from: bytes)
        }
        count += bytes.count
    }

    func finish() throws {}
}
