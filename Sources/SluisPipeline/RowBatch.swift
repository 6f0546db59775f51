import SluisCore
import SluisIO

/// Output rows packed for the writing thread: field bytes, field ranges, and the pseudonyms
/// still to compute (their normalised message and where the rendered pseudonym goes).
///
/// Why: the reading thread parses, normalises, generalises and scans; the writing thread
/// computes the HMACs, formats the rows and writes (or encrypts) them. Packing ~1 MiB of rows per
/// batch keeps hand-offs rare and memory bounded. Normalised identifiers live here only until
/// their pseudonym is computed; `reset()` zeroes them.
final class RowBatch {
    struct Pending {
        var field: Int
        var pseudonymiser: Int
        var messageStart: Int
        var messageEnd: Int
    }

    /// A kept value still to be scanned for residual identifiers (`ResidualScanner`): its line,
    /// its bytes in `bytes`, its scan slot; `found` is its finding bits once scanned (`unscanned`
    /// until then). 24 bytes: a batch holds tens of thousands.
    struct ScanJob {
        var line: Int
        var start: Int32
        var end: Int32
        var slot: Int32
        var found: UInt8
    }

    static let unscanned: UInt8 = 0xFF

    static let targetByteCount = 1 << 20

    let fieldsPerRow: Int
    @exclusivity(unchecked) private(set) var bytes: UnsafeMutableRawPointer
    @exclusivity(unchecked) private(set) var byteCapacity: Int
    @exclusivity(unchecked) var used = 0
    @exclusivity(unchecked) private(set) var starts: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private(set) var ends: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private(set) var fieldCapacity: Int
    @exclusivity(unchecked) var fieldCount = 0
    @exclusivity(unchecked) var rowCount = 0
    @exclusivity(unchecked) private(set) var messages: UnsafeMutableRawPointer
    @exclusivity(unchecked) private(set) var messageCapacity: Int
    @exclusivity(unchecked) var messageUsed = 0
    @exclusivity(unchecked) private(set) var pending: UnsafeMutablePointer<Pending>
    @exclusivity(unchecked) private(set) var pendingCapacity: Int
    @exclusivity(unchecked) var pendingCount = 0
    @exclusivity(unchecked) private(set) var scans: UnsafeMutablePointer<ScanJob>
    @exclusivity(unchecked) private(set) var scanCapacity: Int
    @exclusivity(unchecked) var scanCount = 0

    init(fieldsPerRow: Int) {
        self.fieldsPerRow = max(fieldsPerRow, 1)
        byteCapacity = Self.targetByteCount + (64 << 10)
        bytes = .allocate(byteCount: byteCapacity, alignment: 64)
        fieldCapacity = max(1 << 16, self.fieldsPerRow * 16)
        starts = .allocate(capacity: fieldCapacity)
        ends = .allocate(capacity: fieldCapacity)
        messageCapacity = 1 << 18
        messages = .allocate(byteCount: messageCapacity, alignment: 16)
        pendingCapacity = max(1 << 14, self.fieldsPerRow * 16)
        pending = .allocate(capacity: pendingCapacity)
        scanCapacity = max(1 << 16, self.fieldsPerRow * 16)
        scans = .allocate(capacity: scanCapacity)
    }

    deinit {
        messages.initializeMemory(as: UInt8.self, repeating: 0, count: messageCapacity)
        bytes.deallocate(); starts.deallocate(); ends.deallocate(); messages.deallocate(); pending.deallocate(); scans.deallocate()
    }

    /// Full enough to hand over.
    var isFull: Bool { used >= Self.targetByteCount || fieldCount + fieldsPerRow > fieldCapacity || pendingCount + fieldsPerRow > pendingCapacity }

    /// Whether the pending pseudonyms have been computed and the kept values scanned already (by
    /// the reading thread, when the writing thread was behind; see `FilePipeline.run`).
    @exclusivity(unchecked) var prepared = false

    func reset() {
        if messageUsed > 0 { messages.initializeMemory(as: UInt8.self, repeating: 0, count: messageUsed) }
        used = 0; fieldCount = 0; rowCount = 0; messageUsed = 0; pendingCount = 0; scanCount = 0
        prepared = false
    }

    /// The fields of row `r`.
    @inline(__always)
    func row(_ r: Int) -> FieldViewParts {
        FieldViewParts(base: UnsafeRawPointer(bytes), starts: UnsafePointer(starts + r * fieldsPerRow), ends: UnsafePointer(ends + r * fieldsPerRow))
    }

    struct FieldViewParts {
        let base: UnsafeRawPointer
        let starts: UnsafePointer<Int>
        let ends: UnsafePointer<Int>
    }

    /// Where pending pseudonym `i` must be rendered, and its message.
    @inline(__always)
    func target(of p: Pending) -> (UnsafeMutableRawBufferPointer, UnsafeRawBufferPointer) {
        (UnsafeMutableRawBufferPointer(start: bytes + starts[p.field], count: ends[p.field] - starts[p.field]),
         UnsafeRawBufferPointer(start: messages + p.messageStart, count: p.messageEnd - p.messageStart))
    }

    func growBytes(_ extra: Int) {
        growBuffer(&bytes, capacity: &byteCapacity, used: used, needed: used + extra, alignment: 64)
    }

    /// Messages are normalised identifiers: the old memory is wiped.
    func growMessages(_ extra: Int) {
        growBuffer(&messages, capacity: &messageCapacity, used: messageUsed, needed: messageUsed + extra, alignment: 16, wipe: true)
    }
}
