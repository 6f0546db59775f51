import ArgumentParser

/// Placeholder until the feature lands.
struct LinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "link", abstract: "Link pseudonyms to RINPERSOONS/RINPERSOON through the register (not yet available)")
    func run() throws {
        try reportingErrors { throw UsageError("'link' is not available in this build yet") }
    }
}
