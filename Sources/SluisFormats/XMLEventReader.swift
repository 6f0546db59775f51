/// A streaming reader of the XML that Office Open XML parts hold (XLSX worksheets, shared
/// strings, comments), fed in blocks, with element and text events.
///
/// Why not Foundation's XMLParser: it wants the whole document (or a stream it pulls itself) and
/// resolves entities through libxml2's settings; this reader takes the inflated blocks as they
/// come, keeps one tag and one text run in memory at a time, and expands only XML's five named
/// entities and character references. A document type declaration is refused: no Office part
/// has one, and entity definitions are how "billion laughs" documents grow.
///
/// Names are local names (a prefix such as `x:` is dropped): some writers prefix the
/// SpreadsheetML namespace, and the parts are read by local name alone.
public struct XMLEventReader {
    /// One thing the document holds.
    public enum Event {
        /// `<name attr="value" …>`, or `<name … />` when `selfClosing`; values with entities expanded.
        case start(name: String, attributes: [String: String], selfClosing: Bool)
        /// `</name>`.
        case end(name: String)
        /// Character data (text or CDATA) between tags, entities expanded; never empty.
        case text([UInt8])
    }

    /// What is wrong with a document (positions are byte offsets of the part; never its text).
    public struct Malformed: Error, Equatable, Sendable {
        /// What is wrong.
        public var detail: String
    }

    /// The longest tag (with its attributes) and the longest run of text kept at once.
    public static let maximumTagByteCount = 1 << 20
    /// The longest run of text between two tags (an Excel cell holds at most 32 767 characters).
    public static let maximumTextByteCount = 4 << 20

    private enum State {
        case text
        /// After `<`, collecting the tag up to its `>` (quote: inside an attribute value).
        case tag(quote: UInt8)
        /// Inside `<!-- … -->` (how many of the closing `--` have been seen).
        case comment(dashes: Int)
        /// Inside `<![CDATA[ … ]]>` (how many of the closing `]]` have been seen).
        case cdata(brackets: Int)
        /// Inside `<? … ?>` (whether the last byte was `?`).
        case instruction(question: Bool)
    }

    private var state = State.text
    private var pending: [UInt8] = []
    private var text: [UInt8] = []
    private var offset = 0

    /// A reader at the start of a document.
    public init() {}

    /// Reads the next block of the document; `body` sees every event the block completes.
    public mutating func feed(_ block: UnsafeRawBufferPointer, _ body: (Event) throws -> Void) throws {
        for byte in block {
            offset += 1
            switch state {
            case .text:
                if byte == 0x3C {  // <
                    try flushText(body)
                    state = .tag(quote: 0)
                    pending.removeAll(keepingCapacity: true)
                } else {
                    text.append(byte)
                    if text.count > Self.maximumTextByteCount { throw Malformed(detail: "a text run longer than 4 MiB") }
                }
            case .tag(let quote):
                try tagByte(byte, quote: quote, body)
            case .comment(let dashes):
                if byte == 0x2D {
                    state = .comment(dashes: min(dashes + 1, 2))
                } else if byte == 0x3E && dashes == 2 {
                    state = .text
                } else {
                    state = .comment(dashes: 0)
                }
            case .cdata(let brackets):
                if byte == 0x5D {
                    if brackets == 2 { text.append(0x5D) }
                    state = .cdata(brackets: min(brackets + 1, 2))
                } else if byte == 0x3E && brackets == 2 {
                    try emitText(body, expand: false)
                    state = .text
                } else {
                    for _ in 0..<brackets { text.append(0x5D) }
                    text.append(byte)
                    if text.count > Self.maximumTextByteCount { throw Malformed(detail: "a text run longer than 4 MiB") }
                    state = .cdata(brackets: 0)
                }
            case .instruction(let question):
                state = byte == 0x3E && question ? .text : .instruction(question: byte == 0x3F)
            }
        }
    }

    /// Ends the document: text after the last tag is reported; an unclosed tag is malformed.
    public mutating func finish(_ body: (Event) throws -> Void) throws {
        guard case .text = state else { throw Malformed(detail: "it ends inside a tag, comment or CDATA section") }
        try flushText(body)
    }

    private mutating func tagByte(_ byte: UInt8, quote: UInt8, _ body: (Event) throws -> Void) throws {
        if quote != 0 {
            pending.append(byte)
            if byte == quote { state = .tag(quote: 0) }
        } else if byte == 0x22 || byte == 0x27 {
            pending.append(byte)
            state = .tag(quote: byte)
        } else if byte == 0x3E {  // >
            try finishTag(body)
        } else {
            pending.append(byte)
            if pending.count == 3 && pending == [0x21, 0x2D, 0x2D] {  // <!--
                state = .comment(dashes: 0)
            } else if pending.count == 8 && pending == Array("![CDATA[".utf8) {
                text.removeAll(keepingCapacity: true)
                state = .cdata(brackets: 0)
            } else if pending.count == 1 && byte == 0x3F {  // <?
                state = .instruction(question: false)
            }
        }
        if pending.count > Self.maximumTagByteCount { throw Malformed(detail: "a tag longer than 1 MiB") }
    }

