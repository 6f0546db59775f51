import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// Reading a file once for both its SHA-256 and its scan, and the block scan.
extension FileScanner {
    /// The first block size: big enough that a read costs little per byte, small enough that the
    /// block is still in the core's cache when the scan follows the hash.
    static let blockByteCount = 256 << 10
    static let longestLine = 64 << 20

    /// Scans `path`, feeding every byte read to `hasher` too (one read of the file for both).
    ///
    /// The buffer always holds whole lines: after each read, the lines up to the last line feed
    /// are scanned and the unfinished one moved to the front, so no token, field count or column
    /// crosses a block boundary. A line longer than the buffer grows it (up to 64 MiB).
    func scan(path: String, hasher: SHA256Hasher? = nil) throws {
        let input = try FileInput(path: path)
        var capacity = Self.blockByteCount
        // 64 spare bytes: the block scan reads whole 64-byte chunks past the end (and masks them).
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity + 64, alignment: 64)
        (buffer + capacity).initializeMemory(as: UInt8.self, repeating: 0, count: 64)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            if filled == capacity {
                guard capacity <= Self.longestLine else {
                    throw OutputError.requestInvalid(path: path, detail: "line \(lineCount + 1) is longer than 64 MiB")
                }
                capacity = min(capacity * 2, Self.longestLine + 1)
                let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity + 64, alignment: 64)
                grown.copyMemory(from: buffer, byteCount: filled)
                (grown + capacity).initializeMemory(as: UInt8.self, repeating: 0, count: 64)
                buffer.deallocate()
                buffer = grown
            }
            let n = try input.read(into: UnsafeMutableRawBufferPointer(start: buffer + filled, count: capacity - filled))
            if n == 0 { break }
            hasher?.update(UnsafeRawBufferPointer(start: buffer + filled, count: n))
            filled += n
            // Only the new bytes can hold a line feed: the older ones are an unfinished line.
            // Searched from the end (memrchr is not in Swift's Glibc): a line is short, so is the search.
            var last = filled - 1
            while last >= filled - n && buffer.load(fromByteOffset: last, as: UInt8.self) != 0x0A { last -= 1 }
            guard last >= filled - n else { continue }
            let end = last + 1
            scanLines(UnsafeRawPointer(buffer), count: end)
            filled -= end
            if filled > 0 { buffer.copyMemory(from: buffer + end, byteCount: filled) }
        }
        if filled > 0 { scanLines(UnsafeRawPointer(buffer), count: filled) }
        finishUnits()
    }

    /// Whole lines at `base` (the last may lack its line feed at the end of the file), with 64
    /// readable bytes after them: line by line while `needsLineByLine`, then as one block.
    private func scanLines(_ base: UnsafeRawPointer, count: Int) {
        var start = 0
        while start < count && needsLineByLine {
            let end = memchr(base + start, 0x0A, count - start).map { UnsafeRawPointer($0) - base } ?? count
            scanLine(UnsafeRawBufferPointer(start: base + start, count: end - start))
            start = end + 1
        }
        if start < count { scanBlock(base + start, count: count - start) }
    }

    /// The block scan of whole lines at `base`, 64 bytes per step: line feeds are counted from a
    /// mask; a chunk is looked at closer only when its letters-and-digits mask holds a run at least
    /// `shortestCandidate` long (or continues one). Each maximal run is judged once, in the chunk
    /// where it ends, exactly as `scanLine` judges its tokens.
    private func scanBlock(_ base: UnsafeRawPointer, count: Int) {
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        let firstLine = lineCount
        let shortest = shortestCandidate
        var lines = 0            // line feeds before the current chunk
        var lineStart = 0        // offset of the line holding the current chunk's first byte
        var carry = 0            // letters and digits at the end of the previous chunk, still running
        fieldCursor.lineStart = -1
        var offset = 0
        // Masks are computed a group of chunks at a time (one call into CScanMasks per group).
        let group = Self.maskGroupChunkCount
        let alphanumeric = maskBuffer, lineFeeds = maskBuffer + group
        var groupStart = 0, groupEnd = 0
        while offset < count {
            if offset >= groupEnd {
                groupStart = offset
                let chunks = min(group, (count - offset + 63) / 64)
                ByteMasks.masks(base + offset, chunks: chunks, alphanumeric: alphanumeric, lineFeeds: lineFeeds)
                groupEnd = offset + 64 * chunks
            }
            let slot = (offset - groupStart) >> 6
            var run = alphanumeric[slot], feeds = lineFeeds[slot]
            if count - offset < 64 {
                let keep = ByteMasks.below(count - offset)
                run &= keep
                feeds &= keep
            }
            let hot = ByteMasks.runStarts(run, atLeast: shortest) != 0
                || (carry > 0 && carry + (~run).trailingZeroBitCount >= shortest)
            if hot {
                var rest = run
                if carry > 0 {
                    let lead = (~run).trailingZeroBitCount
                    if lead == 64 {
                        carry += 64
                        rest = 0
                    } else {
                        judgeRun(bytes, start: offset - carry, end: offset + lead, line: firstLine + lines + 1, lineStart: lineStart)
                        rest &= ~ByteMasks.below(lead)
                        carry = 0
                    }
                }
                while rest != 0 {
                    let s = rest.trailingZeroBitCount
                    let length = (~(rest >> UInt64(s))).trailingZeroBitCount
                    if s + length == 64 { carry = length; break }  // runs on into the next chunk
                    let before = feeds & ByteMasks.below(s)
                    judgeRun(bytes, start: offset + s, end: offset + s + length, line: firstLine + lines + before.nonzeroBitCount + 1,
                             lineStart: before == 0 ? lineStart : offset + 64 - before.leadingZeroBitCount)
                    rest &= ~ByteMasks.below(s + length)
                }
            } else {
                carry = run == ~0 ? carry + 64 : (~run).leadingZeroBitCount
            }
            if feeds != 0 {
                lines += feeds.nonzeroBitCount
                lineStart = offset + 64 - feeds.leadingZeroBitCount
            }
            offset += 64
        }
        lineCount = firstLine + lines + (bytes[count - 1] == 0x0A ? 0 : 1)
    }

    /// Judges the run of letters and digits `start..<end` (offsets from `bytes`, a line start) on
    /// line `line`, which starts at `lineStart`, as `scanLine` judges a token.
    @inline(__always)
    private func judgeRun(_ bytes: UnsafePointer<UInt8>, start: Int, end: Int, line: Int, lineStart: Int) {
        let n = end - start
        let length = min(n, Self.longestToken)
        guard formatLength[length] || keyShape[length] != 0 else { return }
        var allDigits = true
        for i in start..<end where bytes[i] > 0x39 { allDigits = false; break }
        // `start` ≥ 2 suffices: before a line's second byte lies the previous line feed, not a digit.
        let afterPoint = start >= 2 && bytes[start - 1] == 0x2E && bytes[start - 2] &- 0x30 < 10
        judge(token: UnsafeRawBufferPointer(start: bytes + start, count: n), allDigits: allDigits, afterPoint: afterPoint,
              line: line) { delimited ? field(lineStart: lineStart, at: start, in: bytes) : start - lineStart + 1 }
    }

    /// The field number at `position` of the line starting at `lineStart`, counted as `scanLine`
    /// counts (delimiters outside double quotes). Asked only for findings; a cursor carries on
    /// from the previous finding on the same line, so a long line is walked once.
    private func field(lineStart: Int, at position: Int, in bytes: UnsafePointer<UInt8>) -> Int {
        if fieldCursor.lineStart != lineStart { fieldCursor = (lineStart, lineStart, 1, false) }
        var (p, field, inQuotes) = (fieldCursor.position, fieldCursor.field, fieldCursor.inQuotes)
        let d = delimiter
        while p < position {
            let b = bytes[p]
            if b == 0x22 { inQuotes.toggle() } else if b == d && !inQuotes { field += 1 }
            p += 1
        }
        fieldCursor = (lineStart, p, field, inQuotes)
        return field
    }
}
