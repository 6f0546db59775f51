/// One entry of a register index: the pseudonym's 64-bit key, a fingerprint of the identifier
/// it came from, and the register row it points to.
///
/// Layout (16 bytes, no padding): key, fingerprint, row. `row == PseudonymIndex.ambiguousRow`
/// marks a key that several register persons share (same-sex twins at one address, say).
public struct IndexEntry: Sendable {
    public var key: UInt64
    public var fingerprint: UInt32
    public var row: UInt32

    @inline(__always)
    public init(key: UInt64, fingerprint: UInt32, row: UInt32) {
        self.key = key
        self.fingerprint = fingerprint
        self.row = row
    }
}

/// What looking up a pseudonym key gives.
public enum IndexLookup: Equatable, Sendable {
    case found(row: UInt32)
    case ambiguous
    case notFound
}

/// Sorted pseudonym keys of one domain, with a bucket directory for searching.
///
/// Why this shape: 17 million persons must fit in well under 1.5 GB and be searched at millions
/// of rows per second. Entries sit in one array sorted by key (16 bytes each, 272 MB for 17
/// million); keys are uniformly distributed (they are MAC outputs), so a directory of
/// `bucketCount + 1` starting offsets indexed by the key's position in the key space (an exact
/// interpolation step) leaves about four entries to scan per lookup: two or three cache misses.
/// Building is a counting sort into the buckets and an insertion sort inside each.
public final class PseudonymIndex: @unchecked Sendable {
    public static let ambiguousRow = UInt32.max

    public let count: Int
    let entries: UnsafeMutableBufferPointer<IndexEntry>
    let directory: UnsafeMutableBufferPointer<UInt32>
    let bucketCount: Int
    /// bucket(key) = high 64 bits of key × scale: monotone in the key and below `bucketCount`.
    let scale: UInt64
    let fullRange: Bool

    /// Sorts the entries of `batches` (emptied as they are consumed, to keep the peak low).
    /// `keySpace` is the number of distinct keys when below 2⁶⁴.
    init(batches: inout [[IndexEntry]], keySpace: UInt64?) {
        let n = batches.reduce(0) { $0 + $1.count }
        count = n
        var buckets = 1
        while buckets * 4 < n { buckets <<= 1 }
        if let space = keySpace { while buckets > 1 && UInt64(buckets) > space / 2 { buckets >>= 1 } }
        bucketCount = buckets
        if let space = keySpace {
            fullRange = false
            scale = UInt64(truncatingIfNeeded: (UInt128(buckets) << 64) / UInt128(space))
        } else {
            fullRange = true
            scale = UInt64(buckets)
        }
        directory = .allocate(capacity: buckets + 1)
        directory.initialize(repeating: 0)
        entries = .allocate(capacity: max(n, 1))

        // Counting sort by bucket.
        for batch in batches { for e in batch { directory[bucket(e.key) + 1] &+= 1 } }
        for b in 0..<buckets { directory[b + 1] &+= directory[b] }
        let cursor = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: buckets)
        defer { cursor.deallocate() }
        _ = cursor.initialize(from: directory[0..<buckets])
        for i in batches.indices {
            for e in batches[i] {
                let b = bucket(e.key)
                (entries.baseAddress! + Int(cursor[b])).initialize(to: e)
                cursor[b] &+= 1
            }
            batches[i] = []
        }
        sortBuckets()
    }

    deinit {
        entries.deallocate()
        directory.deallocate()
    }

    @inline(__always)
    func bucket(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: key.multipliedFullWidth(by: scale).high)
    }

    /// Insertion sort inside each bucket by (key, fingerprint, row), on two threads.
    private func sortBuckets() {
        let half = bucketCount / 2
        let work: @Sendable (Int, Int) -> Void = { [self] from, to in
            for b in from..<to { sortBucket(Int(directory[b]), Int(directory[b + 1])) }
        }
        if count < 100_000 || half == 0 {
            work(0, bucketCount)
        } else {
            runConcurrently([{ work(0, half) }, { work(half, self.bucketCount) }])
        }
    }

    private func sortBucket(_ lo: Int, _ hi: Int) {
        guard hi - lo > 1 else { return }
        let p = entries.baseAddress!
        for i in (lo + 1)..<hi {
            let x = p[i]
            var j = i
            while j > lo && Self.precedes(x, p[j - 1]) { p[j] = p[j - 1]; j -= 1 }
            p[j] = x
        }
    }

    @inline(__always)
    static func precedes(_ a: IndexEntry, _ b: IndexEntry) -> Bool {
        if a.key != b.key { return a.key < b.key }
        if a.fingerprint != b.fingerprint { return a.fingerprint < b.fingerprint }
        return a.row < b.row
    }

    /// Looks up a key: the first entry with that key decides.
    @inline(__always)
    public func lookup(_ key: UInt64) -> IndexLookup {
        let b = bucket(key)
        var i = Int(directory[b])
        let end = Int(directory[b + 1])
        let p = entries.baseAddress!
        while i < end {
            let e = p[i]
            if e.key == key { return e.row == Self.ambiguousRow ? .ambiguous : .found(row: e.row) }
            if e.key > key { return .notFound }
            i += 1
        }
        return .notFound
    }

    /// Calls `body` for every run of two or more entries with the same key, with the run's
    /// range; `body` may rewrite the entries' rows (to mark them ambiguous).
    func forEachRunOfEqualKeys(_ body: (UnsafeMutableBufferPointer<IndexEntry>) throws -> Void) rethrows {
        var i = 0
        while i < count {
            var j = i + 1
            while j < count && entries[j].key == entries[i].key { j += 1 }
            if j - i > 1 { try body(UnsafeMutableBufferPointer(rebasing: entries[i..<j])) }
            i = j
        }
    }

    /// Bytes held by the index.
    public var byteCount: Int { count * MemoryLayout<IndexEntry>.stride + (bucketCount + 1) * 4 }
}

/// A borrowed, reference-free view of a `PseudonymIndex` for hot loops: no retain/release or
/// exclusivity checks per lookup. Valid while the index is alive.
struct PseudonymIndexView {
    let entries: UnsafePointer<IndexEntry>
    let directory: UnsafePointer<UInt32>
    let scale: UInt64

    init(_ index: PseudonymIndex) {
        entries = UnsafePointer(index.entries.baseAddress!)
        directory = UnsafePointer(index.directory.baseAddress!)
        scale = index.scale
    }

    /// The register row for `key`; `PseudonymIndex.ambiguousRow` when ambiguous, `notFound` when absent.
    @inline(__always)
    func row(for key: UInt64) -> UInt32 {
        let b = Int(truncatingIfNeeded: key.multipliedFullWidth(by: scale).high)
        var i = Int(directory[b])
        let end = Int(directory[b + 1])
        while i < end {
            let e = entries[i]
            if e.key == key { return e.row }
            if e.key > key { return Self.notFound }
            i += 1
        }
        return Self.notFound
    }

    static let notFound = UInt32.max - 1
}
