import SluisCore

/// A pseudonym column of a data file, as a manifest or link.json describes it.
public struct PseudonymColumn: Codable, Sendable, Equatable {
    /// The column's header name in the data file.
    public var name: String
    /// The domain label: `bsn`, or `composite:date+housenumber+postcode+sex`.
    public var domain: String
    /// `decimal:17`, `hex:32`…; nil means the project's rendering (link.json `rendering`).
    public var rendering: String?

    /// A column; `rendering` only when it differs from the project's.
    public init(name: String, domain: String, rendering: String? = nil) {
        self.name = name
        self.domain = domain
        self.rendering = rendering
    }
}

/// The pseudonym columns that identify one person in a row, in the order they are tried
/// (the cascade: BSN first, then the demographic key). `name` prefixes the output columns
/// when a file has several person keys (`mother_RINPERSOON`).
public struct PersonKey: Codable, Sendable, Equatable {
    /// The person key's name: the prefix of its output columns when a file has several.
    public var name: String
    /// The pseudonym columns of this person, in the order they are tried.
    public var columns: [String]

    /// A person key over the named pseudonym columns.
    public init(name: String, columns: [String]) {
        self.name = name
        self.columns = columns
    }
}

/// How one data file's pseudonyms are laid out: every pseudonym column (all are removed from
/// the output) and how they group into persons (nil: inferred — see `TableLinker`).
public struct LinkFileLayout: Codable, Sendable, Equatable {
    /// Every pseudonym column of the file (all are removed from the output).
    public var pseudonymColumns: [PseudonymColumn]
    /// How the columns group into persons; nil: inferred from the domains (`TableLinker`).
    public var personKeys: [PersonKey]?

    /// A layout; without person keys the linker infers them.
    public init(pseudonymColumns: [PseudonymColumn], personKeys: [PersonKey]? = nil) {
        self.pseudonymColumns = pseudonymColumns
        self.personKeys = personKeys
    }
}

/// Output naming and the code for unmatched rows.
public struct LinkOptions: Sendable, Equatable {
    /// The output column of the linked person's RINPERSOONS.
    public var rinpersoonsColumn: String
    /// The output column of the linked person's RINPERSOON.
    public var rinpersoonColumn: String
    /// Put between a person key's name and the column names when a file has several person keys.
    public var prefixSeparator: String
    /// RINPERSOONS of rows that match no register person (CBS: `S`).
    public var unmatchedCode: String
    /// Digits of the surrogate RINPERSOON of unmatched rows; nil: as wide as the register's RINs.
    public var surrogateWidth: Int?

    /// Options with CBS's defaults (`RINPERSOONS`, `RINPERSOON`, unmatched code `S`).
    public init(rinpersoonsColumn: String = "RINPERSOONS", rinpersoonColumn: String = "RINPERSOON",
                prefixSeparator: String = "_", unmatchedCode: String = "S", surrogateWidth: Int? = nil) {
        self.rinpersoonsColumn = rinpersoonsColumn
        self.rinpersoonColumn = rinpersoonColumn
        self.prefixSeparator = prefixSeparator
        self.unmatchedCode = unmatchedCode
        self.surrogateWidth = surrogateWidth
    }
}

/// A layout resolved against a file's header and the index: what each output column is.
struct LinkPlan {
    struct Key {
        let column: Int
        let domain: PseudonymDomain
        let index: PseudonymIndex
    }
    struct Person {
        let name: String
        let keys: [Key]
    }
    enum Slot {
        case kept(Int)
        case personCode(Int)
        case personRIN(Int)
    }
    let persons: [Person]
    let slots: [Slot]
    let outputNames: [String]

    /// Resolves `layout` for a file with `header`.
    init(file: String, header: [String], layout: LinkFileLayout, index: RegisterIndex, options: LinkOptions) throws {
        var columnDomains: [(name: String, column: Int, domain: PseudonymDomain)] = []
        for column in layout.pseudonymColumns {
            guard let c = header.firstIndex(of: column.name) else {
                throw LinkError.pseudonymColumnMissing(file: file, column: column.name)
            }
            guard let domain = LinkDomains.parse(column.domain) else {
                throw LinkError.unknownDomain(file: file, column: column.name, domain: column.domain)
            }
            if let text = column.rendering {
                guard let r = PseudonymRendering(parsing: text), r == index.rendering else {
                    throw LinkError.renderingMismatch(file: file, column: column.name, rendering: text,
                                                      indexRendering: index.rendering.description)
                }
            }
            columnDomains.append((column.name, c, domain))
        }
        let personKeys = try layout.personKeys ?? Self.inferPersonKeys(file: file, columns: columnDomains, index: index)
        var persons: [Person] = []
        for key in personKeys {
            guard !key.columns.isEmpty else { throw LinkError.badPersonKey(file: file, personKey: key.name, reason: "names no column") }
            var keys: [Key] = []
            for name in key.columns {
                guard let cd = columnDomains.first(where: { $0.name == name }) else {
                    throw LinkError.badPersonKey(file: file, personKey: key.name,
                                                 reason: "names '\(name)', which is not one of the file's pseudonym columns")
                }
                guard let idx = index.indexes[cd.domain] else { throw LinkError.domainNotInRegister(domain: cd.domain.label) }
                keys.append(Key(column: cd.column, domain: cd.domain, index: idx))
            }
            persons.append(Person(name: key.name, keys: keys))
        }
        // The person columns go where the person's first pseudonym column was; every pseudonym column goes.
        let pseudonymIndexes = Set(columnDomains.map(\.column))
        var slots: [Slot] = []
        var names: [String] = []
        let prefixed = persons.count > 1
        for c in header.indices {
            for (p, person) in persons.enumerated() where person.keys.map(\.column).min() == c {
                let prefix = prefixed ? person.name + options.prefixSeparator : ""
                slots.append(.personCode(p)); names.append(prefix + options.rinpersoonsColumn)
                slots.append(.personRIN(p)); names.append(prefix + options.rinpersoonColumn)
            }
            if !pseudonymIndexes.contains(c) { slots.append(.kept(c)); names.append(header[c]) }
        }
        var seen = Set<String>()
        for n in names where !seen.insert(n).inserted { throw LinkError.outputColumnClash(file: file, column: n) }
        self.persons = persons
        self.slots = slots
        self.outputNames = names
    }

    /// One person key holding every linkable column, BSN first: possible when no domain
    /// appears twice. Columns of domains the register cannot compute are only removed.
    static func inferPersonKeys(file: String, columns: [(name: String, column: Int, domain: PseudonymDomain)],
                                index: RegisterIndex) throws -> [PersonKey] {
        let linkable = columns.filter { index.indexes[$0.domain] != nil }
        var seen = Set<PseudonymDomain>()
        for c in linkable where !seen.insert(c.domain).inserted {
            throw LinkError.ambiguousPersonKeys(file: file, domain: c.domain.label)
        }
        guard !linkable.isEmpty else { return [] }
        let ordered = linkable.filter { !$0.domain.isComposite } + linkable.filter { $0.domain.isComposite }
        return [PersonKey(name: "person", columns: ordered.map(\.name))]
    }
}
