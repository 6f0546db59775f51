import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisLink
import SluisPipeline

/// The intake job's linking step: links every data file of an opened package to the project's
/// register, with the pseudonym columns and domains its inner manifest names.
///
/// The register index is built once per project and rendering in a run and reused for every
/// package of that project (building it for 17 million persons takes seconds and about 1 GB).
public final class ProjectLinker {
    private var indexes: [String: RegisterIndex] = [:]

    public init() {}

    /// The `InboxLinker` for `Inbox`.
    public func link(_ opened: OpenedPackage, _ output: String, _ project: IntakeConfig.Project) throws -> LinkOutcome {
        let settings = try Self.settings(project)
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
            throw InboxError.config(path: project.id, jsonPath: "link.rendering", problem: "not a rendering such as decimal:17")
        }
        let cacheKey = project.id + "|" + renderingText
        let index: RegisterIndex
        if let cached = indexes[cacheKey] {
            index = cached
        } else {
            let builder = RegisterIndexBuilder(projectKey: projectKey.secret, projectId: projectKey.projectId, rendering: rendering,
                                               columns: settings.register?.columns ?? RegisterColumns(), domains: LinkDomains.standard)
            index = try builder.build(from: CSVReader(path: project.register))
            indexes[cacheKey] = index
        }
        let linker = TableLinker(index: index, surrogateSecret: surrogate, projectId: projectKey.projectId, options: settings.options)
        let report = try LinkFiles.run(inputs, outputDirectory: output, linker: linker, formats: LinkFormats.all)
        try FileSystem.writeAtomically(Array(report.json.utf8) + [0x0A], to: output + "/link-report.json", mode: 0o640)
        let rows = report.files.reduce(UInt64(0)) { $0 + UInt64($1.rows) }
        return LinkOutcome(rows: rows, linkRate: report.linkRate.map { ($0 * 1000).rounded() / 10 })
    }

    /// The project's `link` settings from intake.json, read as link.json is.
    static func settings(_ project: IntakeConfig.Project) throws -> LinkConfig {
        let encoder = JSONEncoder()
        guard let data = try? encoder.encode(project.link),
              let settings = try? JSONDecoder().decode(LinkConfig.self, from: data) else {
            throw InboxError.config(path: project.id, jsonPath: "projects.\(project.id).link", problem: "not valid link settings (docs/intake.md)")
        }
        return settings
    }
}
