import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Shows bytes read, rate and time left on stderr while a long command runs — only when stderr
/// is a terminal that understands escape codes (not `TERM=dumb`), and not with `-q`. It samples the kernel's count of bytes this process has read
/// (`/proc/self/io`, `rchar`), so the pipeline needs no hooks and no locks.
final class ProgressReporter: @unchecked Sendable {
    private let totalByteCount: UInt64
    private let label: String
    private var thread: Thread?
    private let stop = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let startBytes: UInt64
    private let start = Date()

    /// Starts reporting when `enabled` and stderr is a terminal; otherwise does nothing.
    init(label: String, totalByteCount: UInt64, enabled: Bool) {
        self.label = label
        self.totalByteCount = max(totalByteCount, 1)
        self.startBytes = Self.bytesRead()
        guard enabled, Self.stderrIsCapableTerminal else { return }
        let t = Thread { [self] in
            while stop.wait(timeout: .now() + 0.5) == .timedOut { draw(final: false) }
            stopped.signal()
        }
        thread = t
        t.start()
    }

    /// Stops and clears the progress line.
    func finish() {
        guard thread != nil else { return }
        stop.signal()
        stopped.wait()
        thread = nil
        let clear = "\r\u{1b}[K"
        _ = clear.withCString { write(2, $0, strlen($0)) }
    }

    private func draw(final: Bool) {
        let done = min(Self.bytesRead() &- startBytes, totalByteCount)
        let seconds = max(Date().timeIntervalSince(start), 0.001)
        let rate = Double(done) / seconds
        let left = rate > 0 ? Double(totalByteCount - done) / rate : 0
        let line = String(format: "\r\u{1b}[K%@ %@ / %@  %@/s  %@ left", label, Self.size(Double(done)), Self.size(Double(totalByteCount)),
                          Self.size(rate), Self.duration(left))
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    /// stderr is a terminal and `TERM` is set to something other than `dumb`.
    static var stderrIsCapableTerminal: Bool {
        guard isatty(2) == 1 else { return false }
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        return !term.isEmpty && term != "dumb"
    }

    static func bytesRead() -> UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("rchar:") {
            return UInt64(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    static func size(_ b: Double) -> String {
        if b >= 1e9 { return String(format: "%.2f GB", b / 1e9) }
        if b >= 1e6 { return String(format: "%.1f MB", b / 1e6) }
        return String(format: "%.0f kB", b / 1e3)
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return String(format: "%d:%02d", t / 60, t % 60)
    }
}
