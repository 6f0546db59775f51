/// A shape of person or business key to look for in outputs: a run of exactly `digits` digits
/// that is not part of a longer number and not a decimal fraction.
public struct KeyFormat: Codable, Equatable, Sendable {
    /// The key's name in findings (`RINPERSOON`).
    public var name: String
    /// Digits in the key.
    public var digits: Int

    /// A key shape of exactly `digits` digits.
    public init(name: String, digits: Int) {
        self.name = name
        self.digits = digits
    }

    /// RINPERSOON: 9 characters, all digits. BEID: 8 digits. (Adjust in the policy when the
    /// environment's business key has another shape.)
    public static let defaults = [KeyFormat(name: "RINPERSOON", digits: 9), KeyFormat(name: "BEID", digits: 8)]
}
