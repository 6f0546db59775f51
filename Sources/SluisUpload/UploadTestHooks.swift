import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Test-only interruptions, compiled into debug builds only (`#if DEBUG`): a release build reads
/// none of these variables. They make the crash tests deterministic without fixed sleeps:
///
/// - `SLUIS_UPLOAD_TEST_KILL_AFTER_BYTES=N`: once this process has handed N bytes of PATCH bodies to
///   the connection, it sends itself SIGKILL — a client killed mid-upload, mid-request.
/// - `SLUIS_UPLOAD_TEST_PAUSE_AFTER_BYTES=N` with `SLUIS_UPLOAD_TEST_BARRIER=PATH`: after N bytes,
///   creates `PATH.waiting` and waits (mid-PATCH) until the test deletes `PATH`, e.g. while it
///   kills and restarts the server.
/// - `SLUIS_UPLOAD_TEST_RETRY_BASE_MS=M`: the first backoff delay, so retry tests run fast.
/// - `SLUIS_UPLOAD_TEST_CONNECT_TIMEOUT_MS=M`: how long async-http-client keeps trying to connect
///   (it retries a refused connection until then), so tests of an absent server run fast.
enum UploadTestHooks {
    #if DEBUG
    private static let environment = ProcessInfo.processInfo.environment
    private static let killAfter = environment["SLUIS_UPLOAD_TEST_KILL_AFTER_BYTES"].flatMap(Int64.init)
    private static let pauseAfter = environment["SLUIS_UPLOAD_TEST_PAUSE_AFTER_BYTES"].flatMap(Int64.init)
    private static let barrier = environment["SLUIS_UPLOAD_TEST_BARRIER"]
    private static let lock = NSLock()
    nonisolated(unsafe) private static var sent: Int64 = 0
    nonisolated(unsafe) private static var paused = false
    #endif

    /// Called as each slice of a PATCH body is handed to the connection.
    static func didSend(_ count: Int) {
        #if DEBUG
        guard killAfter != nil || pauseAfter != nil else { return }
        lock.lock()
        sent += Int64(count)
        let total = sent
        let pauseNow = !paused && pauseAfter.map { total >= $0 } == true
        if pauseNow { paused = true }
        lock.unlock()
        if let k = killAfter, total >= k { kill(getpid(), SIGKILL) }
        if pauseNow, let barrier {
            _ = FileManager.default.createFile(atPath: barrier + ".waiting", contents: Data())
            while access(barrier, F_OK) == 0 { usleep(10_000) }
        }
        #endif
    }

    static func connectTimeoutSeconds(_ seconds: Int64) -> Int64 {
        #if DEBUG
        if let ms = ProcessInfo.processInfo.environment["SLUIS_UPLOAD_TEST_CONNECT_TIMEOUT_MS"].flatMap(Int64.init) {
            return max(ms / 1000, 1)
        }
        #endif
        return seconds
    }

    static func retryPolicy(_ policy: RetryPolicy) -> RetryPolicy {
        #if DEBUG
        if let ms = ProcessInfo.processInfo.environment["SLUIS_UPLOAD_TEST_RETRY_BASE_MS"].flatMap(Double.init) {
            var p = policy
            p.baseDelay = ms / 1000
            p.maximumDelay = max(ms / 1000, 0.001) * 8
            return p
        }
        #endif
        return policy
    }
}
