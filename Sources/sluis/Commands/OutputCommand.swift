import ArgumentParser

/// `sluis output`: output control for what leaves the secure environment (docs/output.md).
struct OutputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "output",
        abstract: "Output control: protected tables and models with evidence, request checks, signed releases.",
        discussion: "Exit codes of `output check`: 0 every file passes, 7 nothing fails but some files need a "
            + "person's review, 3 a file breaks a rule or holds a person or business key, 4 an output does not "
            + "match its evidence. See docs/output.md.",
        subcommands: [OutputTableCommand.self, OutputModelCommand.self, OutputCheckCommand.self,
                      OutputApproveCommand.self, OutputReleaseCommand.self])
}
