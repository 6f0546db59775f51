import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO

/// Links one table: replaces each person key's pseudonym columns by RINPERSOONS and RINPERSOON
/// columns and removes every pseudonym column, streaming row by row.
///
/// Per person key and row, the keys are tried in order (the cascade): a malformed pseudonym
/// counts as invalid, one the register lacks as unmatched, one several persons share as a
/// duplicate, one different register identifiers share as a collision, and the first key
/// found decides. A row no key links gets the unmatched code and a
/// surrogate RINPERSOON derived from its first well-formed pseudonym (empty when it has none).
/// Which key matched is counted, never written.
public final class TableLinker {
    /// The register's pseudonym indexes the rows are looked up in.
    public let index: RegisterIndex
    /// Codes, widths and the surrogate key the output is written with.
    public let options: LinkOptions
    private let surrogates: SurrogateGenerator
    private let unmatchedCode: [UInt8]

    /// `surrogateSecret` is the intake's surrogate key (`SurrogateKey.load`).
    public init(index: RegisterIndex, surrogateSecret: SecretBytes, projectId: String, options: LinkOptions = LinkOptions()) {
        self.index = index
        self.options = options
        // As wide as the register's RINPERSOONs; 9 (the CBS width) for an empty register.
        let width = options.surrogateWidth ?? (index.rinWidth > 0 ? index.rinWidth : 9)
        self.surrogates = SurrogateGenerator(secret: surrogateSecret, projectId: projectId, width: min(max(width, 1), 38))
        self.unmatchedCode = Array(options.unmatchedCode.utf8)
    }

    /// Which thread looks a block up; `.adaptive` except in tests.
    nonisolated(unsafe) static var lookupPlacement = WorkPlacement.adaptive

    /// Reads every row of `source`, writes the linked rows to `sink` (header first, `finish()`
    /// last) and returns the counts. `output` names the output in the report.
    public func link(source: RowSource, layout: LinkFileLayout, sink: RowSink, output: String) throws -> FileLinkReport {
        let plan = try LinkPlan(file: source.path, header: source.columnNames, layout: layout, index: index, options: options)
        var columns: [OutputColumn] = []
        for (slot, name) in zip(plan.slots, plan.outputNames) {
            switch slot {
            case let .kept(c): columns.append(OutputColumn(name: name, origin: .kept(sourceIndex: c)))
            case .personCode: columns.append(OutputColumn(name: name, origin: .added(width: max(unmatchedCode.count, index.codes.map(\.count).max() ?? 1))))
            case .personRIN: columns.append(OutputColumn(name: name, origin: .added(width: max(index.rinWidth, surrogates.width))))
            }
        }
        try sink.writeHeader(columns)

        var counts = plan.persons.map { p in
            PersonKeyCounts(name: p.name, keys: p.keys.map { k in
                MatchKeyCounts(domain: k.domain.label, column: source.columnNames[k.column])
            })
        }
        let rows = try withExtendedLifetime(index) {
            try linkRows(source: source, plan: plan, sink: sink, counts: &counts)
        }
        try sink.finish()
        var report = FileLinkReport(file: source.path, output: output, personKeys: counts)
        report.rows = rows
        return report
    }

    /// The hot loop, on two threads. This thread parses rows and copies them into blocks of
    /// `LinkRowBlock.rowCapacity`; a `HandOff` thread assembles and writes them, in order. Each
    /// block is looked up (`LinkLookupStage`) by whichever thread has time: the reader does it
    /// while blocks are waiting for the writing thread, and leaves it to that thread when none is.
    /// Why: which side is busier depends on the file and the machine (measured both ways on
    /// the benchmark: the writing side's kernel copy into the page cache varies a lot), and a
    /// fixed split left one core a third idle.
    private func linkRows(source: RowSource, plan: LinkPlan, sink: RowSink, counts: inout [PersonKeyCounts]) throws -> Int {
        let readerStage = LinkLookupStage(plan: plan, index: index)
        let writer = LinkBlockWriter(plan: plan, index: index, unmatchedCode: unmatchedCode, surrogates: surrogates, sink: sink)
        let capacity = LinkRowBlock.rowCapacity
        let blocks = (0..<4).map { _ in LinkBlock(columnCount: source.columnNames.count, personCount: readerStage.personCount) }
        // Four blocks circulate between the two threads through a `HandOff`: this thread reads,
        // its thread looks up (when the reader did not), assembles and writes, in order.
        let writing = HandOff(reusing: blocks, capacity: blocks.count, name: "sluis-link-write", stackByteCount: 1 << 22,
                              recycle: { $0.rows.removeAll() }) { try writer.write($0) }
        /// Looks the block up here or leaves it to the writing thread, then hands it over.
        func hand(_ block: LinkBlock) throws {
            block.lookedUp = Self.lookupPlacement.readerTakesWork(backlog: writing.backlog)
            if block.lookedUp { readerStage.lookUp(block) }
            try writing.put(block)
        }
        do {
            let first = try writing.takeFree()
            // Unretained: `blocks` keeps every block alive (see `withExtendedLifetime` below), and a
            // retain/release pair per row measured as 9% of the reading thread.
            unowned(unsafe) var block = first
            unowned(unsafe) var blockRows = first.rows
            try source.forEachRow { row, _ in
                blockRows.append(row)
                if blockRows.count == capacity {
                    try hand(block)
                    let next = try writing.takeFree()
                    block = next
                    blockRows = next.rows
                }
            }
            if block.rows.count > 0 { try hand(block) }
            try writing.finish()
        } catch {
            writing.abandon()
            throw error
        }
        // The unretained references above point into `blocks`: keep them until here.
        withExtendedLifetime(blocks) {}
        LinkLookupStage.copyCounts(of: [readerStage, writer.stage], into: &counts, rows: writer.rows)
        return writer.rows
    }
}

