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
        var columns: [OutputColumn] = []
        for (slot, name) in zip(plan.slots, plan.outputNames) {
            switch slot {
            case let .kept(c): columns.append(OutputColumn(name: name, origin: .kept(sourceIndex: c)))
            case .personCode: columns.append(OutputColumn(name: name, origin: .added(width: max(unmatchedCode.count, index.codes.map(\.count).max() ?? 1))))
            case .personRIN: columns.append(OutputColumn(name: name, origin: .added(width: max(index.rinWidth, surrogates.width))))
            }
        }
        try sink.writeHeader(columns)

        var counts = plan.persons.map { p in
            PersonKeyCounts(name: p.name, keys: p.keys.map { k in
                MatchKeyCounts(domain: k.domain.label, column: source.columnNames[k.column])
            })
        }
        let rows = try withExtendedLifetime(index) {
            try linkRows(source: source, plan: plan, sink: sink, counts: &counts)
        }
        try sink.finish()
        var report = FileLinkReport(file: source.path, output: output, personKeys: counts)
        report.rows = rows
        return report
    }

    /// The hot loop: flat, reference-free tables so that each row costs a few lookups and copies.
    private func linkRows(source: RowSource, plan: LinkPlan, sink: RowSink, counts: inout [PersonKeyCounts]) throws -> Int {
        let personCount = plan.persons.count
        var keyStart: [Int] = [0]
        var keyColumns: [Int] = []
        var keyViews: [PseudonymIndexView] = []
        var keyDomains: [PseudonymDomain] = []
        for person in plan.persons {
            for key in person.keys {
                keyColumns.append(key.column)
                keyViews.append(PseudonymIndexView(key.index))
                keyDomains.append(key.domain)
            }
            keyStart.append(keyColumns.count)
        }
        let keyCount = keyColumns.count
        // Per key: rows, matched, unmatched, invalid, duplicates. Per person: linked, unlinked, without key.
        let keyCounters = UnsafeMutablePointer<Int>.allocate(capacity: max(keyCount * 5, 1))
        keyCounters.initialize(repeating: 0, count: max(keyCount * 5, 1))
        let personCounters = UnsafeMutablePointer<Int>.allocate(capacity: max(personCount * 3, 1))
        personCounters.initialize(repeating: 0, count: max(personCount * 3, 1))
        let found = UnsafeMutablePointer<UInt32>.allocate(capacity: max(personCount, 1))
        let fallbackKey = UnsafeMutablePointer<UInt64>.allocate(capacity: max(personCount, 1))
        let fallbackIndex = UnsafeMutablePointer<Int>.allocate(capacity: max(personCount, 1))
        var assembler = LinkRowAssembler(fieldCount: plan.slots.count)
        defer {
            keyCounters.deallocate(); personCounters.deallocate(); found.deallocate(); fallbackKey.deallocate()
            fallbackIndex.deallocate(); assembler.deallocate()
        }
        let codec = index.codec
        let rinWidth = index.rinWidth
        let surrogates = self.surrogates
        let surrogateWidth = surrogates.width
        let codes = index.codes + [unmatchedCode]
        let unmatchedCodeIndex = codes.count - 1
        let slots = plan.slots
        let notFound = PseudonymIndexView.notFound
        let ambiguous = PseudonymIndex.ambiguousRow
        var rows = 0

        try index.persons.withUnsafeBufferPointer { persons in
            try keyColumns.withUnsafeBufferPointer { keyColumns in
                try keyViews.withUnsafeBufferPointer { keyViews in
                    try keyStart.withUnsafeBufferPointer { keyStart in
                        try source.forEachRow { row, _ in
                            rows += 1
                            for p in 0..<personCount {
                                found[p] = notFound
                                fallbackIndex[p] = -1
                                var k = keyStart[p]
                                let end = keyStart[p + 1]
                                while k < end {
                                    let c = keyCounters + 5 * k
                                    c[0] += 1
                                    if let value = codec.key(parsing: row[keyColumns[k]]) {
                                        if fallbackIndex[p] < 0 { fallbackIndex[p] = k; fallbackKey[p] = value }
                                        let r = keyViews[k].row(for: value)
                                        if r == notFound {
                                            c[2] += 1
                                        } else if r == ambiguous {
                                            c[4] += 1
                                        } else {
                                            c[1] += 1
                                            found[p] = r
                                            break
                                        }
                                    } else {
                                        c[3] += 1
                                    }
                                    k += 1
                                }
                                if found[p] != notFound {
                                    personCounters[3 * p] += 1
                                } else if fallbackIndex[p] >= 0 {
                                    personCounters[3 * p + 1] += 1
                                } else {
                                    personCounters[3 * p + 2] += 1
                                }
                            }
                            assembler.reset()
                            for slot in slots {
                                switch slot {
                                case let .kept(c):
                                    assembler.append(row[c])
                                case let .personCode(p):
                                    let code = found[p] != notFound ? Int(persons[Int(found[p])] >> 59) : unmatchedCodeIndex
                                    codes[code].withUnsafeBytes { assembler.append($0) }
                                case let .personRIN(p):
                                    if found[p] != notFound {
                                        let rin = persons[Int(found[p])] & ((1 << 59) - 1)
                                        assembler.append(count: rinWidth) { writeDigits(rin, into: $0) }
                                    } else if fallbackIndex[p] >= 0 {
                                        let domain = keyDomains[fallbackIndex[p]]
                                        let key = fallbackKey[p]
                                        assembler.append(count: surrogateWidth) { surrogates.surrogate(domain: domain, key: key, into: $0) }
                                    } else {
                                        assembler.append(count: 0) { _ in }
                                    }
                                }
                            }
                            try sink.writeRow(assembler.view)
                        }
                    }
                }
            }
        }
        var k = 0
        for p in 0..<personCount {
            counts[p].linked = personCounters[3 * p]
            counts[p].unlinked = personCounters[3 * p + 1]
            counts[p].withoutKey = personCounters[3 * p + 2]
            counts[p].rows = rows
            for j in counts[p].keys.indices {
                let c = keyCounters + 5 * k
                counts[p].keys[j].rows = c[0]
                counts[p].keys[j].matched = c[1]
                counts[p].keys[j].unmatched = c[2]
                counts[p].keys[j].invalid = c[3]
                counts[p].keys[j].duplicates = c[4]
                k += 1
            }
        }
        return rows
    }
}
