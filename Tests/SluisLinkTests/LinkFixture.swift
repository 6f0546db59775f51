import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisPipeline
@testable import SluisLink

/// A small synthetic register and data file with pseudonyms made by the real `Pseudonymiser`,
/// and the truth: which RINPERSOON each data row should get.
struct LinkFixture {
    struct Person {
        var bsn: String
        var rin: String
        var sex: String
        var birthdate: String
        var postcode: String
        var housenumber: String
    }

    static let projectId = "P2026-001"
    let projectKey: SecretBytes
    var persons: [Person] = []
    var generator: SplitMix

    init(seed: UInt64 = 42, personCount: Int = 300) {
        generator = SplitMix(seed: seed)
        projectKey = SecretBytes(copying: (0..<32).map { UInt8($0 &* 7 &+ 3) })
        var usedBSN = Set<String>()
        for i in 0..<personCount {
            var bsn = makeBSN()
            while usedBSN.contains(bsn) { bsn = makeBSN() }
            usedBSN.insert(bsn)
            persons.append(makePerson(bsn: bsn, rin: String(format: "%09d", 100_000_000 + i * 7)))
        }
    }

    mutating func makeBSN() -> String {
        while true {
            var d = (0..<8).map { _ in Int(generator.next() % 10) }
            guard let check = BSNElevenCheck.checkDigit(first8: { d[$0] }), !(d.allSatisfy { $0 == 0 } && check == 0) else { continue }
            d.append(check)
            return d.map(String.init).joined()
        }
    }

    mutating func makePerson(bsn: String, rin: String) -> Person {
        let year = 1930 + Int(generator.next() % 80), month = 1 + Int(generator.next() % 12), day = 1 + Int(generator.next() % 28)
        let letters = Array("ABCDEFGHJKLMNPRSTVWXZ")
        let pc = String(1000 + Int(generator.next() % 9000)) + String(letters[Int(generator.next() % 21)]) + String(letters[Int(generator.next() % 21)])
        return Person(bsn: bsn, rin: rin, sex: generator.next() % 2 == 0 ? "M" : "V",
                      birthdate: String(format: "%04d-%02d-%02d", year, month, day), postcode: pc,
                      housenumber: String(1 + generator.next() % 200))
    }

    var registerCSV: String {
        var s = "bsn,rinpersoons,rinpersoon,sex,birthdate,postcode,housenumber\n"
        for p in persons { s += "\(p.bsn),R,\(p.rin),\(p.sex),\(p.birthdate),\(p.postcode),\(p.housenumber)\n" }
        return s
    }

    func pseudonymiser(_ domain: PseudonymDomain, _ rendering: PseudonymRendering = .default) -> Pseudonymiser {
        Pseudonymiser(projectKey: projectKey, projectId: Self.projectId, domain: domain, rendering: rendering)
    }

    /// The BSN pseudonym of a raw value (normalised first), or "" when it does not normalise.
    func bsnPseudonym(_ raw: String, _ rendering: PseudonymRendering = .default) -> String {
        guard case let .success(n) = Normaliser.normalise(.bsn, raw) else { return "" }
        return pseudonymiser(LinkDomains.bsn, rendering).pseudonym(of: Array(n.utf8))
    }

    /// The demographic pseudonym of a person's raw values.
    func demographicPseudonym(sex: String, birthdate: String, postcode: String, housenumber: String,
                              _ rendering: PseudonymRendering = .default) -> String {
        let domain = LinkDomains.demographic
        var parts: [[UInt8]] = []
        for kind in domain.kinds {
            let raw: String
            switch kind {
            case .sex: raw = sex
            case .date: raw = birthdate
            case .postcode: raw = postcode
            case .housenumber: raw = housenumber
            default: return ""
            }
            guard case let .success(n) = Normaliser.normalise(kind, raw) else { return "" }
            parts.append(Array(n.utf8))
        }
        return pseudonymiser(domain, rendering).pseudonym(ofParts: parts)
    }

    func demographicPseudonym(of p: Person) -> String {
        demographicPseudonym(sex: p.sex, birthdate: p.birthdate, postcode: p.postcode, housenumber: p.housenumber)
    }

    static func reader(_ text: String, path: String) throws -> CSVReader {
        try CSVReader(source: MemorySource(Array(text.utf8)), path: path)
    }

    func buildIndex(register: String? = nil, rendering: PseudonymRendering = .default, threads: Int = 2) throws -> RegisterIndex {
        let builder = RegisterIndexBuilder(projectKey: projectKey, projectId: Self.projectId, rendering: rendering, threads: threads)
        return try builder.build(from: Self.reader(register ?? registerCSV, path: "register.csv"))
    }
}

/// The synthesiser's deterministic generator (SplitMix64).
typealias SplitMix = SplitMix64

/// Parses CSV text into rows of strings (test helper; no quoting needed for these files).
func csvRows(_ bytes: [UInt8]) -> [[String]] {
    String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
}

/// The researcher's configuration for `sluis synth`'s survey.csv in the link tests: BSN
/// pseudonymised as BSN_P, the demographic composite as DEMO_P, and every other column dropped
/// unless `actions` says otherwise.
enum SynthSurvey {
    static let columns = ["BSN", "Naam", "Geboortedatum", "Geslacht", "Postcode", "Huisnummer", "Woonplaats",
                          "Opleiding", "Score", "Inkomen", "Toelichting"]

    static func file(_ actions: [String: ColumnAction]) -> FileConfig {
        var configured = actions
        configured["BSN"] = .pseudonymise(identifier: .bsn, outputName: "BSN_P", invalid: .blank)
        return FileConfig(path: "survey.csv", columns: columns.map { ColumnConfig(name: $0, action: configured[$0] ?? .drop) },
                          pseudonyms: [CompositePseudonymConfig(outputName: "DEMO_P", parts: [
                              .init(column: "Geslacht", kind: .sex), .init(column: "Geboortedatum", kind: .date),
                              .init(column: "Postcode", kind: .postcode), .init(column: "Huisnummer", kind: .housenumber),
                          ])])
    }
}
