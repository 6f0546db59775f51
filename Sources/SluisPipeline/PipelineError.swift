import SluisCore

/// Failures of a pipeline run that are not CSV syntax or config structure: an identifier that
/// fails validation under the `fail` policy, a bad key file, outputs that would clash.
/// Cases carry positions and shapes, never values.
public enum PipelineError: SluisError, Equatable {
    case invalidIdentifier(at: SourcePosition, kind: String, reason: NormalisationFailure)
    case dataFileMissing(config: String, path: String, jsonPath: String)
    case keyForOtherProject(path: String, keyId: String, configProject: String)
    case outputNameClash(directory: String, name: String)
    case unsupportedFormat(path: String)
    /// A sex value written as a number other than the CBS codes 1 and 2, in a column without `codes`.
    case uncodedNumericIdentifier(at: SourcePosition, kind: String)
    /// An SPSS/Stata numeric variable used as sex with neither value labels nor `codes`.
    case uncodedNumericVariable(config: String, jsonPath: String, dataFile: String, kind: String)
    /// An SPSS/Stata variable used as sex whose value labels are none of the words the normaliser accepts.
    case unusableValueLabels(config: String, jsonPath: String, dataFile: String, kind: String)
    /// A value in a column whose header name is empty and which pipeline.json does not classify.
    case valueInUnnamedColumn(at: SourcePosition)
    /// An input's file name cannot travel in a package (docs/format.md, "File names").
    case unsafeFileName(path: String, reason: String)
    /// Two inputs whose file names collide when opened (same name, or equal up to case and Unicode compatibility forms).
    case fileNameCollision(first: String, second: String)
    /// The inner manifest would break a limit or rule of the format, so no sluis could open the package.
    case innerManifestUnwritable(detail: String)

    /// A fault in a value or file is data (exit 3); a setting the config must change is usage (exit 2).
    public var category: FailureCategory {
        switch self {
        case .invalidIdentifier, .uncodedNumericIdentifier, .valueInUnnamedColumn, .innerManifestUnwritable: return .data
        case .uncodedNumericVariable, .unusableValueLabels, .dataFileMissing, .keyForOtherProject, .outputNameClash, .unsupportedFormat,
             .unsafeFileName, .fileNameCollision:
            return .usage
        }
    }

    /// One line naming file, line, column and JSON path and what to do; never an identifier.
    public var description: String {
        switch self {
        case let .invalidIdentifier(at, kind, reason):
            return "\(at): \(kind) identifier is not valid (\(reason.rawValue)) and the column's policy is \"fail\"; correct the value or set \"invalid\": \"blank\" or \"reject-row\""
        case let .dataFileMissing(config, path, jsonPath):
            return "\(config): \(jsonPath): data file \(path) does not exist"
        case let .keyForOtherProject(path, keyId, project):
            return "pseudonym key \(path) (key id \(keyId)) belongs to another project than \(project); use the key made for \(project) with 'sluis keygen pseudonym --project \(project)'"
        case let .outputNameClash(directory, name):
            return "two input files would both be written as \(directory)/\(name); give them different names"
        case let .uncodedNumericIdentifier(at, kind):
            return "\(at): \(kind) is written as a number other than the CBS codes 1 (man) and 2 (woman); sluis does not guess what codes mean: "
                + "map them under the column in pipeline.json, for example \"codes\": {\"0\": \"M\", \"1\": \"V\"}"
        case let .uncodedNumericVariable(config, jsonPath, dataFile, kind):
            return "\(config): \(jsonPath): \(dataFile) stores this \(kind) variable as numeric codes without value labels that say what they mean; "
                + "sluis does not guess: add \"codes\" to the column, for example \"codes\": {\"1\": \"M\", \"2\": \"V\"}"
        case let .unusableValueLabels(config, jsonPath, dataFile, kind):
            return "\(config): \(jsonPath): none of the value labels of this \(kind) variable in \(dataFile) is a word the \(kind) normaliser accepts "
                + "(docs/format.md); say what each code means with \"codes\", for example \"codes\": {\"1\": \"M\", \"2\": \"V\"}"
        case let .valueInUnnamedColumn(at):
            return "\(at): this column has an empty name in the header but holds a value; classify it in pipeline.json under \"columns\" by its position, as \"#\(at.columnNumber ?? 0)\""
        case let .unsupportedFormat(path):
            return "\(path): unsupported file type; sluis reads .csv, .tsv, .txt, .sav, .zsav and .dta files (or state \"format\")"
        case let .unsafeFileName(path, reason):
            return "\(UntrustedText.escaped(path, maxScalars: 4096)): the file name cannot go into a package (\(reason)); rename the file"
        case let .fileNameCollision(first, second):
            return "\(UntrustedText.escaped(first, maxScalars: 4096)) and \(UntrustedText.escaped(second, maxScalars: 4096)) would be opened under the same file name "
                + "(names are compared without case and Unicode compatibility forms); rename one of them"
        case let .innerManifestUnwritable(detail):
            return "cannot seal: the package's inner manifest \(detail); no sluis could open the package"
        }
    }
}
