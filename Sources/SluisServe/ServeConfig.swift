import Foundation
import SluisCore
import SluisCrypto
import SluisIO
import SluisPipeline

/// `serve.json`: where `sluis serve` listens, where uploads are staged and delivered, its own
/// identity and name, and per project the trusted researcher keys and the quota
/// (docs/serve.md, "serve.json"). Relative paths are relative to the folder holding serve.json.
public struct ServeConfig: Sendable {
    /// One project the server accepts uploads for: its trusted keys and its quota.
    public struct Project: Sendable {
        /// The project id tokens must name.
        public var id: String
        /// Researcher public key files trusted for this project (the same files intake.json lists).
        public var trust: [String]
        /// The most bytes the project's unfinished uploads may announce together (Upload-Length sum).
        public var quotaBytes: UInt64
    }

    /// The serve.json file read, for messages (and the folder relative paths are resolved against).
    public var path: String
    /// The address to listen on (`listen.address`); plain HTTP only on a loopback address.
    public var address: String
    /// 0: any free port (the chosen port is printed and written to --port-file).
    public var port: Int
    /// The TLS certificate chain (PEM); required unless the address is loopback.
    public var tlsCertificate: String?
    /// The TLS private key (PEM), read once at start.
    public var tlsKey: String?
    /// The server's name: tokens must name it as `aud`, and receipts carry it.
    public var serverName: String
    /// The server's secret key file: it signs receipts.
    public var identity: String
    /// A file holding the identity's passphrase, when it has one.
    public var passphraseFile: String?
    /// Where complete, verified packages are delivered (the intake's inbox).
    public var inbox: String
    /// Where uploads are written until complete; on the same file system as the inbox, so delivery is a rename.
    public var staging: String
    /// The JSON-lines audit log of the service.
    public var auditLog: String
    /// The largest package one upload may announce (default 64 GiB).
    public var maxUploadBytes: UInt64 = 64 << 30
    /// The longest lifetime a token may have (default 15 minutes); longer ones are refused.
    public var maxTokenSeconds: Double = 15 * 60
    /// How far a token's `iat` may lie in the future (clocks of researcher and server differ).
    public var clockSkewSeconds: Double = 60
    /// How many uploads one researcher key may have unfinished at once.
    public var concurrentUploadsPerKey: Int = 4
    /// An unfinished upload untouched this long expires and is swept; a finished one's receipt is kept as long.
    public var uploadExpirySeconds: Double = 24 * 3600
    /// A connection idle this long is closed (slow clients cannot hold connections forever).
    public var idleTimeoutSeconds: Double = 60
    /// The most time a client may take to send its request headers.
    public var headerTimeoutSeconds: Double = 15
    /// How often expired uploads are swept.
    public var sweepIntervalSeconds: Double = 60
    /// The projects the server accepts uploads for, by id.
    public var projects: [String: Project] = [:]

    static let topKeys: Set<String> = ["version", "listen", "tls", "serverName", "identity", "passphraseFile", "inbox", "staging",
                                       "auditLog", "limits", "projects"]
    static let limitKeys: Set<String> = ["maxUploadBytes", "maxTokenMinutes", "clockSkewSeconds", "concurrentUploadsPerKey",
                                         "uploadExpiryHours", "idleTimeoutSeconds", "headerTimeoutSeconds", "sweepIntervalSeconds"]

    /// Whether plain HTTP is allowed: only on a loopback address, behind a reverse proxy.
    public static func isLoopback(_ address: String) -> Bool {
        address == "localhost" || address == "::1" || address.hasPrefix("127.")
    }

