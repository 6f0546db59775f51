import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Counts the bytes of every package in flight and, when stderr is a terminal (and `TERM` is not
/// `dumb`), redraws one line there twice a second: bytes done of the total, the rate of this run
/// and the time left. Nothing is drawn otherwise, so logs and pipes stay clean.
public final class UploadProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var total: Int64 = 0
    private var done: Int64 = 0
    private var sentThisRun: Int64 = 0
    private let start = Date()
    private var thread: Thread?
    private let stop = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    /// Whether a progress line would be drawn for this process.
    public static func terminalWanted(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        isatty(2) == 1 && environment["TERM"] != "dumb"
    }

    /// Starts the drawing thread when `enabled` (a terminal wants it); otherwise every call is a no-op.
    public init(enabled: Bool) {
        guard enabled else { return }
        let t = Thread { [self] in
            repeat { draw() } while stop.wait(timeout: .now() + 0.5) == .timedOut
            stopped.signal()
        }
        thread = t
        t.start()
    }

    /// A package of `byteCount` bytes joins the total, `alreadyDone` of them on the server before this run.
    func add(package byteCount: UInt64, alreadyDone: UInt64) {
        lock.lock(); total += Int64(byteCount); done += Int64(alreadyDone); lock.unlock()
    }

    /// `count` more bytes are done (negative: a chunk failed and will be sent again); `network`
    /// when they went over the connection in this run (for the rate), not found on the server.
    func sent(_ count: Int64, network: Bool) {
        lock.lock(); done += count; if network || count < 0 { sentThisRun += count }; lock.unlock()
    }

    /// Bytes sent over the network in this run (resent chunks included once each time they went out).
    public var bytesSentThisRun: Int64 { lock.lock(); defer { lock.unlock() }; return sentThisRun }

    /// Stops the drawing thread and clears its line; call once when all uploads are done.
    public func finish() {
        guard thread != nil else { return }
        stop.signal()
        stopped.wait()
        thread = nil
        writeStderr("\r\u{1b}[K")
    }

    private func draw() {
        lock.lock()
        let t = max(total, 1), d = min(max(done, 0), t), s = max(sentThisRun, 0)
        lock.unlock()
        let seconds = max(Date().timeIntervalSince(start), 0.001)
        let rate = Double(s) / seconds
        let left = rate > 0 ? Double(t - d) / rate : 0
        let width = 24
        let filled = Int(Double(width) * Double(d) / Double(t))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        writeStderr("\r\u{1b}[Kuploading [\(bar)] \(Self.size(Double(d))) / \(Self.size(Double(t)))  "
            + "\(Self.size(rate))/s  \(Self.duration(left)) left")
    }

    private func writeStderr(_ s: String) {
        _ = s.withCString { write(2, $0, strlen($0)) }
    }

    static func size(_ b: Double) -> String {
        if b >= 1e9 { return String(format: "%.2f GB", b / 1e9) }
        if b >= 1e6 { return String(format: "%.1f MB", b / 1e6) }
        return String(format: "%.0f kB", b / 1e3)
    }

    static func duration(_ s: Double) -> String {
        let t = Int(min(s, 359_999).rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
