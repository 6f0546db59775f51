import ArgumentParser

/// Placeholder until the feature lands.
struct DecryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decrypt", abstract: "Decrypt a file with an identity (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'decrypt' is not available in this build yet") }
    }
}
