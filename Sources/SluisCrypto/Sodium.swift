import CSodium

/// libsodium's one-time initialisation. Every entry point that uses libsodium calls `Sodium.ready()`.
public enum Sodium {
    private static let initialised: Bool = sodium_init() >= 0

    /// Initialises libsodium once; traps if the library cannot start (no usable random source),
    /// because no key or nonce could safely be made then.
    public static func ready() {
        precondition(initialised, "libsodium could not be initialised")
    }

    /// Fills `buffer` with cryptographically secure random bytes.
    public static func randomBytes(_ buffer: UnsafeMutableRawBufferPointer) {
        ready()
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        randombytes_buf(base, buffer.count)
    }

    /// `count` cryptographically secure random bytes.
    public static func randomBytes(count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randomBytes($0) }
        return out
    }

    /// Compares two equal-length buffers in constant time.
    public static func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        if a.count == 0 { return true }
        return sodium_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
    }

    /// Compares two byte arrays in constant time (the lengths are not secret).
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in constantTimeEqual(pa, pb) } }
    }

    /// Overwrites memory with zeros in a way the compiler cannot remove.
    public static func zero(_ buffer: UnsafeMutableRawBufferPointer) {
        if buffer.count > 0 { sodium_memzero(buffer.baseAddress, buffer.count) }
    }
}
