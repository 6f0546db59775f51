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
    public let file: String
    public let expected: String
    public let actual: String
    public init(file: String, expected: String, actual: String) {
        self.file = file
        self.expected = expected
        self.actual = actual
    }
    public var category: FailureCategory { .usage }
    public var description: String {
        "\(file) was pseudonymised with key \(expected), but the intake's pseudonym key is \(actual); use the project's key"
    }
}
