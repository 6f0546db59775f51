import XCTest
import SluisCore
import SluisCrypto
import SluisIO
import SluisTestSupport
@testable import SluisOutput

/// The block scan (64 bytes a step, whole lines per read block, files on every core) must find
/// exactly what the line-by-line scan finds, at the same lines and columns.
final class BlockScanTests: XCTestCase {
    /// The line-by-line reference: every line through `scanLine`, as `check` once did.
    func reference(_ bytes: [UInt8], formats: [KeyFormat], keys: KeyHashSet?, delimited: Bool, units: Bool) -> FileScanner {
        let s = FileScanner(formats: formats, keys: keys, delimited: delimited, tracksUnits: units)
        bytes.withUnsafeBytes { all in
            var start = 0
            for i in 0..<all.count where all[i] == 0x0A {
                s.scanLine(UnsafeRawBufferPointer(rebasing: all[start..<i]))
                start = i + 1
            }
            if start < all.count { s.scanLine(UnsafeRawBufferPointer(rebasing: all[start...])) }
        }
        s.finishUnits()
        return s
    }

    func blockScan(_ bytes: [UInt8], formats: [KeyFormat], keys: KeyHashSet?, delimited: Bool, units: Bool,
                   file: StaticString = #filePath, line: UInt = #line) throws -> FileScanner {
        let dir = TemporaryDirectory("sluis-output-block")
        let path = dir.write("f", bytes: bytes)
        let s = FileScanner(formats: formats, keys: keys, delimited: delimited, tracksUnits: units)
        let hasher = SHA256Hasher()
        try s.scan(path: path, hasher: hasher)
        XCTAssertEqual(hasher.finalize(), SHA256Hasher.hash(bytes), "the one read hashes every byte", file: file, line: line)
        return s
    }

    func assertSame(_ bytes: [UInt8], formats: [KeyFormat] = KeyFormat.defaults, keys: KeyHashSet? = nil, delimited: Bool,
                    units: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = reference(bytes, formats: formats, keys: keys?.copy(), delimited: delimited, units: units)
        let b = try blockScan(bytes, formats: formats, keys: keys?.copy(), delimited: delimited, units: units, file: file, line: line)
        XCTAssertEqual(b.findings, r.findings, file: file, line: line)
        XCTAssertEqual(b.findingCounts, r.findingCounts, file: file, line: line)
        XCTAssertEqual(b.lineCount, r.lineCount, file: file, line: line)
    }

    func keySet(_ keys: [String]) -> KeyHashSet {
        let set = KeyHashSet()
        for k in keys { Array(k.utf8).withUnsafeBytes { set.insert($0) } }
        return set
    }

