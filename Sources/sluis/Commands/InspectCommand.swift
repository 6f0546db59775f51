import ArgumentParser

/// Placeholder until the feature lands.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show who an encrypted file is for, without any secret key (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'inspect' is not available in this build yet") }
    }
}
