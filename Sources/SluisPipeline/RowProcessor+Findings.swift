import SluisCore
import SluisCrypto
import SluisFormats

/// `RowProcessor`'s rarer paths: composite pseudonyms, coded values, invalid identifiers and their policies, and the positions its messages name (line and column, never a value).
extension RowProcessor {
    /// A coded value: looked up in `codes` and its meaning normalised. Blank values count as
    /// `empty`, values that are not one of the codes as `unknown-code`.
    @inline(never)
    static func normaliseCoded(_ codes: ValueCodes?, _ kind: IdentifierKind, _ value: UnsafeRawBufferPointer,
                               into out: inout [UInt8]) -> NormalisationFailure? {
        guard let codes, !ValueCodes.isBlank(value) else { return Normaliser.normalise(kind, value, into: &out) }
        guard let i = codes.index(of: value) else { out.removeAll(keepingCapacity: true); return .unknownCode }
        return codes.entries[i].meaning.withUnsafeBytes { Normaliser.normalise(kind, $0, into: &out) }
    }

    /// A sex value that is a number other than the CBS codes 1 and 2 (say `0` of a 0/1 coding)
    /// means the column is coded in a way sluis must not guess: the run stops and says how to
    /// map the codes.
    @inline(never)
    func refuseNumericCode(_ value: UnsafeRawBufferPointer, failure: NormalisationFailure, line: Int, column: Int) throws {
        guard failure == .unrecognisedFormat, ValueCodes.isNumericCode(value) else { return }
        throw PipelineError.uncodedNumericIdentifier(at: position(line: line, column: column), kind: IdentifierKind.sex.rawValue)
    }

    func position(line: Int, column: Int) -> SourcePosition {
        SourcePosition(file: path, line: line, columnNumber: column + 1, columnName: sourceNames[column])
    }

    /// Counts an invalid identifier and applies its column's policy.
    @inline(never)
    func invalidValue(_ failure: NormalisationFailure, output: Int, policy: InvalidIdentifierPolicy, kind: String,
                              line: Int, column: Int, reject: inout Bool) throws {
        invalid[InvalidIdentifierKey(output: output, source: column, failure: failure), default: LineTally()].add(line: line)
        switch policy {
        case .blank: return
        case .rejectRow: reject = true
        case .fail:
            throw PipelineError.invalidIdentifier(at: SourcePosition(file: path, line: line, columnNumber: column + 1, columnName: sourceNames[column]),
                                                  kind: kind, reason: failure)
        }
    }

    /// The composite pseudonyms of a row: each part normalised and length-prefixed into one
    /// message; a failing part makes the whole composite invalid.
    func processComposites(_ row: FieldView, line: Int, normalised: inout [UInt8], reject: inout Bool) throws {
        for c in 0..<compositeParts.count {
            var failed: NormalisationFailure?
            var failedColumn = 0
            message.removeAll(keepingCapacity: true)
            let coded = compositeCoded[c]
            for (p, part) in compositeParts[c].enumerated() {
                // Only a composite with a coded part looks at codes (the common case stays as it was).
                let codes = coded ? compositeCodes[c][p] : nil
                let failure = codes == nil ? Normaliser.normalise(part.kind, row[part.source], into: &normalised)
                    : Self.normaliseCoded(codes, part.kind, row[part.source], into: &normalised)
                if let failure {
                    if part.kind == .sex && codes == nil {
                        try refuseNumericCode(row[part.source], failure: failure, line: line, column: part.source)
                    }
                    failed = failure
                    failedColumn = part.source
                    break
                }
                Pseudonymiser.appendLengthPrefixed(normalised[...], to: &message)
            }
            if let failed {
                try invalidValue(failed, output: compositeOutputs[c], policy: compositePolicies[c], kind: "composite",
                                 line: line, column: failedColumn, reject: &reject)
                appendEmpty()
            } else if compositeMac[c] >= 0 {
                let mac = compositeMac[c]
                message.withUnsafeBytes { appendPseudonym(pseudonymiser: mac, message: $0) }
            } else {
                appendEmpty()
            }
        }
    }
}

/// Where an invalid identifier was counted: the output column, the source column whose value
/// failed (for a composite pseudonym, the first part in domain order that failed) and why.
struct InvalidIdentifierKey: Hashable {
    let output: Int
    let source: Int
    let failure: NormalisationFailure
}
