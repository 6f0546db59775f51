import SluisCrypto
import SluisFormats

/// The environment's person or business keys (RINPERSOON, BEID, …) held as a set of keyed
/// hashes: HMAC-SHA256 under a random key drawn for this run only, truncated to 128 bits. The
/// checker can ask "is this token a key?" without a list of keys in clear in its memory, and
/// the set is useless outside this process (the key is never written anywhere).
public final class KeyHashSet {
    private let mac: HMACSHA256
    private var hashes = Set<Hash128>()
    /// The byte lengths of the keys, so tokens of other lengths are never hashed.
    public private(set) var lengths = Set<Int>()
    /// Keys in the set.
    public var count: Int { hashes.count }

    struct Hash128: Hashable { var a: UInt64; var b: UInt64 }

    /// An empty set under a fresh random key.
    public init() {
        mac = HMACSHA256(key: SecretBytes.random(count: 32))
    }

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
