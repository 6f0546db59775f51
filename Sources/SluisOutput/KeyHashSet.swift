import SluisCrypto
import SluisFormats

/// The environment's person or business keys (RINPERSOON, BEID, …) held as a set of keyed
/// hashes: HMAC-SHA256 under a random key drawn for this run only, truncated to 128 bits. The
/// checker can ask "is this token a key?" without a list of keys in clear in its memory, and
/// the set is useless outside this process (the key is never written anywhere).
///
/// Not thread-safe (the MAC has one working state): each scanning thread takes its own `copy()`,
/// which shares the set and copies only the keyed MAC states.
public final class KeyHashSet {
    private let mac: HMACSHA256
    private var hashes = Set<Hash128>()
    /// The byte lengths of the keys, so tokens of other lengths are never hashed.
    public private(set) var lengths = Set<Int>()
    /// The lengths at which some key holds a byte other than an ASCII digit. At every other length
    /// all keys are digits only, so a token there with a letter cannot be one and is not hashed:
    /// the scan hashes only tokens of a key's exact shape (RINPERSOON: 9 digits).
    public private(set) var lengthsWithNonDigits = Set<Int>()
    /// Keys in the set.
    public var count: Int { hashes.count }

    struct Hash128: Hashable { var a: UInt64; var b: UInt64 }

    /// An empty set under a fresh random key.
    public init() {
        mac = HMACSHA256(key: SecretBytes.random(count: 32))
    }

    private init(copying other: KeyHashSet) {
        mac = other.mac.copy()
        hashes = other.hashes
        lengths = other.lengths
        lengthsWithNonDigits = other.lengthsWithNonDigits
    }

    /// The same set for another thread: the hashes are shared (copy on write, never written
    /// again), the MAC's keyed states copied into the copy's own guarded memory.
    public func copy() -> KeyHashSet { KeyHashSet(copying: self) }

    /// Adds every non-empty value of `column` in `source` (a delivery or a register).
    public func add(column: String, of source: RowSource) throws {
        guard let index = source.columnNames.firstIndex(of: column) else {
            throw OutputError.unknownColumn(path: source.path, column: column)
        }
        try source.forEachRow { fields, _ in
            let f = fields[index]
            if f.count > 0 { insert(f) }
        }
    }

    /// Adds one key (its keyed hash and its length).
    public func insert(_ key: UnsafeRawBufferPointer) {
        hashes.insert(hash(key))
        lengths.insert(key.count)
        if key.contains(where: { $0 < 0x30 || $0 > 0x39 }) { lengthsWithNonDigits.insert(key.count) }
    }

    /// True when `token` is one of the keys (hashed only when a key has its length).
    public func contains(_ token: UnsafeRawBufferPointer) -> Bool {
        lengths.contains(token.count) && hashes.contains(hash(token))
    }

    private func hash(_ bytes: UnsafeRawBufferPointer) -> Hash128 {
        var out = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &out) { mac.authenticate(bytes, into: $0) }
        return Hash128(a: out.0, b: out.1)
    }
}
