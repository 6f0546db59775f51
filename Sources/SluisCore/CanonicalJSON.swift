import Foundation

/// The one JSON encoding sluis writes for manifests, reports, reason files and `--json` output:
/// pretty-printed, keys sorted, slashes unescaped, ending in a newline — so the same content
/// always gives the same bytes. Control, bidi and other format characters inside strings are
/// written as `\uXXXX` escapes (`UntrustedText.jsonEscaped`), so no file or output sluis writes
/// as JSON can steer a terminal it is shown on.
public enum CanonicalJSON {
    /// The canonical bytes of `value` (see above): the same content always gives the same bytes.
    public static func bytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return UntrustedText.jsonEscaped(Array(try encoder.encode(value))) + [0x0A]
    }

    /// The same canonical JSON as text (for small documents shown or compared in tests).
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try bytes(value), as: UTF8.self)
    }
}
