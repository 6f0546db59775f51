/// Builds one output row in a reusable byte buffer and hands it out as a `FieldView`.
///
/// Why not `FieldBuffer`: this runs for every row of files with millions of rows, and a plain
/// struct over unsafe buffers avoids the per-call exclusivity checks of a class's stored properties.
struct LinkRowAssembler {
    private(set) var bytes: UnsafeMutableRawPointer
    private var capacity: Int
    private var used = 0
    private let starts: UnsafeMutablePointer<Int>
    private let ends: UnsafeMutablePointer<Int>
    private var count = 0
    private let fieldCapacity: Int

    init(fieldCount: Int, byteCapacity: Int = 1 << 12) {
        capacity = max(byteCapacity, 64)
        bytes = .allocate(byteCount: capacity, alignment: 16)
        fieldCapacity = max(fieldCount, 1)
        starts = .allocate(capacity: fieldCapacity)
        ends = .allocate(capacity: fieldCapacity)
    }

    func deallocate() {
        bytes.deallocate()
        starts.deallocate()
        ends.deallocate()
    }

    @inline(__always)
    mutating func reset() {
        used = 0
        count = 0
    }

    @inline(__always)
    private mutating func reserve(_ n: Int) {
        guard used + n > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < used + n { newCapacity *= 2 }
        let b = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        b.copyMemory(from: bytes, byteCount: used)
        bytes.deallocate()
        bytes = b
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ field: UnsafeRawBufferPointer) {
        precondition(count < fieldCapacity)
        reserve(field.count)
        if let base = field.baseAddress, field.count > 0 { (bytes + used).copyMemory(from: base, byteCount: field.count) }
        starts[count] = used
        used += field.count
        ends[count] = used
        count += 1
    }

    /// Appends `n` bytes written by `fill`.
    @inline(__always)
    mutating func append(count n: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        precondition(count < fieldCapacity)
        reserve(n)
        fill(UnsafeMutableRawBufferPointer(start: bytes + used, count: n))
        starts[count] = used
        used += n
        ends[count] = used
        count += 1
    }

    /// The row assembled since the last `reset()`; valid until the next change.
    var view: FieldView {
        FieldView(base: UnsafeRawPointer(bytes), starts: UnsafePointer(starts), ends: UnsafePointer(ends), count: count)
    }
}

import SluisFormats

/// A block of input rows copied out of the reader's callback, so that their lookups can be done
/// together (`TableLinker`). Field `c` of row `r` is `bytes[starts[r·w + c] ..< ends[r·w + c]]`.
/// Blocks circulate between the reader thread and the linking thread; one thread owns a block
/// at a time (handed over through queues).
final class LinkRowBlock: @unchecked Sendable {
    static let rowCapacity = 1024

    let columnCount: Int
    private(set) var count = 0
    private var bytes: UnsafeMutableRawPointer
    private var byteCapacity: Int
    private var used = 0
    private let starts: UnsafeMutablePointer<Int>
    private let ends: UnsafeMutablePointer<Int>

    init(columnCount: Int) {
        self.columnCount = max(columnCount, 1)
        byteCapacity = 1 << 18
        bytes = .allocate(byteCount: byteCapacity, alignment: 16)
        starts = .allocate(capacity: Self.rowCapacity * self.columnCount)
        ends = .allocate(capacity: Self.rowCapacity * self.columnCount)
    }

    deinit {
        bytes.deallocate()
        starts.deallocate()
        ends.deallocate()
    }

    /// Copies one row (its stored properties are read and written once per row, not per field).
    func append(_ row: FieldView) {
        var total = 0
        for c in 0..<row.count { total += row[c].count }
        var used = self.used
        var bytes = self.bytes
        if used + total > byteCapacity {
            var newCapacity = byteCapacity * 2
            while newCapacity < used + total { newCapacity *= 2 }
            let b = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            b.copyMemory(from: bytes, byteCount: used)
            bytes.deallocate()
            bytes = b
            self.bytes = b
            byteCapacity = newCapacity
        }
        let base = count * columnCount
        for c in 0..<min(row.count, columnCount) {
            let f = row[c]
            if let src = f.baseAddress, f.count > 0 { (bytes + used).copyMemory(from: src, byteCount: f.count) }
            starts[base + c] = used
            used += f.count
            ends[base + c] = used
        }
        self.used = used
        count += 1
    }

    /// A snapshot for reading the block's fields without touching the object per field.
    var fields: LinkRowFields { LinkRowFields(bytes: UnsafeRawPointer(bytes), starts: starts, ends: ends, columnCount: columnCount) }

    func removeAll() {
        count = 0
        used = 0
    }
}

/// The fields of a `LinkRowBlock`, valid until the block changes.
struct LinkRowFields {
    let bytes: UnsafeRawPointer
    let starts: UnsafeMutablePointer<Int>
    let ends: UnsafeMutablePointer<Int>
    let columnCount: Int

    @inline(__always)
    func field(_ r: Int, _ c: Int) -> UnsafeRawBufferPointer {
        let k = r * columnCount + c
        return UnsafeRawBufferPointer(start: bytes + starts[k], count: ends[k] - starts[k])
    }
}
