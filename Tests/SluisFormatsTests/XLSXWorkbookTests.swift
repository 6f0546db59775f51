import XCTest
import SluisIO
import SluisTestSupport
@testable import SluisFormats

/// The XLSX reader under `sluis output check`: ZIP directory and entries, the XML events, and
/// the cells of worksheets as SpreadsheetML writes them.
final class XLSXWorkbookTests: XCTestCase {
    var dir: TemporaryDirectory!
    /// A value planted in workbooks that must never appear in any error.
    let secret = "987654321"

    override func setUp() { dir = TemporaryDirectory("sluis-xlsx") }

    func book(_ parts: [String: String], stored: Bool = false) throws -> String {
        let path = dir.file("book.xlsx")
        try WorkbookFixture.write(parts, to: path, stored: stored)
        return path
    }

    func cells(_ workbook: XLSXWorkbook, _ part: String) throws -> [String] {
        var out: [String] = []
        try workbook.readWorksheet(part) { cell in
            var text: String
            switch cell.value {
            case .sharedString(let i): text = "s\(i)"
            case .text(let t): text = String(decoding: t, as: UTF8.self)
            }
            if let f = cell.formula { text += " =" + String(decoding: f, as: UTF8.self) }
            out.append("\(cell.row):\(cell.column) \(text)")
        }
        return out
    }

