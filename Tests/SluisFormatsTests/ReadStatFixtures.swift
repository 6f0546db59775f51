import SluisFormats
import SluisIO
import SluisTestSupport
import XCTest

/// SPSS/Stata fixtures made in the test suite itself with ReadStat's writer (through sluis's
/// wrapper), so no binary file of unknown origin is checked in.
enum ReadStatFixtures {
    /// A BSN long enough to be recognisable if it ever leaked into a message.
    static let secretBSN = "123456782"

    /// A survey-like table: a numeric BSN (no leading zero), a string BSN, a name, a labelled
    /// sex code with user-missing values, a score with a missing range, a long remark (> 255
    /// bytes) and a fractional weight.
    static func surveyMetadata(format: ReadStatFileFormat) -> ReadStatMetadata {
        let dta = format == .dta
        let sexLabels = ReadStatLabelSet(name: dta ? "sexlbl" : "labels0", isString: false, labels: [
            .init(value: .number(1), label: "man"), .init(value: .number(2), label: "vrouw"),
            .init(value: .number(9), label: "onbekend"),
        ])
        let regionLabels = ReadStatLabelSet(name: "labels1", isString: true, labels: [
            .init(value: .string("N"), label: "Noord"), .init(value: .string("Z"), label: "Zuid"),
        ])
        var variables = [
            ReadStatVariable(name: "bsn_num", storage: dta ? .int32 : .double, label: "BSN als getal",
                             displayFormat: dta ? "%12.0g" : "F9.0", measure: .nominal),
            ReadStatVariable(name: "bsn_txt", storage: .string, storageWidth: 11, label: "BSN als tekst",
                             displayFormat: dta ? "%11s" : "A11", measure: .nominal),
            ReadStatVariable(name: "naam", storage: .string, storageWidth: 40, label: "Naam",
                             displayFormat: dta ? "%40s" : "A40"),
            ReadStatVariable(name: "geslacht", storage: dta ? .int8 : .double, label: "Geslacht",
                             displayFormat: dta ? "%8.0g" : "F1.0", measure: .nominal, labelSetName: sexLabels.name,
                             missingValues: dta ? [] : [.value(.number(9))]),
            ReadStatVariable(name: "score", storage: .double, label: "Score op de test",
                             displayFormat: dta ? "%9.2f" : "F8.2", measure: .scale,
                             missingValues: dta ? [] : [ReadStatMissingRange(low: .number(-99), high: .number(-90)),
                                                        .value(.number(999))]),
            ReadStatVariable(name: "toelichting", storage: .string, storageWidth: dta ? 600 : 600,
                             label: "Toelichting", displayFormat: dta ? "%600s" : "A600"),
            ReadStatVariable(name: "gewicht", storage: dta ? .float : .double, label: "Weging",
                             displayFormat: dta ? "%9.0g" : "F10.4"),
        ]
        var sets = [sexLabels.name: sexLabels]
        if !dta {
            variables.append(ReadStatVariable(name: "regio", storage: .string, storageWidth: 1, label: "Regio",
                                              displayFormat: "A1", labelSetName: regionLabels.name,
                                              missingValues: [.value(.string("X"))]))
            sets[regionLabels.name] = regionLabels
        }
        return ReadStatMetadata(format: format, fileLabel: "Enquete 2026 (synthetisch)", rowCount: nil,
                                modifiedTime: 1_790_000_000, variables: variables, labelSets: sets)
    }

    /// 359 bytes: SPSS stores long strings in 255-byte segments. No trailing space: SPSS pads
    /// strings with spaces, so trailing spaces never survive (docs/formats-spss-stata.md).
    static let longRemark = String(String(repeating: "lange toelichting ", count: 20).dropLast()) + "."

    static func surveyRows(format: ReadStatFileFormat) -> [[String]] {
        var rows = [
            ["12345672", "012345672", "Jan Jansen", "1", "7.5", "kort", "0.1"],
            ["123456782", "123456782", "Piet de Vries", "2", "-95", longRemark, "1.25"],
            ["", "", "", "9", "999", "", ""],
            ["111222333", "111222333", "Émile Zoë", "", "1e+20", "ß€", "3"],
        ]
        if format != .dta {
            for i in rows.indices { rows[i].append(["N", "Z", "X", ""][i]) }
        }
        return rows
    }

    /// Writes `rows` with `metadata` to `path` (all columns kept).
    static func write(_ path: String, metadata: ReadStatMetadata, rows: [[String]]) throws {
        let file = try AtomicFile(path: path)
        let writer = try ReadStatWriter(path: path, sink: file, format: metadata.format, source: metadata,
                                        rowCount: rows.count)
        try writer.writeHeader(metadata.variables.enumerated().map { OutputColumn(name: $1.name, origin: .kept(sourceIndex: $0)) })
        let buffer = FieldBuffer()
        for row in rows {
            buffer.removeAll()
            for field in row { buffer.append(Array(field.utf8)) }
            try writer.writeRow(buffer.view)
        }
        try writer.finish()
        try file.commit()
    }

    /// Every row of a reader, as strings, with its line.
    static func readAll(_ reader: ReadStatReader) throws -> [(line: Int, fields: [String])] {
        var out: [(Int, [String])] = []
        try reader.forEachRow { view, line in
            out.append((line, (0..<view.count).map { String(decoding: view[$0], as: UTF8.self) }))
        }
        return out
    }

    /// Runs the Debian `readstat` tool; nil when it is not installed.
    static func readstatCLI(_ args: [String], tool: String = "/usr/bin/readstat") throws -> (status: Int32, output: String)? {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
