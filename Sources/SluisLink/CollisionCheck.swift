import SluisCore
import SluisCrypto
import SluisFormats

/// Two register lines whose different identifiers get the same pseudonym under a project key.
public struct RegisterCollision: Sendable, Equatable, CustomStringConvertible {
    /// The domain label the pseudonyms collide in.
    public var domain: String
    /// 1-based line of the first of the two rows in the register file.
    public var firstLine: Int
    /// 1-based line of the second row.
    public var secondLine: Int
    /// One line naming the domain and both lines, never the identifiers or pseudonyms.
    public var description: String { "\(domain) pseudonyms of register lines \(firstLine) and \(secondLine) collide" }
}

/// Whether a project key is free of pseudonym collisions over a register, for
/// `sluis keygen pseudonym --check-register REGISTER`: make a key, check it, and on a collision
/// make another (with 17-digit pseudonyms and 17 million persons in two domains, expected
/// colliding pairs are 2 · n²/(2·10¹⁷) ≈ 0.003: a retry about once in 350 keys).
///
/// Returns nil when every domain is free of collisions, else the first collision. Throws the
/// register's own errors (a missing column, a bad RINPERSOON, one BSN with two persons).
public func checkRegisterForCollisions(register: RowSource, projectKey: SecretBytes, projectId: String,
                                       rendering: PseudonymRendering = .default,
                                       columns: RegisterColumns = RegisterColumns(),
                                       domains: [PseudonymDomain] = LinkDomains.standard,
                                       threads: Int = 2) throws -> RegisterCollision? {
    var builder = RegisterIndexBuilder(projectKey: projectKey, projectId: projectId, rendering: rendering,
                                       columns: columns, domains: domains, threads: threads)
    builder.onCollision = .stop
    do {
        _ = try builder.build(from: register)
        return nil
    } catch let LinkError.pseudonymCollision(_, domain, first, second) {
        return RegisterCollision(domain: domain, firstLine: first, secondLine: second)
    }
}
