import Foundation

/// What `sluis link --check-register` prints: per domain of the register index, how many
/// pseudonyms different register identifiers share under the project key (collisions), so an
/// operator sees them coming before a package meets one. Counts only: the register's shape
/// under a key, never a value; the key is named by its public key id.
public struct RegisterCheckReport: Sendable, Equatable {
    /// The register file checked.
    public var register: String
    /// The project whose key pseudonymised it.
    public var project: String
    /// The pseudonym key's public id (never the key).
    public var keyId: String
    /// The rendering the pseudonyms were made with (`decimal:17`).
    public var rendering: String
    /// Data rows of the register.
    public var rows: Int
    /// Counts per indexed domain.
    public var domains: [RegisterDomainStatistics]

    /// A report of one check.
    public init(register: String, project: String, keyId: String, rendering: String, rows: Int,
                domains: [RegisterDomainStatistics]) {
        self.register = register
        self.project = project
        self.keyId = keyId
        self.rendering = rendering
        self.rows = rows
        self.domains = domains
    }

    /// Collisions over all domains: 0 means no pseudonym is shared by different identifiers.
    public var collisions: Int { domains.reduce(0) { $0 + $1.collisions } }

    /// The report as `--check-register` prints it: one line per domain and a total.
    public var text: String {
        var out = "register \(register): \(rows) rows, under pseudonym key \(keyId) (project \(project)), rendering \(rendering)\n"
        for d in domains {
            out += "  \(d.domain): \(d.collisions) collision\(d.collisions == 1 ? "" : "s") "
                + "(\(d.indexed) pseudonyms, \(d.invalid) rows without a valid identifier, \(d.ambiguousKeys) shared by several persons)\n"
        }
        out += "collisions: \(collisions)"
        out += collisions == 0 ? "\n" : " (colliding pseudonyms are never linked on; see docs/intake.md, \"Collisions\")\n"
        return out
    }

    /// The same counts as JSON (`--check-register --json`).
    public var json: String {
        let object: [String: Any] = [
            "register": register, "project": project, "keyId": keyId, "rendering": rendering, "rows": rows,
            "collisions": collisions,
            "domains": domains.map { d -> [String: Any] in
                ["domain": d.domain, "indexed": d.indexed, "invalid": d.invalid, "ambiguousKeys": d.ambiguousKeys,
                 "collisions": d.collisions]
            },
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
