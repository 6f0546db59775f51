import SluisCore

/// Counts about one domain of the register index (not personal data: the register's own shape).
public struct RegisterDomainStatistics: Sendable, Equatable {
    /// The domain label these counts are for.
    public var domain: String
    /// Register rows whose identifiers normalised and were indexed.
    public var indexed: Int
    /// Register rows whose identifiers for this domain are missing or invalid.
    public var invalid: Int
    /// Keys shared by several register persons (never linked on).
    public var ambiguousKeys: Int
    /// Keys that different register identifiers share under the project key (collisions, never linked on).
    public var collisions: Int

    /// Counts of one domain, as the index builder finds them.
    public init(domain: String, indexed: Int, invalid: Int, ambiguousKeys: Int, collisions: Int = 0) {
        self.domain = domain
        self.indexed = indexed
        self.invalid = invalid
        self.ambiguousKeys = ambiguousKeys
        self.collisions = collisions
    }
}

/// The register as the linker needs it: per domain a sorted pseudonym index whose entries hold
/// the person's RINPERSOONS and RINPERSOON packed into 8 bytes (`RegisterPerson`: the code's
/// number in `codes` and the RINPERSOON as a number of 1–17 digits, all rows the same width, so
/// leading zeros are restored on output).
public final class RegisterIndex: @unchecked Sendable {
    /// At most this many distinct RINPERSOONS codes: a code's number is packed into the top bits of each entry.
    public static let maximumCodeCount = 15
    /// At most this many RINPERSOON digits: 10¹⁷ fits in the 59 low bits of an entry.
    public static let maximumRINDigits = 17

    /// The rendering the register's pseudonyms were made with; a package must use the same to link.
    public let rendering: PseudonymRendering
    /// Turns a rendered pseudonym from a data file into the index's 64-bit key.
    public let codec: PseudonymKeyCodec
    /// One sorted index per domain built (only the domains the packages use).
    public let indexes: [PseudonymDomain: PseudonymIndex]
    /// Distinct RINPERSOONS codes, as bytes.
    public let codes: [[UInt8]]
    /// Digits of every RINPERSOON in the register.
    public let rinWidth: Int
    /// Data rows of the register.
    public let rowCount: Int
    /// Per-domain counts of the build, for the register check and the intake's report.
    public let statistics: [RegisterDomainStatistics]

    init(rendering: PseudonymRendering, indexes: [PseudonymDomain: PseudonymIndex], codes: [[UInt8]], rinWidth: Int,
         persons: [UInt64], statistics: [RegisterDomainStatistics]) {
        self.rendering = rendering
        self.codec = PseudonymKeyCodec(rendering: rendering)
        self.indexes = indexes
        self.codes = codes
        self.rinWidth = rinWidth
        self.rowCount = persons.count
        self.statistics = statistics
    }

    @inline(__always)
    static func pack(code: Int, rin: UInt64) -> UInt64 { UInt64(code) << 59 | rin }

    /// The person key of a register person as text (for tests and small tools).
    public func personKey(of person: RegisterPerson) -> (rinpersoons: String, rinpersoon: String) {
        var digits = [UInt8](repeating: 0, count: rinWidth)
        digits.withUnsafeMutableBytes { writeDigits(person.rin, into: $0) }
        return (String(decoding: codes[person.codeIndex], as: UTF8.self), String(decoding: digits, as: UTF8.self))
    }

    /// Looks a data-file pseudonym up in a domain's index; nil when the index lacks the domain.
    public func lookup(_ field: UnsafeRawBufferPointer, in domain: PseudonymDomain) -> IndexLookup? {
        guard let index = indexes[domain] else { return nil }
        guard let key = codec.key(parsing: field) else { return .notFound }
        return index.lookup(key)
    }

    /// Colliding keys per domain, in index order (the statistics' order).
    public var collisions: [DomainCollisions] { statistics.map { DomainCollisions(domain: $0.domain, collisions: $0.collisions) } }

    /// Bytes held by the index.
    public var byteCount: Int { indexes.values.reduce(0) { $0 + $1.byteCount } }
}

/// Writes `value` as exactly `out.count` decimal digits (leading zeros; higher digits dropped).
@inline(__always)
func writeDigits(_ value: UInt64, into out: UnsafeMutableRawBufferPointer) {
    var v = value
    var i = out.count - 1
    while i >= 0 {
        out[i] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
        v /= 10
        i -= 1
    }
}
