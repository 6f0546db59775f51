import Foundation

/// Counts for one match key of one person key: of the `rows` tried on this key, how many
/// linked (`matched`), had a well-formed pseudonym the register does not hold (`unmatched`),
/// had no well-formed pseudonym (`invalid`: empty or malformed), hit a key several register
/// persons share (`duplicates`: never linked on), or hit a key different register identifiers
/// share under the project key (`collisions`: never linked on).
/// rows = matched + unmatched + invalid + duplicates + collisions.
public struct MatchKeyCounts: Sendable, Equatable {
    /// The match key's domain label (`bsn`, `composite:…`).
    public var domain: String
    /// The pseudonym column of the file the key was read from.
    public var column: String
    /// Rows tried on this key (rows the earlier keys did not match).
    public var rows = 0
    /// Rows linked to a register person on this key.
    public var matched = 0
    /// Rows with a well-formed pseudonym the register does not hold.
    public var unmatched = 0
    /// Rows with no well-formed pseudonym in this column (empty or malformed).
    public var invalid = 0
    /// Rows whose key several register persons share (never linked on).
    public var duplicates = 0
    /// Rows whose key different register identifiers share under the project key (never linked on).
    public var collisions = 0

    /// Zero counts for one key; the linker adds to them row by row.
    public init(domain: String, column: String) {
        self.domain = domain
        self.column = column
    }
}

/// Counts for one person key of a file. Rows not matched on a key are tried on the next, so
/// the second key's `rows` are the first key's rows minus its matches.
public struct PersonKeyCounts: Sendable, Equatable {
    /// The person key's name from the layout (`person`, `mother`, …).
    public var name: String
    /// Rows of the file tried for this person key.
    public var rows = 0
    /// Rows given a register person (RINPERSOONS from the register).
    public var linked = 0
    /// Rows given the unmatched code and a surrogate RINPERSOON.
    public var unlinked = 0
    /// Rows with no well-formed pseudonym at all: unmatched code and an empty RINPERSOON.
    public var withoutKey = 0
    /// Counts per match key, in the order they are tried.
    public var keys: [MatchKeyCounts]

    /// Zero counts for a person key and its match keys.
    public init(name: String, keys: [MatchKeyCounts]) {
        self.name = name
        self.keys = keys
    }
}

/// What linking did to one file.
public struct FileLinkReport: Sendable, Equatable {
    /// The input file's name as given.
    public var file: String
    /// The linked output file's path.
    public var output: String
    /// Data rows of the file.
    public var rows = 0
    /// Counts per person key (one for a file of one person per row).
    public var personKeys: [PersonKeyCounts]

    /// An empty report for one file; the linker fills in the counts.
    public init(file: String, output: String, personKeys: [PersonKeyCounts]) {
        self.file = file
        self.output = output
        self.personKeys = personKeys
    }
}

/// The link report: exact counts in the API; in text and JSON every count of rows below
/// `LinkReport.disclosureThreshold` is shown as `<10`, so the report itself reveals nothing about
/// small groups of persons. The register's collision counts are shown exactly: they count
/// coincidences of the project key over the register (almost always 0 or 1), which say nothing
/// about the persons in the data, and "<10" would hide the one fact the operator needs.
public struct LinkReport: Sendable, Equatable {
    /// Counts of rows below this are shown as `<10` (the usual minimum cell size of output control).
    public static let disclosureThreshold = 10
    /// One report per linked file, in input order.
    public var files: [FileLinkReport]
    /// Per domain of the register index: how many pseudonyms different register identifiers share.
    public var registerCollisions: [DomainCollisions]

    /// A report over the files linked in one run, with the register's collisions.
    public init(files: [FileLinkReport], registerCollisions: [DomainCollisions] = []) {
        self.files = files
        self.registerCollisions = registerCollisions
    }

    /// All person-key rows of all files (the link rate's denominator).
    public var totalRows: Int { files.reduce(0) { $0 + $1.personKeys.reduce(0) { $0 + $1.rows } } }
    /// All person-key rows given a register person (the link rate's numerator).
    public var totalLinked: Int { files.reduce(0) { $0 + $1.personKeys.reduce(0) { $0 + $1.linked } } }
    /// Linked person-key rows over all person-key rows (nil when there are none).
    public var linkRate: Double? { totalRows == 0 ? nil : Double(totalLinked) / Double(totalRows) }

