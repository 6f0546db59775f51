import SluisCore
import SluisFormats
import SluisIO

/// SPSS (.sav, .zsav) and Stata (.dta) files in the pipeline: the same `FilePipeline` runs over
/// a `ReadStatReader`, and the output is written in the input's format by default
/// (`ReadStatWriter`, metadata carried over) or as CSV when the entry says `"outputFormat": "csv"`.
/// docs/formats-spss-stata.md describes the mapping.
extension LoadedPipeline {
    /// The format of file `index`: stated, or from its extension (the config parser has checked
    /// that one of them says it).
    public func inputFormat(_ index: Int) -> DataFileFormat {
        config.files[index].inputFormat ?? .csv
    }

    /// The format file `index` is written in: stated, else the input's.
    public func outputFormat(_ index: Int) -> DataFileFormat {
        config.files[index].outputFormat ?? inputFormat(index)
    }

    /// The column names of file `index`, whatever its format.
    public func columnNames(of index: Int) throws -> [String] {
        if try isEmptyCSV(index) {
            // No header: the configured columns do not exist, and sealing it would sign a file nobody classified.
            let file = config.files[index]
            throw PipelineConfigError.emptyDataFile(file: configPath, path: "files[\(index)].path", dataFile: file.path,
                                                    columns: file.columns.map(\.name))
        }
        return inputFormat(index).isStatistical ? try openStatisticalSource(index).columnNames : try openSource(index).columnNames
    }

    /// A CSV file of zero bytes: it has no header, so `columnNames` refuses it (a header-only
    /// file is an ordinary file of zero rows).
    func isEmptyCSV(_ index: Int) throws -> Bool {
        guard !inputFormat(index).isStatistical else { return false }
        return try FileInput(path: existingPath(index)).size() == 0
    }

    /// Opens an SPSS/Stata file: header, variables and value labels read, no rows yet. A file
    /// ReadStat cannot read fails here, before any output exists.
    public func openStatisticalSource(_ index: Int) throws -> ReadStatReader {
        let path = try existingPath(index)
        guard let format = ReadStatFileFormat(inputFormat(index)) else {
            throw PipelineError.unsupportedFormat(path: config.files[index].path)
        }
        return try ReadStatReader(path: path, format: format)
    }

    /// Runs an SPSS/Stata file `index` through the pipeline into `sink` (nil: a dry run).
    func runStatistical(_ index: Int, key: PseudonymKey?, sink: ByteSink?) throws -> FileReport {
        let reader = try openStatisticalSource(index)
        let file = try codedFile(index, metadata: reader.metadata)
        let pipeline = FilePipeline(file: file, columnNames: reader.columnNames, project: config.project,
                                    rendering: config.rendering, key: key, displayPath: file.path)
        let output = outputFormat(index)
        let counter = sink.map { ByteCountingSink(target: $0) }
        var rowSink: RowSink?
        var outputDialect = ""
        if let counter {
            if let format = ReadStatFileFormat(output) {
                let rows = try outputRowCount(index, reader: reader)
                rowSink = try ReadStatWriter(path: outputName(index), sink: counter, format: format, source: reader.metadata,
                                             rowCount: rows, generalised: generalisedTypes(file))
                outputDialect = describe(format, variables: pipeline.columns.count)
            } else {
                let dialect = CSVDialect(delimiter: file.outputDelimiter ?? 0x2C)
                rowSink = CSVWriter(sink: counter, dialect: dialect)
                outputDialect = dialect.description
            }
        }
        _ = try pipeline.run(source: reader, sink: rowSink)
        pipeline.describe(inputDialect: describe(reader.format, variables: reader.columnNames.count), outputDialect: outputDialect,
                          bytesIn: fileSize(try existingPath(index)), bytesOut: counter?.byteCount ?? 0)
        var report = pipeline.report
        report.format = reader.format.rawValue
        report.encoding = "utf-8"
        if output.isStatistical { report.residuals += labelResiduals(file, metadata: reader.metadata) }
        return report
    }

