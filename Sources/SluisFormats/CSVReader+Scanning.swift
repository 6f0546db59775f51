import SluisCore

/// The row scans of `CSVReader` (see its doc comment): `scanPlainRow` for the common row, then
/// `scanRow`, the general quote-aware scan, for any other. Kept apart from the reader's
/// buffering, decoding and header handling only for size.
extension CSVReader {
    /// The common row, found in one pass over its words: no quote, no lone CR, its line ending
    /// inside the block and no more fields than `starts` holds. Returns the offset after the
    /// line ending, or -1 for any other row (then `scanRow` decides, from the row's start).
    ///
    /// Why: `scanRow` works field by field, and each short field ended its eight-byte loop with
    /// a mispredicted branch and a chain of dependent loads (~17% of the reading thread, the
    /// busier one). Here each word of the row is tested once for the delimiter, LF, CR and the
    /// quote together, and the flagged bytes are visited in order. The has-zero-byte test may
    /// flag a byte above a real hit that is none of those; it is checked and passed over.
    @inline(__always)
    func scanPlainRow(from rowStart: Int, fieldCount: inout Int, high: inout UInt8) -> Int {
        let p = UnsafeRawPointer(buffer)
        let limit = end
        let d = dialect.delimiter
        let dWord = UInt64(d) &* 0x0101_0101_0101_0101
        let fieldStarts = starts, fieldEnds = ends
        let capacity = fieldCapacity
        var n = 0
        var highWord: UInt64 = 0
        var fieldStart = rowStart
        var i = rowStart
        while i &+ 8 <= limit {
            let w = (p + i).loadUnaligned(as: UInt64.self)
            var m = Self.zeroBytes(w ^ dWord) | Self.zeroBytes(w ^ 0x0A0A_0A0A_0A0A_0A0A)
                | Self.zeroBytes(w ^ 0x0D0D_0D0D_0D0D_0D0D) | Self.zeroBytes(w ^ 0x2222_2222_2222_2222)
            while m != 0 {
                let at = i &+ (m.trailingZeroBitCount >> 3)
                m &= m &- 1
                let c = p.load(fromByteOffset: at, as: UInt8.self)
                if c == d {
                    if n == capacity { return -1 }
                    fieldStarts[n] = fieldStart
                    fieldEnds[n] = at
                    n &+= 1
                    fieldStart = at &+ 1
                } else if c == 0x0A || c == 0x0D {
                    var next = at &+ 1
                    if c == 0x0D {
                        // CR LF ends the row; a lone CR is data (scanRow's case).
                        guard next < limit, p.load(fromByteOffset: next, as: UInt8.self) == 0x0A else { return -1 }
                        next &+= 1
                    }
                    if n == capacity { return -1 }
                    fieldStarts[n] = fieldStart
                    fieldEnds[n] = at
                    n &+= 1
                    highWord |= w & (UInt64.max >> UInt64(64 &- 8 &* (at &- i)))
                    fieldCount = n
                    high = Self.highBits(highWord)
                    return next
                } else if c == CSVDialect.quote {
                    return -1
                }
            }
            highWord |= w
            i &+= 8
        }
        return -1
    }