    /// Reads and checks serve.json, resolving relative paths against its folder; every problem names its JSON path.
    public static func load(path: String) throws -> ServeConfig {
        let reader = ServeConfigReader(path: path)
        let (root, top) = try reader.root()
        for (key, _) in root where !topKeys.contains(key) { throw reader.fail(key, "unknown field") }
        guard top["version"] == .number(1) else { throw reader.fail("version", "must be 1") }
        guard let listen = try reader.object(top["listen"], "listen") else { throw reader.fail("listen", "missing") }
        for key in listen.keys where key != "address" && key != "port" { throw reader.fail("listen." + key, "unknown field") }
        let address = try reader.string(listen, "address", at: "listen.")
        guard let port = try reader.number(listen, "port", at: "listen.", range: 0...65535), port == port.rounded() else {
            throw reader.fail("listen.port", "must be a port number (0 for any free port)")
        }
        var config = ServeConfig(
            path: path, address: address, port: Int(port), tlsCertificate: nil, tlsKey: nil,
            serverName: try reader.string(top, "serverName", at: ""),
            identity: reader.resolve(try reader.string(top, "identity", at: "")),
            passphraseFile: try reader.optionalString(top, "passphraseFile", at: "").map(reader.resolve),
            inbox: reader.resolve(try reader.string(top, "inbox", at: "")),
            staging: reader.resolve(try reader.string(top, "staging", at: "")),
            auditLog: reader.resolve(try reader.string(top, "auditLog", at: "")))
        if let tls = try reader.object(top["tls"], "tls") {
            for key in tls.keys where key != "certificate" && key != "key" { throw reader.fail("tls." + key, "unknown field") }
            config.tlsCertificate = reader.resolve(try reader.string(tls, "certificate", at: "tls."))
            config.tlsKey = reader.resolve(try reader.string(tls, "key", at: "tls."))
        } else if !isLoopback(address) {
            throw reader.fail("tls", "missing: plain HTTP is allowed only on a loopback address (127.0.0.1, ::1), behind a reverse proxy")
        }
        guard config.serverName.utf8.count <= 255,
              config.serverName.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != 0x22 && $0 != 0x5c }) else {
            throw reader.fail("serverName", "must be up to 255 printable ASCII characters without spaces, quotes or backslashes")
        }
        if let limits = try reader.object(top["limits"], "limits") { try config.readLimits(limits, reader) }
        try config.readProjects(top["projects"], reader)
        return config
    }

    /// `limits`: each bound within its range; absent ones keep their defaults.
    private mutating func readLimits(_ limits: [String: JSONValue], _ reader: ServeConfigReader) throws {
        for key in limits.keys where !Self.limitKeys.contains(key) { throw reader.fail("limits." + key, "unknown field") }
        let p = "limits."
        if let n = try reader.number(limits, "maxUploadBytes", at: p, range: 112...Double(1 << 50)) { maxUploadBytes = UInt64(n) }
        if let n = try reader.number(limits, "maxTokenMinutes", at: p, range: 1...60) { maxTokenSeconds = n * 60 }
        if let n = try reader.number(limits, "clockSkewSeconds", at: p, range: 0...600) { clockSkewSeconds = n }
        if let n = try reader.number(limits, "concurrentUploadsPerKey", at: p, range: 1...10000) { concurrentUploadsPerKey = Int(n) }
        if let n = try reader.number(limits, "uploadExpiryHours", at: p, range: 0.0001...8760) { uploadExpirySeconds = n * 3600 }
        if let n = try reader.number(limits, "idleTimeoutSeconds", at: p, range: 1...3600) { idleTimeoutSeconds = n }
        if let n = try reader.number(limits, "headerTimeoutSeconds", at: p, range: 1...600) { headerTimeoutSeconds = n }
        if let n = try reader.number(limits, "sweepIntervalSeconds", at: p, range: 0.1...3600) { sweepIntervalSeconds = n }
    }

    /// `projects`: at least one, each with a valid id, a non-empty trust list and an optional quota
    /// (default four times the per-upload maximum).
    private mutating func readProjects(_ value: JSONValue?, _ reader: ServeConfigReader) throws {
        guard case let .object(projects)? = value, !projects.isEmpty else {
            throw reader.fail("projects", "must be an object with at least one project")
        }
        for (id, value) in projects {
            let prefix = "projects.\(id)."
            guard ProjectKey.isValidProjectId(id) else { throw reader.fail("projects.\(id)", "not a valid project id") }
            guard let p = try reader.object(value, "projects.\(id)") else { throw reader.fail("projects.\(id)", "must be an object") }
            for key in p.keys where key != "trust" && key != "quotaBytes" { throw reader.fail(prefix + key, "unknown field") }
            guard case let .array(list)? = p["trust"], !list.isEmpty else {
                throw reader.fail(prefix + "trust", "must list at least one researcher public key file")
            }
            var files: [String] = []
            for (i, item) in list.enumerated() {
                guard case let .string(s) = item, !s.isEmpty else { throw reader.fail(prefix + "trust[\(i)]", "must be a file name") }
                files.append(reader.resolve(s))
            }
            let quota = try reader.number(p, "quotaBytes", at: prefix, range: 112...Double(1 << 53)).map { UInt64($0) } ?? maxUploadBytes * 4
            self.projects[id] = Project(id: id, trust: files, quotaBytes: quota)
        }
    }
}
