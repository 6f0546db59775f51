import SluisCore
import SluisFormats
import SluisIO

/// A table format `sluis link` reads and writes, so output keeps the input's format and dialect.
/// CSV is built in; the SPSS/Stata readers plug in the same way.
public protocol LinkTableFormat {
    /// Whether this format reads the file at `path` (by its name).
    func canRead(path: String) -> Bool
    func openSource(path: String) throws -> RowSource
    /// A writer for `source`'s format and dialect, writing to `output`.
    func makeSink(for source: RowSource, writingTo output: ByteSink) throws -> RowSink
}

/// CSV in, CSV out with the same delimiter, line ending and byte order mark (output is UTF-8).
public struct CSVTableFormat: LinkTableFormat {
    /// CSV has no settings: the dialect comes from the file read.
    public init() {}
    /// True for the names `DataFileFormat` reads as CSV (`.csv`, `.tsv`, `.txt`, any case).
    public func canRead(path: String) -> Bool { DataFileFormat(path: path) == .csv }
    /// Opens the CSV file for streaming rows (dialect detected from its header).
    public func openSource(path: String) throws -> RowSource { try CSVReader(path: path) }
    /// A CSV writer with the input's dialect (UTF-8 output).
    public func makeSink(for source: RowSource, writingTo output: ByteSink) throws -> RowSink {
        CSVWriter(sink: output, dialect: (source as? CSVReader)?.dialect ?? CSVDialect())
    }
}

/// One data file to link and its layout.
public struct LinkInput: Sendable, Equatable {
    /// The data file's path as given.
    public var path: String
    /// Its pseudonym columns and person keys.
    public var layout: LinkFileLayout
    /// One file and its layout.
    public init(path: String, layout: LinkFileLayout) {
        self.path = path
        self.layout = layout
    }
}

/// Links whole files into an output folder: every output is written to a temporary file and
/// all are renamed into place only after every file linked, so a failure leaves nothing behind.
public enum LinkFiles {
    /// The data files named by `paths`: a file as is; a folder (an opened package) as the files
    /// directly in it that a format reads, sorted, hidden files skipped.
    public static func expand(_ paths: [String], formats: [LinkTableFormat] = [CSVTableFormat()]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            if FileSystem.isDirectory(path) {
                let found = try FileSystem.list(path).filter { name in
                    !name.hasPrefix(".") && !FileSystem.isDirectory(path + "/" + name) && formats.contains { $0.canRead(path: name) }
                }
                guard !found.isEmpty else { throw LinkError.noInputs(path: path) }
                files += found.map { path + "/" + $0 }
            } else {
                guard FileSystem.exists(path) else { throw IOError.cannotOpen(path: path, errno: 2) }
                files.append(path)
            }
        }
        return files
    }

    /// Links each input into `outputDirectory` under its own file name and returns the report.
    /// `onStage` hears how long linking each file and the final durable renames took.
    /// `reportedDirectory` is the folder the report names (when the files are written into a
    /// staging folder that is renamed to it afterwards).
    public static func run(_ inputs: [LinkInput], outputDirectory: String, reportedDirectory: String? = nil, linker: TableLinker,
                           formats: [LinkTableFormat] = [CSVTableFormat()],
                           onStage: ((String, Double) -> Void)? = nil) throws -> LinkReport {
        var clock = StageClock(report: onStage)
        try FileSystem.makeDirectories(outputDirectory)
        var pending: [AtomicFile] = []
        var reports: [FileLinkReport] = []
        var targets = Set<String>()
        for input in inputs {
            let name = splitPath(input.path).name
            let target = outputDirectory + "/" + name
            let reported = joinPath(reportedDirectory ?? outputDirectory, name)
            guard targets.insert(target).inserted else {
                throw LinkError.configInvalid(source: input.path, reason: "two inputs are both called \(name); link them into different output folders")
            }
            if (try FileInput(path: input.path).size()) == 0 {
                // An empty file (sealed as such) has no header and no rows: it stays empty.
                let file = try AtomicFile(path: target, mode: 0o600)
                try file.finish()
                pending.append(file)
                reports.append(FileLinkReport(file: input.path, output: reported, personKeys: []))
                continue
            }
            guard let format = formats.first(where: { $0.canRead(path: input.path) }) else {
                throw LinkError.noInputs(path: input.path)
            }
            let source = try format.openSource(path: input.path)
            let file = try AtomicFile(path: target, mode: 0o600)
            let sink = try format.makeSink(for: source, writingTo: file)
            reports.append(try linker.link(source: source, layout: input.layout, sink: sink, output: reported))
            try file.finish()
            pending.append(file)
            clock.lap("link \(input.path) (\(reports.last?.rows ?? 0) rows)")
        }
        for file in pending { try file.commit() }
        clock.lap("fsync and rename \(pending.count) output file(s)")
        return LinkReport(files: reports, registerCollisions: linker.index.collisions)
    }
}
