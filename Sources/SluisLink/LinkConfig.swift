import Foundation
import SluisCore
import SluisIO

/// link.json: the settings of `sluis link` (docs/intake.md). Every setting is optional here and
/// can also be given by a flag; flags win. Relative paths are relative to the config file.
public struct LinkConfig: Codable, Sendable, Equatable {
    /// `register`: the register file and its column names.
    public struct Register: Codable, Sendable, Equatable {
        /// The register file (`--register` wins).
        public var path: String?
        /// The register's column names, when they differ from the defaults.
        public var columns: RegisterColumns?
        /// A register section; unset fields fall back to flags and defaults.
        public init(path: String? = nil, columns: RegisterColumns? = nil) {
            self.path = path
            self.columns = columns
        }
    }
    /// `output`: where linked files go and how the added columns are named.
    public struct Output: Codable, Sendable, Equatable {
        /// The folder linked files are written to (`--output` wins).
        public var directory: String?
        /// The output column of RINPERSOONS (default `RINPERSOONS`).
        public var rinpersoons: String?
        /// The output column of RINPERSOON (default `RINPERSOON`).
        public var rinpersoon: String?
        /// Put between a person key's name and the column names (default `_`).
        public var prefixSeparator: String?
        /// An output section; unset fields fall back to flags and defaults.
        public init(directory: String? = nil, rinpersoons: String? = nil, rinpersoon: String? = nil, prefixSeparator: String? = nil) {
            self.directory = directory
            self.rinpersoons = rinpersoons
            self.rinpersoon = rinpersoon
            self.prefixSeparator = prefixSeparator
        }
    }

    /// The data files to link (the command line's files win).
    public var inputs: [String]?
    /// The register to link against.
    public var register: Register?
    /// The project's pseudonym key file (the one the data was pseudonymised with).
    public var pseudonymKey: String?
    /// The intake's surrogate secret for RINPERSOONs of unmatched persons.
    public var surrogateKey: String?
    /// The project's pseudonym rendering, `decimal:17` by default.
    public var rendering: String?
    /// RINPERSOONS of unmatched rows (default `S`, as at CBS).
    public var unmatchedCode: String?
    /// Digits of surrogate RINPERSOONs (default: the register's RIN width).
    public var surrogateWidth: Int?
    /// Output folder and column names.
    public var output: Output?
    /// The pseudonym columns of every input file without a manifest.
    public var pseudonymColumns: [PseudonymColumn]?
    /// How the pseudonym columns group into persons, for files without a manifest.
    public var personKeys: [PersonKey]?
    /// Per-file layouts, by file name; they win over `pseudonymColumns`/`personKeys`.
    public var files: [String: LinkFileLayout]?
    /// What a pseudonym collision in the register does: "skip" (default) or "stop".
    public var onCollision: String?

    /// An empty config: every setting from flags or defaults.
    public init() {}

    static let knownKeys: Set<String> = ["inputs", "register", "pseudonymKey", "surrogateKey", "rendering", "unmatchedCode",
                                         "surrogateWidth", "output", "pseudonymColumns", "personKeys", "files", "onCollision",
                                         "comment"]