    /// Finds the fields of the row starting at `from`. Returns the offset after the row's line
    /// ending, or -1 when the block ends inside the row and more input is needed.
    @inline(__always)
    func scanRow(from rowStart: Int, fieldCount: inout Int, high: inout UInt8, quoted: inout Bool, newlines: inout Int) throws -> Int {
        let p = buffer.assumingMemoryBound(to: UInt8.self)
        let limit = end
        let d = dialect.delimiter
        var i = rowStart
        var n = 0
        var hi: UInt8 = 0
        var nl = 0
        defer { fieldCount = n; high = hi; newlines = nl }
        while true {
            if n == fieldCapacity { growFieldCapacity() }
            starts[n] = i
            let j: Int
            if i < limit && p[i] == CSVDialect.quote {
                quoted = true
                j = try quotedFieldEnd(p, from: i, limit: limit, high: &hi, newlines: &nl, column: n)
                if j < 0 { return -1 }
            } else {
                j = unquotedFieldEnd(p, from: i, limit: limit, high: &hi)
            }
            ends[n] = j
            n += 1
            // What ends the field: the delimiter (the row goes on), a line ending, the end of the input.
            if j >= limit { return atEndOfInput ? limit : -1 }
            let c = p[j]
            if c == d { i = j + 1; continue }
            if c == 0x0A { return j + 1 }
            if c == 0x0D {
                if j + 1 >= limit { return atEndOfInput ? limit : -1 }
                if p[j + 1] == 0x0A { return j + 2 }
            }
            // Only a quoted field can stop at anything else (an unquoted one takes a lone CR as data).
            throw CSVError.textAfterClosingQuote(at: position(line: line + nl, column: n - 1))
        }
    }

    /// The end of the quoted field opening at `from` (the offset after its closing quote), or -1
    /// when the block ends inside it and more input is needed. Doubled quotes are data.
    @inline(__always)
    private func quotedFieldEnd(_ p: UnsafeMutablePointer<UInt8>, from i: Int, limit: Int, high hi: inout UInt8,
                                newlines nl: inout Int, column: Int) throws -> Int {
        let quote = CSVDialect.quote
        let fieldLine = line + nl
        var j = i + 1
        while true {
            if j >= limit {
                if !atEndOfInput { return -1 }
                throw CSVError.unterminatedQuote(at: position(line: fieldLine, column: column))
            }
            let c = p[j]
            hi |= c
            if c == quote {
                if j + 1 >= limit { return atEndOfInput ? j + 1 : -1 }
                if p[j + 1] == quote { j += 2; continue }
                return j + 1
            }
            if c == 0x0A { nl += 1 }
            j += 1
        }
    }

    /// The end of the unquoted field starting at `from`: the offset of the delimiter, LF or
    /// CR LF that ends it, or `limit` (a CR at the block's end counts as an ending while more
    /// input may follow; `scanRow` then asks for it).
    @inline(__always)
    private func unquotedFieldEnd(_ p: UnsafeMutablePointer<UInt8>, from i: Int, limit: Int, high hi: inout UInt8) -> Int {
        let dWord = UInt64(dialect.delimiter) &* 0x0101_0101_0101_0101
        var j = i
        // Eight bytes at a time while no delimiter, LF or CR is in the word (SWAR); the lowest
        // flagged byte of the classic has-zero-byte test is always exact.
        while j &+ 8 <= limit {
            let w = UnsafeRawPointer(p + j).loadUnaligned(as: UInt64.self)
            let m = Self.zeroBytes(w ^ dWord) | Self.zeroBytes(w ^ 0x0A0A_0A0A_0A0A_0A0A) | Self.zeroBytes(w ^ 0x0D0D_0D0D_0D0D_0D0D)
            if m == 0 {
                hi |= Self.highBits(w)
                j &+= 8
                continue
            }
            let k = m.trailingZeroBitCount >> 3
            if k > 0 { hi |= Self.highBits(w & (UInt64.max >> UInt64(64 - 8 * k))) }
            j &+= k
            break
        }
        while j < limit {
            let c = p[j]
            hi |= c
            if classes[Int(c)] != 0 {
                if c != 0x0D { break }
                if j + 1 >= limit {
                    if !atEndOfInput { return limit }
                    break
                }
                if p[j + 1] == 0x0A { break }
            }
            j += 1
        }
        return j
    }

    /// 0x80 in each byte of `x` that is zero (exact for the lowest such byte).
    @inline(__always)
    static func zeroBytes(_ x: UInt64) -> UInt64 {
        (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }

    /// 0x80 when any byte of `w` has its high bit set.
    @inline(__always)
    static func highBits(_ w: UInt64) -> UInt8 {
        (w & 0x8080_8080_8080_8080) != 0 ? 0x80 : 0
    }
}
