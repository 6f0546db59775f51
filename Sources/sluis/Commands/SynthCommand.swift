import ArgumentParser

/// Placeholder until the feature lands.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "synth", abstract: "Generate deterministic synthetic data (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'synth' is not available in this build yet") }
    }
}