    /// Reads link.json and makes its paths absolute or relative to the working directory.
    public static func load(path: String) throws -> LinkConfig {
        let bytes = try FileSystem.readAll(path, limitByteCount: 1 << 20)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw LinkError.configInvalid(source: path, reason: "is not a JSON object; see docs/intake.md for the format")
        }
        if let unknown = object.keys.sorted().first(where: { !knownKeys.contains($0) }) {
            throw LinkError.configInvalid(source: path, reason: "unknown setting '\(unknown)'; see docs/intake.md for the settings")
        }
        if let (jsonPath, problem) = checkRegisterSetting(object["register"]) {
            throw LinkError.configInvalid(source: path, reason: "setting \(jsonPath): \(problem); see docs/intake.md for the settings")
        }
        var config: LinkConfig
        do {
            config = try JSONDecoder().decode(LinkConfig.self, from: Data(bytes))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw LinkError.configInvalid(source: path, reason: "setting \(Self.keyPath(context.codingPath)) has the wrong type")
        } catch let DecodingError.keyNotFound(key, context) {
            throw LinkError.configInvalid(source: path, reason: "setting \(Self.keyPath(context.codingPath + [key])) is missing")
        } catch {
            throw LinkError.configInvalid(source: path, reason: "cannot be read as link settings")
        }
        if let text = config.onCollision, CollisionPolicy(setting: text) == nil {
            throw LinkError.configInvalid(source: path, reason: "setting onCollision must be \(CollisionPolicy.settingValues)")
        }
        let base = splitPath(path).directory
        func resolve(_ p: String?) -> String? {
            guard let p, !p.hasPrefix("/"), base != "." else { return p }
            return base + "/" + p
        }
        config.inputs = config.inputs?.map { resolve($0) ?? $0 }
        let registerPath = resolve(config.register?.path)
        config.register?.path = registerPath
        config.pseudonymKey = resolve(config.pseudonymKey)
        config.surrogateKey = resolve(config.surrogateKey)
        let outputDirectory = resolve(config.output?.directory)
        config.output?.directory = outputDirectory
        return config
    }

    /// What is wrong with a `register` object (unknown keys, unknown column roles, names that
    /// are not non-empty strings): the JSON path to fix and the problem; nil when it is fine.
    /// `prefix` is the path of the object holding `register`; `allowPath` is false in
    /// intake.json, where the project's own `register` gives the path.
    public static func checkRegisterSetting(_ value: Any?, at prefix: String = "", allowPath: Bool = true)
        -> (jsonPath: String, problem: String)? {
        guard let value else { return nil }
        guard let register = value as? [String: Any] else { return (prefix + "register", "must be an object") }
        let allowed: Set<String> = allowPath ? ["path", "columns", "comment"] : ["columns", "comment"]
        if let unknown = register.keys.sorted().first(where: { !allowed.contains($0) }) {
            return (prefix + "register." + unknown, "unknown setting (allowed here: \(allowed.sorted().joined(separator: ", ")))")
        }
        guard let columns = register["columns"] else { return nil }
        guard let object = columns as? [String: Any] else { return (prefix + "register.columns", "must be an object") }
        for key in object.keys.sorted() {
            guard RegisterColumns.roles.contains(key) else {
                return (prefix + "register.columns." + key, "unknown register column role (roles: \(RegisterColumns.roles.joined(separator: ", ")))")
            }
            guard let name = object[key] as? String, !name.isEmpty else {
                return (prefix + "register.columns." + key, "must be a non-empty column name")
            }
        }
        return nil
    }

    /// The collision policy (`onCollision`); `load` has checked the text.
    public var collisionPolicy: CollisionPolicy { onCollision.flatMap(CollisionPolicy.init(setting:)) ?? .skip }

    private static func keyPath(_ path: [CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// The layout for a data file without a manifest: its entry under `files` (by file name),
    /// else the shared `pseudonymColumns` and `personKeys` (every column named must be in the file).
    public func layout(forFile path: String) -> LinkFileLayout {
        let name = splitPath(path).name
        if let layout = files?[name] { return layout }
        return LinkFileLayout(pseudonymColumns: pseudonymColumns ?? [], personKeys: personKeys)
    }

    /// The output naming and unmatched code.
    public var options: LinkOptions {
        let d = LinkOptions()
        return LinkOptions(rinpersoonsColumn: output?.rinpersoons ?? d.rinpersoonsColumn,
                           rinpersoonColumn: output?.rinpersoon ?? d.rinpersoonColumn,
                           prefixSeparator: output?.prefixSeparator ?? d.prefixSeparator,
                           unmatchedCode: unmatchedCode ?? d.unmatchedCode, surrogateWidth: surrogateWidth)
    }

    /// The domains the layouts use that the register can compute, BSN first: what the index is built for.
    public func domainsNeeded(for layouts: [LinkFileLayout]) -> [PseudonymDomain] {
        var domains: [PseudonymDomain] = []
        for layout in layouts {
            for column in layout.pseudonymColumns {
                guard let d = LinkDomains.parse(column.domain), !domains.contains(d) else { continue }
                if d.kinds.allSatisfy({ RegisterColumns().column(for: $0) != nil }) { domains.append(d) }
            }
        }
        return domains.filter { !$0.isComposite } + domains.filter(\.isComposite)
    }
}
