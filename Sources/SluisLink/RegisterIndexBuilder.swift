import Dispatch
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO

/// Builds a `RegisterIndex` from the reference register: reads it once, normalises and
/// pseudonymises each row's identifiers with the project key (the same rules and key the
/// researcher used), and sorts the pseudonym keys per domain.
///
/// The reader's thread copies the needed fields into blocks of 16 384 rows; `threads` workers
/// pseudonymise blocks in parallel. Then, per domain, the keys are bucket-sorted and every run
/// of equal keys is checked: one BSN with two persons → `duplicateRegisterBSN`; one demographic
/// identifier with several persons → the key is marked ambiguous and never linked on; different
/// identifiers (a collision) → the key is marked colliding and never linked on, or, under
/// `CollisionPolicy.stop`, `pseudonymCollision`.
public struct RegisterIndexBuilder {
    /// The project's pseudonym key: the register is pseudonymised exactly as the researcher's data was.
    public let projectKey: SecretBytes
    /// The project id, bound into every sub-key (as in `seal`).
    public let projectId: String
    /// The rendering the data's pseudonyms were written with.
    public let rendering: PseudonymRendering
    /// Where the identifiers are in the register.
    public let columns: RegisterColumns
    /// The domains to index (only those the data files use, to save time and memory).
    public let domains: [PseudonymDomain]
    /// Worker threads that pseudonymise blocks of rows (at least 1).
    public let threads: Int
    /// What a collision does: mark the pseudonym and go on (default), or stop.
    public var onCollision: CollisionPolicy = .skip
    /// Called after each stage with its name and seconds taken (for `--timings` and benchmarks).
    public var onStage: ((String, Double) -> Void)?

    /// A builder; indexes both standard domains with two workers unless told otherwise.
    public init(projectKey: SecretBytes, projectId: String, rendering: PseudonymRendering = .default,
                columns: RegisterColumns = RegisterColumns(), domains: [PseudonymDomain] = LinkDomains.standard,
                threads: Int = 2) {
        self.projectKey = projectKey
        self.projectId = projectId
        self.rendering = rendering
        self.columns = columns
        self.domains = domains
        self.threads = max(1, threads)
    }

