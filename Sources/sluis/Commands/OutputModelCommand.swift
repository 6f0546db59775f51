import ArgumentParser
import SluisOutput

/// `sluis output model`: OLS or logistic regression with the degrees-of-freedom rule and evidence.
struct OutputModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Fit OLS (or --logit) on microdata; refuse when residual df < the policy's minimum; write evidence.")

    @Argument(help: "The microdata file (.csv, .tsv, .sav, .zsav, .dta).") var data: String
    @Option(name: .long, help: "The dependent variable.") var y: String
    @Option(name: .long, parsing: .upToNextOption, help: "The explanatory variables.") var x: [String]
    @Flag(name: .long, help: "Logistic regression (y must be 0 or 1).") var logit = false
    @Option(name: .long, help: "output-policy.json (default: the built-in CBS rules).") var policy: String?
    @Option(name: [.customShort("o"), .long], help: "The coefficient table to write (.csv).") var output: String
    @Flag(name: .long, help: "Replace an existing output and its evidence file instead of refusing them.")
    var force = false
    @Flag(name: .long, help: "Print the summary as JSON on stdout.") var json = false

    func run() throws {
        try reportingErrors {
            let loaded = try OutputPolicy.load(path: policy)
            let r = try ModelOutput.run(dataPath: data, y: y, x: x, logit: logit, policy: loaded, outputPath: output,
                                        replace: force, toolVersion: sluisVersion)
            if json {
                printJSON(ModelSummary(model: r.outputPath, evidence: r.evidencePath, n: r.fit.n, residualDF: r.fit.residualDF,
                                       terms: r.fit.terms, coefficients: r.fit.coefficients, standardErrors: r.fit.standardErrors))
            } else {
                print("wrote \(r.outputPath) and \(r.evidencePath)")
                print("  \(logit ? "logit" : "ols"): N \(r.fit.n), residual df \(r.fit.residualDF), policy \(loaded.name) version \(loaded.version)")
            }
        }
    }
}

struct ModelSummary: Encodable {
    var model: String
    var evidence: String
    var n: Int
    var residualDF: Int
    var terms: [String]
    var coefficients: [Double]
    var standardErrors: [Double]
}
