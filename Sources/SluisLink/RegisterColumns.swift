import SluisCore

/// The names of the register's columns, by role. Defaults match `sluis synth`'s register.csv:
/// `bsn,rinpersoons,rinpersoon,sex,birthdate,postcode,housenumber`.
public struct RegisterColumns: Codable, Sendable, Equatable {
    /// The column holding the BSN.
    public var bsn: String
    /// The column holding RINPERSOONS (the register's code for the kind of person number).
    public var rinpersoons: String
    /// The column holding RINPERSOON (the person number linked data gets).
    public var rinpersoon: String
    /// The column holding sex (for the demographic key).
    public var sex: String
    /// The column holding the birth date (for the demographic key).
    public var birthdate: String
    /// The column holding the postcode (for the demographic key).
    public var postcode: String
    /// The column holding the house number (for the demographic key).
    public var housenumber: String

    /// Column names by role; each defaults to the name `sluis synth` writes.
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

    /// The role names, in the order link.json lists them.
    public static let roles = ["bsn", "rinpersoons", "rinpersoon", "sex", "birthdate", "postcode", "housenumber"]

    /// The column name of a role; nil for an unknown role.
    public func name(ofRole role: String) -> String? {
        switch role {
        case "bsn": return bsn
        case "rinpersoons": return rinpersoons
        case "rinpersoon": return rinpersoon
        case "sex": return sex
        case "birthdate": return birthdate
        case "postcode": return postcode
        case "housenumber": return housenumber
        default: return nil
        }
    }

    /// Sets a role's column name (`--register-column ROLE=NAME`); false for an unknown role.
    public mutating func set(role: String, to name: String) -> Bool {
        switch role {
        case "bsn": bsn = name
        case "rinpersoons": rinpersoons = name
        case "rinpersoon": rinpersoon = name
        case "sex": sex = name
        case "birthdate": birthdate = name
        case "postcode": postcode = name
        case "housenumber": housenumber = name
        default: return false
        }
        return true
    }

    /// The roles a register needs for `domains`: the person key's two, then each domain's kinds.
    public func roles(for domains: [PseudonymDomain]) -> [(role: String, name: String)] {
        var needed = [("rinpersoons", rinpersoons), ("rinpersoon", rinpersoon)]
        for domain in domains {
            for kind in domain.kinds {
                guard let c = column(for: kind), !needed.contains(where: { $0.0 == c.role }) else { continue }
                needed.append((c.role, c.name))
            }
        }
        return needed
    }

    /// The first role `domains` need whose column `header` lacks, or nil when it has them all.
    public func missingColumn(in header: [String], for domains: [PseudonymDomain]) -> (role: String, name: String)? {
        roles(for: domains).first { !header.contains($0.name) }
    }

    /// The domains among `domains` the register with `header` can compute: what
    /// `sluis keygen pseudonym --check-register` and `sluis link --check-register` check when no
    /// data file says which domains are used (a register of `bsn,rinpersoons,rinpersoon` serves BSN only).
    public func domainsAvailable(in header: [String], among domains: [PseudonymDomain] = LinkDomains.standard) -> [PseudonymDomain] {
        domains.filter { d in d.kinds.allSatisfy { kind in column(for: kind).map { header.contains($0.name) } ?? false } }
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
    public static let demographic: PseudonymDomain = {
        guard let domain = PseudonymDomain(composite: [.sex, .date, .postcode, .housenumber]) else {
            preconditionFailure("four distinct kinds always make a composite domain")
        }
        return domain
    }()
    /// Tried in this order: BSN first, the demographic key for rows without a usable BSN.
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
