/// Maps byte strings (category labels, composite keys) to dense indices 0, 1, 2, … without
/// allocating per lookup: keys live back to back in one growing byte array and the table holds
/// only indices, so aggregating millions of rows costs one hash and one compare per lookup.
/// Memory grows with the number of distinct keys, never with the number of rows. Used from one
/// thread at a time; its storage skips the run-time exclusivity checks (a third of the time
/// per row when they were on).
final class ByteKeyDictionary {
    @exclusivity(unchecked) private var bytes: [UInt8] = []
    @exclusivity(unchecked) private var starts: [Int] = []
    @exclusivity(unchecked) private var ends: [Int] = []
    @exclusivity(unchecked) private var hashes: [UInt64] = []
    /// Open addressing, linear probing; -1 marks an empty slot.
    @exclusivity(unchecked) private var slots: [Int32]
    @exclusivity(unchecked) private var mask: Int

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { starts.count }

    /// The bytes of key `index`.
    func key(_ index: Int) -> ArraySlice<UInt8> { bytes[starts[index]..<ends[index]] }

    /// The index of `key`, inserting it when new.
    func index(of key: UnsafeRawBufferPointer) -> Int {
        let h = Self.hash(key)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let i = Int(slots[slot])
            if i < 0 { break }
            if hashes[i] == h && equals(i, key) { return i }
            slot = (slot + 1) & mask
        }
        let i = starts.count
        starts.append(bytes.count)
        bytes.append(contentsOf: key)
        ends.append(bytes.count)
        hashes.append(h)
        slots[slot] = Int32(i)
        if starts.count * 2 > slots.count { grow() }
        return i
    }

    private func equals(_ i: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let n = ends[i] - starts[i]
        guard n == key.count else { return false }
        if n == 0 { return true }
        return bytes.withUnsafeBytes { all in
            // swift-format-ignore: NeverForceUnwrap
            // Safe: n > 0 stored bytes (n == 0 returned above).
            let stored = all.baseAddress! + starts[i]
            // Category labels are short: compare in place rather than call memcmp.
            if n <= 16 {
                for j in 0..<n where stored.load(fromByteOffset: j, as: UInt8.self) != key[j] { return false }
                return true
            }
            // swift-format-ignore: NeverForceUnwrap
            // Safe: n == key.count > 16: a non-empty buffer has a base address.
            return memcmp(stored, key.baseAddress!, n) == 0
        }
    }

    private func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for i in 0..<hashes.count {
            var slot = Int(truncatingIfNeeded: hashes[i]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(i)
        }
    }

    /// FNV-1a over 8-byte words then bytes, finished with a multiply-xorshift mix: fast for the
    /// short keys of category labels, and well spread for the power-of-two table.
    @inline(__always)
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(key.count)
        var i = 0
        let n = key.count
        while i + 8 <= n {
            h = (h ^ key.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        while i < n {
            h = (h ^ UInt64(key[i])) &* 0x100_0000_01b3
            i += 1
        }
        h ^= h >> 32
        h = h &* 0xd6e8_feb8_6659_fd93
        h ^= h >> 32
        return h
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
