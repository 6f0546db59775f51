import ArgumentParser

/// Placeholder until the feature lands.
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Verify and decrypt a package into a folder, all or nothing (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'open' is not available in this build yet") }
    }
}