    /// The masks agree with a byte-by-byte reading for every byte value in every position.
    func testMasksAreExactForEveryByte() {
        var chunk = [UInt8](repeating: 0, count: 64)
        for v in 0...255 {
            for position in [0, 7, 8, 31, 63] {
                for i in 0..<64 { chunk[i] = UInt8((v &+ i &* 37) & 0xFF) }
                chunk[position] = UInt8(v)
                let (a, l) = chunk.withUnsafeBytes { ByteMasks.masks($0.baseAddress!) }
                for i in 0..<64 {
                    let b = chunk[i]
                    let alnum = (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
                    XCTAssertEqual(a >> UInt64(i) & 1 == 1, alnum, "byte \(b)")
                    XCTAssertEqual(l >> UInt64(i) & 1 == 1, b == 0x0A, "byte \(b)")
                }
            }
        }
        XCTAssertEqual(ByteMasks.runStarts(0b0111_1111_1011_1111_1111, atLeast: 9), 0b11, "the run of 10 at bit 0, not the 8 at bit 11")
        XCTAssertEqual(ByteMasks.runStarts(0b1111_1111, atLeast: 9), 0)
    }

    /// Random text of digits, letters, points, quotes, delimiters, CR and LF, with lines longer
    /// than a read block and runs longer than a chunk, under several formats and key sets.
    func testRandomTextFindsWhatTheLineScanFinds() throws {
        var seed: UInt64 = 15
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        let keys = keySet(["123456789", "AB12CD", "x7", "000000000000000000000000000000000000000000000000000000000000000000000000"])
        let pieces: [[UInt8]] = [Array("123456789".utf8), Array("AB12CD".utf8), Array("x7".utf8), Array("12345678".utf8),
                                 Array("0.123456789".utf8), Array("\"a;b\"".utf8), Array("\r\n".utf8)]
        for round in 0..<12 {
            var bytes: [UInt8] = []
            let size = round < 4 ? 3_000 : 300_000 + next(300_000)
            let longLine = round % 3 == 2
            while bytes.count < size {
                switch next(10) {
                case 0, 1: bytes += (0..<(1 + next(next(8) == 0 ? 140 : 12))).map { _ in UInt8(0x30 + next(10)) }
                case 2: bytes += (0..<(1 + next(10))).map { _ in UInt8(0x61 + next(26)) }
                case 3: bytes += pieces[next(pieces.count)]
                case 4: bytes.append([0x2C, 0x3B, 0x09, 0x20][next(4)])
                case 5: bytes.append([0x2E, 0x22, 0x2D, 0xC3, 0xA9][next(5)])
                case 6: if !longLine || next(50) == 0 { bytes.append(0x0A) }
                default: bytes += (0..<(1 + next(20))).map { _ in UInt8(0x30 + next(10)) }; bytes.append(0x2C)
                }
            }
            if next(2) == 0 { bytes.append(0x0A) }
            let formats = round % 2 == 0 ? KeyFormat.defaults : KeyFormat.defaults + [KeyFormat(name: "LONG", digits: 100)]
            try assertSame(bytes, formats: formats, keys: round % 4 == 1 ? nil : keys, delimited: round % 3 != 1, units: round % 4 == 3)
        }
    }

    func testAKeyAcrossAReadBlockBoundaryCRLFAndAtTheEndWithoutALineFeed() throws {
        let keys = keySet(["987654321"])
        for offset in FileScanner.blockByteCount - 12...FileScanner.blockByteCount + 2 {
            // The key starts at byte `offset`: it straddles the first read block's end.
            var text = "a,b\r\n"
            var lines = 1
            while text.utf8.count + 7 < offset - 10 { text += "x,1.5\r\n"; lines += 1 }
            text += String(repeating: "y", count: offset - text.utf8.count - 1) + ",987654321,9\r\n12345678"
            try assertSame(Array(text.utf8), keys: keys, delimited: true)
            let s = try blockScan(Array(text.utf8), formats: KeyFormat.defaults, keys: keys.copy(), delimited: true, units: false)
            XCTAssertEqual(s.findings.map { "\($0.kind.rawValue) \($0.line!):\($0.column!)" },
                           ["key-format \(lines + 1):2", "known-key \(lines + 1):2", "key-format \(lines + 2):1"])
        }
        let s = try blockScan(Array("a b\r\nc 987654321\r\nlast 12345678".utf8), formats: KeyFormat.defaults, keys: keys,
                              delimited: false, units: false)
        XCTAssertEqual(s.findings.map { "\($0.kind.rawValue) \($0.line!):\($0.column!)" },
                       ["key-format 2:3", "known-key 2:3", "key-format 3:6"])
        XCTAssertEqual(s.lineCount, 3)
    }

    func testALineLongerThanABlockAndOneTooLong() throws {
        var text = "a,b\n" + String(repeating: "1,", count: FileScanner.blockByteCount) + "123456789\n"
        let s = try blockScan(Array(text.utf8), formats: KeyFormat.defaults, keys: nil, delimited: true, units: false)
        XCTAssertEqual(s.findings.map { "\($0.line!):\($0.column!)" }, ["2:\(FileScanner.blockByteCount + 1)"])
        text = String(repeating: "a", count: FileScanner.longestLine + 1)
        let dir = TemporaryDirectory("sluis-output-block")
        XCTAssertThrowsError(try FileScanner(formats: KeyFormat.defaults, keys: nil, delimited: false, tracksUnits: false)
            .scan(path: dir.write("long", text))) { e in
            XCTAssertEqual((e as? OutputError).map { "\($0)" }?.contains("line 1 is longer than 64 MiB"), true, "\(e)")
        }
    }

    /// The request is read on every core; the report is the same, in the same order, at the same
    /// lines and columns as one scanner per file finds, and each file's SHA-256 is its own.
    func testParallelCheckReportsTheSameLinesAndColumnsInOrder() throws {
        let dir = TemporaryDirectory("sluis-output-parallel")
        let keys = keySet(["555666777"])
        var expected: [String: [String]] = [:]
        for f in 0..<9 {
            var text = "g,n,note\n"
            for i in 0..<(2_000 * (f + 1)) { text += "G\(i % 7),\(i % 13),t\n" }
            text += "G1,2,\(f % 2 == 0 ? "555666777" : "123456789")\n"
            let lines = 2_000 * (f + 1) + 2
            let name = "out\(f).\(f % 3 == 0 ? "txt" : "csv")"
            _ = dir.write(name, text)
            let column = f % 3 == 0 ? 6 : 3
            expected[name] = ["key-format \(lines):\(column)"] + (f % 2 == 0 ? ["known-key \(lines):\(column)"] : [])
        }
        let first = try RequestChecker.check(folder: dir.path, policy: .cbsDefault, keys: keys)
        let second = try RequestChecker.check(folder: dir.path, policy: .cbsDefault, keys: keys)
        XCTAssertEqual(first.files, second.files)
        XCTAssertEqual(first.files.map(\.file), expected.keys.sorted())
        for file in first.files {
            let found = file.findings.filter { $0.line != nil }.map { "\($0.kind) \($0.line!):\($0.column!)" }
            XCTAssertEqual(found, expected[file.file], file.file)
            let bytes = try [UInt8](contentsOf: dir.path + "/" + file.file)
            XCTAssertEqual(file.sha256, Hex.encode(SHA256Hasher.hash(bytes)))
        }
    }
}

private extension Array where Element == UInt8 {
    init(contentsOf path: String) throws {
        self = try FileSystem.readAll(path, limitByteCount: 1 << 30)
    }
}