    private mutating func finishTag(_ body: (Event) throws -> Void) throws {
        state = .text
        guard let first = pending.first else { throw Malformed(detail: "an empty tag at byte \(offset)") }
        if first == 0x21 { throw Malformed(detail: "a document type declaration (not allowed in Office parts)") }
        if first == 0x2F {  // </name>
            let name = Self.localName(pending.dropFirst().prefix { !Self.isSpace($0) })
            guard !name.isEmpty else { throw Malformed(detail: "an end tag without a name at byte \(offset)") }
            try body(.end(name: name))
            return
        }
        var bytes = pending[...]
        let selfClosing = bytes.last == 0x2F
        if selfClosing { bytes = bytes.dropLast() }
        let nameBytes = bytes.prefix { !Self.isSpace($0) }
        let name = Self.localName(nameBytes)
        guard !name.isEmpty else { throw Malformed(detail: "a tag without a name at byte \(offset)") }
        let attributes = try Self.attributes(bytes.dropFirst(nameBytes.count), at: offset)
        try body(.start(name: name, attributes: attributes, selfClosing: selfClosing))
        if selfClosing { try body(.end(name: name)) }
    }

    private mutating func flushText(_ body: (Event) throws -> Void) throws {
        try emitText(body, expand: true)
    }

    private mutating func emitText(_ body: (Event) throws -> Void, expand: Bool) throws {
        guard !text.isEmpty else { return }
        let run = expand ? Self.expandEntities(text[...]) : text
        text.removeAll(keepingCapacity: true)
        if !run.isEmpty { try body(.text(run)) }
    }

    // MARK: Pieces of a tag

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    static func localName(_ bytes: ArraySlice<UInt8>) -> String {
        let local = bytes.lastIndex(of: 0x3A).map { bytes[($0 + 1)...] } ?? bytes
        return String(decoding: local, as: UTF8.self)
    }

    /// `name="value"` pairs (either quote), separated by white space.
    static func attributes(_ bytes: ArraySlice<UInt8>, at offset: Int) throws -> [String: String] {
        var out: [String: String] = [:]
        var i = bytes.startIndex
        while true {
            while i < bytes.endIndex && isSpace(bytes[i]) { i += 1 }
            if i == bytes.endIndex { return out }
            let nameStart = i
            while i < bytes.endIndex && bytes[i] != 0x3D && !isSpace(bytes[i]) { i += 1 }
            let name = localName(bytes[nameStart..<i])
            while i < bytes.endIndex && isSpace(bytes[i]) { i += 1 }
            guard i < bytes.endIndex, bytes[i] == 0x3D else { throw Malformed(detail: "an attribute without a value at byte \(offset)") }
            i += 1
            while i < bytes.endIndex && isSpace(bytes[i]) { i += 1 }
            guard i < bytes.endIndex, bytes[i] == 0x22 || bytes[i] == 0x27 else {
                throw Malformed(detail: "an unquoted attribute value at byte \(offset)")
            }
            let quote = bytes[i]
            i += 1
            let valueStart = i
            while i < bytes.endIndex && bytes[i] != quote { i += 1 }
            guard i < bytes.endIndex else { throw Malformed(detail: "an unterminated attribute value at byte \(offset)") }
            out[name] = String(decoding: expandEntities(bytes[valueStart..<i]), as: UTF8.self)
            i += 1
        }
    }

    /// Text with `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and `&#N;` / `&#xH;` replaced; any other
    /// `&` sequence is kept as it is (it cannot come from a conforming writer).
    static func expandEntities(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard bytes.contains(0x26) else { return Array(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            guard b == 0x26, let semicolon = bytes[i...].prefix(12).firstIndex(of: 0x3B) else {
                out.append(b)
                i += 1
                continue
            }
            let entity = bytes[(i + 1)..<semicolon]
            if let expanded = expand(entity) {
                out += expanded
                i = semicolon + 1
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    private static func expand(_ entity: ArraySlice<UInt8>) -> [UInt8]? {
        switch String(decoding: entity, as: UTF8.self) {
        case "lt": return [0x3C]
        case "gt": return [0x3E]
        case "amp": return [0x26]
        case "quot": return [0x22]
        case "apos": return [0x27]
        default: break
        }
        guard entity.first == 0x23 else { return nil }  // #
        let digits = entity.dropFirst()
        let value: UInt32?
        if digits.first == 0x78 || digits.first == 0x58 {  // x
            value = UInt32(String(decoding: digits.dropFirst(), as: UTF8.self), radix: 16)
        } else {
            value = UInt32(String(decoding: digits, as: UTF8.self), radix: 10)
        }
        guard let value, let scalar = Unicode.Scalar(value) else { return nil }
        return Array(String(Character(scalar)).utf8)
    }
}
