import ArgumentParser

/// Placeholder until the feature lands.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Dry run of pipeline.json: classify, validate and scan, writing nothing (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'check' is not available in this build yet") }
    }
}
