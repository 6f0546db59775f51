import SluisCore

/// What can be wrong with a CSV file. Cases carry the file, line, column and counts — never a
/// field's value — so a message can be shown and logged without leaking data.
public enum CSVError: SluisError, Equatable {
    case missingHeader(file: String)
    case duplicateColumnName(file: String, name: String, columnNumbers: [Int])
    case raggedRow(file: String, line: Int, expectedFieldCount: Int, foundFieldCount: Int)
    case unterminatedQuote(at: SourcePosition)
    case textAfterClosingQuote(at: SourcePosition)
    case invalidByteSequence(at: SourcePosition, encoding: TextEncoding)
    case byteOrderMarkMismatch(file: String, encoding: TextEncoding)
    case rowTooLong(file: String, line: Int, limitByteCount: Int)

    /// Every CSV fault is in the input data (exit 3).
    public var category: FailureCategory { .data }

    /// One line naming file, line and column and what to fix; never a field's content.
    public var description: String {
        switch self {
        case let .missingHeader(file):
            return "\(file) has no header row; the first line must name the columns"
        case let .duplicateColumnName(file, name, ns):
            return "\(file):1: column name '\(name)' appears more than once (columns \(ns.map(String.init).joined(separator: ", "))); rename one of them"
        case let .raggedRow(file, line, expected, found):
            return "\(file):\(line): row has \(found) fields but the header has \(expected); check for a missing or extra delimiter or an unquoted delimiter inside a value"
        case let .unterminatedQuote(at):
            return "\(at): quoted field is never closed; a double quote is missing"
        case let .textAfterClosingQuote(at):
            return "\(at): text follows a closing quote; double quotes inside a quoted field must be doubled (\"\")"
        case let .invalidByteSequence(at, encoding):
            let hint = encoding == .utf8 ? "; if the file is not UTF-8, set \"encoding\": \"windows-1252\" for it in pipeline.json" : ""
            return "\(at): byte sequence is not valid \(encoding)\(hint)"
        case let .byteOrderMarkMismatch(file, encoding):
            return "\(file) starts with a UTF-8 byte order mark but is configured as \(encoding); set \"encoding\": \"utf-8\" for it"
        case let .rowTooLong(file, line, limit):
            return "\(file):\(line): row is longer than \(limit >> 20) MiB; is a quote left open?"
        }
    }
}
