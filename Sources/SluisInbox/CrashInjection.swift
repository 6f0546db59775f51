import Foundation
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// Test hooks (environment variables, read once per run):
/// - `SLUIS_INBOX_CRASH_AT=N` makes the process exit abruptly (as kill -9 would leave things) at
///   the Nth step it reaches;
/// - `SLUIS_INBOX_PAUSE_AT=N` with `SLUIS_INBOX_SIGNAL=FILE` creates FILE at the Nth step and waits
///   there until killed, so a test can SIGKILL a run at a known point without guessing its timing;
/// - `SLUIS_INBOX_BARRIER=DIR:N` makes the run, at its first claim, create `DIR/<pid>` and wait
///   until N such files exist (or 60 s passed), so a test can prove that N runs overlapped.
/// Steps: claimed, verified, opened, linked, delivered, archived, quarantining.
/// Compiled into debug (test) builds only: a release build reads none of these variables.
final class CrashInjection {
    private let target: Int?
    private let pause: Int?
    private let signal: String?
    private var barrier: (directory: String, count: Int)?
    private var count = 0
    init() {
        #if DEBUG
        let env = ProcessInfo.processInfo.environment
        #else
        let env: [String: String] = [:]
        #endif
        target = env["SLUIS_INBOX_CRASH_AT"].flatMap(Int.init)
        pause = env["SLUIS_INBOX_PAUSE_AT"].flatMap(Int.init)
        signal = env["SLUIS_INBOX_SIGNAL"]
        if let b = env["SLUIS_INBOX_BARRIER"], let colon = b.lastIndex(of: ":"), let n = Int(b[b.index(after: colon)...]) {
            barrier = (String(b[..<colon]), n)
        }
    }
    func step(_ name: String) {
        count += 1
        if let target, count == target { _exit(137) }
        if let pause, count == pause, let signal {
            try? FileSystem.writeAtomically(Array(name.utf8), to: signal, mode: 0o600)
            while true { Glibc.pause() }
        }
        if name == "claimed", let (directory, n) = barrier {
            barrier = nil
            try? FileSystem.writeAtomically([], to: directory + "/" + String(getpid()), mode: 0o600)
            let deadline = Date().addingTimeInterval(60)
            while ((try? FileSystem.list(directory))?.count ?? 0) < n, Date() < deadline { usleep(5_000) }
        }
    }
}
