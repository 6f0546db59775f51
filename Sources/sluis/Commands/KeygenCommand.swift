import ArgumentParser

/// Placeholder until the feature lands.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keygen", abstract: "Make an identity or a project pseudonym key (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'keygen' is not available in this build yet") }
    }
}
