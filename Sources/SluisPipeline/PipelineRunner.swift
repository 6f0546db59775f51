import SluisCore
import SluisFormats
import SluisIO

/// The entry points: run one configured file into a byte sink (for `sluis seal` and
/// `sluis pseudonymise`), and check a whole config without writing anything.
extension LoadedPipeline {
    /// Pseudonymises file `index` and writes it as CSV (UTF-8, the input's dialect unless the
    /// config says otherwise) into `sink`, in blocks of 1 MiB. The sink is written from a second
    /// thread (one at a time, in order: it needs no locking), which also computes the pseudonyms
    /// and formats the rows. Returns the file's report. Does not call `sink.finish()`: the caller
    /// ends the stream (and discards it when this throws).
    public func pseudonymiseFile(_ index: Int, key: PseudonymKey, into sink: ByteSink) throws -> FileReport {
        try run(index, key: key, sink: sink)
    }

    /// The dry run of `sluis check`: reads every file, counts invalid identifiers and residual
    /// findings, computes no pseudonyms (no passphrase needed) and writes nothing. Also checks
    /// the key files pipeline.json names (without their passphrase) and warns about kept columns
    /// named like names or addresses.
    public func check() throws -> CheckReport {
        var reports: [FileReport] = []
        for index in config.files.indices {
            var report = try run(index, key: nil, sink: nil)
            report.warnings = try columnWarnings(index) + valueWarnings(index)
            reports.append(report)
        }
        return CheckReport(config: configPath, project: config.project, rendering: config.rendering.description,
                           files: reports, refusals: reports.flatMap(\.refusals) + keyFileProblems())
    }

    /// Runs file `index` with an optional key (nil: no pseudonyms) into an optional byte sink (nil: nothing written).
    public func run(_ index: Int, key: PseudonymKey?, sink: ByteSink?) throws -> FileReport {
        if inputFormat(index).isStatistical { return try runStatistical(index, key: key, sink: sink) }
        let file = config.files[index]
        if try isEmptyCSV(index) { _ = try columnNames(of: index) }  // refuses a 0-byte file (no header)
        let reader = try openSource(index)
        let pipeline = FilePipeline(file: file, columnNames: reader.columnNames, project: config.project,
                                    rendering: config.rendering, key: key, displayPath: file.path,
                                    unnamedColumns: reader.unnamedColumns)
        let dialect = outputDialect(index, input: reader.dialect)
        let writer = sink.map { CSVWriter(sink: $0, dialect: dialect) }
        _ = try pipeline.run(source: reader, sink: writer)
        pipeline.describe(inputDialect: reader.dialect.description, outputDialect: writer == nil ? "" : dialect.description,
                          bytesIn: reader.byteCount, bytesOut: writer?.byteCount ?? 0)
        return pipeline.report
    }

    /// `sluis pseudonymise`: every file plus `report.json` into the folder `directory`, written as
    /// a whole (a staging folder renamed into place after every file succeeded), so a failure
    /// leaves nothing behind and no stale file of an earlier run survives. An existing file or
    /// non-empty folder is refused unless `replacing`, which swaps it out atomically.
    public func pseudonymiseAll(key: PseudonymKey, into directory: String, replacing: Bool = false) throws -> PseudonymiseReport {
        var names = Set<String>()
        for index in config.files.indices {
            let name = outputName(index)
            guard name != "report.json", names.insert(name).inserted else {
                throw PipelineError.outputNameClash(directory: directory, name: name)
            }
        }
        let staged = try StagedDirectory(target: directory, replacing: replacing, purpose: "pseudonymise")
        var reports: [FileReport] = []
        for index in config.files.indices {
            let output = try AtomicFile(path: staged.file(outputName(index)), mode: 0o600, overwrite: false)
            reports.append(try pseudonymiseFile(index, key: key, into: output))
            try output.finish()
            try output.commit()
        }
        let report = PseudonymiseReport(config: configPath, project: config.project, keyId: key.keyId,
                                        rendering: config.rendering.description, normaliserVersion: Normaliser.version,
                                        files: reports, outputs: config.files.indices.map(outputName))
        try FileSystem.writeAtomically(Array(report.json().utf8), to: staged.file("report.json"), mode: 0o600, overwrite: false)
        try staged.commit()
        return report
    }
}

/// What `sluis pseudonymise` wrote, saved as report.json beside the outputs.
public struct PseudonymiseReport: Codable, Sendable, Equatable {
    /// The pipeline.json used.
    public var config: String
    /// The project the pseudonyms are for.
    public var project: String
    /// The pseudonym key's public id (never the key).
    public var keyId: String
    /// The pseudonym rendering (`decimal:17`).
    public var rendering: String
    /// `Normaliser.version`: which normalisation rules made the pseudonyms.
    public var normaliserVersion: Int
    /// One report per input file.
    public var files: [FileReport]
    /// The files written, in input order.
    public var outputs: [String]

    /// The report as canonical JSON (report.json).
    public func json() -> String { encodeJSON(self) }
}
