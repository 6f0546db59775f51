import SluisIO
import SluisPipeline

/// Human-readable renderings of the pipeline reports (counts and line numbers only).
enum ReportText {
    static func check(_ report: CheckReport) -> String {
        var s = "config \(report.config): project \(report.project), rendering \(report.rendering)\n"
        for f in report.files { s += file(f) }
        s += report.mustRefuse ? "sealing would REFUSE:\n" + report.refusals.map { "  - \($0)\n" }.joined() : "sealing may go ahead\n"
        return s
    }

    static func pseudonymise(_ report: PseudonymiseReport, directory: String) -> String {
        var s = "project \(report.project), key \(report.keyId), rendering \(report.rendering), normaliser v\(report.normaliserVersion)\n"
        for (f, name) in zip(report.files, report.outputs) {
            s += file(f)
            s += "  written: \(joinPath(directory, name))\n"
        }
        s += "  report: \(joinPath(directory, "report.json"))\n"
        return s
    }

    static func file(_ f: FileReport) -> String {
        var s = "\(f.path): \(f.format), \(f.encoding), \(f.inputDialect); \(f.rowsIn) rows in, \(f.rowsOut) out"
        s += f.rowsRejected > 0 ? ", \(f.rowsRejected) rejected\n" : "\n"
        for c in f.columns {
            s += "  \(c.name): \(c.detail)\n"
        }
        for i in f.invalid {
            let part = i.part.map { " in part \($0)" } ?? ""
            s += "  invalid \(i.column): \(i.tally.count) \(i.reason)\(part) (policy \(i.policy); lines \(lines(i.tally)))\n"
        }
        for r in f.residuals {
            s += "  residual \(r.column): \(r.tally.count) look like \(r.kind)\(r.allowed ? " (allowed)" : "") (lines \(lines(r.tally)))\n"
        }
        for n in f.notes { s += "  note: \(n)\n" }
        for w in f.warnings { s += "  warning: \(w)\n" }
        return s
    }

    static func lines(_ t: LineTally) -> String {
        t.lines.map(String.init).joined(separator: ", ") + (t.count > t.lines.count ? ", …" : "")
    }
}
