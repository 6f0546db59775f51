import SluisCore
import SluisIO

/// Failures reading a ZIP archive (an XLSX workbook). They name the file and, where there is
/// one, the entry (a part name such as `xl/worksheets/sheet1.xml`), never its contents.
public enum ZipError: Error, Equatable, Sendable {
    /// Not a ZIP archive, or its directory is damaged or beyond the limits below.
    case notAnArchive(path: String, detail: String)
    /// One entry cannot be read: damaged, encrypted, of an unknown method, or larger than declared.
    case badEntry(path: String, entry: String, detail: String)
}

extension ZipError: SluisError {
    /// A damaged archive is data (exit 3).
    public var category: FailureCategory { .data }

    /// One line naming the file (and entry) and what is wrong; never its contents.
    public var description: String {
        switch self {
        case .notAnArchive(let path, let detail): return "\(path): not a readable ZIP archive (XLSX): \(detail)"
        case .badEntry(let path, let entry, let detail): return "\(path): part \(entry) cannot be read: \(detail)"
        }
    }
}

/// A ZIP archive (APPNOTE 6.3.x; ZIP64 included) read from its central directory, each entry
/// streamed and checked against its CRC-32 and declared size.
///
/// Why the central directory and not the local headers: it is the archive's one authoritative
/// list (local headers may be stale or hold sizes only in a trailing data descriptor). Entries are
/// inflated in blocks (`RawInflater`), so memory stays flat whatever their size; an entry that
/// inflates to more than its declared size is refused as soon as it does (a "zip bomb" costs at
/// most its declared size in CPU, and the declared sizes are bounded by `maximumEntryByteCount`).
public final class ZipArchive {
    /// One file stored in the archive.
    public struct Entry: Sendable {
        /// The entry's name inside the archive (a part name, `/`-separated).
        public var name: String
        /// 0 stored, 8 deflated (the only methods read).
        var method: UInt16
        var flags: UInt16
        var crc32: UInt32
        var compressedByteCount: UInt64
        /// The size the directory declares once inflated.
        public var byteCount: UInt64
        var localHeaderOffset: UInt64
    }

    /// At most this many entries (an XLSX of many sheets has a few hundred).
    public static let maximumEntryCount = 65_536
    /// At most this many bytes of central directory (read into memory at once).
    public static let maximumDirectoryByteCount = 16 << 20
    /// At most this many bytes inflated per entry.
    public static let maximumEntryByteCount: UInt64 = 8 << 30
    /// Deflate's largest ratio (RFC 1951: a 258-byte match in at most two bits, about 1032:1):
    /// entries that do not overlap cannot inflate to more than this many times the archive's
    /// size in all. Archives that make several entries out of the same compressed bytes (the
    /// "overlapping" zip bomb, which reaches ratios in the millions) are stopped by this budget.
    static let deflateMaximumRatio: UInt64 = 1032

    /// The path the archive was opened from (for messages).
    public let path: String
    /// The entries, in directory order.
    public private(set) var entries: [Entry] = []
    private let file: FileInput
    private let size: UInt64
    /// Bytes inflated so far from all entries, against `deflateMaximumRatio` × the file's size.
    private var inflatedByteCount: UInt64 = 0

    /// Opens `path` and reads its central directory.
    public init(path: String) throws {
        self.path = path
        file = try FileInput(path: path)
        guard let size = file.size() else { throw ZipError.notAnArchive(path: path, detail: "it is not a regular file") }
        self.size = size
        let directory = try locateDirectory()
        entries = try readDirectory(offset: directory.offset, byteCount: directory.byteCount, count: directory.count)
    }

    // MARK: The end of central directory record

    private func fail(_ detail: String) -> ZipError { .notAnArchive(path: path, detail: detail) }

