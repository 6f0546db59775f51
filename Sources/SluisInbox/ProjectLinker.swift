import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisLink
import SluisPipeline

/// The intake job's linking step: links every data file of an opened package to the project's
/// register, with the pseudonym columns and domains its inner manifest names — the way
/// `sluis link` links them.
///
/// The register index is built only for the domains the package's pseudonym columns use (a
/// register of `bsn,rinpersoons,rinpersoon` serves BSN-only packages), with the register column
/// names of `projects.P.link.register.columns`, once per project, rendering and set of domains
/// in a run, and reused for every package of that project (building it for 17 million persons
/// takes seconds and about 1 GB). A fault in that configuration is reported with intake.json's
/// path and the JSON path that fixes it.
///
/// When a project's register changed since the last build (size, time and content, remembered
/// under `work/registers/`), the collisions it has under the project key are reported on
/// standard error and in the outcome, so the operator sees them coming.
public final class ProjectLinker {
    private var indexes: [String: RegisterIndex] = [:]
    /// Projects whose register was reported changed by an index built in this run, until a link succeeds.
    private var changed: Set<String> = []
    /// intake.json, for messages.
    private let configPath: String
    /// Where the registers' fingerprints are remembered; nil: not remembered (every build reports).
    private let stateDirectory: String?

    /// A linker that names `configPath` in messages and remembers register fingerprints under `workDirectory`.
    public init(configPath: String = "intake.json", workDirectory: String? = nil) {
        self.configPath = configPath
        self.stateDirectory = workDirectory.map { $0 + "/registers" }
    }

    /// A linker for the intake configured by `config` (its path and work folder).
    public convenience init(config: IntakeConfig) {
        self.init(configPath: config.path, workDirectory: config.work)
    }

    /// The `InboxLinker` for `Inbox`.
    public func link(_ opened: OpenedPackage, _ output: String, _ project: IntakeConfig.Project) throws -> LinkOutcome {
        let settings = try settings(project)
        let projectKey = try ProjectKey.load(path: project.pseudonymKey,
                                             passphrase: PassphraseSource.resolve(passphraseFile: project.pseudonymKeyPassphraseFile))
        let manifest = opened.verified.manifest
        guard projectKey.projectId == manifest.project, projectKey.keyId == manifest.pseudonymKeyId else {
            throw PseudonymKeyMismatch(file: opened.verified.path, expected: "\(manifest.pseudonymKeyId) (\(manifest.project))",
                                       actual: "\(projectKey.keyId) (\(projectKey.projectId))")
        }
        let surrogate = try SurrogateKey.load(path: project.surrogateKey)
        let inputs = opened.inner.files.map {
            LinkInput(path: opened.directory + "/" + $0.name, layout: LinkFileLayout(manifestColumns: $0.columns))
        }
        let renderingText = opened.inner.files.flatMap(\.columns).compactMap(\.rendering).first ?? settings.rendering ?? "decimal:17"
        guard let rendering = PseudonymRendering(parsing: renderingText) else {
            throw InboxError.config(path: configPath, jsonPath: "projects.\(project.id).link.rendering",
                                    problem: "not a rendering such as decimal:17")
        }
        let domains = settings.domainsNeeded(for: inputs.map(\.layout))
        let index = try index(project: project, settings: settings, key: projectKey, rendering: rendering, domains: domains)
        let linker = TableLinker(index: index, surrogateSecret: surrogate, projectId: projectKey.projectId, options: settings.options)
        let report: LinkReport
        do {
            report = try LinkFiles.run(inputs, outputDirectory: output, linker: linker, formats: LinkFormats.all)
        } catch LinkError.outputColumnClash {
            // What fixes it is in intake.json; the clashing name is the sender's, so it is not echoed.
            throw InboxError.config(path: configPath, jsonPath: "projects.\(project.id).link.output",
                                    problem: "a column of the package has the name of an output column; choose other output names here")
        } catch LinkError.renderingMismatch {
            throw InboxError.config(path: configPath, jsonPath: "projects.\(project.id).link.rendering",
                                    problem: "the package's pseudonym columns use different renderings, or not this one; "
                                        + "set the project's rendering here (docs/intake.md)")
        }
        try FileSystem.writeAtomically(Array(report.json.utf8) + [0x0A], to: output + "/link-report.json", mode: 0o640)
        let rows = report.files.reduce(UInt64(0)) { $0 + UInt64($1.rows) }
        var outcome = LinkOutcome(rows: rows, linkRate: report.linkRate.map { ($0 * 1000).rounded() / 10 })
        outcome.collisions = Dictionary(index.collisions.map { ($0.domain, $0.collisions) }, uniquingKeysWith: +)
        outcome.registerChanged = changed.remove(project.id) != nil ? true : nil
        return outcome
    }

