import SluisCore

/// Everything that stops `sluis link`. Cases carry file names, line numbers, column names, domain
/// labels and counts — never a register value, identifier, pseudonym or key.
public enum LinkError: SluisError, Equatable {
    /// A register column named in the configuration is not in the register's header.
    case registerColumnMissing(file: String, role: String, column: String)
    /// The register's RINPERSOONS is empty on a line.
    case registerCodeMissing(file: String, line: Int, column: String)
    /// More distinct RINPERSOONS codes than the index can hold.
    case tooManyRegisterCodes(file: String, line: Int, column: String, limit: Int)
    /// The register's RINPERSOON is empty, not 1–17 digits, or not as wide as the others.
    case registerRINInvalid(file: String, line: Int, column: String, expectedWidth: Int?)
    /// One BSN appears on two register lines with different RINPERSOONS/RINPERSOON.
    case duplicateRegisterBSN(file: String, firstLine: Int, secondLine: Int)
    /// Two different register identifiers give the same pseudonym under this project key
    /// (only under `CollisionPolicy.stop`; otherwise the pseudonym is skipped and counted).
    case pseudonymCollision(file: String, domain: String, firstLine: Int, secondLine: Int)
    /// A domain cannot be computed from the register (a name pseudonym, say).
    case domainNotInRegister(domain: String)
    /// A data file lacks a pseudonym column the configuration or manifest names.
    case pseudonymColumnMissing(file: String, column: String)
    /// A column's domain label is not one sluis knows.
    case unknownDomain(file: String, column: String, domain: String)
    /// A column's rendering differs from the one the index was built for, or is not valid.
    case renderingMismatch(file: String, column: String, rendering: String, indexRendering: String)
    /// The file's pseudonym columns cannot be grouped into persons without being told how.
    case ambiguousPersonKeys(file: String, domain: String)
    /// A person key names a column that is not one of the file's pseudonym columns, or none at all.
    case badPersonKey(file: String, personKey: String, reason: String)
    /// An output column name is used twice (a kept column is already called RINPERSOON, say).
    case outputColumnClash(file: String, column: String)
    /// The intake's surrogate key file is missing, malformed or readable by others.
    case surrogateKeyInvalid(path: String, reason: String)
    /// link.json or the flags are not usable.
    case configInvalid(source: String, reason: String)
    /// An input names nothing that can be linked.
    case noInputs(path: String)

    /// A fault in the register's content is a data error (exit 3); a missing column or bad setting is usage (exit 2).
    public var category: FailureCategory {
        switch self {
        case .registerCodeMissing, .tooManyRegisterCodes, .registerRINInvalid, .duplicateRegisterBSN,
             .pseudonymCollision:
            return .data
        case .registerColumnMissing, .domainNotInRegister, .pseudonymColumnMissing, .unknownDomain,
             .renderingMismatch, .ambiguousPersonKeys, .badPersonKey, .outputColumnClash,
             .surrogateKeyInvalid, .configInvalid, .noInputs:
            return .usage
        }
    }

    /// One line naming file, line, column and setting, and what to do; never an identifier or pseudonym.
    public var description: String {
        switch self {
        case let .registerColumnMissing(file, role, column):
            return "\(file): the register has no column '\(column)' (the \(role) column); name the register's column with "
                + "--register-column \(role)=NAME or in link.json under register.columns.\(role)"
        case let .registerCodeMissing(file, line, column):
            return "\(file):\(line): column \(column) (RINPERSOONS) is empty; every register row needs a RINPERSOONS code"
        case let .tooManyRegisterCodes(file, line, column, limit):
            return "\(file):\(line): column \(column) holds more than \(limit) distinct RINPERSOONS codes; check that the right column is named"
        case let .registerRINInvalid(file, line, column, width):
            let widthText = width.map { "exactly \($0) digits like the rows before it" } ?? "1 to 17 digits"
            return "\(file):\(line): column \(column) (RINPERSOON) is not \(widthText); fix the register"
        case let .duplicateRegisterBSN(file, first, second):
            return "\(file): lines \(first) and \(second) hold the same BSN with different RINPERSOONS/RINPERSOON; the register must give each BSN one person"
        case let .pseudonymCollision(file, domain, first, second):
            return "\(file): lines \(first) and \(second) hold different identifiers that get the same \(domain) pseudonym under this project key; "
                + "onCollision is \"stop\", so nothing was linked; remove that setting to link everything else, "
                + "or make project keys with 'sluis keygen pseudonym --check-register' or use a wider pseudonym rendering"
        case let .domainNotInRegister(domain):
            return "pseudonyms of domain \(domain) cannot be linked: the register holds only bsn, sex, birth date, postcode and house number; drop the column from the person keys"
        case let .pseudonymColumnMissing(file, column):
            return "\(file): there is no pseudonym column '\(column)'; check the column names in link.json or the manifest"
        case let .unknownDomain(file, column, domain):
            return "\(file): column \(column) has an unknown pseudonym domain '\(domain)'; use bsn or composite:date+housenumber+postcode+sex"
        case let .renderingMismatch(file, column, rendering, indexRendering):
            return "\(file): column \(column) uses pseudonym rendering \(rendering) but the index was built for \(indexRendering); set \"rendering\" in link.json to the project's rendering"
        case let .ambiguousPersonKeys(file, domain):
            return "\(file): several pseudonym columns have domain \(domain), so it is not clear which belong to the same person; list them under personKeys in link.json"
        case let .badPersonKey(file, key, reason):
            return "\(file): person key '\(key)' \(reason); fix personKeys in link.json"
        case let .outputColumnClash(file, column):
            return "\(file): the output would have two columns named '\(column)'; choose other names under output in link.json"
        case let .surrogateKeyInvalid(path, reason):
            return "\(path): \(reason); make one with 'sluis link --new-surrogate-key \(path)' (docs/intake.md)"
        case let .configInvalid(source, reason):
            return "\(source): \(reason)"
        case let .noInputs(path):
            return "\(path) holds no file to link; give an opened package folder or a data file"
        }
    }
}
