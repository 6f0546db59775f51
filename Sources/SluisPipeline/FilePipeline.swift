import SluisCore
import SluisCrypto
import SluisFormats

/// Runs the rows of one table through the actions of its `FileConfig`: keeps, drops,
/// pseudonymises and generalises columns, builds composite pseudonyms, applies the invalid
/// identifier policies and scans kept columns for residual identifiers.
///
/// Works on any `RowSource`/`RowSink` (CSV, SPSS, Stata). Without a key (a dry run) no
/// pseudonym is computed, and without a sink nothing is written; counts are the same.
/// Reused buffers only: nothing is allocated per row on the common path.
public final class FilePipeline {
    /// The file's configuration: what happens to each column.
    public let file: FileConfig
    /// What the run found so far: counts, invalid identifiers and residual findings (never values).
    @exclusivity(unchecked) public private(set) var report: FileReport

    private enum Step {
        case keep(output: Int, scanSlot: Int?)
        case drop
        /// An unclassified column with an empty header name: left out, and every value must be empty.
        case requireEmpty
        case pseudonymise(kind: IdentifierKind, pseudonymiser: Pseudonymiser?, policy: InvalidIdentifierPolicy, output: Int, codes: ValueCodes?)
        case generalise(Generalisation, policy: InvalidIdentifierPolicy, output: Int)
    }

    private struct Composite {
        let parts: [(source: Int, kind: IdentifierKind)]
        /// Per part (domain order): the source column's codes, if it is coded.
        let codes: [ValueCodes?]
        let pseudonymiser: Pseudonymiser?
        let policy: InvalidIdentifierPolicy
        let output: Int
        let width: Int
    }

    private let steps: [Step]
    /// The unnamed columns left out (0-based), reported once every row has shown them empty.
    private let unnamedIgnored: [Int]
    private let composites: [Composite]
    private let outputColumns: [OutputColumn]
    private let sourceNames: [String]
    private let width: Int
    private let path: String
    /// Per scanned column: the source column name and whether identifiers are allowed.
    @exclusivity(unchecked) private var scanColumns: [(name: String, allowed: Bool)] = []

    /// Prepares the steps for a table whose header is `columnNames` (already checked against
    /// the config). `key` nil means a dry run. `displayPath` names the file in messages.
    /// `unnamedColumns`: the (0-based) columns whose header name is empty; unless the config
    /// classifies them, they are left out and must hold no value.
    public init(file: FileConfig, columnNames: [String], project: String, rendering: PseudonymRendering,
                key: PseudonymKey?, displayPath: String, unnamedColumns: Set<Int> = []) {
        self.file = file
        self.sourceNames = columnNames
        self.width = rendering.width
        self.path = displayPath
        var steps: [Step] = []
        var outputs: [OutputColumn] = []
        var columnReports: [FileReport.Column] = []
        var unnamedIgnored: [Int] = []
        var pseudonymisers: [String: Pseudonymiser] = [:]
        func pseudonymiser(_ domain: PseudonymDomain) -> Pseudonymiser? {
            guard let key else { return nil }
            if let p = pseudonymisers[domain.label] { return p.copy() }
            let p = Pseudonymiser(projectKey: key.secret, projectId: project, domain: domain, rendering: rendering)
            pseudonymisers[domain.label] = p
            return p
        }
        for (index, name) in columnNames.enumerated() {
            if file.column(named: name) == nil && unnamedColumns.contains(index) {
                steps.append(.requireEmpty)
                columnReports.append(.init(name: name, action: "drop", detail: "ignored: empty name in the header, no values", output: nil))
                unnamedIgnored.append(index)
                continue
            }
            let action = file.column(named: name)?.action ?? .drop
            var output: String?
            switch action {
            case let .keep(allowed):
                steps.append(.keep(output: outputs.count, scanSlot: scanColumns.count))
                scanColumns.append((name, allowed))
                outputs.append(OutputColumn(name: name, origin: .kept(sourceIndex: index)))
                output = name
            case .drop:
                steps.append(.drop)
            case let .pseudonymise(kind, outputName, policy):
                steps.append(.pseudonymise(kind: kind, pseudonymiser: pseudonymiser(PseudonymDomain(kind)), policy: policy,
                                           output: outputs.count, codes: file.column(named: name)?.codes))
                outputs.append(OutputColumn(name: outputName, origin: .pseudonym(width: rendering.width)))
                output = outputName
            case let .generalise(g, policy):
                steps.append(.generalise(g, policy: policy, output: outputs.count))
                outputs.append(OutputColumn(name: name, origin: .generalised(sourceIndex: index)))
                output = name
            }
            columnReports.append(.init(name: name, action: action.name, detail: action.summary, output: output))
        }
        var composites: [Composite] = []
        for c in file.pseudonyms {
            guard let domain = c.domain else { continue }
            let sorted = c.parts.sorted { $0.kind < $1.kind }
            let sources = sorted.map { part in (source: columnNames.firstIndex(of: part.column) ?? 0, kind: part.kind) }
            composites.append(Composite(parts: sources, codes: sorted.map { file.column(named: $0.column)?.codes },
                                        pseudonymiser: pseudonymiser(domain), policy: c.invalid,
                                        output: outputs.count, width: rendering.width))
            outputs.append(OutputColumn(name: c.outputName, origin: .pseudonym(width: rendering.width)))
        }
        self.steps = steps
        self.unnamedIgnored = unnamedIgnored
        self.composites = composites
        self.outputColumns = outputs
        self.report = FileReport(path: file.path, format: "csv", encoding: file.encoding.rawValue, inputDialect: "", outputDialect: "")
        report.columns = columnReports
        report.outputColumns = outputs.map(\.name)
    }

