import ArgumentParser
import SluisCore
import SluisPipeline

/// `sluis check -c pipeline.json [--json]`: the dry run. Reads every file, classifies, validates
/// and scans, writes nothing; exit 3 when sealing would refuse.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Dry run of pipeline.json: classify, validate and scan every file, writing nothing",
        discussion: "Exit 0 when sealing may go ahead, 3 when it would refuse (residual identifiers, a column that mostly fails to read, a missing or unsafe key file), 2 for a config error. Asks for no passphrase.")

    @Option(name: [.short, .customLong("config")], help: "The pipeline.json to check.")
    var config: String = "pipeline.json"

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let pipeline = try LoadedPipeline.load(path: config)
            try pipeline.checkPackageNames()
            let report = try pipeline.check()
            if json {
                print(report.json(), terminator: "")
            } else {
                print(ReportText.check(report), terminator: "")
            }
            if report.mustRefuse {
                printError("sluis: sealing would refuse (\(report.refusals.count) reason\(report.refusals.count == 1 ? "" : "s")); see the report above")
                throw ExitCode(FailureCategory.data.rawValue)
            }
        }
    }
}
