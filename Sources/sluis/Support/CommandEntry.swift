import ArgumentParser
import SluisCore
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// Parses the command line and runs the chosen command, so that every failure looks the same
/// (docs/cli.md): one `sluis: …` line on stderr and the exit code of its category, plus a JSON
/// error object on stdout when `--json` was asked for. swift-argument-parser's own reporting
/// (a multi-line `Error:` block and exit 64) is replaced for usage errors; `--help`, `help CMD`
/// and `--version` are left to it.
enum CommandEntry {
    static func run(_ root: ParsableCommand.Type, arguments: [String]) async {
        OutputMode.json = arguments.contains("--json")
        let command: ParsableCommand
        do {
            command = try root.parseAsRoot(arguments)
        } catch {
            exitAfterParsing(root, error: error, arguments: arguments)
        }
        if let reporting = command as? ReportsJSON { OutputMode.json = reporting.json }
        do {
            var runnable = command
            if var asyncCommand = runnable as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try runnable.run()
            }
        } catch let exit as ExitCode {
            root.exit(withError: exit)
        } catch let error as SluisError {
            // A command that did not wrap its body in `reportingErrors` still reports the same way.
            reportFailure(message: error.description, code: error.category.rawValue)
            root.exit(withError: ExitCode(error.category.rawValue))
        } catch {
            if root.exitCode(for: error) == .success { root.exit(withError: error) }
            reportFailure(message: "internal error (\(type(of: error))); please report this", code: 70)
            root.exit(withError: ExitCode(70))
        }
        root.exit()
    }

    /// Help and version go to stdout with exit 0 as before; anything the parser refused is a usage
    /// error: its first line, the command to ask for help, exit 2.
    private static func exitAfterParsing(_ root: ParsableCommand.Type, error: Error, arguments: [String]) -> Never {
        if root.exitCode(for: error) == .success { root.exit(withError: error) }
        if let exit = error as? ExitCode { root.exit(withError: exit) }
        let full = root.message(for: error)
        let first = full.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "invalid arguments"
        var message = first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first
        if let c = message.first, c.isUppercase, !message.dropFirst().prefix(1).allSatisfy(\.isUppercase) {
            message = c.lowercased() + message.dropFirst()
        }
        if message.hasSuffix(".") { message.removeLast() }
        let subcommand = arguments.first { !$0.hasPrefix("-") }.flatMap { name in
            root.configuration.subcommands.first { $0._commandName == name }?._commandName
        }
        let hint = subcommand.map { "see 'sluis help \($0)'" } ?? "see 'sluis --help'"
        reportFailure(message: "\(message); \(hint)", code: FailureCategory.usage.rawValue)
        root.exit(withError: ExitCode(FailureCategory.usage.rawValue))
    }
}

/// Commands with a `--json` flag: on failure they also print a JSON error object on stdout.
protocol ReportsJSON {
    var json: Bool { get }
}

/// How the running command reports: set once, before the command runs.
enum OutputMode {
    nonisolated(unsafe) static var json = false
}

/// Writes the failure as one `sluis:` line on stderr and, in JSON mode, as
/// `{"error":{"exitCode":N,"message":"…"}}` on stdout (docs/cli.md).
func reportFailure(message: String, code: Int32) {
    printError("sluis: \(message)")
    if OutputMode.json {
        let object: JSONValue = .object([("error", .object([("exitCode", .number(Double(code))), ("message", .string(message))]))])
        print(object.rendered())
    }
}