    /// A count as shown: the number, or `<10`.
    public static func shown(_ n: Int) -> String { n < disclosureThreshold ? "<\(disclosureThreshold)" : String(n) }

    static func rateText(_ linked: Int, _ rows: Int) -> String {
        guard rows > 0 else { return "n/a" }
        return String(format: "%.1f %%", 100 * Double(linked) / Double(rows))
    }

    /// The report for people.
    public var text: String {
        var out = "link report (counts below \(Self.disclosureThreshold) are shown as <\(Self.disclosureThreshold))\n"
        for f in files {
            out += "\(f.file) -> \(f.output): \(Self.shown(f.rows)) rows\n"
            if f.personKeys.isEmpty { out += "  no person key: copied without pseudonym columns\n" }
            for p in f.personKeys {
                out += "  person key \(p.name): linked \(Self.shown(p.linked)), unlinked \(Self.shown(p.unlinked)), "
                    + "without key \(Self.shown(p.withoutKey)) of \(Self.shown(p.rows)) rows (\(Self.rateText(p.linked, p.rows)))\n"
                let header = ["match key", "rows", "matched", "unmatched", "invalid", "duplicates", "collisions"]
                var table = [header]
                for k in p.keys {
                    table.append(["\(k.domain) (\(k.column))", Self.shown(k.rows), Self.shown(k.matched), Self.shown(k.unmatched),
                                  Self.shown(k.invalid), Self.shown(k.duplicates), Self.shown(k.collisions)])
                }
                let widths = header.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
                for row in table {
                    out += "    " + row.indices.map { c in
                        c == 0 ? row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0)
                            : String(repeating: " ", count: widths[c] - row[c].count) + row[c]
                    }.joined(separator: "  ") + "\n"
                }
            }
        }
        if !registerCollisions.isEmpty {
            out += "register collisions under the project key (never linked on): "
                + registerCollisions.map { "\($0.domain) \($0.collisions)" }.joined(separator: ", ") + "\n"
        }
        out += "overall link rate: \(Self.rateText(totalLinked, totalRows)) (\(Self.shown(totalLinked)) of \(Self.shown(totalRows)) person-key rows)\n"
        return out
    }

    /// The report for programs: counts are numbers, or the string "<10".
    public var json: String {
        func count(_ n: Int) -> Any { n < Self.disclosureThreshold ? "<\(Self.disclosureThreshold)" : n }
        let object: [String: Any] = [
            "files": files.map { f -> [String: Any] in
                [
                    "file": f.file, "output": f.output, "rows": count(f.rows),
                    "personKeys": f.personKeys.map { p -> [String: Any] in
                        [
                            "name": p.name, "rows": count(p.rows), "linked": count(p.linked), "unlinked": count(p.unlinked),
                            "withoutKey": count(p.withoutKey),
                            "matchKeys": p.keys.map { k -> [String: Any] in
                                ["domain": k.domain, "column": k.column, "rows": count(k.rows), "matched": count(k.matched),
                                 "unmatched": count(k.unmatched), "invalid": count(k.invalid), "duplicates": count(k.duplicates),
                                 "collisions": count(k.collisions)]
                            },
                        ]
                    },
                ]
            },
            "rows": count(totalRows), "linked": count(totalLinked),
            "linkRate": linkRate.map { ($0 * 1000).rounded() / 1000 } ?? NSNull(),
            "disclosureThreshold": Self.disclosureThreshold,
            "registerCollisions": Dictionary(registerCollisions.map { ($0.domain, $0.collisions) }, uniquingKeysWith: +),
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// How many pseudonyms of one domain different register identifiers share under the project key.
public struct DomainCollisions: Sendable, Equatable {
    /// The domain label.
    public var domain: String
    /// Pseudonyms of this domain that different register identifiers share.
    public var collisions: Int
    /// The collision count of one domain.
    public init(domain: String, collisions: Int) {
        self.domain = domain
        self.collisions = collisions
    }
}
