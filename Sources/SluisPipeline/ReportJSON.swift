import Foundation
import SluisCore

/// Reports as pretty, key-sorted JSON, so the same run gives byte-identical reports.
func encodeJSON<T: Encodable>(_ value: T) -> String {
    (try? CanonicalJSON.string(value)) ?? "{}"
}

extension CheckReport {
    public func json() -> String { encodeJSON(self) }
}

extension FileReport {
    public func json() -> String { encodeJSON(self) }
}
