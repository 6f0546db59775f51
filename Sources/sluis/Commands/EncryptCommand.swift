import ArgumentParser

/// Placeholder until the feature lands.
struct EncryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encrypt", abstract: "Encrypt a file for one or more recipients (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'encrypt' is not available in this build yet") }
    }
}
