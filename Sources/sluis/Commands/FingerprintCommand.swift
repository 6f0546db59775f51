import ArgumentParser

/// Placeholder until the feature lands.
struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fingerprint", abstract: "Print the fingerprint of a public key or identity file (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'fingerprint' is not available in this build yet") }
    }
}
