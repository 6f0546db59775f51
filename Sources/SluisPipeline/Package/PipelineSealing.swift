import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO

/// Sealing refused because a kept column holds values that look like direct identifiers.
/// The messages name files, columns, kinds and line numbers, never the values.
public struct SealRefusal: SluisError {
    /// One message per file and column that holds identifiers (file, column, kind, lines; never values).
    public let reasons: [String]
    /// Identifiers where none may be are a fault of the data (exit 3).
    public var category: FailureCategory { .data }
    /// All reasons, one per line, after saying nothing was written.
    public var description: String {
        "sealing refused, nothing was written:\n  " + reasons.joined(separator: "\n  ")
    }
}

extension LoadedPipeline {
    /// The files of this pipeline as sources for `PackageSealer`: each streams the researcher's
    /// file through pseudonymisation straight into the package's encryptor, and refuses (throwing,
    /// so the package is discarded) when residual identifiers turn up in a column that does not
    /// allow them.
    public func sealSources(key: PseudonymKey) -> [SealSource] {
        config.files.indices.map { index in
            SealSource(name: outputName(index), sourcePath: config.files[index].path, format: outputFormat(index).rawValue) { sink in
                let report = try pseudonymiseFile(index, key: key, into: sink)
                let refusals = report.refusals
                if !refusals.isEmpty { throw SealRefusal(reasons: refusals) }
                return sealedDescription(index, report: report)
            }
        }
    }

    /// The names the files would have in a package follow the format's rules and do not collide
    /// (what `seal` checks first), so `check` can refuse them too.
    public func checkPackageNames() throws {
        try PackageSealer.checkNames(config.files.indices.map { (name: outputName($0), path: config.files[$0].path) })
    }

    /// The inner-manifest description of file `index` after a run.
    func sealedDescription(_ index: Int, report: FileReport) -> SealedFileDescription {
        var invalid: [String: [String: UInt64]] = [:]
        for i in report.invalid { invalid[i.column, default: [:]][i.reason, default: 0] += UInt64(i.tally.count) }
        var residual: [String: [String: UInt64]] = [:]
        for r in report.residuals where r.tally.count > 0 { residual[r.column, default: [:]][r.kind, default: 0] += UInt64(r.tally.count) }
        var dialect: [String: String]? = nil
        if outputFormat(index) == .csv { dialect = ["dialect": report.outputDialect] }
        return SealedFileDescription(columns: innerColumns(index), rows: UInt64(report.rowsOut), rowsRead: UInt64(report.rowsIn),
                                     invalidIdentifiers: invalid, residualFindings: residual, dialect: dialect)
    }

    /// Every input column with its action, and the pseudonym columns with their domains, so the
    /// intake's linker knows which output columns hold which kind of pseudonym.
    public func innerColumns(_ index: Int) -> [InnerManifest.Column] {
        let file = config.files[index]
        let rendering = config.rendering.description
        var out: [InnerManifest.Column] = []
        for column in file.columns {
            switch column.action {
            case .keep:
                out.append(.init(name: column.name, action: "keep", output: true))
            case .drop:
                out.append(.init(name: column.name, action: "drop", output: false))
            case let .pseudonymise(kind, outputName, _):
                out.append(.init(name: outputName, action: "pseudonymise", domain: PseudonymDomain(kind).label,
                                 rendering: rendering, from: [column.name], output: true))
            case let .generalise(g, _):
                out.append(.init(name: column.name, action: "generalise", from: [column.name], to: g.description, output: true))
            }
        }
        for composite in file.pseudonyms {
            out.append(.init(name: composite.outputName, action: "pseudonym", domain: composite.domain?.label,
                             rendering: rendering, from: composite.parts.map(\.column), output: true))
        }
        return out
    }

    /// The configuration as sealed, without key paths, as a JSON value for the inner manifest.
    public var sealedConfiguration: JSONValue { config.json(includingKeyPaths: false) }
}
