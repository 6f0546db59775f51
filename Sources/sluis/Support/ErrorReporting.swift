import ArgumentParser
import SluisCore
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// Writes one line to standard error.
func printError(_ line: String) { writeStandardError(line) }

/// Runs a command body and turns its errors into a `sluis: …` line on stderr and the exit code
/// of the error's category (docs/cli.md). Errors that are not `SluisError`s are reported by type
/// name only: their text was not written to be safe to show.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as SluisError {
        reportFailure(message: error.description, code: error.category.rawValue)
        throw ExitCode(error.category.rawValue)
    } catch let error as CleanExit {
        throw error
    } catch {
        reportFailure(message: "internal error (\(type(of: error))); please report this", code: 70)
        throw ExitCode(70)
    }
}

/// An error raised by the command-line layer itself (argument combinations the parser cannot check).
struct UsageError: SluisError {
    let message: String
    init(_ message: String) { self.message = message }
    var category: FailureCategory { .usage }
    var description: String { message }
}