/// A block of rows with what their lookups found: per person key and row, the packed person
/// (or `PseudonymIndex.notFound`), and the first well-formed key with its key number (-1 when
/// the row has none) for the surrogate.
final class LinkBlock: @unchecked Sendable {
    let rows: LinkRowBlock
    let found: Scratch<UInt64>
    let fallbackKey: Scratch<UInt64>
    let fallbackIndex: Scratch<Int>
    /// Whether the reader thread has looked the block up already (set before it is handed over).
    var lookedUp = false

    init(columnCount: Int, personCount: Int) {
        rows = LinkRowBlock(columnCount: columnCount)
        let n = max(personCount, 1) * LinkRowBlock.rowCapacity
        found = Scratch(count: n, value: 0)
        fallbackKey = Scratch(count: n, value: 0)
        fallbackIndex = Scratch(count: n, value: -1)
    }

    deinit {
        found.free(); fallbackKey.free(); fallbackIndex.free()
    }
}

/// The lookups of `TableLinker`: per person key, the cascade over its match keys, block by block,
/// with the report's counters. Each thread has its own; counters are summed after both ended.
final class LinkLookupStage: @unchecked Sendable {
    let personCount: Int
    private let keyStart: [Int]
    private let keyColumns: [Int]
    private let keyViews: [PseudonymIndexView]
    let keyDomainPrefixes: [[UInt8]]
    private let codec: PseudonymKeyCodec
    /// Per key: rows, matched, unmatched, invalid, duplicates, collisions. Per person: linked, unlinked, without key.
    private let keyCounters: Scratch<Int>
    private let personCounters: Scratch<Int>
    private let pending, invalidRows, lo, hi: Scratch<Int32>
    private let keys: Scratch<UInt64>
    /// Where the lookups' touching loads go, so the optimiser keeps them.
    @exclusivity(unchecked) private var touched: UInt64 = 0
    /// Keeps the index (and so the views' memory) alive.
    private let index: RegisterIndex

    init(plan: LinkPlan, index: RegisterIndex) {
        self.index = index
        var keyStart: [Int] = [0]
        var keyColumns: [Int] = []
        var keyViews: [PseudonymIndexView] = []
        var prefixes: [[UInt8]] = []
        for person in plan.persons {
            for key in person.keys {
                keyColumns.append(key.column)
                keyViews.append(PseudonymIndexView(key.index))
                prefixes.append(SurrogateGenerator.domainPrefix(key.domain))
            }
            keyStart.append(keyColumns.count)
        }
        personCount = plan.persons.count
        self.keyStart = keyStart
        self.keyColumns = keyColumns
        self.keyViews = keyViews
        keyDomainPrefixes = prefixes
        codec = index.codec
        let capacity = LinkRowBlock.rowCapacity
        keyCounters = Scratch(count: keyColumns.count * LinkLookupStage.countersPerKey, value: 0)
        personCounters = Scratch(count: personCount * 3, value: 0)
        pending = Scratch(count: capacity, value: 0)
        invalidRows = Scratch(count: capacity, value: 0)
        lo = Scratch(count: capacity, value: 0)
        hi = Scratch(count: capacity, value: 0)
        keys = Scratch(count: capacity, value: 0)
    }

    deinit {
        keyCounters.free(); personCounters.free(); pending.free(); invalidRows.free()
        lo.free(); hi.free(); keys.free()
    }

