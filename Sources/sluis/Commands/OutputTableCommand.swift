import ArgumentParser
import SluisOutput

/// `sluis output table`: a frequency or magnitude table with margins, protected by the policy,
/// and its evidence file beside it.
struct OutputTableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "Tabulate microdata (CSV, SPSS, Stata) with margins; suppress unsafe cells; write evidence.",
        discussion: "Writes OUTPUT and OUTPUT.evidence.json. Unsafe cells (primary) and the cells that would let "
            + "them be recomputed (secondary, chosen with GLPK and audited) show the policy's marker (x).")

    @Argument(help: "The microdata file (.csv, .tsv, .sav, .zsav, .dta).") var data: String
    @Option(name: .long, parsing: .upToNextOption, help: "Row variables.") var rows: [String]
    @Option(name: .long, parsing: .upToNextOption, help: "Column variables.") var cols: [String] = []
    @Option(name: .long, help: "The magnitude variable.") var value: String?
    @Option(name: .long, help: "sum or mean (with --value).") var stat: String?
    @Option(name: .long, help: "A weight variable.") var weight: String?
    @Option(name: .long, help: "The institution variable (institutions count as contributors).") var institution: String?
    @Option(name: .long, help: "output-policy.json (default: the built-in CBS rules).") var policy: String?
    @Flag(name: .long, help: "Round every count to the policy's base instead of suppressing (if the policy allows).")
    var round = false
    @Option(name: [.customShort("o"), .long], help: "The table to write (.csv).") var output: String
    @Flag(name: .long, help: "Replace an existing output and its evidence file instead of refusing them.")
    var force = false
    @Flag(name: .long, help: "Print the summary as JSON on stdout.") var json = false

    func run() throws {
        try reportingErrors {
            guard !rows.isEmpty else { throw UsageError("give at least one --rows variable") }
            let statistic: TableSpecification.Statistic
            switch (stat, value) {
            case (nil, nil): statistic = .count
            case (nil, _?), ("sum", _?): statistic = .sum
            case ("mean", _?): statistic = .mean
            case (_?, nil): throw UsageError("--stat needs --value")
            default: throw UsageError("--stat must be sum or mean")
            }
            let loaded = try OutputPolicy.load(path: policy)
            let source = try MicrodataSource.open(path: data)
            let spec = TableSpecification(rows: rows, columns: cols, value: value, statistic: statistic, weight: weight,
                                          institution: institution)
            let result = try TableOutput.run(source: source, specification: spec, policy: loaded, round: round,
                                             outputPath: output, replace: force, toolVersion: sluisVersion)
            let t = result.evidence.table
            if json {
                printJSON(TableSummary(table: result.outputPath, evidence: result.evidencePath, policy: result.evidence.policy,
                                       cells: result.table.cells.count, primary: t?.primaryCount ?? 0,
                                       secondary: t?.secondaryCount ?? 0, minimumIntervalWidth: t?.minimumIntervalWidth))
            } else {
                print("wrote \(result.outputPath) and \(result.evidencePath)")
                print("  policy:     \(loaded.name) version \(loaded.version)")
                print("  cells:      \(result.table.cells.count), \(t?.primaryCount ?? 0) primary, \(t?.secondaryCount ?? 0) secondary suppressions")
                if let w = t?.minimumIntervalWidth { print("  audit:      narrowest interval of a suppressed cell \(w)") }
            }
        }
    }
}

struct TableSummary: Encodable {
    var table: String
    var evidence: String
    var policy: PolicyReference
    var cells: Int
    var primary: Int
    var secondary: Int
    var minimumIntervalWidth: Double?
}
