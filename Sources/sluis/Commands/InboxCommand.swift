import ArgumentParser

/// Placeholder until the feature lands.
struct InboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inbox", abstract: "Run the intake unattended over every arrived package (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'inbox' is not available in this build yet") }
    }
}
