import SluisCore
import SluisCrypto
import SluisIO

/// `sluis output model`: a regression table and its evidence, refused (nothing written) when
/// the residual degrees of freedom break the policy's rule.
public enum ModelOutput {
    /// What `model` wrote.
    public struct Result: Sendable {
        /// The fitted model.
        public var fit: Regression.Fit
        /// The evidence written beside it.
        public var evidence: Evidence
        /// Where the model's table was written.
        public var outputPath: String
        /// Where its evidence was written.
        public var evidencePath: String
    }

    /// Fits `y` on `x` (OLS, or logistic with `logit`) and writes the coefficients and evidence; refuses a model the policy's rules forbid, writing nothing.
    public static func run(dataPath: String, y: String, x: [String], logit: Bool, policy: OutputPolicy,
                           outputPath: String, replace: Bool = false, toolVersion: String) throws -> Result {
        guard !x.isEmpty else { throw OutputError.usage("give at least one --x variable") }
        let evidencePath = outputPath + Evidence.fileSuffix
        try OutputFiles.refuseExisting([outputPath, evidencePath], replace: replace)
        let fit = try Regression.fit(open: { try MicrodataSource.open(path: dataPath) }, y: y, x: x, logit: logit)
        if DisclosureRules(policy: policy).modelIsUnsafe(residualDF: fit.residualDF) {
            throw OutputError.modelRefused(path: dataPath, detail: "residual degrees of freedom \(fit.residualDF) < "
                + "\(policy.model.minimumResidualDF) (policy \(policy.name) version \(policy.version))")
        }
        var text = TableText.line(["term", "coefficient", "standard error"])
        for (i, term) in fit.terms.enumerated() {
            text += TableText.line([term, "\(fit.coefficients[i])", "\(fit.standardErrors[i])"])
        }
        text += TableText.line(["N", NumberText.format(Double(fit.n)), ""])
        text += TableText.line(["residual df", NumberText.format(Double(fit.residualDF)), ""])
        let bytes = Array(text.utf8)
        let evidence = Evidence(
            format: Evidence.formatName, version: Evidence.currentVersion, kind: "model", file: splitPath(outputPath).name,
            sha256: Hex.encode(SHA256Hasher.hash(bytes)), policy: policy.reference, rules: policy,
            createdAt: OutputClock.now(), tool: "sluis " + toolVersion, table: nil,
            model: .init(method: logit ? "logit" : "ols", y: y, x: x, n: fit.n, parameters: fit.terms.count,
                         residualDF: fit.residualDF, rowsSkipped: fit.rowsSkipped, findings: [], status: "safe"))
        try OutputFiles.writePair(output: bytes, to: outputPath, evidence: evidence, to: evidencePath, replace: replace)
        return Result(fit: fit, evidence: evidence, outputPath: outputPath, evidencePath: evidencePath)
    }
}
