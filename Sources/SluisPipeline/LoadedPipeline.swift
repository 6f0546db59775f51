import SluisCore
import SluisFormats
import SluisIO

/// pipeline.json loaded and checked against the files it names: every data file exists, every
/// column it names is in the file's header, and every header column is classified. All of it
/// happens before any data row is read, so a config error never leaves output behind.
public struct LoadedPipeline: Sendable {
    /// The parsed config, paths as written.
    public let config: PipelineConfig
    /// The config file's path as given.
    public let configPath: String
    /// The directory relative paths in the config are resolved against.
    public let baseDirectory: String

    /// Loads, validates and checks the headers of every file.
    public static func load(path: String) throws -> LoadedPipeline {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path, limitByteCount: 4 << 20)
        } catch let error as IOError {
            throw PipelineConfigLoadError(path: path, underlying: error)
        }
        let config = try PipelineConfig.parse(bytes, file: path)
        let loaded = LoadedPipeline(config: config, configPath: path, baseDirectory: splitPath(path).directory)
        for index in config.files.indices { try loaded.checkHeader(of: index) }
        return loaded
    }

    /// A pipeline from a config already parsed (tests, and callers that built it in code); headers are not checked.
    public init(config: PipelineConfig, configPath: String, baseDirectory: String) {
        self.config = config
        self.configPath = configPath
        self.baseDirectory = baseDirectory
    }

    /// A path from the config, resolved against the config's directory.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") || baseDirectory == "." ? path : baseDirectory + "/" + path
    }

    /// The pseudonym key file, resolved.
    public var pseudonymKeyPath: String { resolve(config.pseudonymKey) }
    /// The signing identity file, resolved; nil when the config names none.
    public var signingKeyPath: String? { config.sign.map(resolve) }
    /// The recipients' public key files, resolved.
    public var recipientPaths: [String] { config.recipients.map(resolve) }


    /// Opens the CSV reader for file `index` (header read, no rows yet). SPSS/Stata files are
    /// opened by `openStatisticalSource` (LoadedPipeline+StatisticalFiles.swift).
    public func openSource(_ index: Int) throws -> CSVReader {
        let file = config.files[index]
        let path = try existingPath(index)
        guard file.inputFormat == .csv else { throw PipelineError.unsupportedFormat(path: file.path) }
        return try CSVReader(path: path, delimiter: file.delimiter, encoding: file.encoding)
    }

    /// The resolved path of file `index`, which must exist.
    func existingPath(_ index: Int) throws -> String {
        let file = config.files[index]
        let path = resolve(file.path)
        guard FileSystem.exists(path) else {
            throw PipelineError.dataFileMissing(config: configPath, path: file.path, jsonPath: "files[\(index)].path")
        }
        return path
    }

    /// The output dialect for file `index` given the input's: the input's unless the config sets a delimiter.
    public func outputDialect(_ index: Int, input: CSVDialect) -> CSVDialect {
        var d = input
        if let o = config.files[index].outputDelimiter { d.delimiter = o }
        return d
    }

    /// The name file `index` is written under in an output directory: its base name with the
    /// output format's extension (`.csv` for CSV, `.sav`/`.zsav`/`.dta` for SPSS/Stata).
    public func outputName(_ index: Int) -> String {
        let base = splitPath(config.files[index].path).name
        let ext = "." + outputFormat(index).fileExtension
        if let dot = base.lastIndex(of: "."), dot != base.startIndex { return String(base[..<dot]) + ext }
        return base + ext
    }

    private func checkHeader(of index: Int) throws {
        let file = config.files[index]
        var header: [String]
        var unnamed: Set<Int> = []
        if inputFormat(index).isStatistical {
            let reader = try openStatisticalSource(index)
            header = reader.columnNames
            _ = try codedFile(index, metadata: reader.metadata)
        } else if try isEmptyCSV(index) {
            header = try columnNames(of: index)  // refuses it: a 0-byte file has no header (docs/pipeline.md)
        } else {
            let reader = try openSource(index)
            header = reader.columnNames
            unnamed = reader.unnamedColumns
        }
        let named = file.columns.map(\.name) + file.pseudonyms.flatMap { $0.parts.map(\.column) }
        let unknown = file.columns.map(\.name).filter { !header.contains($0) }
        if !unknown.isEmpty {
            throw PipelineConfigError.unknownColumns(file: configPath, path: "files[\(index)].columns." + unknown[0],
                                                     dataFile: file.path, columns: unknown)
        }
        // An unnamed column the config does not classify is left out if it holds no value (FilePipeline).
        header = header.enumerated().filter { !unnamed.contains($0.offset) }.map(\.element)
        let unclassified = header.filter { !named.contains($0) || file.column(named: $0) == nil }
        if !unclassified.isEmpty {
            throw PipelineConfigError.unclassifiedColumns(file: configPath, dataFile: file.path, columns: unclassified)
        }
    }
}

/// pipeline.json itself could not be read.
public struct PipelineConfigLoadError: SluisError {
    /// The config file that could not be read.
    public let path: String
    /// Why it could not be read.
    public let underlying: IOError
    /// An unreadable config is a usage error (exit 2).
    public var category: FailureCategory { .usage }
    /// One line with the path and the system's reason.
    public var description: String { "cannot read pipeline config: \(underlying.description)" }
}