    /// Labels travel with the data into an SPSS/Stata output: the file label, and the variable
    /// and value labels of kept and generalised columns. A label that looks like a direct
    /// identifier (a value-label set mapping codes to BSNs, say) is reported like a residual
    /// identifier in a value — on line 1, the header — so sealing refuses unless the column
    /// says `allowIdentifiers: true` (the file label: never allowed).
    private func labelResiduals(_ file: FileConfig, metadata: ReadStatMetadata) -> [FileReport.Residual] {
        var found: [FileReport.Residual] = []
        func scan(_ texts: [String], column: String, allowed: Bool) {
            var bits: UInt8 = 0
            for text in texts {
                var t = text
                bits |= t.withUTF8 { ResidualScanner.scan(UnsafeRawBufferPointer($0)) }
            }
            for kind in ResidualKind.allCases where bits & kind.bit != 0 {
                var tally = LineTally()
                tally.add(line: 1)
                found.append(.init(column: column, kind: kind.rawValue, allowed: allowed, tally: tally))
            }
        }
        scan([metadata.fileLabel], column: "(file label)", allowed: false)
        for variable in metadata.variables {
            switch file.column(named: variable.name)?.action {
            case let .keep(allowed):
                scan([variable.label], column: variable.name + " (variable label)", allowed: allowed)
                if let set = metadata.labelSet(of: variable) {
                    var texts = set.labels.map(\.label)
                    for entry in set.labels {
                        switch entry.value {
                        case let .string(key): texts.append(key)
                        case let .number(x): texts.append(x.rounded() == x && abs(x) < 1e17 ? String(Int64(x)) : x.description)
                        case .taggedMissing: continue
                        }
                    }
                    scan(texts, column: variable.name + " (value labels)", allowed: allowed)
                }
            case .generalise:
                scan([variable.label], column: variable.name + " (variable label)", allowed: false)
            default:
                continue
            }
        }
        return found
    }

    /// ReadStat writes the row count into the header before the first row. Without
    /// `reject-row` policies every row is written, and the source header (or a counting pass)
    /// says how many; with them, a dry run of the pipeline (no key, nothing written) counts the
    /// rows that will be written. Rows are never held in memory.
    private func outputRowCount(_ index: Int, reader: ReadStatReader) throws -> Int {
        let file = config.files[index]
        let rejects = file.columns.contains { column in
            switch column.action {
            case let .pseudonymise(_, _, policy), let .generalise(_, policy): return policy == .rejectRow
            default: return false
            }
        } || file.pseudonyms.contains { $0.invalid == .rejectRow }
        guard rejects else { return try reader.rowCount() }
        return try run(index, key: nil, sink: nil).rowsOut
    }

    /// What each generalised column becomes in an SPSS/Stata output (by output column name,
    /// which for a generalised column is its source name).
    private func generalisedTypes(_ file: FileConfig) -> [String: ReadStatGeneralisedType] {
        var types: [String: ReadStatGeneralisedType] = [:]
        for column in file.columns {
            guard case let .generalise(g, _) = column.action else { continue }
            switch g {
            case .year: types[column.name] = .year
            case .yearMonth: types[column.name] = .yearMonth
            case .pc4: types[column.name] = .postcode4
            // `lo-hi` with two signed 64-bit integers: at most 20 + 1 + 20 bytes.
            case .band: types[column.name] = .text(width: 41)
            }
        }
        return types
    }

    private func describe(_ format: ReadStatFileFormat, variables: Int) -> String {
        let family = format.family == .spss ? "SPSS" : "Stata"
        return "\(family) .\(format.fileExtension), \(variables) variable\(variables == 1 ? "" : "s")"
    }

    private func fileSize(_ path: String) -> UInt64 {
        (try? FileInput(path: path))?.size() ?? 0
    }
}

/// Forwards bytes and counts them, for the report's output size.
private final class ByteCountingSink: ByteSink {
    let target: ByteSink
    private(set) var byteCount: UInt64 = 0
    init(target: ByteSink) { self.target = target }
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        byteCount += UInt64(bytes.count)
        try target.write(bytes)
    }
    func finish() throws { try target.finish() }
}
