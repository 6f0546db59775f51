import SluisFormats
import SluisIO

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
        growBuffer(&bytes, capacity: &capacity, used: used, needed: used + n, alignment: 16)
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

