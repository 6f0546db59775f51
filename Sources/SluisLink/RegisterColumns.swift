import SluisCore

/// The names of the register's columns, by role. Defaults match `sluis synth`'s register.csv:
/// `bsn,rinpersoons,rinpersoon,sex,birthdate,postcode,housenumber`.
public struct RegisterColumns: Codable, Sendable, Equatable {
    public var bsn: String
    public var rinpersoons: String
    public var rinpersoon: String
    public var sex: String
    public var birthdate: String
    public var postcode: String
    public var housenumber: String

    public init(bsn: String = "bsn", rinpersoons: String = "rinpersoons", rinpersoon: String = "rinpersoon",
                sex: String = "sex", birthdate: String = "birthdate", postcode: String = "postcode",
                housenumber: String = "housenumber") {
        self.bsn = bsn
        self.rinpersoons = rinpersoons
        self.rinpersoon = rinpersoon
        self.sex = sex
        self.birthdate = birthdate
        self.postcode = postcode
        self.housenumber = housenumber
    }

    /// Missing keys in link.json keep their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RegisterColumns()
        bsn = try c.decodeIfPresent(String.self, forKey: .bsn) ?? d.bsn
        rinpersoons = try c.decodeIfPresent(String.self, forKey: .rinpersoons) ?? d.rinpersoons
        rinpersoon = try c.decodeIfPresent(String.self, forKey: .rinpersoon) ?? d.rinpersoon
        sex = try c.decodeIfPresent(String.self, forKey: .sex) ?? d.sex
        birthdate = try c.decodeIfPresent(String.self, forKey: .birthdate) ?? d.birthdate
        postcode = try c.decodeIfPresent(String.self, forKey: .postcode) ?? d.postcode
        housenumber = try c.decodeIfPresent(String.self, forKey: .housenumber) ?? d.housenumber
    }

    /// The register column holding identifiers of `kind`, and its role name for messages;
    /// nil for kinds the register does not hold (names, free text).
    public func column(for kind: IdentifierKind) -> (name: String, role: String)? {
        switch kind {
        case .bsn: return (bsn, "bsn")
        case .date: return (birthdate, "birthdate")
        case .postcode: return (postcode, "postcode")
        case .housenumber: return (housenumber, "housenumber")
        case .sex: return (sex, "sex")
        case .name, .text: return nil
        }
    }
}

/// The pseudonym domains sluis links on.
public enum LinkDomains {
    /// The preferred key.
    public static let bsn = PseudonymDomain(.bsn)
    /// The fall-back key: sex + birth date + postcode + house number
    /// (`composite:date+housenumber+postcode+sex`).
    public static let demographic = PseudonymDomain(composite: [.sex, .date, .postcode, .housenumber])!
    public static let standard = [bsn, demographic]

    /// Parses a domain label as manifests and link.json write it: `bsn`, `date`, …, or
    /// `composite:kind+kind+…` (any order). Nil when not a known label.
    public static func parse(_ label: String) -> PseudonymDomain? {
        let text = label.trimmingSpaces
        if text.hasPrefix("composite:") {
            let parts = text.dropFirst("composite:".count).split(separator: "+").map { IdentifierKind(rawValue: String($0)) }
            guard !parts.contains(where: { $0 == nil }) else { return nil }
            return PseudonymDomain(composite: parts.compactMap { $0 })
        }
        return IdentifierKind(rawValue: text).map { PseudonymDomain($0) }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