    /// The project's index for `domains`: from this run's cache, or built (and the register's
    /// collisions reported when it changed since the last build).
    private func index(project: IntakeConfig.Project, settings: LinkConfig, key: ProjectKey, rendering: PseudonymRendering,
                       domains: [PseudonymDomain]) throws -> RegisterIndex {
        let policy = settings.collisionPolicy
        let cacheKey = ([project.id, rendering.description, policy.rawValue] + domains.map(\.label)).joined(separator: "|")
        if let cached = indexes[cacheKey] { return cached }
        let columns = settings.register?.columns ?? RegisterColumns()
        let register = try CSVReader(path: project.register)
        if let missing = columns.missingColumn(in: register.columnNames, for: domains) {
            let user = domains.first { d in d.kinds.contains { columns.column(for: $0)?.role == missing.role } }
            let needs = user.map { "the package's \($0.label) pseudonyms need" } ?? "every link needs"
            throw InboxError.config(path: configPath, jsonPath: "projects.\(project.id).link.register.columns.\(missing.role)",
                                    problem: "the register \(project.register) has no column '\(missing.name)', which \(needs); "
                                        + "name the register's \(missing.role) column here, or give the project a register that has it")
        }
        var builder = RegisterIndexBuilder(projectKey: key.secret, projectId: key.projectId, rendering: rendering,
                                           columns: columns, domains: domains)
        builder.onCollision = policy
        let index = try builder.build(from: register)
        indexes[cacheKey] = index
        try noteRegister(project: project, key: key, rendering: rendering, index: index)
        return index
    }

    /// What is remembered of a project's register (`work/registers/PROJECT.json`).
    struct RegisterState: Codable, Equatable {
        var register: String
        var fingerprint: RegisterFingerprint
        var keyId: String
        var rendering: String
        /// Colliding pseudonyms per domain label, as last reported.
        var collisions: [String: Int]
    }

    /// Compares the register with what was remembered; when it (or the key, the rendering, or
    /// the set of domains checked) changed, reports the collisions and remembers the new state.
    private func noteRegister(project: IntakeConfig.Project, key: ProjectKey, rendering: PseudonymRendering,
                              index: RegisterIndex) throws {
        let counts = Dictionary(index.collisions.map { ($0.domain, $0.collisions) }, uniquingKeysWith: +)
        let statePath = stateDirectory.map { $0 + "/" + project.id + ".json" }
        let old = statePath.flatMap { try? FileSystem.readAll($0, limitByteCount: 1 << 16) }
            .flatMap { try? JSONDecoder().decode(RegisterState.self, from: Data($0)) }
        var fingerprint = try RegisterFingerprint.cheap(path: project.register)
        let sameSetting = old.map { $0.register == project.register && $0.keyId == key.keyId && $0.rendering == rendering.description } ?? false
        let domainsKnown = old.map { o in counts.keys.allSatisfy { o.collisions[$0] != nil } } ?? false
        if let old, sameSetting, old.fingerprint.sameSizeAndTime(as: fingerprint) {
            fingerprint.sha256 = old.fingerprint.sha256
        } else {
            fingerprint = try RegisterFingerprint.full(path: project.register)
        }
        let sameContent = old.map { $0.fingerprint.sha256 != nil && $0.fingerprint.sha256 == fingerprint.sha256 } ?? false
        let registerChanged = !(sameSetting && sameContent)
        if !registerChanged && domainsKnown && old?.fingerprint == fingerprint { return }
        // A new domain of an unchanged register adds its counts; a changed register starts afresh.
        let merged = registerChanged ? counts : (old?.collisions ?? [:]).merging(counts) { $1 }
        if registerChanged || !domainsKnown {
            changed.insert(project.id)
            let list = index.collisions.map { "\($0.domain) \($0.collisions)" }.joined(separator: ", ")
            let total = counts.values.reduce(0, +)
            writeStandardError("sluis: project \(project.id): register \(project.register) is new or changed; under the project key "
                + "\(key.keyId) it has \(total) colliding pseudonym\(total == 1 ? "" : "s") (\(list))"
                + (total > 0 ? ", never linked on (docs/intake.md, \"Collisions\")" : ""))
        }
        guard let statePath, let directory = stateDirectory else { return }
        try FileSystem.makeDirectories(directory, mode: 0o700)
        let state = RegisterState(register: project.register, fingerprint: fingerprint, keyId: key.keyId,
                                  rendering: rendering.description, collisions: merged)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FileSystem.writeAtomically(Array(try encoder.encode(state)) + [0x0A], to: statePath, mode: 0o600)
    }

    /// The project's `link` settings from intake.json, read as link.json is, with errors that
    /// name intake.json and the JSON path.
    func settings(_ project: IntakeConfig.Project) throws -> LinkConfig {
        try Self.checkSettings(of: project, configPath: configPath)
    }

    /// Reads and checks a project's `link` settings (register column roles, `onCollision`),
    /// throwing `InboxError.config` with intake.json's path and the JSON path; for a
    /// configuration check before any package arrives as well as for linking.
    public static func checkSettings(of project: IntakeConfig.Project, configPath: String) throws -> LinkConfig {
        let prefix = "projects.\(project.id).link."
        let invalid = InboxError.config(path: configPath, jsonPath: String(prefix.dropLast()), problem: "not valid link settings (docs/intake.md)")
        guard let data = try? JSONEncoder().encode(project.link),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw invalid }
        // The register setting first: its faults have a JSON path more precise than the decoder's.
        if let (jsonPath, problem) = LinkConfig.checkRegisterSetting(object["register"], at: prefix, allowPath: false) {
            throw InboxError.config(path: configPath, jsonPath: jsonPath, problem: problem)
        }
        guard let settings = try? JSONDecoder().decode(LinkConfig.self, from: data) else { throw invalid }
        if let text = settings.onCollision, CollisionPolicy(setting: text) == nil {
            throw InboxError.config(path: configPath, jsonPath: prefix + "onCollision", problem: "must be \(CollisionPolicy.settingValues)")
        }
        return settings
    }
}
