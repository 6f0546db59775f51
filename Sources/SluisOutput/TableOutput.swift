import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO

/// `sluis output table`: microdata in, a protected table and its evidence out.
public enum TableOutput {
    /// What `table` wrote.
    public struct Result: Sendable {
        /// The table with every cell's statistics, findings and status.
        public var table: ProtectedTable
        /// The evidence written beside the table.
        public var evidence: Evidence
        /// Where the table was written.
        public var outputPath: String
        /// Where its evidence was written.
        public var evidencePath: String
    }

    /// Reads `source` once, protects the table (primary, then secondary suppression with its
    /// audit — or rounding), and writes the table and its evidence. Both appear whole or not at all.
    public static func run(source: RowSource, specification: TableSpecification, policy: OutputPolicy,
                           round: Bool, outputPath: String, replace: Bool = false, toolVersion: String) throws -> Result {
        if specification.statistic != .count && specification.value == nil {
            throw OutputError.usage("--stat \(specification.statistic.rawValue) needs --value")
        }
        if round {
            guard policy.rounding.allowed else {
                throw OutputError.usage("the policy \(policy.name) version \(policy.version) does not allow rounding (rounding.allowed)")
            }
            guard specification.statistic == .count else { throw OutputError.usage("--round applies to frequency tables only") }
        }
        let evidencePath = outputPath + Evidence.fileSuffix
        try OutputFiles.refuseExisting([outputPath, evidencePath], replace: replace)

        let aggregator = TableAggregator(specification: specification, topCount: policy.topContributionCount,
                                         byInstitution: policy.table.dominanceByInstitution)
        try aggregator.read(source)
        var table = TableBuilder.build(aggregator, policy: policy)
        if round {
            let base = Double(policy.rounding.base)
            for i in table.cells.indices {
                let v = table.cells[i].additiveValue
                table.cells[i].value = (v / base).rounded(.toNearestOrAwayFromZero) * base
                table.cells[i].status = .rounded
            }
        } else {
            try SecondarySuppression.protect(&table)
        }

        let text = TableText.render(table, specification: specification, policy: policy)
        let bytes = Array(text.utf8)
        let name = splitPath(outputPath).name
        let cells = TableText.cellEvidence(table, specification: specification)
        let suppressedWidths = cells.compactMap { $0.status == .primary || $0.status == .secondary ? $0.intervalWidth : nil }
        let evidence = Evidence(
            format: Evidence.formatName, version: Evidence.currentVersion, kind: "table", file: name,
            sha256: Hex.encode(SHA256Hasher.hash(bytes)), policy: policy.reference, rules: policy,
            createdAt: OutputClock.now(), tool: "sluis " + toolVersion,
            table: .init(rows: specification.rows, columns: specification.columns, statistic: specification.statistic,
                         value: specification.value, weight: specification.weight, institution: specification.institution,
                         rowsRead: aggregator.rowsRead, rowsSkipped: aggregator.rowsSkipped,
                         treatment: round ? "rounding:\(policy.rounding.base)" : "suppression", cells: cells,
                         primaryCount: cells.filter { $0.status == .primary }.count,
                         secondaryCount: cells.filter { $0.status == .secondary }.count,
                         minimumIntervalWidth: suppressedWidths.min()),
            model: nil)
        try OutputFiles.writePair(output: bytes, to: outputPath, evidence: evidence, to: evidencePath, replace: replace)
        return Result(table: table, evidence: evidence, outputPath: outputPath, evidencePath: evidencePath)
    }
}

/// Writing an output and its evidence: both are written in full to unnamed temporary files
/// first, then put in place — output first, evidence second, each made durable and moved in by
/// one rename (or link, when not replacing). If the evidence cannot be put in place, the output
/// is removed again, so no output stands without its evidence. With `replace` (`--force`) a
/// failure while writing leaves the old pair as it was; a crash between the two renames leaves a
/// new output beside the old evidence, which `output check` refuses by its hash.
enum OutputFiles {
    /// An existing output or evidence file is refused unless it is to be replaced.
    static func refuseExisting(_ paths: [String], replace: Bool) throws {
        guard !replace else { return }
        for p in paths where FileSystem.exists(p) { throw OutputError.outputExists(path: p) }
    }

    static func writePair(output: [UInt8], to outputPath: String, evidence: Evidence, to evidencePath: String,
                          replace: Bool = false) throws {
        let evidenceBytes = try CanonicalJSON.bytes(evidence)
        let outputFile = try AtomicFile(path: outputPath, mode: 0o644, overwrite: replace)
        defer { outputFile.discard() }
        let evidenceFile = try AtomicFile(path: evidencePath, mode: 0o644, overwrite: replace)
        defer { evidenceFile.discard() }
        try output.withUnsafeBytes { try outputFile.write($0) }
        try evidenceBytes.withUnsafeBytes { try evidenceFile.write($0) }
        try outputFile.finish()
        try evidenceFile.finish()
        try outputFile.commit()
        do {
            try evidenceFile.commit()
        } catch {
            unlink(outputPath)
            throw error
        }
    }
}

/// UTC timestamps (`2026-12-06T02:30:00Z`) for evidence, decision logs and the audit log.
public enum OutputClock {
    /// Now, in UTC.
    public static func now() -> String { string(Date()) }
    /// `date` in UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    public static func string(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return f.string(from: date)
    }
}
