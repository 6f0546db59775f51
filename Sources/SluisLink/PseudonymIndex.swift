#if canImport(Glibc)
import Glibc
#endif

/// Hands freed heap memory back to the system. The index is built from many blocks of a few
/// hundred kilobytes that are freed as they are sorted in; glibc keeps such blocks for reuse,
/// which would leave the peak resident size at blocks + index instead of the index alone.
/// (`malloc_trim` is looked up at run time: Glibc's module map does not export malloc.h.)
func returnFreedMemory() {
    #if canImport(Glibc)
    typealias Trim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: Trim.self)(0)
    #endif
}

/// One entry of a register index: the pseudonym's 64-bit key and a 64-bit payload.
///
/// While the index is built the payload is `fingerprint << 32 | register row` (the fingerprint
/// tells a collision from a repeated identifier); once the register checks have passed it is
/// the person's packed RINPERSOONS/RINPERSOON (`RegisterPerson`), `PseudonymIndex.ambiguous`
/// for a key several register persons share (same-sex twins at one address, say), or
/// `PseudonymIndex.colliding` for a key different identifiers share. So a lookup reads one
/// 16-byte entry and nothing else.
public struct IndexEntry: Sendable {
    /// The pseudonym's 64-bit key (`PseudonymKeyCodec`): what the index is sorted and searched on.
    public var key: UInt64
    /// While building: fingerprint and register row; once built: the person or a mark (see above).
    public var payload: UInt64

    /// A build-time entry: the identifier's fingerprint and its register row.
    @inline(__always)
    public init(key: UInt64, fingerprint: UInt32, row: UInt32) {
        self.key = key
        self.payload = UInt64(fingerprint) << 32 | UInt64(row)
    }

    /// Build time: a hash of the identifier, to tell a collision from a repeated identifier.
    public var fingerprint: UInt32 { UInt32(truncatingIfNeeded: payload >> 32) }
    /// Build time: the register row the key came from (for the line numbers of messages).
    public var row: UInt32 { UInt32(truncatingIfNeeded: payload) }
}

/// A register person as the index stores it: bits 59–62 the RINPERSOONS code's number in
/// `RegisterIndex.codes`, bits 0–58 the RINPERSOON as a number (bit 63 is never set).
public struct RegisterPerson: Equatable, Sendable {
    /// The code's number and the RINPERSOON in one word (layout above).
    public let packed: UInt64
    /// A person from its packed word.
    @inline(__always) public init(packed: UInt64) { self.packed = packed }
    /// The RINPERSOONS code's number in `RegisterIndex.codes`.
    @inline(__always) public var codeIndex: Int { Int(packed >> 59) }
    /// The RINPERSOON as a number (leading zeros are restored from the register's width on output).
    @inline(__always) public var rin: UInt64 { packed & ((1 << 59) - 1) }
}

/// What looking up a pseudonym key gives.
public enum IndexLookup: Equatable, Sendable {
    case found(RegisterPerson)
    case ambiguous
    /// Different register identifiers share this pseudonym under the project key.
    case colliding
    case notFound
}

/// Sorted pseudonym keys of one domain, with a bucket directory for searching.
///
/// Why this shape: 17 million persons must fit in well under 1.5 GB and be searched at millions
/// of rows per second. Entries sit in one array sorted by key (16 bytes each, 272 MB for 17
/// million); keys are uniformly distributed (they are MAC outputs), so a directory of
/// `bucketCount + 1` starting offsets indexed by the key's position in the key space (an exact
/// interpolation step) leaves about eight entries (two cache lines) to scan per lookup: a
/// directory read (8 MB for 17 million, mostly in the last-level cache) and one or two misses.
/// Building is a counting sort into the buckets and an insertion sort inside each.
public final class PseudonymIndex: @unchecked Sendable {
    /// The payload of a key several register persons share.
    public static let ambiguous = UInt64.max
    /// What `PseudonymIndexView.payload(for:from:to:)` gives for a key that is not in the index.
    public static let notFound = UInt64.max - 1
    /// The payload of a key that different register identifiers share (a collision). The
    /// smallest of the three marks: a payload below it is a person (bit 63 is never set in one),
    /// so the hot loop tells "found" from everything else with one comparison.
    public static let colliding = UInt64.max - 2

