import ArgumentParser
import SluisCore
import SluisCrypto
import SluisPipeline

/// `sluis pseudonymise -c pipeline.json -o DIR`: the pseudonymised plaintext files plus
/// report.json, all written atomically; nothing is left behind on failure.
struct PseudonymiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudonymise",
        abstract: "Write the pseudonymised plaintext files and a report",
        aliases: ["pseudonymize"])

    @Option(name: [.short, .customLong("config")], help: "The pipeline.json to run.")
    var config: String = "pipeline.json"

    @Option(name: [.short, .customLong("output")], help: "The directory to write the files and report.json into.")
    var output: String

    @Option(name: .long, help: "File holding the passphrase of the pseudonym key (else $SLUIS_PASSPHRASE_FILE, else the terminal).")
    var passphraseFile: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Flag(name: .long, help: "Replace an existing output folder (atomically) instead of refusing it.")
    var force = false

    @Flag(name: [.short, .long], help: "No progress on stderr.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            let pipeline = try LoadedPipeline.load(path: config)
            let key = try pipeline.loadPseudonymKey(passphrase: .resolve(passphraseFile: passphraseFile))
            let progress = ProgressReporter(label: "pseudonymise", totalByteCount: pipeline.inputByteCount, enabled: !quiet)
            defer { progress.finish() }
            let report = try pipeline.pseudonymiseAll(key: key, into: output, replacing: force)
            if json {
                print(report.json(), terminator: "")
            } else {
                print(ReportText.pseudonymise(report, directory: output), terminator: "")
            }
        }
    }
}