    private func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard offset <= size, UInt64(count) <= size - offset else { throw fail("it is shorter than its directory says") }
        let bytes = try FileRangeSource.readExactly(file, offset: offset, count: count)
        guard bytes.count == count else { throw fail("it is shorter than its directory says") }
        return bytes
    }

    /// Where the central directory is: from the end record, or the ZIP64 end record it points to.
    private func locateDirectory() throws -> (offset: UInt64, byteCount: UInt64, count: UInt64) {
        // The end record is 22 bytes plus a comment of at most 65 535 bytes, at the very end.
        let tailCount = Int(min(size, 22 + 65_535))
        guard tailCount >= 22 else { throw fail("it is too short") }
        let tailStart = size - UInt64(tailCount)
        let tail = try read(at: tailStart, count: tailCount)
        var at = -1
        var i = tailCount - 22
        while i >= 0 {
            if tail[i] == 0x50 && tail[i + 1] == 0x4B && tail[i + 2] == 0x05 && tail[i + 3] == 0x06
                && i + 22 + Int(LittleEndian.u16(tail, i + 20)) == tailCount {
                at = i
                break
            }
            i -= 1
        }
        guard at >= 0 else { throw fail("it has no end of central directory record") }
        let disk = LittleEndian.u16(tail, at + 4), directoryDisk = LittleEndian.u16(tail, at + 6)
        var count = UInt64(LittleEndian.u16(tail, at + 10))
        var byteCount = UInt64(LittleEndian.u32(tail, at + 12))
        var offset = UInt64(LittleEndian.u32(tail, at + 16))
        if count == 0xFFFF || byteCount == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            (count, byteCount, offset) = try readZip64End(endRecordOffset: tailStart + UInt64(at))
        } else {
            guard disk == 0 && directoryDisk == 0 else { throw fail("it spans several disks") }
        }
        guard count <= UInt64(Self.maximumEntryCount) else { throw fail("it lists more than \(Self.maximumEntryCount) entries") }
        guard byteCount <= UInt64(Self.maximumDirectoryByteCount) else { throw fail("its directory is larger than 16 MiB") }
        guard offset <= size, byteCount <= size - offset else { throw fail("its directory lies outside the file") }
        return (offset, byteCount, count)
    }

    /// The ZIP64 end record, found through the locator just before the end record.
    private func readZip64End(endRecordOffset: UInt64) throws -> (UInt64, UInt64, UInt64) {
        guard endRecordOffset >= 20 else { throw fail("its ZIP64 locator is missing") }
        let locator = try read(at: endRecordOffset - 20, count: 20)
        guard LittleEndian.u32(locator, 0) == 0x0706_4B50 else { throw fail("its ZIP64 locator is missing") }
        let recordOffset = LittleEndian.u64(locator, 8)
        let record = try read(at: recordOffset, count: 56)
        guard LittleEndian.u32(record, 0) == 0x0606_4B50 else { throw fail("its ZIP64 end record is missing") }
        guard LittleEndian.u32(record, 16) == 0 && LittleEndian.u32(record, 20) == 0 else { throw fail("it spans several disks") }
        return (LittleEndian.u64(record, 32), LittleEndian.u64(record, 40), LittleEndian.u64(record, 48))
    }

    // MARK: The central directory

    private func readDirectory(offset: UInt64, byteCount: UInt64, count: UInt64) throws -> [Entry] {
        let bytes = try read(at: offset, count: Int(byteCount))
        var out: [Entry] = []
        out.reserveCapacity(Int(count))
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= bytes.count, LittleEndian.u32(bytes, p) == 0x0201_4B50 else {
                throw fail("its central directory is damaged")
            }
            let nameCount = Int(LittleEndian.u16(bytes, p + 28))
            let extraCount = Int(LittleEndian.u16(bytes, p + 30))
            let commentCount = Int(LittleEndian.u16(bytes, p + 32))
            let next = p + 46 + nameCount + extraCount + commentCount
            guard next <= bytes.count else { throw fail("its central directory is damaged") }
            var entry = Entry(name: String(decoding: bytes[(p + 46)..<(p + 46 + nameCount)], as: UTF8.self),
                              method: LittleEndian.u16(bytes, p + 10), flags: LittleEndian.u16(bytes, p + 8),
                              crc32: LittleEndian.u32(bytes, p + 16),
                              compressedByteCount: UInt64(LittleEndian.u32(bytes, p + 20)),
                              byteCount: UInt64(LittleEndian.u32(bytes, p + 24)),
                              localHeaderOffset: UInt64(LittleEndian.u32(bytes, p + 42)))
            try applyZip64Extra(&entry, extra: bytes[(p + 46 + nameCount)..<(p + 46 + nameCount + extraCount)])
            out.append(entry)
            p = next
        }
        return out
    }

    /// Replaces the 32-bit fields saturated at 0xFFFFFFFF by their ZIP64 extra values (in the
    /// order APPNOTE 4.5.3 gives: uncompressed size, compressed size, local header offset).
    private func applyZip64Extra(_ entry: inout Entry, extra: ArraySlice<UInt8>) throws {
        let needs = [entry.byteCount == 0xFFFF_FFFF, entry.compressedByteCount == 0xFFFF_FFFF, entry.localHeaderOffset == 0xFFFF_FFFF]
        guard needs.contains(true) else { return }
        let bytes = Array(extra)
        var p = 0
        while p + 4 <= bytes.count {
            let id = LittleEndian.u16(bytes, p)
            let length = Int(LittleEndian.u16(bytes, p + 2))
            guard p + 4 + length <= bytes.count else { break }
            if id == 0x0001 {
                var q = p + 4
                func next() throws -> UInt64 {
                    guard q + 8 <= p + 4 + length else { throw fail("a ZIP64 field of entry \(entry.name) is missing") }
                    defer { q += 8 }
                    return LittleEndian.u64(bytes, q)
                }
                if needs[0] { entry.byteCount = try next() }
                if needs[1] { entry.compressedByteCount = try next() }
                if needs[2] { entry.localHeaderOffset = try next() }
                return
            }
            p += 4 + length
        }
        throw fail("a ZIP64 field of entry \(entry.name) is missing")
    }

    // MARK: Reading an entry

    /// Streams the inflated bytes of `entry` to `body` in blocks, then checks its size and
    /// CRC-32. `body` may see bytes of an entry that later fails its check: callers use them
    /// only to look for keys, never to release them.
    public func read(_ entry: Entry, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        func bad(_ detail: String) -> ZipError { .badEntry(path: path, entry: entry.name, detail: detail) }
        guard entry.flags & 1 == 0 else { throw bad("it is encrypted") }
        guard entry.method == 0 || entry.method == 8 else { throw bad("it uses compression method \(entry.method) (only stored and deflated are read)") }
        guard entry.byteCount <= Self.maximumEntryByteCount else { throw bad("it declares more than 8 GiB") }
        let local = try read(at: entry.localHeaderOffset, count: 30)
        guard LittleEndian.u32(local, 0) == 0x0403_4B50 else { throw bad("its local header is missing") }
        let dataOffset = entry.localHeaderOffset + 30 + UInt64(LittleEndian.u16(local, 26)) + UInt64(LittleEndian.u16(local, 28))
        guard dataOffset <= size, entry.compressedByteCount <= size - dataOffset else { throw bad("it extends past the end of the file") }
        let source = FileRangeSource(file: file, offset: dataOffset, byteCount: entry.compressedByteCount)
        var crc: UInt32 = 0
        var produced: UInt64 = 0
        let budget = Self.deflateMaximumRatio * size + (64 << 10)
        let deliver: (UnsafeRawBufferPointer) throws -> Void = { block in
            produced += UInt64(block.count)
            guard produced <= entry.byteCount else { throw bad("it inflates to more than its declared size") }
            self.inflatedByteCount += UInt64(block.count)
            guard self.inflatedByteCount <= budget else {
                throw ZipError.notAnArchive(path: self.path, detail: "its entries inflate to more than deflate allows for its size (entries that overlap?)")
            }
            crc = CRC32.update(crc, block)
            try body(block)
        }
        if entry.method == 0 {
            try copyStored(source, deliver)
        } else {
            try inflate(source, entryName: entry.name, deliver)
        }
        guard produced == entry.byteCount else { throw bad("it holds fewer bytes than its declared size") }
        guard crc == entry.crc32 else { throw bad("its CRC-32 does not match (damaged)") }
    }

    private func copyStored(_ source: FileRangeSource, _ deliver: (UnsafeRawBufferPointer) throws -> Void) throws {
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try block.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { return }
            try block.withUnsafeBytes { try deliver(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    private func inflate(_ source: FileRangeSource, entryName: String, _ deliver: (UnsafeRawBufferPointer) throws -> Void) throws {
        func bad(_ detail: String) -> ZipError { .badEntry(path: path, entry: entryName, detail: detail) }
        guard let inflater = RawInflater() else { throw bad("zlib could not start (out of memory?)") }
        var input = [UInt8](repeating: 0, count: 1 << 16)
        var output = [UInt8](repeating: 0, count: 1 << 18)
        var start = 0, end = 0
        var sourceDone = false
        while true {
            if start == end && !sourceDone {
                end = try input.withUnsafeMutableBytes { try source.read(into: $0) }
                start = 0
                sourceDone = end == 0
            }
            let step = input.withUnsafeBytes { i in
                output.withUnsafeMutableBytes { inflater.inflate(UnsafeRawBufferPointer(rebasing: i[start..<end]), into: $0) }
            }
            guard let step else { throw bad("its compressed data is damaged") }
            start += step.consumed
            if step.produced > 0 {
                try output.withUnsafeBytes { try deliver(UnsafeRawBufferPointer(rebasing: $0[0..<step.produced])) }
            }
            if step.ended { return }
            if sourceDone && step.produced == 0 && step.consumed == 0 { throw bad("its compressed data ends early (truncated)") }
        }
    }
}

/// Little-endian fields of ZIP records.
enum LittleEndian {
    static func u16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }
    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 { UInt32(u16(b, at)) | UInt32(u16(b, at + 2)) << 16 }
    static func u64(_ b: [UInt8], _ at: Int) -> UInt64 { UInt64(u32(b, at)) | UInt64(u32(b, at + 4)) << 32 }
}