    /// Reads `register` once and returns its index; refuses a register with a missing column, a bad RIN or a doubled BSN.
    public func build(from register: RowSource) throws -> RegisterIndex {
        let file = register.path
        let header = register.columnNames
        func columnIndex(_ name: String, role: String) throws -> Int {
            guard let i = header.firstIndex(of: name) else {
                throw LinkError.registerColumnMissing(file: file, role: role, column: name)
            }
            return i
        }
        let codeColumn = try columnIndex(columns.rinpersoons, role: "rinpersoons")
        // Fields copied per row: the RINPERSOON first, then every column a domain needs.
        var copied = [try columnIndex(columns.rinpersoon, role: "rinpersoon")]
        var plans: [RegisterBatchProcessor.DomainPlan] = []
        var uniqueDomains: [PseudonymDomain] = []
        for d in domains where !uniqueDomains.contains(d) { uniqueDomains.append(d) }
        for domain in uniqueDomains {
            var fields: [Int] = []
            for kind in domain.kinds {
                guard let (name, role) = columns.column(for: kind) else { throw LinkError.domainNotInRegister(domain: domain.label) }
                let source = try columnIndex(name, role: role)
                if let f = copied.firstIndex(of: source) { fields.append(f) } else { copied.append(source); fields.append(copied.count - 1) }
            }
            plans.append(.init(domain: domain, fields: fields,
                               mac: RegisterBatchProcessor.mac(projectKey: projectKey, projectId: projectId, domain: domain)))
        }
        let codec = PseudonymKeyCodec(rendering: rendering)
        let prototype = RegisterBatchProcessor(plans: plans, codec: codec, rinField: 0, file: file, rinColumn: columns.rinpersoon)

        // Read on this thread, pseudonymise on the workers: a `HandOff` with one consumer thread
        // per worker. Batches are not reused (every one is kept for the index), so `put` alone.
        let processors = (0..<threads).map { _ in prototype.copy() }
        let workers = HandOff<RegisterBatch>(capacity: threads * 2, name: "sluis-register-index", stackByteCount: 1 << 22,
                                             consumers: processors.map { p in { p.process($0) } })
        var batches: [RegisterBatch] = []
        var reading = ReadingState(file: file, column: columns.rinpersoons, codeColumn: codeColumn, copied: copied)
        var clock = StageClock(report: onStage)
        do {
            try register.forEachRow { row, line in
                if let b = try reading.add(row, line: line) { batches.append(b); try workers.put(b) }
            }
            if let b = reading.finish() { batches.append(b); try workers.put(b) }
            try workers.finish()
        } catch {
            workers.abandon()
            throw error
        }
        let outcome = (rows: reading.rows, codes: reading.codes)
        clock.lap("read and pseudonymise \(outcome.rows) register rows on \(threads) threads")

        if let failure = batches.lazy.compactMap(\.failure).first { throw failure }
        let rinWidth = batches.first(where: { $0.rinWidth != 0 })?.rinWidth ?? 0
        if let odd = batches.first(where: { $0.rinWidth != 0 && $0.rinWidth != rinWidth }) {
            throw LinkError.registerRINInvalid(file: file, line: odd.firstLine, column: columns.rinpersoon, expectedWidth: rinWidth)
        }
        var persons: [UInt64] = []
        persons.reserveCapacity(batches.reduce(0) { $0 + $1.count })
        for b in batches { persons.append(contentsOf: b.persons); b.persons = [] }
        returnFreedMemory()
        let lines = LineTable(batches: batches)

        var indexes: [PseudonymDomain: PseudonymIndex] = [:]
        var statistics: [RegisterDomainStatistics] = []
        for (p, plan) in plans.enumerated() {
            var parts = batches.map { b -> [IndexEntry] in let e = b.entries[p]; b.entries[p] = []; return e }
            let invalid = batches.reduce(0) { $0 + $1.invalid[p] }
            let index = PseudonymIndex(batches: &parts, keySpace: codec.keySpace)
            clock.lap("sort \(plan.domain.label)")
            let (ambiguous, collisions) = try checkRuns(index, domain: plan.domain, persons: persons, lines: lines, file: file)
            index.finalise(persons: persons)
            clock.lap("check \(plan.domain.label)")
            indexes[plan.domain] = index
            statistics.append(RegisterDomainStatistics(domain: plan.domain.label, indexed: index.count, invalid: invalid,
                                                       ambiguousKeys: ambiguous, collisions: collisions))
        }
        batches.removeAll()
        return RegisterIndex(rendering: rendering, indexes: indexes, codes: outcome.codes, rinWidth: rinWidth,
                             persons: persons, statistics: statistics)
    }

    /// Checks every run of equal keys; returns how many keys were marked ambiguous and how many colliding.
    ///
    /// A run is sorted by (key, fingerprint, row), so the entries of one identifier are
    /// consecutive: each such group is checked for one BSN with two persons, and a run of more
    /// than one group is a collision.
    private func checkRuns(_ index: PseudonymIndex, domain: PseudonymDomain, persons: [UInt64], lines: LineTable,
                           file: String) throws -> (ambiguous: Int, collisions: Int) {
        var ambiguous = 0, collisions = 0
        try index.forEachRunOfEqualKeys { run in
            let first = run[0]
            let otherIdentifier = run.dropFirst().first { $0.fingerprint != first.fingerprint }
            if let other = otherIdentifier, onCollision == .stop {
                let (a, b) = (lines.line(ofRow: first.row), lines.line(ofRow: other.row))
                throw LinkError.pseudonymCollision(file: file, domain: domain.label, firstLine: min(a, b), secondLine: max(a, b))
            }
            var severalPersons = false
            var start = 0
            while start < run.count {
                var end = start + 1
                while end < run.count && run[end].fingerprint == run[start].fingerprint { end += 1 }
                let person = persons[Int(run[start].row)]
                if let other = run[(start + 1)..<end].first(where: { persons[Int($0.row)] != person }) {
                    if !domain.isComposite {
                        throw LinkError.duplicateRegisterBSN(file: file, firstLine: lines.line(ofRow: run[start].row),
                                                             secondLine: lines.line(ofRow: other.row))
                    }
                    severalPersons = true
                }
                start = end
            }
            if otherIdentifier != nil {
                for i in run.indices { run[i].payload = PseudonymIndex.colliding }
                collisions += 1
            } else if severalPersons {
                for i in run.indices { run[i].payload = PseudonymIndex.ambiguous }
                ambiguous += 1
            }
        }
        return (ambiguous, collisions)
    }
}

