import SluisCore

/// Failures reading or writing SPSS (.sav, .zsav) and Stata (.dta) files through ReadStat.
///
/// Cases carry the file, the line (row number + 1, the variable-name header counting as line 1),
/// the column and ReadStat's own fixed message for its error code — never a cell value, a value
/// label or anything else taken from the data.
public enum ReadStatError: Error, Equatable, Sendable {
    /// ReadStat could not read the file: truncated, not really SPSS/Stata, an unsupported version.
    case unreadable(path: String, readStatMessage: String)
    /// ReadStat could not write the file (a name, width or label it refuses, a row count mismatch).
    case unwritable(path: String, readStatMessage: String)
    /// The file's extension (or the stated format) is not one ReadStat is used for here.
    case unknownFormat(path: String)
    /// A numeric cell's text could not be turned back into that variable's number type.
    case notANumber(position: SourcePosition, storage: String)
    /// A string cell is wider (in UTF-8 bytes) than its variable's declared width.
    case stringTooWide(position: SourcePosition, byteCount: Int, width: Int)
    /// A row handed to the writer has another number of fields than the header.
    case fieldCountMismatch(path: String, line: Int, expected: Int, found: Int)
    /// More or fewer rows were written than the row count announced in the file header.
    case rowCountMismatch(path: String, announced: Int, written: Int)
    /// An output column refers to a source variable that does not exist.
    case noSuchSourceColumn(path: String, column: String, sourceIndex: Int)
    /// A new string column needs a width SPSS/Stata can hold.
    case badColumnWidth(path: String, column: String, width: Int)
}

extension ReadStatError: SluisError {
    /// An unknown extension or a bad column setting is usage (exit 2); a file ReadStat cannot read or write is data (exit 3).
    public var category: FailureCategory {
        switch self {
        case .unknownFormat, .noSuchSourceColumn, .badColumnWidth: return .usage
        case .unreadable, .unwritable, .notANumber, .stringTooWide, .fieldCountMismatch, .rowCountMismatch:
            return .data
        }
    }

    /// One line naming the file, row and column and ReadStat's own reason; never a cell value.
    public var description: String {
        switch self {
        case let .unreadable(path, message):
            return "cannot read \(path) as an SPSS/Stata file (readstat: \(message.lowercased())); "
                + "check that the file is complete and really is .sav, .zsav or .dta"
        case let .unwritable(path, message):
            return "cannot write \(path) (readstat: \(message.lowercased())); nothing was written"
        case let .unknownFormat(path):
            return "\(path) has no known SPSS/Stata extension (.sav, .zsav, .dta); state its \"format\""
        case let .notANumber(position, storage):
            return "\(position): value is not a valid \(storage) number for this numeric variable; nothing was written"
        case let .stringTooWide(position, byteCount, width):
            return "\(position): value is \(byteCount) bytes, wider than the variable's \(width); nothing was written"
        case let .fieldCountMismatch(path, line, expected, found):
            return "\(path):\(line): row has \(found) fields, expected \(expected); nothing was written"
        case let .rowCountMismatch(path, announced, written):
            return "\(path): \(written) rows were written but the header announced \(announced); nothing was written"
        case let .noSuchSourceColumn(path, column, sourceIndex):
            return "\(path): output column \(column) refers to source column \(sourceIndex + 1), which does not exist"
        case let .badColumnWidth(path, column, width):
            return "\(path): column \(column) needs a string width between 1 and 32767 bytes, not \(width)"
        }
    }
}
