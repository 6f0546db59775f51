import SluisCore
import SluisCrypto
import SluisIO

/// The researcher public keys an intake accepts packages from, optionally per project.
///
/// From a path (`--trust`):
/// - a file: one public key per line; `#` starts a comment line; a line may start with
///   `projects=ID[,ID…] ` to trust that key for those projects only;
/// - a folder: every `*.pub` directly inside is trusted for all projects, and every `*.pub` in a
///   sub-folder named after a project is trusted for that project only.
public struct TrustStore: Sendable {
    /// One trusted key and the projects it is trusted for.
    public struct Entry: Sendable {
        /// The researcher's public key.
        public var recipient: Recipient
        /// nil: every project.
        public var projects: Set<String>?

        /// An entry; nil `projects` trusts the key for every project.
        public init(recipient: Recipient, projects: Set<String>?) {
            self.recipient = recipient
            self.projects = projects
        }
    }

    /// The trusted keys, in the order they were read.
    public private(set) var entries: [Entry]

    /// A trust list from entries already in memory (tests, and the fuzz targets).
    public init(entries: [Entry]) { self.entries = entries }

    /// Loads a trust file or folder.
    public init(path: String) throws {
        var entries: [Entry] = []
        if FileSystem.isDirectory(path) {
            for name in try FileSystem.list(path) {
                let p = path + "/" + name
                if FileSystem.isDirectory(p) {
                    for inner in try FileSystem.list(p) where inner.hasSuffix(".pub") {
                        entries += try Self.parseFile(p + "/" + inner, projects: [name])
                    }
                } else if name.hasSuffix(".pub") {
                    entries += try Self.parseFile(p, projects: nil)
                }
            }
        } else if FileSystem.exists(path) {
            entries = try Self.parseFile(path, projects: nil)
        } else {
            throw TrustError.missing(path: path)
        }
        guard !entries.isEmpty else { throw TrustError.empty(path: path) }
        self.entries = entries
    }

    /// Keys from a list of public key files, each trusted for one project (intake.json).
    public init(publicKeyFiles: [String], project: String) throws {
        var entries: [Entry] = []
        for file in publicKeyFiles { entries += try Self.parseFile(file, projects: [project]) }
        guard !entries.isEmpty else { throw TrustError.empty(path: publicKeyFiles.joined(separator: ", ")) }
        self.entries = entries
    }

    private static func parseFile(_ path: String, projects: Set<String>?) throws -> [Entry] {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readAll(path, limitByteCount: 1 << 20) } catch { throw TrustError.missing(path: path) }
        var out: [Entry] = []
        var lineNumber = 0
        // Split on LF bytes, not on Characters: "\r\n" is one Character in Swift, so a CRLF file
        // split on "\n" is one line — and a comment first hid every key after it.
        for rawLine in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = String(decoding: rawLine, as: UTF8.self).trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            var lineProjects = projects
            if line.hasPrefix("projects=") {
                guard let space = line.firstIndex(of: " ") else { throw TrustError.badLine(path: path, line: lineNumber) }
                let list = line[line.index(line.startIndex, offsetBy: 9)..<space].split(separator: ",").map(String.init)
                lineProjects = Set(list).intersection(projects ?? Set(list))
                line = String(line[space...]).trimmingCharacters(in: " \t")
            }
            guard let recipient = try? Recipient(parsing: line) else { throw TrustError.badLine(path: path, line: lineNumber) }
            out.append(Entry(recipient: recipient, projects: lineProjects))
        }
        return out
    }

    /// The trusted key with this Ed25519 public key, if it is trusted for `project`.
    public func trusted(_ recipient: Recipient, project: String) -> Bool {
        entries.contains { $0.recipient.ed25519PublicKey == recipient.ed25519PublicKey && ($0.projects?.contains(project) ?? true) }
    }
}

/// Problems with a trust list.
public enum TrustError: SluisError, Equatable {
    case missing(path: String)
    case empty(path: String)
    case badLine(path: String, line: Int)

    /// A missing, empty or malformed trust list is the intake's configuration (exit 2).
    public var category: FailureCategory { .usage }
    /// One line naming the trust list and line; never key material.
    public var description: String {
        switch self {
        case let .missing(p): return "trust list \(p) does not exist or cannot be read"
        case let .empty(p): return "trust list \(p) holds no public keys"
        case let .badLine(p, l): return "\(p):\(l): not a sluis public key line"
        }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
