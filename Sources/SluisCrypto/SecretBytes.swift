/// Secret key material in libsodium's guarded memory.
///
/// Why a class: the bytes live in one `sodium_malloc` region (guard pages, `mlock`ed, canary)
/// that is zeroed and freed exactly once, in `deinit`. It never prints its contents: `description`
/// is `<redacted>`, so a secret cannot slip into a log line or an error message by interpolation.
public final class SecretBytes: CustomStringConvertible, CustomDebugStringConvertible, @unchecked Sendable {
    /// Bytes held (the guarded allocation may be one byte larger so a zero-length secret has an address).
    public let count: Int
    private let pointer: UnsafeMutableRawPointer

    /// Allocates `count` zeroed bytes of guarded memory.
    public init(count: Int) {
        Sodium.ready()
        guard let p = Sodium.guardedAllocate(max(count, 1)) else { fatalError("sodium_malloc failed") }
        Sodium.zero(p, count: max(count, 1))
        self.count = count
        self.pointer = p
    }

    /// `count` fresh random bytes.
    public static func random(count: Int) -> SecretBytes {
        let s = SecretBytes(count: count)
        s.withUnsafeMutableBytes { Sodium.randomBytes($0) }
        return s
    }

    /// Copies `bytes` into guarded memory. The caller should zero its own copy.
    public convenience init<C: Collection>(copying bytes: C) where C.Element == UInt8 {
        self.init(count: bytes.count)
        withUnsafeMutableBytes { dst in
            var i = 0
            for b in bytes { dst[i] = b; i += 1 }
        }
    }

    /// Lends the bytes for reading; the pointer must not escape `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Lends the bytes for writing (filling a key in place); the pointer must not escape `body`.
    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    /// Constant-time comparison.
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        withUnsafeBytes { a in other.withUnsafeBytes { b in Sodium.constantTimeEqual(a, b) } }
    }

    /// A copy of the bytes as an ordinary array. Use only to hand the secret to a writer that
    /// must serialise it (a key file); zero the array afterwards.
    public func exposedCopy() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Always `<redacted>`: interpolating a secret into a message cannot leak it.
    public var description: String { "<redacted>" }
    /// Always `<redacted>`, in debuggers and `dump` too.
    public var debugDescription: String { "<redacted>" }

    deinit {
        Sodium.guardedFree(pointer)
    }
}
