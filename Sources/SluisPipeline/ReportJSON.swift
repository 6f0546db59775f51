import Foundation

/// Reports as pretty, key-sorted JSON, so the same run gives byte-identical reports.
func encodeJSON<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(value) else { return "{}" }
    return String(decoding: data, as: UTF8.self) + "\n"
}

extension CheckReport {
    public func json() -> String { encodeJSON(self) }
}

extension FileReport {
    public func json() -> String { encodeJSON(self) }
}
