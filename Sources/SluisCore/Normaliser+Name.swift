import Foundation

extension Normaliser {
    /// Names: Unicode NFKD, combining marks (general category Mn) removed — diacritics folded —,
    /// Unicode default lower-casing, runs of white space collapsed to one space and trimmed, then NFC.
    /// `  José  DE Vries ` → `jose de vries`. The same steps in Python: `unicodedata.normalize('NFKD')`,
    /// drop category `Mn`, `.lower()`, `' '.join(s.split())`, `normalize('NFC')`.
    public static func name(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) -> NormalisationFailure? {
        guard let s = String(validating: input, as: UTF8.self) else { return .invalidCharacters }
        let decomposed = s.decomposedStringWithCompatibilityMapping
        var folded = String.UnicodeScalarView()
        for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
            folded.append(scalar)
        }
        let lowered = String(folded).lowercased()
        var collapsed = ""
        var pendingSpace = false
        for scalar in lowered.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !collapsed.isEmpty
                continue
            }
            if pendingSpace { collapsed.unicodeScalars.append(" "); pendingSpace = false }
            collapsed.unicodeScalars.append(scalar)
        }
        if collapsed.isEmpty { return .empty }
        out.append(contentsOf: collapsed.precomposedStringWithCanonicalMapping.utf8)
        return nil
    }
}

extension String {
    /// Decodes UTF-8, or nil when the bytes are not valid UTF-8.
    init?(validating bytes: UnsafeRawBufferPointer, as _: UTF8.Type) {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        var s = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&it) {
            case let .scalarValue(v): s.append(v)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(s)
    }
}