    /// Which thread computes a batch's pseudonyms; `.adaptive` except in tests.
    nonisolated(unsafe) static var pseudonymPlacement = WorkPlacement.adaptive

    /// Whether a `CSVWriter` sink gets its rows formatted by the reading thread (true except in
    /// tests, which compare the two ways byte for byte).
    nonisolated(unsafe) static var packsCSV = true

    /// The columns the sink receives, in order.
    public var columns: [OutputColumn] { outputColumns }

    /// Reads every row of `source` and writes the results to `sink` (nil: count only).
    /// Finishes the row sink (its trailer); the byte sink behind it is the caller's to finish.
    ///
    /// With a sink, two threads share the work: this one reads, parses, normalises and
    /// generalises, packing rows into batches; the other formats and writes (and, behind the row
    /// sink, hashes and encrypts). A batch's pseudonyms (HMAC) and the residual scan of its kept
    /// values are done by whichever thread has time. The row sink is used only by that second thread.
    public func run(source: RowSource, sink: RowSink?) throws -> FileReport {
        try sink?.writeHeader(outputColumns)
        let tables = StepTables(steps: steps, composites: composites)
        let fieldsPerRow = outputColumns.count
        // A CSV sink gets its rows formatted on this thread, packed in the batches (RowProcessor).
        let csv = Self.packsCSV ? sink as? CSVWriter : nil
        let consumer = BatchConsumer(pseudonymisers: tables.macs, sink: sink, fieldsPerRow: fieldsPerRow,
                                     scanColumnCount: scanColumns.count, csv: csv)
        let pipe: BatchPipe? = sink == nil ? nil : BatchPipe(depth: 3, fieldsPerRow: fieldsPerRow) { try consumer.consume($0) }
        var batch = try pipe?.take() ?? RowBatch(fieldsPerRow: fieldsPerRow)
        let processor = RowProcessor(
            codes: tables.codes, slots: tables.slots, outputs: tables.outputs, kinds: tables.kinds, policies: tables.policies,
            macIndex: tables.macIndex, generalisations: tables.generalisations, compositeParts: composites.map(\.parts),
            slotCodes: tables.slotCodes, compositeCodes: composites.map(\.codes), compositeMac: tables.compositeMac,
            compositePolicies: composites.map(\.policy), compositeOutputs: composites.map(\.output),
            width: width, path: path, sourceNames: sourceNames, batch: batch,
            csv: csv?.dialect, outputFieldCount: fieldsPerRow)
        do {
            try feed(source, into: processor, batch: &batch, pipe: pipe, consumer: consumer,
                     readerHelper: BatchConsumer(pseudonymisers: tables.macs.map { $0.copy() }, sink: nil, fieldsPerRow: fieldsPerRow))
        } catch {
            pipe?.abandon()
            batch.reset()
            throw error
        }
        try sink?.finish()
        record(processor, residualTallies: consumer.residualTallies)
        return report
    }

    /// Runs every row of `source` through `processor`, handing each full batch to `pipe` (or,
    /// without one, consuming it on this thread), and the last batch at the end.
    ///
    /// `readerHelper` holds the reading thread's own pseudonymisers (they are not thread-safe):
    /// this thread prepares a batch itself (pseudonyms and residual scans) when batches are
    /// already waiting for the writing thread, and leaves that to the writing thread otherwise.
    /// Which thread is busier depends on the file's columns, so the split adapts instead of
    /// being fixed.
    private func feed(_ source: RowSource, into processor: RowProcessor, batch: inout RowBatch, pipe: BatchPipe?,
                      consumer: BatchConsumer, readerHelper: BatchConsumer) throws {
        try withExtendedLifetime(processor) {
            try source.forEachRow { row, line in
                if processor.isFull {
                    processor.detach()
                    if let pipe {
                        if Self.pseudonymPlacement.readerTakesWork(backlog: pipe.backlog) { readerHelper.prepare(batch) }
                        batch = try pipe.handOff(batch)
                    } else {
                        try consumer.consume(batch); batch.reset()
                    }
                    processor.attach(batch)
                }
                try processor.process(row, line: line)
            }
        }
        processor.detach()
        if let pipe { try pipe.finish(last: batch) } else { try consumer.consume(batch); batch.reset() }
    }

