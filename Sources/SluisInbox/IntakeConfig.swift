import Foundation
import SluisCore
import SluisIO

/// `intake.json`: where the intake job finds and puts packages, its identity, and per project the
/// trusted researcher keys, the pseudonym key, the register and the link settings
/// (docs/intake.md). Relative paths are relative to the folder holding intake.json.
public struct IntakeConfig: Sendable {
    /// The intake.json file read, for messages (and the folder relative paths are resolved against).
    public var path: String
    /// Where complete uploads arrive (what `sluis serve` or a file transfer writes into).
    public var inbox: String
    /// Where packages are claimed and worked on, one claim folder each; a resumed run finds them here.
    public var work: String
    /// Where linked packages are delivered, per project and package id.
    public var delivery: String
    /// Where delivered packages are kept (for replay detection and the record).
    public var archive: String
    /// Where refused packages are set aside with their reason file.
    public var quarantine: String
    /// The intake's secret key file: the recipient packages are encrypted to.
    public var identity: String
    /// A file holding the identity's passphrase, when it has one (never the passphrase in intake.json).
    public var passphraseFile: String?
    /// The JSON-lines audit log.
    public var auditLog: String
    /// An upload is taken only when its modification time is at least this many seconds old.
    public var settleSeconds: Double
    /// A hidden or `.part` upload unchanged for this many seconds is reported as stale.
    public var staleSeconds: Double = 86_400
    /// The projects the intake accepts packages for, by project id.
    public var projects: [String: Project]

    /// One project's keys, register and link settings.
    public struct Project: Sendable {
        /// The project id packages must name in their signed manifest.
        public var id: String
        /// Researcher public key files trusted for this project.
        public var trust: [String]
        /// The project's pseudonym key file: checked against the package's key id, then used to link.
        public var pseudonymKey: String
        /// A file holding the pseudonym key's passphrase, when it has one.
        public var pseudonymKeyPassphraseFile: String?
        /// The project's register (`bsn,rinpersoons,rinpersoon`, or the columns `link.register` names).
        public var register: String
        /// The intake's secret for surrogate RINPERSOONs of unmatched persons (`sluis link --new-surrogate-key`).
        public var surrogateKey: String
        /// The link settings, passed to the linker as they are (docs/intake.md, "Linking").
        public var link: JSONValue
    }

    static let topKeys: Set<String> = ["version", "inbox", "work", "delivery", "archive", "quarantine", "identity",
                                       "passphraseFile", "auditLog", "settleSeconds", "staleSeconds", "projects"]
    /// The link.json settings that apply per project (paths and layouts come from elsewhere).
    static let linkKeys: Set<String> = ["register", "output", "unmatchedCode", "surrogateWidth", "rendering", "onCollision", "comment"]
    static let projectKeys: Set<String> = ["trust", "pseudonymKey", "pseudonymKeyPassphraseFile", "register", "surrogateKey", "link"]

    /// Reads and checks intake.json, resolving relative paths against its folder; every problem names its JSON path.
    public static func load(path: String) throws -> IntakeConfig {
        func fail(_ jsonPath: String, _ problem: String) -> InboxError { .config(path: path, jsonPath: jsonPath, problem: problem) }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readAll(path, limitByteCount: 4 << 20) } catch {
            throw fail("$", "cannot read the file")
        }
        do {
            _ = try JSONValue.parse(bytes)
        } catch let error as JSONValue.SyntaxError {
            throw fail("line \(error.line), column \(error.column)", error.problem)
        }
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw fail("$", "not a JSON object")
        }
        let base = splitPath(path).directory
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base + "/" + p }
        for key in root.keys where !topKeys.contains(key) { throw fail(key, "unknown field") }
        guard (root["version"] as? Int) == 1 else { throw fail("version", "must be 1") }
        func string(_ dict: [String: Any], _ key: String, at prefix: String) throws -> String {
            guard let s = try optionalString(dict, key, at: prefix) else { throw fail(prefix + key, "missing") }
            return s
        }
        func optionalString(_ dict: [String: Any], _ key: String, at prefix: String) throws -> String? {
            guard let v = dict[key] else { return nil }
            guard let s = v as? String, !s.isEmpty else { throw fail(prefix + key, "must be a non-empty string") }
            return s
        }
        var config = IntakeConfig(
            path: path,
            inbox: resolve(try string(root, "inbox", at: "")),
            work: resolve(try string(root, "work", at: "")),
            delivery: resolve(try string(root, "delivery", at: "")),
            archive: resolve(try string(root, "archive", at: "")),
            quarantine: resolve(try string(root, "quarantine", at: "")),
            identity: resolve(try string(root, "identity", at: "")),
            passphraseFile: try optionalString(root, "passphraseFile", at: "").map(resolve),
            auditLog: resolve(try string(root, "auditLog", at: "")),
            settleSeconds: 60, projects: [:])
        if let s = root["settleSeconds"] {
            guard let n = s as? Double, n >= 0 else { throw fail("settleSeconds", "must be a number ≥ 0") }
            config.settleSeconds = n
        }
        if let s = root["staleSeconds"] {
            guard let n = s as? Double, n >= 0 else { throw fail("staleSeconds", "must be a number ≥ 0") }
            config.staleSeconds = n
        }
        guard let projects = root["projects"] as? [String: Any], !projects.isEmpty else {
            throw fail("projects", "must be an object with at least one project")
        }
        for (id, value) in projects {
            let prefix = "projects.\(id)."
            guard let p = value as? [String: Any] else { throw fail("projects.\(id)", "must be an object") }
            for key in p.keys where !projectKeys.contains(key) { throw fail(prefix + key, "unknown field") }
            guard let trust = p["trust"] as? [String], !trust.isEmpty else {
                throw fail(prefix + "trust", "must list at least one researcher public key file")
            }
            var link = JSONValue.object([])
            if let l = p["link"] as? [String: Any] {
                for key in l.keys where !linkKeys.contains(key) {
                    throw fail(prefix + "link." + key, "unknown or not allowed here; allowed: " + linkKeys.sorted().joined(separator: ", "))
                }
            }
            if let l = p["link"] {
                guard let data = try? JSONSerialization.data(withJSONObject: l),
                      let v = try? JSONDecoder().decode(JSONValue.self, from: data), case .object = v else {
                    throw fail(prefix + "link", "must be an object")
                }
                link = v
            }
            config.projects[id] = Project(
                id: id, trust: trust.map(resolve),
                pseudonymKey: resolve(try string(p, "pseudonymKey", at: prefix)),
                pseudonymKeyPassphraseFile: try optionalString(p, "pseudonymKeyPassphraseFile", at: prefix).map(resolve),
                register: resolve(try string(p, "register", at: prefix)),
                surrogateKey: resolve(try string(p, "surrogateKey", at: prefix)),
                link: link)
        }
        return config
    }
}
