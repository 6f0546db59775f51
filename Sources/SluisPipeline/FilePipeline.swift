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
    public let file: FileConfig
    public private(set) var report: FileReport

    private enum Step {
        case keep(output: Int, scanSlot: Int?)
        case drop
        case pseudonymise(kind: IdentifierKind, pseudonymiser: Pseudonymiser?, policy: InvalidIdentifierPolicy, output: Int)
        case generalise(Generalisation, policy: InvalidIdentifierPolicy, output: Int)
    }

    private struct Composite {
        let parts: [(source: Int, kind: IdentifierKind)]
        let pseudonymiser: Pseudonymiser?
        let policy: InvalidIdentifierPolicy
        let output: Int
        let width: Int
    }

    private let steps: [Step]
    private let composites: [Composite]
    private let outputColumns: [OutputColumn]
    private let sourceNames: [String]
    private let width: Int
    private let path: String
    /// Per scanned column: the source column name and whether identifiers are allowed.
    private var scanColumns: [(name: String, allowed: Bool)] = []
    private var residualTallies: [[LineTally]] = []
    private var invalidTallies: [String: Int] = [:]
    private var normalised: [UInt8] = []
    private var parts: [[UInt8]] = []

    /// Prepares the steps for a table whose header is `columnNames` (already checked against
    /// the config). `key` nil means a dry run. `displayPath` names the file in messages.
    public init(file: FileConfig, columnNames: [String], project: String, rendering: PseudonymRendering,
                key: PseudonymKey?, displayPath: String) {
        self.file = file
        self.sourceNames = columnNames
        self.width = rendering.width
        self.path = displayPath
        var steps: [Step] = []
        var outputs: [OutputColumn] = []
        var columnReports: [FileReport.Column] = []
        var pseudonymisers: [String: Pseudonymiser] = [:]
        func pseudonymiser(_ domain: PseudonymDomain) -> Pseudonymiser? {
            guard let key else { return nil }
            if let p = pseudonymisers[domain.label] { return p.copy() }
            let p = Pseudonymiser(projectKey: key.secret, projectId: project, domain: domain, rendering: rendering)
            pseudonymisers[domain.label] = p
            return p
        }
        for (index, name) in columnNames.enumerated() {
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
                steps.append(.pseudonymise(kind: kind, pseudonymiser: pseudonymiser(PseudonymDomain(kind)), policy: policy, output: outputs.count))
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
            composites.append(Composite(parts: sources, pseudonymiser: pseudonymiser(domain), policy: c.invalid,
                                        output: outputs.count, width: rendering.width))
            outputs.append(OutputColumn(name: c.outputName, origin: .pseudonym(width: rendering.width)))
        }
        self.steps = steps
        self.composites = composites
        self.outputColumns = outputs
        self.residualTallies = Array(repeating: Array(repeating: LineTally(), count: ResidualKind.allCases.count), count: scanColumns.count)
        self.parts = Array(repeating: [], count: composites.map(\.parts.count).max() ?? 0)
        self.report = FileReport(path: file.path, format: "csv", encoding: file.encoding.rawValue, inputDialect: "", outputDialect: "")
        report.columns = columnReports
        report.outputColumns = outputs.map(\.name)
    }

    /// The columns the sink receives, in order.
    public var columns: [OutputColumn] { outputColumns }

    /// Reads every row of `source` and writes the results to `sink` (nil: count only).
    /// Finishes the row sink (its trailer); the byte sink behind it is the caller's to finish.
    public func run(source: RowSource, sink: RowSink?) throws -> FileReport {
        try sink?.writeHeader(outputColumns)
        let out = FieldBuffer()
        var invalid: [Int: [NormalisationFailure: LineTally]] = [:]
        var rowsIn = 0, rowsOut = 0, rejected = 0
        try source.forEachRow { row, line in
            rowsIn += 1
            out.removeAll()
            var reject = false
            for (index, step) in steps.enumerated() {
                switch step {
                case let .keep(_, scanSlot):
                    let value = row[index]
                    out.append(value)
                    if let scanSlot {
                        let found = ResidualScanner.scan(value)
                        if found != 0 { recordResiduals(found, slot: scanSlot, line: line) }
                    }
                case .drop:
                    continue
                case let .pseudonymise(kind, pseudonymiser, policy, output):
                    if let failure = Normaliser.normalise(kind, row[index], into: &normalised) {
                        invalid[output, default: [:]][failure, default: LineTally()].add(line: line)
                        try apply(policy, failure: failure, kind: kind.rawValue, line: line, column: index, reject: &reject)
                        out.append(count: 0) { _ in }
                    } else if let pseudonymiser {
                        let norm = normalised
                        out.append(count: width) { dst in norm.withUnsafeBytes { pseudonymiser.pseudonym(of: $0, into: dst) } }
                    } else {
                        out.append(count: 0) { _ in }
                    }
                case let .generalise(g, policy, output):
                    if let failure = Generaliser.generalise(g, row[index], into: &normalised) {
                        invalid[output, default: [:]][failure, default: LineTally()].add(line: line)
                        try apply(policy, failure: failure, kind: g.name, line: line, column: index, reject: &reject)
                        out.append(count: 0) { _ in }
                    } else {
                        out.append(normalised)
                    }
                }
            }
            for composite in composites {
                var failed: NormalisationFailure?
                var failedColumn = 0
                for (k, part) in composite.parts.enumerated() {
                    if let failure = Normaliser.normalise(part.kind, row[part.source], into: &parts[k]) {
                        failed = failure
                        failedColumn = part.source
                        break
                    }
                }
                if let failed {
                    invalid[composite.output, default: [:]][failed, default: LineTally()].add(line: line)
                    try apply(composite.policy, failure: failed, kind: "composite", line: line, column: failedColumn, reject: &reject)
                    out.append(count: 0) { _ in }
                } else if let p = composite.pseudonymiser {
                    let used = Array(parts[0..<composite.parts.count])
                    out.append(count: composite.width) { dst in p.pseudonym(ofParts: used, into: dst) }
                } else {
                    out.append(count: 0) { _ in }
                }
            }
            if reject {
                rejected += 1
                return
            }
            rowsOut += 1
            try sink?.writeRow(out.view)
        }
        try sink?.finish()
        for i in normalised.indices { normalised[i] = 0 }
        report.rowsIn = rowsIn
        report.rowsOut = rowsOut
        report.rowsRejected = rejected
        report.invalid = invalid.keys.sorted().flatMap { output in
            (invalid[output] ?? [:]).sorted { $0.key.rawValue < $1.key.rawValue }.map { failure, tally in
                FileReport.Invalid(column: outputColumns[output].name, reason: failure.rawValue,
                                   policy: policy(ofOutput: output).rawValue, tally: tally)
            }
        }
        report.residuals = []
        for (slot, column) in scanColumns.enumerated() {
            for (k, kind) in ResidualKind.allCases.enumerated() where residualTallies[slot][k].count > 0 {
                report.residuals.append(.init(column: column.name, kind: kind.rawValue, allowed: column.allowed, tally: residualTallies[slot][k]))
            }
        }
        return report
    }

    /// Sets the dialect fields of the report (the caller knows the formats).
    public func describe(inputDialect: String, outputDialect: String, bytesIn: UInt64, bytesOut: UInt64) {
        report.inputDialect = inputDialect
        report.outputDialect = outputDialect
        report.bytesIn = bytesIn
        report.bytesOut = bytesOut
    }

    private func policy(ofOutput output: Int) -> InvalidIdentifierPolicy {
        for step in steps {
            switch step {
            case let .pseudonymise(_, _, policy, o) where o == output: return policy
            case let .generalise(_, policy, o) where o == output: return policy
            default: continue
            }
        }
        return composites.first { $0.output == output }?.policy ?? .blank
    }

    @inline(never)
    private func apply(_ policy: InvalidIdentifierPolicy, failure: NormalisationFailure, kind: String, line: Int, column: Int, reject: inout Bool) throws {
        switch policy {
        case .blank: return
        case .rejectRow: reject = true
        case .fail:
            throw PipelineError.invalidIdentifier(at: SourcePosition(file: path, line: line, columnNumber: column + 1, columnName: sourceNames[column]),
                                                  kind: kind, reason: failure)
        }
    }

    @inline(never)
    private func recordResiduals(_ found: UInt8, slot: Int, line: Int) {
        for (k, kind) in ResidualKind.allCases.enumerated() where found & kind.bit != 0 {
            residualTallies[slot][k].add(line: line)
        }
    }
}
