import SluisCore
import SluisFormats

/// Coded identifiers in SPSS/Stata files: a `sex` variable stored as numbers (0 = man,
/// 1 = vrouw) is read through its value labels, never by guessing what the numbers mean
/// (docs/pipeline.md, "Coded identifiers").
extension LoadedPipeline {
    /// The kinds whose normaliser reads words, so that a label ("vrouw") says what a code
    /// means. Other kinds (bsn, date, postcode, housenumber, name, text) are read as the values
    /// themselves; their value labels are ignored for normalisation.
    static let labelledKinds: Set<IdentifierKind> = [.sex]

    /// File `index`'s config with `codes` filled in from the value labels for every column read
    /// as a labelled kind that the config gives no `codes` for. Throws when such a column is
    /// numeric and has no value labels, or when none of its labels is a word the normaliser
    /// accepts: sluis does not guess what the numbers mean.
    func codedFile(_ index: Int, metadata: ReadStatMetadata) throws -> FileConfig {
        var file = config.files[index]
        for (c, column) in file.columns.enumerated() where column.codes == nil {
            var kinds: [IdentifierKind] = []
            if case let .pseudonymise(kind, _, _) = column.action { kinds.append(kind) }
            for p in file.pseudonyms { kinds += p.parts.filter { $0.column == column.name }.map(\.kind) }
            guard let kind = kinds.first(where: { Self.labelledKinds.contains($0) }),
                  let variable = metadata.variables.first(where: { $0.name == column.name }) else { continue }
            let jsonPath = "files[\(index)].columns.\(column.name)"
            guard let set = metadata.labelSet(of: variable), !set.labels.isEmpty else {
                guard variable.storage.isNumeric else { continue }
                throw PipelineError.uncodedNumericVariable(config: configPath, jsonPath: jsonPath, dataFile: file.path, kind: kind.rawValue)
            }
            var pairs: [(code: String, meaning: String)] = []
            for entry in set.labels {
                switch entry.value {
                case let .number(x): pairs.append((Self.codeText(x), entry.label))
                case let .string(s): pairs.append((s, entry.label))
                case .taggedMissing: continue
                }
            }
            guard pairs.contains(where: { pair in kinds.allSatisfy { (try? Normaliser.normalise($0, pair.meaning).get()) != nil } }) else {
                throw PipelineError.unusableValueLabels(config: configPath, jsonPath: jsonPath, dataFile: file.path, kind: kind.rawValue)
            }
            file.columns[c].codes = ValueCodes(pairs)
        }
        return file
    }

    /// A numeric label key as the reader writes the cell (`ReadStatValueText`): an integral
    /// value as a plain integer (`1`, not `1.0`).
    static func codeText(_ x: Double) -> String {
        x.rounded(.towardZero) == x && abs(x) < 1e17 ? String(Int64(x)) : x.description
    }
}