    /// Fills the report's counts, invalid identifiers, notes and residual findings after a run.
    private func record(_ processor: RowProcessor, residualTallies: [[LineTally]]) {
        report.rowsIn = processor.rowsIn
        report.rowsOut = processor.rowsOut
        report.rowsRejected = processor.rejected
        report.invalid = invalidReport(processor.invalid)
        report.notes = unnamedIgnored.map {
            "column \($0 + 1) has an empty name in the header and no values (a trailing delimiter?): ignored"
        }
        report.residuals = []
        for (slot, column) in scanColumns.enumerated() {
            for (k, kind) in ResidualKind.allCases.enumerated() where residualTallies[slot][k].count > 0 {
                report.residuals.append(.init(column: column.name, kind: kind.rawValue, allowed: column.allowed, tally: residualTallies[slot][k]))
            }
        }
    }

    /// The steps as plain codes and indices for `RowProcessor` (see there for why), with the
    /// pseudonymisers they use: per identifier slot, then one per composite.
    private struct StepTables {
        var codes: [UInt8] = []
        var slots: [Int] = []
        var outputs: [Int] = []
        var kinds: [IdentifierKind] = []
        var policies: [InvalidIdentifierPolicy] = []
        var macIndex: [Int] = []
        var slotCodes: [ValueCodes?] = []
        var macs: [Pseudonymiser] = []
        var generalisations: [Generalisation] = []
        var compositeMac: [Int] = []

        init(steps: [Step], composites: [Composite]) {
            codes = [UInt8](repeating: 1, count: steps.count)
            slots = [Int](repeating: 0, count: steps.count)
            outputs = [Int](repeating: 0, count: steps.count)
            for (index, step) in steps.enumerated() {
                switch step {
                case let .keep(_, scanSlot):
                    codes[index] = scanSlot == nil ? 0 : 4
                    slots[index] = scanSlot ?? 0
                case .drop:
                    codes[index] = 1
                case .requireEmpty:
                    codes[index] = 6
                case let .pseudonymise(kind, pseudonymiser, policy, output, valueCodes):
                    codes[index] = valueCodes == nil ? 2 : 5
                    addSlot(index, kind: kind, policy: policy, output: output, generalisation: .year, codes: valueCodes)
                    macIndex.append(pseudonymiser == nil ? -1 : macs.count)
                    if let pseudonymiser { macs.append(pseudonymiser) }
                case let .generalise(g, policy, output):
                    codes[index] = 3
                    addSlot(index, kind: .text, policy: policy, output: output, generalisation: g, codes: nil)
                    macIndex.append(-1)
                }
            }
            for c in composites {
                guard let p = c.pseudonymiser else { compositeMac.append(-1); continue }
                macs.append(p)
                compositeMac.append(macs.count - 1)
            }
        }

        private mutating func addSlot(_ index: Int, kind: IdentifierKind, policy: InvalidIdentifierPolicy, output: Int,
                                      generalisation: Generalisation, codes valueCodes: ValueCodes?) {
            slots[index] = kinds.count
            outputs[index] = output
            kinds.append(kind); policies.append(policy); generalisations.append(generalisation); slotCodes.append(valueCodes)
        }
    }

    /// Sets the dialect fields of the report (the caller knows the formats).
    public func describe(inputDialect: String, outputDialect: String, bytesIn: UInt64, bytesOut: UInt64) {
        report.inputDialect = inputDialect
        report.outputDialect = outputDialect
        report.bytesIn = bytesIn
        report.bytesOut = bytesOut
    }

    /// Invalid counts in output-column order, then reason; a composite's counts are split by the
    /// part that failed, which the entry names.
    private func invalidReport(_ invalid: [InvalidIdentifierKey: LineTally]) -> [FileReport.Invalid] {
        let compositeOutputs = Set(composites.map(\.output))
        return invalid.sorted {
            ($0.key.output, $0.key.failure.rawValue, $0.key.source) < ($1.key.output, $1.key.failure.rawValue, $1.key.source)
        }.map { key, tally in
            FileReport.Invalid(column: outputColumns[key.output].name,
                               part: compositeOutputs.contains(key.output) ? sourceNames[key.source] : nil,
                               reason: key.failure.rawValue, policy: policy(ofOutput: key.output).rawValue, tally: tally)
        }
    }

    private func policy(ofOutput output: Int) -> InvalidIdentifierPolicy {
        for step in steps {
            switch step {
            case let .pseudonymise(_, _, policy, o, _) where o == output: return policy
            case let .generalise(_, policy, o) where o == output: return policy
            default: continue
            }
        }
        return composites.first { $0.output == output }?.policy ?? .blank
    }
}
