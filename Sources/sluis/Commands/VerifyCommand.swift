import ArgumentParser

/// Placeholder until the feature lands.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check a package's signature and entries without any secret key (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'verify' is not available in this build yet") }
    }
}
