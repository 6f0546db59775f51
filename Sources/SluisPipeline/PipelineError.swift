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

    public var category: FailureCategory {
        switch self {
        case .invalidIdentifier: return .data
        case .dataFileMissing, .keyForOtherProject, .outputNameClash, .unsupportedFormat: return .usage
        }
    }

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
        case let .unsupportedFormat(path):
            return "\(path): unsupported file type; sluis reads .csv, .tsv and .txt files here"
        }
    }
}
