import Foundation
import SluisCore
import SluisCrypto
import SluisIO

/// Rechecks one output against its evidence under the checker's policy: the hash binds the two;
/// every cell is judged again by `DisclosureRules`; every suppressed figure must show the marker;
/// and for count and sum tables the audit is run again from the figures the file itself
/// publishes, so an evidence file that overstates its protection does not help.
enum EvidenceCheck {
    static func read(_ path: String) throws -> Evidence {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readAll(path, limitByteCount: 512 << 20) } catch {
            throw OutputError.evidenceInvalid(path: path, detail: "it cannot be read")
        }
        guard let e = try? JSONDecoder().decode(Evidence.self, from: Data(bytes)), e.format == Evidence.formatName,
              e.version == Evidence.currentVersion else {
            throw OutputError.evidenceInvalid(path: path, detail: "it is not a sluis evidence file of version \(Evidence.currentVersion)")
        }
        return e
    }

    static func fileSHA256(_ path: String) throws -> String {
        let input = try FileInput(path: path)
        let hasher = SHA256Hasher()
        var block = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try block.withUnsafeMutableBytes { try input.read(into: $0) }
            if n == 0 { break }
            block.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return Hex.encode(hasher.finalize())
    }

    /// Findings for `outputPath` (whose SHA-256 is `sha256`) against evidence `e`.
    static func findings(output outputPath: String, name: String, sha256: String, evidence e: Evidence,
                         policy: OutputPolicy) throws -> [CheckReport.Finding] {
        var out: [CheckReport.Finding] = []
        func add(_ kind: String, _ line: Int?, _ column: Int?, _ detail: String, _ status: CheckReport.Status) {
            out.append(.init(kind: kind, line: line, column: column, detail: detail, status: status))
        }
        guard e.file == name, Sodium.constantTimeEqual(Array(e.sha256.utf8), Array(sha256.utf8)) else {
            add("evidence", nil, nil, "the file's SHA-256 is not the one its evidence was made for (changed after it was made?)", .mismatch)
            return out
        }
        if e.policy.sha256 != policy.sha256 {
            add("policy", nil, nil, "made under policy \(e.policy.name) version \(e.policy.version); rechecked under "
                + "\(policy.name) version \(policy.version)", .pass)
        }
        let rules = DisclosureRules(policy: policy)
        if let m = e.model {
            if rules.modelIsUnsafe(residualDF: m.residualDF) {
                add("rule", nil, nil, "residual degrees of freedom \(m.residualDF) < \(policy.model.minimumResidualDF)", .fail)
            }
            return out
        }
        guard let t = e.table else {
            add("evidence", nil, nil, "the evidence describes neither a table nor a model", .mismatch)
            return out
        }
        let published = try TableFile.fields(outputPath)
        let rounded = t.treatment.hasPrefix("rounding:")
        if rounded && !policy.rounding.allowed {
            add("rule", nil, nil, "the table is rounded but the policy does not allow rounding", .fail)
        }
        for c in t.cells {
            let found = rules.findings(for: c.statistics, magnitude: t.statistic != .count)
            let unsafe = found.filter(\.isUnsafe)
            let suppressed = c.status == .primary || c.status == .secondary
            if !unsafe.isEmpty && !suppressed && !(rounded && c.status == .rounded) {
                add("rule", c.line, c.field, "breaks " + unsafe.map(\.rawValue).joined(separator: ", ") + " but is published", .fail)
            }
            if found.contains(.negativeValues) {
                add("needs-review", c.line, c.field, "negative contributions: dominance judged on absolute values", .review)
            }
            let shown = published.field(line: c.line, field: c.field)
            if suppressed {
                if shown != policy.suppressionMarker && shown != e.rules.suppressionMarker {
                    add("marker", c.line, c.field, "suppressed in the evidence but not marked in the file", .fail)
                }
                if let w = c.intervalWidth, w <= SuppressionAudit.exposureTolerance(abs(c.interval?.lower ?? 0)) {
                    add("audit", c.line, c.field, "the evidence's audit found this suppressed figure recomputable", .fail)
                }
            } else if shown == nil {
                add("marker", c.line, c.field, "the evidence names a figure the file does not have", .mismatch)
            }
        }
        if !rounded && t.statistic != .mean {
            for exposure in try reaudit(t, published: published) {
                let c = t.cells[exposure]
                add("audit", c.line, c.field, "this suppressed figure can be recomputed from the published figures", .fail)
            }
        }
        return out
    }

    /// The audit again, from the file's own figures.
    static func reaudit(_ t: Evidence.TableEvidence, published: TableFile) throws -> [Int] {
        let twoWay = !t.columns.isEmpty
        let rows = t.cells.filter { $0.kind == (twoWay ? .rowMargin : .cell) }.count
        let columns = twoWay ? t.cells.filter { $0.kind == .columnMargin }.count : 1
        var cells: [ProtectedTable.Cell] = []
        var suppressed: [Bool] = []
        var negative = false
        for c in t.cells {
            let isSuppressed = c.status == .primary || c.status == .secondary
            let value = isSuppressed ? 0 : (published.field(line: c.line, field: c.field).flatMap { Double($0) } ?? 0)
            if value < 0 || (c.negativeValues ?? 0) > 0 { negative = true }
            cells.append(.init(kind: c.kind, row: nil, column: nil, statistics: c.statistics, weightedCount: c.weightedN,
                               value: value, additiveValue: value, findings: [], status: c.status, interval: nil))
            suppressed.append(isSuppressed)
        }
        guard suppressed.contains(true), cells.count == (twoWay ? rows * columns + rows + columns + 1 : rows + 1) else { return [] }
        let table = ProtectedTable(rowLabels: Array(repeating: [], count: rows), columnLabels: Array(repeating: [], count: twoWay ? columns : 0),
                                   twoWay: twoWay, cells: cells,
                                   lines: ProtectedTable.lines(rows: rows, columns: columns, twoWay: twoWay),
                                   allowsNegative: negative, integral: t.statistic == .count && t.weight == nil)
        return try SuppressionAudit.exposures(table, suppressed: suppressed).map(\.cell)
    }
}

/// The fields of a small CSV output (a table), by 1-based line and field.
struct TableFile {
    var lines: [[String]]

    static func fields(_ path: String) throws -> TableFile {
        let bytes = try FileSystem.readAll(path, limitByteCount: 256 << 20)
        var lines: [[String]] = [], fields: [String] = [], field: [UInt8] = []
        var inQuotes = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == 0x22 {
                    if i + 1 < bytes.count && bytes[i + 1] == 0x22 { field.append(0x22); i += 1 } else { inQuotes = false }
                } else { field.append(b) }
            } else if b == 0x22 { inQuotes = true
            } else if b == 0x2C { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll()
            } else if b == 0x0A {
                fields.append(String(decoding: field, as: UTF8.self)); field.removeAll()
                lines.append(fields); fields.removeAll()
            } else if b != 0x0D { field.append(b) }
            i += 1
        }
        if !field.isEmpty || !fields.isEmpty { fields.append(String(decoding: field, as: UTF8.self)); lines.append(fields) }
        return TableFile(lines: lines)
    }

    func field(line: Int, field: Int) -> String? {
        guard line >= 1, line <= lines.count, field >= 1, field <= lines[line - 1].count else { return nil }
        return lines[line - 1][field - 1]
    }
}
