import ArgumentParser
import Foundation
import SluisCore
import SluisCrypto
import SluisInbox
import SluisPipeline

/// `sluis inbox`: the unattended intake, for a timer or cron (docs/intake.md).
struct InboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Verify, open, link and deliver every complete upload in the inbox; quarantine what fails.",
        discussion: "Exit codes: 0 every package delivered (or nothing to do), 6 some packages were quarantined, "
            + "2 the configuration is wrong, 5 the folders or the audit log cannot be used.")

    @Option(name: [.customShort("c"), .long], help: "intake.json") var config: String
    @Flag(name: .long, help: "One pass over the inbox, then exit (the default; a timer runs it again).") var once = false
    @Flag(name: .long, help: "Print the summary as JSON on stdout.") var json = false

    func run() throws {
        try reportingErrors {
            let intake = try IntakeConfig.load(path: config)
            let passphrase = PassphraseSource.resolve(passphraseFile: intake.passphraseFile)
            let identity = try Identity.load(path: intake.identity, passphrase: passphrase)
            let linker = ProjectLinker(config: intake)
            let inbox = try Inbox(config: intake, identity: identity, linker: linker.link)
            let summary = try inbox.runOnce()
            if json {
                printJSON(summary)
            } else {
                print("sluis inbox: \(summary.delivered) delivered, \(summary.quarantined) quarantined"
                      + (summary.duplicates > 0 ? " (\(summary.duplicates) replayed)" : "")
                      + ", \(summary.waiting) still uploading, \(summary.busy) in progress elsewhere")
            }
            if summary.quarantined > 0 { throw ExitCode(6) }
        }
    }
}