/// The reader thread's state: the block being filled and the RINPERSOONS code table. A value
/// type owned by that thread, so the per-row work costs no exclusivity checks.
private struct ReadingState {
    let file: String
    let column: String
    let codeColumn: Int
    let copied: [Int]
    var codes: [[UInt8]] = []
    var current: RegisterBatchInput?
    var rows = 0
    private var lastCode: [UInt8] = []
    private var lastCodeIndex: UInt8 = 0

    init(file: String, column: String, codeColumn: Int, copied: [Int]) {
        self.file = file
        self.column = column
        self.codeColumn = codeColumn
        self.copied = copied
    }

    /// Adds a row; returns a block when one is full.
    mutating func add(_ row: FieldView, line: Int) throws -> RegisterBatch? {
        let code = row[codeColumn]
        var index = lastCodeIndex
        if lastCode.count != code.count || !lastCode.elementsEqual(code) {
            guard !code.isEmpty else { throw LinkError.registerCodeMissing(file: file, line: line, column: column) }
            if let i = codes.firstIndex(where: { $0.elementsEqual(code) }) {
                index = UInt8(i)
            } else {
                guard codes.count < RegisterIndex.maximumCodeCount else {
                    throw LinkError.tooManyRegisterCodes(file: file, line: line, column: column, limit: RegisterIndex.maximumCodeCount)
                }
                codes.append(Array(code))
                index = UInt8(codes.count - 1)
            }
            lastCode = Array(code)
            lastCodeIndex = index
        }
        if current == nil { current = RegisterBatchInput(firstRow: rows, fieldsPerRow: copied.count) }
        current?.append(row, columns: copied, codeIndex: index, line: line)
        rows += 1
        // Row numbers stay below 2³² − 4, so no build-time payload (fingerprint << 32 | row) can equal a mark.
        guard rows < Int(UInt32.max) - 3 else {
            throw LinkError.configInvalid(source: file, reason: "the register has more rows than sluis can index (4 294 967 291)")
        }
        if let full = current, full.isFull {
            current = nil
            return RegisterBatch(full)
        }
        return nil
    }

    mutating func finish() -> RegisterBatch? {
        defer { current = nil }
        return current.map { RegisterBatch($0) }
    }
}

/// Measures stages for `RegisterIndexBuilder.onStage`.
struct StageClock {
    let report: ((String, Double) -> Void)?
    var last = DispatchTime.now()
    init(report: ((String, Double) -> Void)?) { self.report = report }
    mutating func lap(_ stage: String) {
        guard let report else { return }
        let now = DispatchTime.now()
        report(stage, Double(now.uptimeNanoseconds - last.uptimeNanoseconds) / 1e9)
        last = now
    }
}

/// Maps a register row number back to its line, for messages.
private struct LineTable {
    let blocks: [(firstRow: Int, firstLine: Int, lines: [Int]?)]
    init(batches: [RegisterBatch]) { blocks = batches.map { ($0.firstRow, $0.firstLine, $0.lines) } }
    func line(ofRow row: UInt32) -> Int {
        let r = Int(row)
        let b = blocks[min(r / RegisterBatch.rowCapacity, blocks.count - 1)]
        return b.lines?[r - b.firstRow] ?? b.firstLine + (r - b.firstRow)
    }
}
