import Foundation
import SluisCore

/// Reports as pretty, key-sorted JSON, so the same run gives byte-identical reports.
func encodeJSON<T: Encodable>(_ value: T) -> String {
    (try? CanonicalJSON.string(value)) ?? "{}"
}

extension CheckReport {
    /// The report as canonical JSON (`check --json`): the same run gives the same bytes.
    public func json() -> String { encodeJSON(self) }
}

extension FileReport {
    /// The file's report as canonical JSON.
    public func json() -> String { encodeJSON(self) }
}
