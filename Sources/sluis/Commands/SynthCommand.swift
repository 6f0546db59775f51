import ArgumentParser
import SluisIO
import SluisPipeline

/// `sluis synth -o DIR --persons N --rows M --seed S`: deterministic synthetic register,
/// researcher file and truth file (synthetic data only: no real person is described).
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate deterministic synthetic data: register.csv, survey.csv and survey.truth.csv")

    @Option(name: [.short, .customLong("output")], help: "The folder to write register.csv, survey.csv and survey.truth.csv into (created when missing; existing files of those names are refused unless --force).")
    var output: String

    @Flag(name: .long, help: "Replace existing files of those names (each atomically) instead of refusing them.")
    var force = false

    @Option(name: .long, help: "People in the register.")
    var persons: Int = 1000

    @Option(name: .long, help: "Rows in the researcher file survey.csv.")
    var rows: Int = 5000

    @Option(name: .long, help: "Seed: the same seed gives the same files.")
    var seed: UInt64 = 1

    func validate() throws {
        guard persons >= 1, persons <= 50_000_000 else { throw ValidationError("--persons must be between 1 and 50000000") }
        guard rows >= 0 else { throw ValidationError("--rows must not be negative") }
    }

    func run() throws {
        try reportingErrors {
            // The outputs are the three files (the folder may hold other things, such as a pipeline.json).
            if !force {
                for name in Synthesiser.fileNames where FileSystem.exists(joinPath(output, name)) {
                    throw IOError.alreadyExists(path: joinPath(output, name))
                }
            }
            let summary = try Synthesiser.generate(directory: output, persons: persons, rows: rows, seed: seed)
            print("wrote \(summary.files.map { joinPath(output, $0) }.joined(separator: ", ")): \(summary.persons) registered people, \(summary.rows) rows")
        }
    }
}
