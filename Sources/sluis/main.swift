import ArgumentParser

/// The command-line tool: one subcommand per action, each a thin layer over the library modules.
struct Sluis: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluis",
        abstract: "Pseudonymise, encrypt and sign research data on its way into a secure environment.",
        discussion: "Exit codes: 0 success, 2 usage or configuration error, 3 input data error, "
            + "4 verification or authentication failure, 5 I/O error, 6 (inbox) some packages quarantined, 7 (output check) files need a person's review.",
        version: sluisVersion,
        subcommands: [
            KeygenCommand.self, FingerprintCommand.self, EncryptCommand.self, DecryptCommand.self, InspectCommand.self,
            CheckCommand.self, PseudonymiseCommand.self, SynthCommand.self,
            SealCommand.self, VerifyCommand.self, OpenCommand.self,
            LinkCommand.self, InboxCommand.self,
            KeyCommand.self, PassphraseCommand.self, TrustCommand.self,
            OutputCommand.self,
            ServeCommand.self, UploadCommand.self,
        ])
}

await CommandEntry.run(Sluis.self, arguments: Array(CommandLine.arguments.dropFirst()))
