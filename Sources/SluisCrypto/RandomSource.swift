/// Where new keys, file keys and nonces come from.
///
/// Production code uses `SystemRandomSource` (libsodium's `randombytes_buf`). The test-vector
/// generator and the tests that reproduce vectors inject a `DeterministicRandomSource`, so that
/// the same inputs give the same bytes; nothing else should.
public protocol RandomSource: AnyObject {
    func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension RandomSource {
    func bytes(count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    func secret(count: Int) -> SecretBytes {
        let s = SecretBytes(count: count)
        s.withUnsafeMutableBytes { fill($0) }
        return s
    }
}

/// The operating system's random source through libsodium.
public final class SystemRandomSource: RandomSource {
    /// The system source has no state.
    public init() {}
    /// Fills `buffer` with random bytes from the operating system.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer) { Sodium.randomBytes(buffer) }
}

/// A reproducible byte stream for test vectors ONLY: block i = SHA-256(seed ‖ u64be(i)).
/// Never use it for real keys — anyone who knows the seed knows every byte.
public final class DeterministicRandomSource: RandomSource {
    private let seed: [UInt8]
    private var counter: UInt64 = 0
    private var pending: [UInt8] = []

    /// A stream determined by `seed` (test vectors only).
    public init(seed: [UInt8]) { self.seed = seed }

    /// Fills `buffer` with the next bytes of the stream.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        for i in 0..<buffer.count {
            if pending.isEmpty {
                var block = seed
                for shift in stride(from: 56, through: 0, by: -8) { block.append(UInt8((counter >> UInt64(shift)) & 0xff)) }
                counter += 1
                pending = SHA256Hasher.hash(block).reversed()
            }
            buffer[i] = pending.removeLast()
        }
    }
}
