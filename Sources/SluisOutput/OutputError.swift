import SluisCore

/// Everything `sluis output` can refuse. Cases carry files, lines, columns, JSON paths and counts,
/// never a data value, a category label or a key.
public enum OutputError: SluisError, Equatable {
    /// The policy file cannot be read or breaks its schema (JSON path named).
    case policyInvalid(path: String, detail: String)
    /// A column named on the command line is not in the data file.
    case unknownColumn(path: String, column: String)
    /// A value that must be a number is not one (never the value itself).
    case notANumber(path: String, line: Int, column: String)
    /// The command-line request does not fit (e.g. `--stat` without `--value`).
    case usage(String)
    /// A model cannot be estimated (collinear, no rows, no convergence) or breaks the df rule.
    case modelRefused(path: String, detail: String)
    /// Secondary suppression or its audit could not produce a safe table.
    case suppressionFailed(detail: String)
    /// An evidence file cannot be read, or does not belong to its output.
    case evidenceInvalid(path: String, detail: String)
    /// A request folder or a file in it cannot be used.
    case requestInvalid(path: String, detail: String)
    /// A file named for approval did not pass the check (and is not a person's-review file).
    case approvalRefused(file: String, detail: String)
    /// A countersignature does not check out.
    case countersignatureInvalid(path: String, detail: String)
    /// The output exists already.
    case outputExists(path: String)

    /// Bad arguments or policy are usage (exit 2); a refused model, table or request is data (exit 3); bad evidence or approvals are verification (exit 4).
    public var category: FailureCategory {
        switch self {
        case .policyInvalid, .unknownColumn, .usage, .outputExists: return .usage
        case .notANumber, .modelRefused, .suppressionFailed, .requestInvalid, .approvalRefused: return .data
        case .evidenceInvalid, .countersignatureInvalid: return .verification
        }
    }

    /// One line naming the file, column or cell and what to do; never a value from the data.
    public var description: String {
        switch self {
        case let .policyInvalid(path, detail):
            return "output policy \(path) is not valid: \(detail)"
        case let .unknownColumn(path, column):
            return "\(path) has no column \(column); check --rows, --cols, --value, --weight, --institution, --y and --x"
        case let .notANumber(path, line, column):
            return "\(path):\(line): column \(column) holds a value that is not a number; clean it or choose another column"
        case let .usage(message):
            return message
        case let .modelRefused(path, detail):
            return "model on \(path) refused: \(detail); nothing was written"
        case let .suppressionFailed(detail):
            return "secondary suppression failed: \(detail); nothing was written"
        case let .evidenceInvalid(path, detail):
            return "evidence \(path) does not check out: \(detail)"
        case let .requestInvalid(path, detail):
            return "request \(path): \(detail)"
        case let .approvalRefused(file, detail):
            return "cannot approve \(file): \(detail); nothing was released"
        case let .countersignatureInvalid(path, detail):
            return "countersignature \(path) does not check out: \(detail); nothing was released"
        case let .outputExists(path):
            return "\(path) exists already; choose another output name"
        }
    }
}
