import SluisCore
import SluisCrypto
import SluisFormats

/// Links one table: replaces each person key's pseudonym columns by RINPERSOONS and RINPERSOON
/// columns and removes every pseudonym column, streaming row by row.
///
/// Per person key and row, the keys are tried in order (the cascade): a malformed pseudonym
/// counts as invalid, one the register lacks as unmatched, one several persons share as a
/// duplicate, and the first key found decides. A row no key links gets the unmatched code and a
/// surrogate RINPERSOON derived from its first well-formed pseudonym (empty when it has none).
/// Which key matched is counted, never written.
public final class TableLinker {
    public let index: RegisterIndex
    public let options: LinkOptions
    private let surrogates: SurrogateGenerator
    private let unmatchedCode: [UInt8]

    /// `surrogateSecret` is the intake's surrogate key (`SurrogateKey.load`).
    public init(index: RegisterIndex, surrogateSecret: SecretBytes, projectId: String, options: LinkOptions = LinkOptions()) {
        self.index = index
        self.options = options
        let width = options.surrogateWidth ?? max(index.rinWidth, 1)
        self.surrogates = SurrogateGenerator(secret: surrogateSecret, projectId: projectId, width: min(max(width, 1), 38))
        self.unmatchedCode = Array(options.unmatchedCode.utf8)
    }

    /// The output column names for a file with `header` laid out as `layout` (checks the layout).
    public func outputColumns(file: String, header: [String], layout: LinkFileLayout) throws -> [String] {
        try LinkPlan(file: file, header: header, layout: layout, index: index, options: options).outputNames
    }

    /// Reads every row of `source`, writes the linked rows to `sink` (header first, `finish()`
    /// last) and returns the counts. `output` names the output in the report.
    public func link(source: RowSource, layout: LinkFileLayout, sink: RowSink, output: String) throws -> FileLinkReport {
        let plan = try LinkPlan(file: source.path, header: source.columnNames, layout: layout, index: index, options: options)
        let rinWidth = index.rinWidth
        var columns: [OutputColumn] = []
        for (slot, name) in zip(plan.slots, plan.outputNames) {
            switch slot {
            case let .kept(c): columns.append(OutputColumn(name: name, origin: .kept(sourceIndex: c)))
            case .personCode: columns.append(OutputColumn(name: name, origin: .added(width: max(unmatchedCode.count, index.codes.map(\.count).max() ?? 1))))
            case .personRIN: columns.append(OutputColumn(name: name, origin: .added(width: max(rinWidth, surrogates.width))))
            }
        }
        try sink.writeHeader(columns)

        var counts = plan.persons.map { p in
            PersonKeyCounts(name: p.name, keys: p.keys.map { k in
                MatchKeyCounts(domain: k.domain.label, column: source.columnNames[k.column])
            })
        }
        var rows = 0
        let out = FieldBuffer(byteCapacity: 1 << 12)
        // Per person in this row: the register row found, or the first well-formed key.
        var found = [UInt32](repeating: 0, count: plan.persons.count)
        var fallbackKey = [UInt64](repeating: 0, count: plan.persons.count)
        var fallbackDomain = [Int](repeating: -1, count: plan.persons.count)
        let codec = index.codec
        let persons = plan.persons
        let slots = plan.slots
        let codeBytes = index.codes

        try source.forEachRow { row, _ in
            rows += 1
            for (p, person) in persons.enumerated() {
                counts[p].rows += 1
                found[p] = PseudonymIndex.ambiguousRow
                fallbackDomain[p] = -1
                for (k, key) in person.keys.enumerated() {
                    counts[p].keys[k].rows += 1
                    guard let value = codec.key(parsing: row[key.column]) else { counts[p].keys[k].invalid += 1; continue }
                    if fallbackDomain[p] < 0 { fallbackDomain[p] = k; fallbackKey[p] = value }
                    switch key.index.lookup(value) {
                    case let .found(r):
                        counts[p].keys[k].matched += 1
                        found[p] = r
                    case .ambiguous: counts[p].keys[k].duplicates += 1
                    case .notFound: counts[p].keys[k].unmatched += 1
                    }
                    if found[p] != PseudonymIndex.ambiguousRow { break }
                }
                if found[p] != PseudonymIndex.ambiguousRow {
                    counts[p].linked += 1
                } else if fallbackDomain[p] >= 0 {
                    counts[p].unlinked += 1
                } else {
                    counts[p].withoutKey += 1
                }
            }
            out.removeAll()
            for slot in slots {
                switch slot {
                case let .kept(c):
                    out.append(row[c])
                case let .personCode(p):
                    if found[p] != PseudonymIndex.ambiguousRow {
                        codeBytes[Int(index.persons[Int(found[p])] >> 59)].withUnsafeBytes { out.append($0) }
                    } else {
                        unmatchedCode.withUnsafeBytes { out.append($0) }
                    }
                case let .personRIN(p):
                    if found[p] != PseudonymIndex.ambiguousRow {
                        let rin = index.persons[Int(found[p])] & ((1 << 59) - 1)
                        out.append(count: rinWidth) { writeDigits(rin, into: $0) }
                    } else if fallbackDomain[p] >= 0 {
                        let domain = persons[p].keys[fallbackDomain[p]].domain
                        out.append(count: surrogates.width) { surrogates.surrogate(domain: domain, key: fallbackKey[p], into: $0) }
                    } else {
                        out.append(count: 0) { _ in }
                    }
                }
            }
            try sink.writeRow(out.view)
        }
        try sink.finish()
        var report = FileLinkReport(file: source.path, output: output, personKeys: counts)
        report.rows = rows
        return report
    }
}
