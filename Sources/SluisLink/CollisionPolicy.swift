/// What linking does when two different register identifiers get the same pseudonym under the
/// project key (a collision: with 17-digit pseudonyms rare, but a changing register can bring
/// one at any time; docs/intake.md, "Collisions").
///
/// Why the default skips: stopping protects two persons at the cost of every package of the
/// project until everything is pseudonymised again with a new key. Skipping treats the colliding
/// pseudonym like an ambiguous one — never linked on, rows that meet it fall through the cascade
/// — and counts it, so the operator sees it and the rest links.
public enum CollisionPolicy: String, Sendable, Equatable, CaseIterable {
    /// Never link on a colliding pseudonym; link everything else and count the collisions (default).
    case skip
    /// Stop linking with an error naming the two register lines (the behaviour before issue 17).
    case stop

    /// The setting as link.json and intake.json write it (`onCollision`), nil when not a policy.
    public init?(setting: String) { self.init(rawValue: setting) }

    /// The values accepted, for messages.
    public static var settingValues: String { allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ") }
}
