import SluisCore

extension LinkFileLayout {
    /// The layout of a file opened from a package: its pseudonym columns and their domains as the
    /// inner manifest describes them, BSN before composites (the cascade order).
    public init(manifestColumns columns: [InnerManifest.Column]) {
        let pseudonyms = columns.filter { $0.output && $0.domain != nil }
            .map { PseudonymColumn(name: $0.name, domain: $0.domain ?? "", rendering: $0.rendering) }
        let ordered = pseudonyms.filter { !$0.domain.hasPrefix("composite:") } + pseudonyms.filter { $0.domain.hasPrefix("composite:") }
        self.init(pseudonymColumns: ordered, personKeys: nil)
    }
}

/// The package was made with another pseudonym key (or for another project) than the intake
/// links with: every row would fail to match, so linking stops instead.
public struct PseudonymKeyMismatch: SluisError {
    /// The file whose manifest names the other key.
    public let file: String
    /// The key id the file was pseudonymised with (from the package's manifest).
    public let expected: String
    /// The key id of the intake's pseudonym key for the project.
    public let actual: String
    /// A mismatch found for `file`; only key ids, never keys.
    public init(file: String, expected: String, actual: String) {
        self.file = file
        self.expected = expected
        self.actual = actual
    }
    /// A wrong key is a configuration problem of the intake (exit 2), not a fault of the data.
    public var category: FailureCategory { .usage }
    /// One line naming the file and both key ids, and what to do.
    public var description: String {
        "\(file) was pseudonymised with key \(expected), but the intake's pseudonym key is \(actual); use the project's key"
    }
}
