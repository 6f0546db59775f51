import SluisFormats
import SluisIO

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
        if used + total > byteCapacity {
            growBuffer(&self.bytes, capacity: &byteCapacity, used: used, needed: used + total, alignment: 16)
        }
        let bytes = self.bytes
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
