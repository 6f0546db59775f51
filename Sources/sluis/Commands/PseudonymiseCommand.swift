import ArgumentParser

/// Placeholder until the feature lands.
struct PseudonymiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pseudonymise", abstract: "Write the pseudonymised plaintext files and a report (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'pseudonymise' is not available in this build yet") }
    }
}
