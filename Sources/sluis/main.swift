import ArgumentParser

struct Sluis: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluis",
        abstract: "Pseudonymise, encrypt and sign research data on its way into a secure environment.",
        subcommands: [])
}
Sluis.main()
