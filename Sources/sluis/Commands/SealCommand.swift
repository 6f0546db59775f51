import ArgumentParser

/// Placeholder until the feature lands.
struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seal", abstract: "Pseudonymise, encrypt and sign the files of pipeline.json into one package (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'seal' is not available in this build yet") }
    }
}
