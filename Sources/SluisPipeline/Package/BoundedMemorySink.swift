import SluisIO

/// Collects bytes in memory up to a limit and throws `LimitExceeded` past it, so a small thing
/// held whole (the inner manifest) cannot make a reader hold a large one: memory stays bounded
/// whatever size the sender claims or sends.
final class BoundedMemorySink: ByteSink {
    struct LimitExceeded: Error {}

    private(set) var bytes: [UInt8] = []
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count <= limit - self.bytes.count else { throw LimitExceeded() }
        self.bytes.append(contentsOf: bytes)
    }

    func finish() throws {}
}
