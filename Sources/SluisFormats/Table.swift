import SluisIO
/// The shape every tabular reader and writer shares (CSV, SPSS, Stata), so the pipeline can
/// classify, normalise and pseudonymise without knowing the file format.
///
/// Cells travel as UTF-8 bytes: CSV fields after unquoting and re-encoding; SPSS/Stata values as
/// their text form (numbers in shortest round-trip form, system-missing as empty). Format-specific
/// metadata (labels, formats, widths) is carried by the reader/writer pair, not by the rows.

/// One row's fields: byte ranges into one base buffer. Valid only during the callback that
/// receives it; copy what must outlive it.
public struct FieldView {
    /// The buffer the fields point into.
    public let base: UnsafeRawPointer?
    /// Each field's start offset into `base`.
    public let starts: UnsafePointer<Int>
    /// Each field's end offset (exclusive).
    public let ends: UnsafePointer<Int>
    /// The number of fields.
    public let count: Int

    /// A view over offsets a reader or buffer owns; valid as long as they are.
    @inlinable
    public init(base: UnsafeRawPointer?, starts: UnsafePointer<Int>, ends: UnsafePointer<Int>, count: Int) {
        self.base = base
        self.starts = starts
        self.ends = ends
        self.count = count
    }

    /// The bytes of field `i` (0-based).
    @inlinable
    public subscript(i: Int) -> UnsafeRawBufferPointer {
        let s = starts[i]
        return UnsafeRawBufferPointer(start: base.map { $0 + s }, count: ends[i] - s)
    }
}

/// A growable list of fields built by appending bytes; readers and the pipeline use it to
/// assemble a row and hand out a `FieldView` without allocating per row.
public final class FieldBuffer {
    /// The fields' bytes, back to back.
    @exclusivity(unchecked) public private(set) var bytes: UnsafeMutableRawPointer
    /// Bytes `bytes` can hold before it grows.
    @exclusivity(unchecked) public private(set) var capacity: Int
    /// Bytes in use.
    @exclusivity(unchecked) public private(set) var used = 0
    @exclusivity(unchecked) private var starts: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var ends: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var fieldCapacity: Int
    /// Fields appended since the last `removeAll()`.
    @exclusivity(unchecked) public private(set) var fieldCount = 0

    /// A buffer with room for `byteCapacity` bytes and `fieldCapacity` fields; both grow on demand.
    public init(byteCapacity: Int = 1 << 16, fieldCapacity: Int = 64) {
        self.capacity = max(byteCapacity, 16)
        self.bytes = .allocate(byteCount: capacity, alignment: 16)
        self.fieldCapacity = max(fieldCapacity, 4)
        self.starts = .allocate(capacity: self.fieldCapacity)
        self.ends = .allocate(capacity: self.fieldCapacity)
    }

    deinit {
        bytes.deallocate()
        starts.deallocate()
        ends.deallocate()
    }

    /// Forgets the fields and keeps the memory, so the next row allocates nothing.
    @inlinable public func removeAll() { resetCounts() }

    @usableFromInline func resetCounts() { used = 0; fieldCount = 0 }

    /// Appends one field with the given bytes.
    public func append(_ field: UnsafeRawBufferPointer) {
        reserve(field.count)
        // swift-format-ignore: NeverForceUnwrap
        // Safe: field.count > 0: a non-empty buffer has a base address.
        if field.count > 0 { (bytes + used).copyMemory(from: field.baseAddress!, byteCount: field.count) }
        addField(start: used, end: used + field.count)
        used += field.count
    }

    /// Appends one field from an array.
    public func append(_ field: [UInt8]) { field.withUnsafeBytes { append($0) } }

    /// Appends a field of `count` bytes and lets `fill` write them in place.
    public func append(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        reserve(count)
        fill(UnsafeMutableRawBufferPointer(start: bytes + used, count: count))
        addField(start: used, end: used + count)
        used += count
    }

    /// A view of the fields appended since the last `removeAll()`.
    public var view: FieldView {
        FieldView(base: UnsafeRawPointer(bytes), starts: UnsafePointer(starts), ends: UnsafePointer(ends), count: fieldCount)
    }

    private func addField(start: Int, end: Int) {
        if fieldCount == fieldCapacity {
            let newCap = fieldCapacity * 2
            let ns = UnsafeMutablePointer<Int>.allocate(capacity: newCap)
            let ne = UnsafeMutablePointer<Int>.allocate(capacity: newCap)
            ns.update(from: starts, count: fieldCount)
            ne.update(from: ends, count: fieldCount)
            starts.deallocate(); ends.deallocate()
            starts = ns; ends = ne; fieldCapacity = newCap
        }
        starts[fieldCount] = start
        ends[fieldCount] = end
        fieldCount += 1
    }

    private func reserve(_ extra: Int) {
        guard used + extra > capacity else { return }
        growBuffer(&bytes, capacity: &capacity, used: used, needed: used + extra, alignment: 16)
    }
}

/// A table read row by row. The header is known after `init`; rows are pushed to a callback so
/// that memory stays flat and format readers driven by callbacks (ReadStat) fit the same shape.
public protocol RowSource: AnyObject {
    /// The file name used in error messages.
    var path: String { get }
    /// Column names, in file order.
    var columnNames: [String] { get }
    /// Calls `body` for each data row with its fields and its 1-based line (CSV: the physical
    /// line where the row starts; SPSS/Stata: the row number + 1, counting the header as line 1).
    /// A row whose field count differs from the header is an error the reader throws itself.
    func forEachRow(_ body: (FieldView, Int) throws -> Void) throws
}

/// Where an output column's values come from; writers of typed formats use it to carry over
/// labels, formats and widths, or to give a new column a fitting type.
public enum OutputColumnOrigin: Equatable, Sendable {
    /// A source column passed through unchanged.
    case kept(sourceIndex: Int)
    /// A source column generalised (dates to year, postcodes to PC4, numbers to bands).
    case generalised(sourceIndex: Int)
    /// A new pseudonym column of fixed width (always written as a string, so nothing rounds it).
    case pseudonym(width: Int)
    /// A new column filled by the intake (RINPERSOONS / RINPERSOON), fixed width string.
    case added(width: Int)
}

/// A column of an output file: its name and where its values come from.
public struct OutputColumn: Equatable, Sendable {
    /// The header name written.
    public var name: String
    /// Where the values come from: a kept or generalised input column, a new pseudonym, or an added intake column.
    public var origin: OutputColumnOrigin
    /// A column for the header.
    public init(name: String, origin: OutputColumnOrigin) {
        self.name = name
        self.origin = origin
    }
}

/// A table written row by row.
public protocol RowSink: AnyObject {
    func writeHeader(_ columns: [OutputColumn]) throws
    func writeRow(_ fields: FieldView) throws
    /// Ends the table (writes any trailer); the underlying byte sink is finished by its owner.
    func finish() throws
}
