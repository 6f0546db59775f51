/// What the codes of a coded identifier column mean: `"codes": {"1": "M", "2": "V"}` in
/// pipeline.json, or the value labels of an SPSS/Stata variable (docs/pipeline.md, "Coded
/// identifiers"). A value is looked up by its text with leading and trailing white space
/// removed, and its meaning is what the normaliser then reads.
///
/// Why a list and not a dictionary: code lists are short (a handful of entries), and a linear
/// comparison of bytes needs no key to be built per value, so the row loop allocates nothing.
public struct ValueCodes: Equatable, Sendable {
    /// Code and meaning, in the order the config or the label set gives them.
    public private(set) var entries: [(code: [UInt8], meaning: [UInt8])]

    /// Codes from text pairs (pipeline.json or ReadStat's value labels), kept as bytes for the row loop.
    public init(_ pairs: [(code: String, meaning: String)]) {
        entries = pairs.map { (Array($0.code.utf8), Array($0.meaning.utf8)) }
    }

    /// True when no code is listed: the column is read as plain values.
    public var isEmpty: Bool { entries.isEmpty }

    /// The codes as text, for the config's JSON.
    public var pairs: [(code: String, meaning: String)] {
        entries.map { (String(decoding: $0.code, as: UTF8.self), String(decoding: $0.meaning, as: UTF8.self)) }
    }

    /// The index of the entry whose code is `value` (white space around it ignored), or nil.
    @inlinable
    public func index(of value: UnsafeRawBufferPointer) -> Int? {
        var start = 0
        var end = value.count
        while start < end && Normaliser.isSpace(value[start]) { start += 1 }
        while end > start && Normaliser.isSpace(value[end - 1]) { end -= 1 }
        let trimmed = UnsafeRawBufferPointer(rebasing: value[start..<end])
        for (i, entry) in entries.enumerated() where entry.code.count == trimmed.count {
            if entry.code.withUnsafeBytes({ $0.elementsEqual(trimmed) }) { return i }
        }
        return nil
    }

    /// True when `value` is empty or white space only (not looked up: the normaliser counts it as `empty`).
    @inlinable
    public static func isBlank(_ value: UnsafeRawBufferPointer) -> Bool { value.allSatisfy(Normaliser.isSpace) }

    /// True when `value` is one or more ASCII digits (white space around them ignored): a
    /// numeric code, which sluis never guesses the meaning of.
    @inlinable
    public static func isNumericCode(_ value: UnsafeRawBufferPointer) -> Bool {
        var digits = 0
        var i = 0
        let n = value.count
        while i < n && Normaliser.isSpace(value[i]) { i += 1 }
        if i < n && value[i] == 0x2D { i += 1 }
        while i < n, value[i] >= 0x30, value[i] <= 0x39 { digits += 1; i += 1 }
        while i < n && Normaliser.isSpace(value[i]) { i += 1 }
        return digits > 0 && i == n
    }

    /// Equal when the same codes mean the same things in the same order (tuples cannot synthesise this).
    public static func == (a: ValueCodes, b: ValueCodes) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.code == $1.code && $0.meaning == $1.meaning }
    }
}
