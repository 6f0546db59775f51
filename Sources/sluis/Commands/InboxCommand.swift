import ArgumentParser
import Foundation
import SluisCore
import SluisCrypto
import SluisInbox
import SluisIO
import SluisPipeline

/// `sluis inbox`: the unattended intake, for a timer or cron (docs/intake.md), and the intake
/// officer's view of it (`--check`, `--init`, `--list`, `--requeue`).
struct InboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Verify, open, link and deliver every complete upload in the inbox; quarantine what fails.",
        discussion: "Exit codes: 0 every package delivered (or nothing to do); 6 some packages were quarantined or refused; "
            + "2 the intake could not run because of its configuration, keys or registers; 5 because of its disk or folders "
            + "(a package being worked on stays claimed and the next run after the fix delivers it).")

    @Option(name: [.customShort("c"), .long], help: "intake.json") var config: String
    @Flag(name: .long, help: "One pass over the inbox, then exit (the default; a timer runs it again).") var once = false
    @Flag(name: .long, help: "Validate intake.json, the folders, keys (unlocked) and registers; take nothing.") var check = false
    @Flag(name: .long, help: "Create the folders intake.json names, with the documented modes.") var `init` = false
    @Flag(name: .long, help: "Show what waits in the inbox, what is in progress, and what is in quarantine and why.") var list = false
    @Option(name: .long, help: ArgumentHelp("Put a quarantined package back into the inbox.", valueName: "ENTRY")) var requeue: String?
    @Flag(name: .long, help: "Print the result as JSON on stdout.") var json = false
    @Flag(name: [.customShort("q"), .long], help: "No progress on stderr.") var quiet = false

    func validate() throws {
        if [check, `init`, list, requeue != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--check, --init, --list and --requeue are separate actions; give one")
        }
    }

    func run() throws {
        try reportingErrors {
            let intake = try IntakeConfig.load(path: config)
            if `init` { return try initialise(intake) }
            if check { return try checkSetUp(intake) }
            if list { return try printListing(intake) }
            if let entry = requeue { return try requeue(entry, intake) }
            try runOnce(intake)
        }
    }

    private func runOnce(_ intake: IntakeConfig) throws {
        let linker = ProjectLinker(config: intake)
        let inbox = try Inbox(config: intake, identity: {
            try Identity.load(path: intake.identity, passphrase: PassphraseSource.resolve(passphraseFile: intake.passphraseFile))
        }, linker: linker.link)
        // Progress over the bytes waiting in the inbox (a terminal only: a timer's run shows none).
        let waiting = ((try? FileSystem.list(intake.inbox)) ?? []).reduce(UInt64(0)) { sum, name in
            var st = stat()
            return sum + (lstat(intake.inbox + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? UInt64(st.st_size) : 0)
        }
        let progress = ProgressReporter(label: "inbox", totalByteCount: waiting, enabled: !quiet && !json)
        let summary: InboxSummary
        do {
            defer { progress.finish() }
            summary = try inbox.runOnce()
        }
        if json {
            printJSON(summary)
        } else {
            for p in summary.packages { print(p.line) }
            for s in summary.staleUploads {
                print("\(summary.finished) stale \(s.name): unchanged for \(s.ageSeconds) s, \(s.byteCount) bytes; "
                      + "an upload that stalled (remove it, or ask the sender to upload again)")
            }
            print("\(summary.finished) " + summary.line)
        }
        if let stopped = summary.stopped, let code = summary.stoppedExitCode {
            writeStandardError("sluis: " + stopped)
            throw ExitCode(code)
        }
        if summary.quarantined > 0 { throw ExitCode(6) }
    }

    private func initialise(_ intake: IntakeConfig) throws {
        let created = try IntakeCheck.initialise(intake)
        try IntakeCheck.checkLayout(intake)
        for path in created { print("created \(path)") }
        print("sluis inbox --init: \(created.count) folders created; the set-up's folders and files check out "
              + "(run 'sluis inbox --check' to unlock the keys too)")
    }

    private func checkSetUp(_ intake: IntakeConfig) throws {
        try IntakeCheck.checkLayout(intake)
        try IntakeCheck.checkKeys(intake)
        print("sluis inbox --check: \(intake.path) is ready: folders, modes and file system, the intake identity, "
              + "\(intake.projects.count) projects' keys, trust lists and registers")
    }

    private func printListing(_ intake: IntakeConfig) throws {
        let listing = try InboxShelf.list(intake)
        if json { return printJSON(listing) }
        print("inbox (\(listing.inbox.count)):")
        for u in listing.inbox { print("  \(u.name)  \(u.state), \(u.byteCount) bytes, \(u.ageSeconds) s old") }
        print("in progress (\(listing.work.count)):")
        for w in listing.work { print("  claim-\(w.claim)  \(w.upload ?? "?")  \(w.state)") }
        print("quarantine (\(listing.quarantine.count)):")
        for q in listing.quarantine {
            var parts: [String] = []
            if let t = q.time { parts.append(t) }
            if let p = q.project { parts.append("project \(p)") }
            if let s = q.stage { parts.append("stage \(s)") }
            print("  \(q.entry)  " + parts.joined(separator: ", ") + (q.reason.map { ": " + $0 } ?? "")
                  + (q.requeueable ? "" : " (not requeueable)"))
        }
    }

    private func requeue(_ entry: String, _ intake: IntakeConfig) throws {
        try IntakeCheck.checkLayout(intake)
        let path = try InboxShelf.requeue(intake, entry: entry)
        print("sluis inbox: requeued \(RecordedText.safe(entry)) as \(path); the next run takes it")
    }
}
