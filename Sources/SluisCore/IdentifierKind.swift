/// The kinds of direct identifier sluis knows how to normalise.
///
/// The raw value is the name used in `pipeline.json` and in the HKDF derivation of the
/// pseudonym sub-key (docs/format.md), so it must never change for an existing kind.
public enum IdentifierKind: String, CaseIterable, Codable, Sendable, Comparable {
    case bsn
    case date
    case postcode
    case housenumber
    case sex
    case name
    case text

    /// Orders kinds by name: the order of a composite's parts in its domain label and message.
    public static func < (a: IdentifierKind, b: IdentifierKind) -> Bool { a.rawValue < b.rawValue }
}

/// What a pseudonym is computed over: one identifier kind, or several joined into a composite
/// (the demographic key sex + birth date + postcode + house number).
///
/// A composite's parts are kept in ascending order of their kind's name, so the same set of kinds
/// always yields the same domain and the same message layout, whatever order a config lists them in.
public struct PseudonymDomain: Hashable, Sendable, CustomStringConvertible {
    /// The kinds of the domain, sorted by name (one kind for a single-identifier domain).
    public let kinds: [IdentifierKind]

    /// The domain of a single identifier kind (`bsn`).
    public init(_ kind: IdentifierKind) { self.kinds = [kind] }

    /// A composite domain; duplicates are not allowed.
    public init?(composite kinds: [IdentifierKind]) {
        let sorted = kinds.sorted()
        guard !sorted.isEmpty, Set(sorted).count == sorted.count else { return nil }
        self.kinds = sorted
    }

    /// True for a domain made of several kinds (labelled `composite:…`).
    public var isComposite: Bool { kinds.count > 1 }

    /// The label bound into the sub-key derivation: `bsn`, or `composite:date+housenumber+postcode+sex`.
    public var label: String {
        isComposite ? "composite:" + kinds.map(\.rawValue).joined(separator: "+") : kinds[0].rawValue
    }

    /// The domain label, as manifests and messages show it.
    public var description: String { label }
}
