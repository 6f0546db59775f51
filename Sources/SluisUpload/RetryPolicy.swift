import Foundation

/// Exponential backoff with jitter for network errors and 5xx answers: waits `base`, 2·`base`,
/// 4·`base`… (capped at `maximumDelay`), each scaled by a random factor in [0.5, 1], so that many
/// clients cut off at once by a restarting server do not all come back in the same instant.
/// Progress resets the count: only failures in a row use up the attempts.
public struct RetryPolicy: Sendable {
    /// Failures in a row before giving up.
    public var maximumAttempts: Int
    /// The first wait, in seconds.
    public var baseDelay: Double
    /// The longest wait, in seconds.
    public var maximumDelay: Double

    /// A policy; eight attempts from half a second up to thirty seconds unless told otherwise.
    public init(maximumAttempts: Int = 8, baseDelay: Double = 0.5, maximumDelay: Double = 30) {
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// The wait before retry number `attempt` (1-based).
    public func delay(beforeAttempt attempt: Int) -> Double {
        let exponent = Double(max(attempt - 1, 0))
        let d = min(baseDelay * pow(2, exponent), maximumDelay)
        return d * Double.random(in: 0.5...1)
    }

    func sleep(beforeAttempt attempt: Int) async throws {
        try await Task.sleep(nanoseconds: UInt64(delay(beforeAttempt: attempt) * 1e9))
    }
}
