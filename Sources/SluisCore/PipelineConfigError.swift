/// A problem with pipeline.json, found before any data is read. Names the JSON path of the
/// offending member (`files[0].columns.Geboortedatum.to`) and what to do.
public enum PipelineConfigError: SluisError, Equatable {
    /// The file is not valid JSON.
    case syntax(file: String, line: Int, column: Int, problem: String)
    /// A member is missing, unknown, of the wrong type or has an unusable value.
    case invalid(file: String, path: String, problem: String)
    /// Columns in a file's header that the config does not classify (all of them listed).
    case unclassifiedColumns(file: String, dataFile: String, columns: [String])
    /// Columns the config names that the data file's header lacks.
    case unknownColumns(file: String, path: String, dataFile: String, columns: [String])
    /// A data file of zero bytes: it has no header, so the columns the config names do not exist.
    case emptyDataFile(file: String, path: String, dataFile: String, columns: [String])

    /// A config problem is a usage error (exit 2); an empty data file is a data error (exit 3).
    public var category: FailureCategory {
        if case .emptyDataFile = self { return .data }
        return .usage
    }

    /// One line naming the file, JSON path or position and what to do; never a data value.
    public var description: String {
        switch self {
        case let .syntax(file, line, column, problem):
            return "\(file):\(line):\(column): not valid JSON: \(problem)"
        case let .invalid(file, path, problem):
            return "\(file): \(path): \(problem)"
        case let .unclassifiedColumns(file, dataFile, columns):
            return "\(file): \(dataFile) has \(columns.count) unclassified column\(columns.count == 1 ? "" : "s"): "
                + columns.map { "'\($0)'" }.joined(separator: ", ")
                + "; give each an action (keep, drop, pseudonymise or generalise) under \"columns\""
        case let .emptyDataFile(file, path, dataFile, columns):
            return "\(file): \(path): \(dataFile) is empty (0 bytes): it has no header, so the configured column"
                + (columns.count == 1 ? " " : "s ") + columns.map { "'\($0)'" }.joined(separator: ", ")
                + (columns.count == 1 ? " does" : " do") + " not exist; export the file again, or remove it from \"files\""
        case let .unknownColumns(file, path, dataFile, columns):
            return "\(file): \(path): \(dataFile) has no column" + (columns.count == 1 ? " " : "s ")
                + columns.map { "'\($0)'" }.joined(separator: ", ") + "; check the spelling against the file's header"
        }
    }
}