    func testCellsOfEveryKindWithTheirRowsAndColumns() throws {
        let rows = [
            #"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>inline &amp; &#x31;2</t></is></c></row>"#,
            #"<row r="3"><c r="B3"><v>123456789</v></c><c r="AA3"><f>SUM(B3:B3)*2</f><v>246913578</v></c></row>"#,
            // No r attributes: the row and columns follow on; a prefixed namespace; an empty cell.
            #"<x:row><x:c t="b"><x:v>1</x:v></x:c><x:c s="3"/><x:c t="str"><x:v><![CDATA[a<b]]></x:v></x:c></x:row>"#,
        ]
        let workbook = try XLSXWorkbook(path: try book([
            "xl/worksheets/sheet1.xml": WorkbookFixture.sheet(rows),
            "xl/worksheets/sheet10.xml": WorkbookFixture.sheet([]),
            "xl/worksheets/sheet2.xml": WorkbookFixture.sheet([]),
            "xl/sharedStrings.xml": WorkbookFixture.sharedStrings(["first"]),
            "xl/comments1.xml": "<comments><comment ref=\"B3\"><text><t>see 123</t></text></comment></comments>",
        ]))
        XCTAssertEqual(workbook.worksheetParts, ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet10.xml"])
        XCTAssertEqual(workbook.sharedStringsPart, "xl/sharedStrings.xml")
        XCTAssertTrue(workbook.otherXMLParts.contains("xl/comments1.xml"))
        XCTAssertEqual(try cells(workbook, "xl/worksheets/sheet1.xml"),
                       ["1:1 s0", "1:3 inline & 12", "3:2 123456789", "3:27 246913578 =SUM(B3:B3)*2", "4:1 1", "4:3 a<b"])
        var texts: [String] = []
        try workbook.readText("xl/comments1.xml") { texts.append("\($0) " + String(decoding: $1, as: UTF8.self)) }
        XCTAssertEqual(texts, ["1 B3", "2 see 123"], "attribute values and text nodes, numbered in order")
    }

    func testSharedStringsJoinRichTextRunsAndLeaveOutPhoneticRuns() throws {
        let sst = #"<sst><si><t>plain</t></si><si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space="preserve">text</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></si><si><t/></si></sst>"#
        let workbook = try XLSXWorkbook(path: try book(["xl/sharedStrings.xml": sst, "xl/worksheets/sheet1.xml": WorkbookFixture.sheet([])]))
        var strings: [String] = []
        try workbook.readSharedStrings { index, text in strings.append("\(index)=" + String(decoding: text, as: UTF8.self)) }
        XCTAssertEqual(strings, ["0=plain", "1=rich text", "2="])
    }

    func testStoredEntriesReadAsDeflatedOnes() throws {
        let parts = ["xl/worksheets/sheet1.xml": WorkbookFixture.sheet([#"<row r="2"><c r="B2"><v>7</v></c></row>"#])]
        let workbook = try XLSXWorkbook(path: try book(parts, stored: true))
        XCTAssertEqual(try cells(workbook, "xl/worksheets/sheet1.xml"), ["2:2 7"])
    }

    func testCellReferences() {
        XCTAssertEqual(XLSXWorkbook.cellReference("A1")?.column, 1)
        XCTAssertEqual(XLSXWorkbook.cellReference("$AB$12").map { "\($0.row):\($0.column)" }, "12:28")
        XCTAssertEqual(XLSXWorkbook.cellReference("XFD1048576").map { "\($0.row):\($0.column)" }, "1048576:16384")
        XCTAssertNil(XLSXWorkbook.cellReference("XFE1"), "past Excel's last column")
        XCTAssertNil(XLSXWorkbook.cellReference("1A"))
        XCTAssertNil(XLSXWorkbook.cellReference("A-1"))
    }

    // MARK: Damaged and hostile workbooks: an error naming the file and part, never the contents

    func assertRefused(_ path: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let workbook = try XLSXWorkbook(path: path)
            for part in workbook.worksheetParts { try workbook.readWorksheet(part) { _ in } }
            try workbook.readSharedStrings { _, _ in }
            XCTFail("accepted", file: file, line: line)
        } catch let error as ZipError {
            let message = error.description
            XCTAssertTrue(message.contains(path), message, file: file, line: line)
            XCTAssertTrue(message.contains(expected), message, file: file, line: line)
            XCTAssertFalse(message.contains(secret), message, file: file, line: line)
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
    }

    func plantedBook() throws -> (path: String, bytes: [UInt8]) {
        let path = try book(["xl/worksheets/sheet1.xml": WorkbookFixture.sheet([#"<row r="1"><c r="A1"><v>\#(secret)</v></c></row>"#])], stored: true)
        return (path, dir.read("book.xlsx"))
    }

    func testNotAZipAnArchiveWithoutAWorkbookAndATruncatedOne() throws {
        assertRefused(dir.write("plain.xlsx", "id,value\n\(secret),1\n\(secret),2\n"), "no end of central directory record")
        let other = dir.file("other.xlsx")
        try WorkbookFixture.write(["word/document.xml": "<w/>"], to: other, withSkeleton: false)
        assertRefused(other, "without an Excel workbook")
        let (path, bytes) = try plantedBook()
        try FileSystem.writeAtomically(Array(bytes.prefix(bytes.count - 30)), to: path, mode: 0o644)
        assertRefused(path, "no end of central directory record")
    }

    func testAChangedByteFailsTheCRC() throws {
        let (path, bytes) = try plantedBook()
        var changed = bytes
        let at = try XCTUnwrap(indexOf(Array(secret.utf8), in: bytes))
        changed[at] = UInt8(ascii: "0")
        try FileSystem.writeAtomically(changed, to: path, mode: 0o644)
        assertRefused(path, "part xl/worksheets/sheet1.xml cannot be read: its CRC-32 does not match")
    }

    func testAnEntryThatInflatesBeyondItsDeclaredSizeIsRefused() throws {
        // The central directory's uncompressed size (offset 24 of the sheet's record) made smaller.
        let (path, bytes) = try plantedBook()
        var changed = bytes
        let name = Array("xl/worksheets/sheet1.xml".utf8)
        var record = try XCTUnwrap(indexOf([0x50, 0x4B, 0x01, 0x02], in: bytes))
        while Array(changed[(record + 46)..<(record + 46 + name.count)]) != name {
            record = try XCTUnwrap(indexOf([0x50, 0x4B, 0x01, 0x02], in: bytes, from: record + 4))
        }
        changed[record + 24] = 10
        changed[record + 25] = 0
        changed[record + 26] = 0
        changed[record + 27] = 0
        try FileSystem.writeAtomically(changed, to: path, mode: 0o644)
        assertRefused(path, "inflates to more than its declared size")
    }

    /// The "overlapping" zip bomb: nine directory entries that all point at one highly
    /// compressed sheet. Each entry alone is honest; together they inflate to more than deflate
    /// allows for the archive's size, and reading stops there.
    func testOverlappingEntriesAreStoppedByTheInflationBudget() throws {
        let rows = String(repeating: #"<row><c><v>1</v></c></row>"#, count: 60_000)
        let path = try book(["xl/worksheets/sheet1.xml": WorkbookFixture.sheet([rows])])
        let honest = try XLSXWorkbook(path: path)
        try honest.readWorksheet("xl/worksheets/sheet1.xml") { _ in }
        var bytes = dir.read("book.xlsx")
        let end = bytes.count - 22
        XCTAssertEqual(Array(bytes[end..<(end + 4)]), [0x50, 0x4B, 0x05, 0x06], "no archive comment")
        let name = Array("xl/worksheets/sheet1.xml".utf8)
        var record = try XCTUnwrap(indexOf([0x50, 0x4B, 0x01, 0x02], in: bytes))
        while Array(bytes[(record + 46)..<(record + 46 + name.count)]) != name {
            record = try XCTUnwrap(indexOf([0x50, 0x4B, 0x01, 0x02], in: bytes, from: record + 4))
        }
        let length = 46 + name.count + Int(bytes[record + 30]) + Int(bytes[record + 32])
        let original = Array(bytes[record..<(record + length)])
        let eocd = Array(bytes[end...])
        bytes.removeSubrange(end...)
        for k in 2...9 {
            var copy = original
            copy[46 + name.count - 5] = UInt8(ascii: "0") + UInt8(k)  // sheetK.xml
            bytes += copy
        }
        var record22 = eocd
        let count = Int(eocd[10]) + 8
        let size = Int(eocd[12]) | Int(eocd[13]) << 8 | Int(eocd[14]) << 16 | Int(eocd[15]) << 24
        record22[8] = UInt8(count); record22[10] = UInt8(count)
        let grown = size + 8 * length
        for i in 0..<4 { record22[12 + i] = UInt8(grown >> (8 * i) & 0xFF) }
        bytes += record22
        try FileSystem.writeAtomically(bytes, to: path, mode: 0o644)
        let bomb = try XLSXWorkbook(path: path)
        XCTAssertEqual(bomb.worksheetParts.count, 9)
        assertRefused(path, "more than deflate allows for its size")
    }

    func testADocumentTypeDeclarationAndUnclosedXMLAreRefused() throws {
        let dtd = #"<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><worksheet><sheetData/></worksheet>"#
        assertRefused(try book(["xl/worksheets/sheet1.xml": dtd]), "document type declaration")
        assertRefused(try book(["xl/worksheets/sheet1.xml": "<worksheet><sheetData><row><c><v>\(secret)</v></c"]), "ends inside a tag")
    }

    func testXMLEventsAcrossBlockBoundaries() throws {
        let xml = Array(#"<?xml version="1.0"?><!-- a > comment --><a x="1 &gt; 0" y='q"'><b>t&lt;1&#65;</b><![CDATA[]]]]></a>"#.utf8)
        // Fed one byte at a time, the events are those of one block.
        func events(blockSize: Int) throws -> [String] {
            var reader = XMLEventReader()
            var out: [String] = []
            let record: (XMLEventReader.Event) -> Void = { e in
                switch e {
                case .start(let n, let a, let s): out.append("<\(n) \(a.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))\(s ? "/" : "")>")
                case .end(let n): out.append("</\(n)>")
                case .text(let t): out.append(String(decoding: t, as: UTF8.self))
                }
            }
            var i = 0
            while i < xml.count {
                let end = min(i + blockSize, xml.count)
                try xml[i..<end].withUnsafeBytes { try reader.feed($0, record) }
                i = end
            }
            try reader.finish(record)
            return out
        }
        let expected = ["<a x=1 > 0 y=q\">", "<b >", "t<1A", "</b>", "]]", "</a>"]
        XCTAssertEqual(try events(blockSize: 1 << 16), expected)
        XCTAssertEqual(try events(blockSize: 1), expected)
        XCTAssertEqual(try events(blockSize: 7), expected)
    }

    func indexOf(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