    /// Looks up every row of `block` key by key, in passes — parse every row's key and read its
    /// directory range, then touch every row's first entry, then scan — so that the cache misses
    /// of many rows overlap instead of being paid one after another.
    func lookUp(_ block: LinkBlock) {
        let n = block.rows.count
        guard n > 0 else { return }
        let rowFields = block.rows.fields
        let capacity = LinkRowBlock.rowCapacity
        let found = block.found, fallbackKey = block.fallbackKey, fallbackIndex = block.fallbackIndex
        let notFound = PseudonymIndex.notFound
        let ambiguous = PseudonymIndex.ambiguous
        let colliding = PseudonymIndex.colliding
        let perKey = Self.countersPerKey
        let keyCounters = self.keyCounters
        let pending = self.pending, invalidRows = self.invalidRows, keys = self.keys, lo = self.lo, hi = self.hi
        let codec = self.codec
        for p in 0..<personCount {
            let base = p * capacity
            var pendingCount = n
            for r in 0..<n { pending[r] = Int32(r); found[base + r] = notFound; fallbackIndex[base + r] = -1 }
            for k in keyStart[p]..<keyStart[p + 1] where pendingCount > 0 {
                let view = keyViews[k]
                let column = keyColumns[k]
                keyCounters[perKey * k] += pendingCount
                // Pass 1: parse the keys.
                var valid = 0
                var carried = 0
                for i in 0..<pendingCount {
                    let r = Int(pending[i])
                    guard let value = codec.key(parsing: rowFields.field(r, column)) else {
                        keyCounters[perKey * k + 3] += 1
                        invalidRows[carried] = Int32(r)
                        carried += 1
                        continue
                    }
                    if fallbackIndex[base + r] < 0 { fallbackIndex[base + r] = k; fallbackKey[base + r] = value }
                    pending[valid] = Int32(r)
                    keys[valid] = value
                    valid += 1
                }
                // Pass 1b: a tight loop of independent directory loads.
                for i in 0..<valid {
                    let b = view.bucket(keys[i])
                    lo[i] = Int32(bitPattern: view.directory[b])
                    hi[i] = Int32(bitPattern: view.directory[b + 1])
                }
                // Pass 2: touch each row's first entry, so the misses overlap.
                var touch: UInt64 = 0
                for i in 0..<valid where lo[i] < hi[i] { touch &+= view.entries[Int(lo[i])].key }
                touched = touch
                // Pass 3: scan; rows not linked stay pending for the next key.
                var still = 0
                for i in 0..<valid {
                    let r = Int(pending[i])
                    let payload = view.payload(for: keys[i], from: Int(lo[i]), to: Int(hi[i]))
                    // A person is below every mark: one comparison for the common case.
                    if payload < colliding {
                        keyCounters[perKey * k + 1] += 1
                        found[base + r] = payload
                        continue
                    } else if payload == notFound {
                        keyCounters[perKey * k + 2] += 1
                    } else if payload == ambiguous {
                        keyCounters[perKey * k + 4] += 1
                    } else {
                        keyCounters[perKey * k + 5] += 1
                    }
                    pending[still] = Int32(r)
                    still += 1
                }
                // Rows without a well-formed key here are tried on the next key too.
                for i in 0..<carried { pending[still] = invalidRows[i]; still += 1 }
                pendingCount = still
            }
            countOutcomes(person: p, of: block, rows: n)
        }
    }

    /// Counts each of the block's `n` rows for person key `p`: linked, not linked but with a
    /// well-formed key (it gets a surrogate), or without any well-formed key.
    @inline(__always)
    private func countOutcomes(person p: Int, of block: LinkBlock, rows n: Int) {
        let base = p * LinkRowBlock.rowCapacity
        let found = block.found, fallbackIndex = block.fallbackIndex, personCounters = self.personCounters
        for r in 0..<n {
            if found[base + r] != PseudonymIndex.notFound {
                personCounters[3 * p] += 1
            } else if fallbackIndex[base + r] >= 0 {
                personCounters[3 * p + 1] += 1
            } else {
                personCounters[3 * p + 2] += 1
            }
        }
    }

    /// Counters per match key: rows, matched, unmatched, invalid, duplicates, collisions.
    static let countersPerKey = 6

    /// Sums the stages' counters into the report's counts (after both threads have ended).
    static func copyCounts(of stages: [LinkLookupStage], into counts: inout [PersonKeyCounts], rows: Int) {
        func sum(_ counter: (LinkLookupStage) -> Int) -> Int { stages.reduce(0) { $0 + counter($1) } }
        var k = 0
        for p in counts.indices {
            counts[p].linked = sum { $0.personCounters[3 * p] }
            counts[p].unlinked = sum { $0.personCounters[3 * p + 1] }
            counts[p].withoutKey = sum { $0.personCounters[3 * p + 2] }
            counts[p].rows = rows
            for j in counts[p].keys.indices {
                let key = k
                let base = countersPerKey * key
                counts[p].keys[j].rows = sum { $0.keyCounters[base] }
                counts[p].keys[j].matched = sum { $0.keyCounters[base + 1] }
                counts[p].keys[j].unmatched = sum { $0.keyCounters[base + 2] }
                counts[p].keys[j].invalid = sum { $0.keyCounters[base + 3] }
                counts[p].keys[j].duplicates = sum { $0.keyCounters[base + 4] }
                counts[p].keys[j].collisions = sum { $0.keyCounters[base + 5] }
                k += 1
            }
        }
    }
}

/// A fixed-size scratch array for the hot loop: a pointer, so writes cost no uniqueness or
/// exclusivity checks. Freed explicitly.
struct Scratch<T> {
    let pointer: UnsafeMutablePointer<T>
    init(count: Int, value: T) {
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: max(count, 1))
    }
    @inline(__always) subscript(i: Int) -> T {
        get { pointer[i] }
        nonmutating set { pointer[i] = newValue }
    }
    func free() { pointer.deallocate() }
}
