/// How cell values become text for the pipeline, and text becomes values again for the writer.
///
/// The rules (docs/formats-spss-stata.md, "Values as text"):
/// - strings as they are (ReadStat has already converted them to UTF-8 and removed SPSS padding);
/// - system-missing as an empty field;
/// - Stata's extended missing values as `.a` … `.z` (so they survive a round trip);
/// - integral numbers as plain integers without a fraction (`12345672`, not `12345672.0`);
/// - other numbers in the shortest text that reads back to the same `Double` (`Float` for Stata
///   float variables), e.g. `0.1`, `2.5e-07`, `1e+20`.
/// Parsing the text back gives the identical number, so kept values round-trip exactly.
/// - Dates (variables with a pure date format) as `YYYY-MM-DD` when whole days (`ReadStatDates`).
func appendText(of value: ReadStatCell, dateUnit: ReadStatDateUnit?, to buffer: FieldBuffer) {
    if value.isTaggedMissing {
        let tag = value.tag
        buffer.append(count: 2) { $0[0] = UInt8(ascii: "."); $0[1] = tag }
        return
    }
    if value.isSystemMissing {
        buffer.append(count: 0) { _ in }
        return
    }
    if let dateUnit, value.isNumeric {
        let number: Double
        switch value.storage {
        case .int8: number = Double(value.int8)
        case .int16: number = Double(value.int16)
        case .int32: number = Double(value.int32)
        case .float: number = Double(value.float)
        case .double, .string: number = value.double
        }
        if let iso = dateUnit.isoText(number) {
            buffer.append(iso)
            return
        }
    }
    switch value.storage {
    case .string:
        if let s = value.stringBytes {
            buffer.append(s)
        } else {
            buffer.append(count: 0) { _ in }
        }
    case .int8: appendInteger(Int64(value.int8), to: buffer)
    case .int16: appendInteger(Int64(value.int16), to: buffer)
    case .int32: appendInteger(Int64(value.int32), to: buffer)
    case .float: appendFloat(value.float, to: buffer)
    case .double: appendDouble(value.double, to: buffer)
    }
}

/// Numbers whose magnitude is below this are written as integers when integral; beyond it the
/// shortest round-trip form (with an exponent) is shorter and still exact.
private let integralLimit = 1e17

func appendDouble(_ x: Double, to buffer: FieldBuffer) {
    if x.isNaN { buffer.append(count: 0) { _ in }; return }
    if x.rounded(.towardZero) == x, abs(x) < integralLimit {
        appendInteger(Int64(x), to: buffer)
        return
    }
    var text = x.description
    text.withUTF8 { buffer.append(UnsafeRawBufferPointer($0)) }
}

func appendFloat(_ x: Float, to buffer: FieldBuffer) {
    if x.isNaN { buffer.append(count: 0) { _ in }; return }
    if x.rounded(.towardZero) == x, abs(x) < Float(integralLimit) {
        appendInteger(Int64(x), to: buffer)
        return
    }
    var text = x.description
    text.withUTF8 { buffer.append(UnsafeRawBufferPointer($0)) }
}

/// Decimal digits of an integer, written in place without allocating.
func appendInteger(_ n: Int64, to buffer: FieldBuffer) {
    var magnitude = n.magnitude
    var digits = 1
    var probe = magnitude
    while probe >= 10 { probe /= 10; digits += 1 }
    let count = digits + (n < 0 ? 1 : 0)
    buffer.append(count: count) { out in
        var i = count - 1
        repeat {
            out[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            i -= 1
        } while magnitude > 0
        if n < 0 { out[0] = UInt8(ascii: "-") }
    }
}

/// A numeric cell parsed back from its text, for one storage type.
enum ParsedNumber: Equatable {
    case missing
    case tagged(CChar)
    case integer(Int32)
    case float(Float)
    case double(Double)
}

/// Parses a cell's text for a numeric variable of `storage`; nil when it is not a number of that
/// kind (the caller reports the position, never the text). For date variables `YYYY-MM-DD` is
/// accepted too.
func parseNumber(_ bytes: UnsafeRawBufferPointer, storage: ReadStatStorage, dateUnit: ReadStatDateUnit? = nil) -> ParsedNumber? {
    if bytes.isEmpty { return .missing }
    if let dateUnit, let x = dateUnit.value(isoText: bytes) {
        switch storage {
        case .int8, .int16, .int32: return Int32(exactly: x).map { .integer($0) }
        case .float: return Float(exactly: x).map { .float($0) }
        case .double, .string: return .double(x)
        }
    }
    if bytes.count == 2, bytes[0] == UInt8(ascii: "."), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[1]) {
        return .tagged(CChar(bitPattern: bytes[1]))
    }
    guard bytes.count <= 64, bytes.allSatisfy({ isNumberByte($0) }) else { return nil }
    let text = String(decoding: bytes, as: UTF8.self)
    switch storage {
    case .int8, .int16, .int32:
        guard let n = Int32(text) else { return nil }
        let range: ClosedRange<Int32> = storage == .int8 ? -127...100 : storage == .int16 ? -32767...32740 : -2147483647...2147483620
        return range.contains(n) ? .integer(n) : nil
    case .float:
        guard let x = Float(text), x.isFinite else { return nil }
        return .float(x)
    case .double, .string:
        guard let x = Double(text), !x.isNaN else { return nil }
        return .double(x)
    }
}

/// Bytes that can occur in the text of a number (digits, sign, point, exponent, `inf`).
private func isNumberByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
         UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "f"):
        return true
    default:
        return false
    }
}