    /// Entries in the index (one per indexed register row).
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
        while buckets * 8 < n { buckets <<= 1 }
        if let space = keySpace { while buckets > 1 && UInt64(buckets) > space / 2 { buckets >>= 1 } }
        bucketCount = buckets
        if let space = keySpace {
            fullRange = false
            scale = UInt64(truncatingIfNeeded: (UInt128(buckets) << 64) / UInt128(space))
        } else {
            fullRange = true
            scale = UInt64(buckets)
        }
        directory = allocateLarge(UInt32.self, count: buckets + 1)
        directory.initialize(repeating: 0)
        entries = allocateLarge(IndexEntry.self, count: max(n, 1))

        // Counting sort by bucket.
        for batch in batches { for e in batch { directory[bucket(e.key) + 1] &+= 1 } }
        for b in 0..<buckets { directory[b + 1] &+= directory[b] }
        let cursor = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: buckets)
        defer { cursor.deallocate() }
        _ = cursor.initialize(from: directory[0..<buckets])
        for i in batches.indices {
            for e in batches[i] {
                let b = bucket(e.key)
                // swift-format-ignore: NeverForceUnwrap
                // Safe: `entries` is allocated (at least one element) before it is filled.
                (entries.baseAddress! + Int(cursor[b])).initialize(to: e)
                cursor[b] &+= 1
            }
            batches[i] = []
            if i % 64 == 63 { returnFreedMemory() }
        }
        returnFreedMemory()
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
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `entries` is allocated with at least one element.
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
        return a.payload < b.payload
    }

    /// Looks up a key: the first entry with that key decides.
    @inline(__always)
    public func lookup(_ key: UInt64) -> IndexLookup {
        let b = bucket(key)
        var i = Int(directory[b])
        let end = Int(directory[b + 1])
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `entries` is allocated with at least one element.
        let p = entries.baseAddress!
        while i < end {
            let e = p[i]
            if e.key == key {
                switch e.payload {
                case Self.ambiguous: return .ambiguous
                case Self.colliding: return .colliding
                default: return .found(RegisterPerson(packed: e.payload))
                }
            }
            if e.key > key { return .notFound }
            i += 1
        }
        return .notFound
    }

    /// Replaces each entry's build-time payload (fingerprint, row) by the row's person, keeping
    /// `ambiguous` and `colliding` marks. Called once, after the register checks.
    func finalise(persons: [UInt64]) {
        persons.withUnsafeBufferPointer { persons in
            for i in 0..<count where entries[i].payload < Self.colliding {
                entries[i].payload = persons[Int(entries[i].row)]
            }
        }
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
        // swift-format-ignore: NeverForceUnwrap
        // Safe: the index's buffers are allocated with at least one element.
        entries = UnsafePointer(index.entries.baseAddress!)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: the directory holds buckets + 1 >= 1 entries.
        directory = UnsafePointer(index.directory.baseAddress!)
        scale = index.scale
    }

    /// The bucket of `key`: its entries are `directory[b] ..< directory[b + 1]`.
    @inline(__always)
    func bucket(_ key: UInt64) -> Int { Int(truncatingIfNeeded: key.multipliedFullWidth(by: scale).high) }

    /// The packed person for `key`, searched in its bucket's range `lo ..< hi` (read from the
    /// directory beforehand); `PseudonymIndex.ambiguous`, `.colliding` or `.notFound` otherwise.
    @inline(__always)
    func payload(for key: UInt64, from lo: Int, to hi: Int) -> UInt64 {
        var i = lo
        while i < hi {
            let e = entries[i]
            if e.key == key { return e.payload }
            if e.key > key { return PseudonymIndex.notFound }
            i += 1
        }
        return PseudonymIndex.notFound
    }
}

/// Allocates an array for the index; large ones are aligned to 2 MiB and marked for transparent
/// huge pages, so random lookups over hundreds of megabytes do not miss the TLB on every access.
func allocateLarge<T>(_: T.Type, count: Int) -> UnsafeMutableBufferPointer<T> {
    let byteCount = count * MemoryLayout<T>.stride
    guard byteCount >= 4 << 20 else { return .allocate(capacity: count) }
    let raw = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 2 << 20)
    #if canImport(Glibc)
    _ = madvise(raw, byteCount, 14)  // MADV_HUGEPAGE
    #endif
    return UnsafeMutableBufferPointer(start: raw.bindMemory(to: T.self, capacity: count), count: count)
}
