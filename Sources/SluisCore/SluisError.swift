/// The kinds of failure a user or a scheduler must tell apart; each maps to one exit code
/// (docs/cli.md, "Exit codes").
public enum FailureCategory: Int32, Sendable, CaseIterable {
    /// Wrong arguments, a bad pipeline.json or intake.json, a missing key file.
    case usage = 2
    /// The input data is not what it should be: a ragged CSV row, an unclassified column,
    /// residual identifiers, a bad SPSS file.
    case data = 3
    /// A signature, MAC or hash did not check out: tampering, truncation, the wrong key, an untrusted signer.
    case verification = 4
    /// The file system failed: cannot read, write, rename or sync.
    case io = 5
}

/// An error sluis reports to a person. Its `description` is a complete, lowercase sentence that
/// says what happened and what to do; it names files, lines, columns and key fingerprints but
/// never a data value, an identifier, a pseudonym or a key.
public protocol SluisError: Error, CustomStringConvertible {
    var category: FailureCategory { get }
}

/// Where in an input something went wrong: file, 1-based line, and column (by name and 1-based
/// number when known). Never the value.
public struct SourcePosition: Equatable, Sendable, CustomStringConvertible {
    /// The input file's name as the user gave it.
    public var file: String
    /// 1-based line of the input (for CSV, the header is line 1).
    public var line: Int
    /// 1-based column number, when known.
    public var columnNumber: Int?
    /// The column's header name, when known (a name, never a value).
    public var columnName: String?

    /// A position; column number and name are filled in when the reader knows them.
    public init(file: String, line: Int, columnNumber: Int? = nil, columnName: String? = nil) {
        self.file = file
        self.line = line
        self.columnNumber = columnNumber
        self.columnName = columnName
    }

    /// `data.csv:12: column 3 (Geboortedatum)`
    public var description: String {
        var s = "\(file):\(line)"
        if let n = columnNumber {
            s += ": column \(n)"
            if let name = columnName { s += " (\(name))" }
        } else if let name = columnName {
            s += ": column \(name)"
        }
        return s
    }
}
