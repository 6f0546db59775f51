import SluisFormats

/// Ordinary least squares and logistic regression over streamed microdata, with an intercept.
///
/// OLS needs one pass: it accumulates X'X, X'y and y'y (k×k numbers however many rows). Logistic
/// regression is Newton–Raphson (iteratively reweighted least squares): one pass per iteration,
/// reopening the file each time, so memory stays flat as well. Rows with an empty y or x are skipped.
public enum Regression {
    /// A fitted model: coefficients with standard errors and the sizes the model rules judge.
    public struct Fit: Sendable {
        /// The intercept and the x variables, in order.
        public var terms: [String]
        /// One estimate per term.
        public var coefficients: [Double]
        /// One standard error per term.
        public var standardErrors: [Double]
        /// Records fitted on (rows with a value for y and every x).
        public var n: Int
        /// N minus the number of terms: what the model rule's threshold applies to.
        public var residualDF: Int { n - terms.count }
        /// Rows left out for an empty y or x.
        public var rowsSkipped: Int
        /// Newton–Raphson iterations (1 for OLS).
        public var iterations: Int
    }

    /// A logistic fit that has not converged after this many iterations is refused.
    public static let maximumIterations = 30

    /// Fits y on x; `open` opens a fresh pass over the microdata.
    public static func fit(open: () throws -> RowSource, y: String, x: [String], logit: Bool) throws -> Fit {
        let k = x.count + 1
        var beta = [Double](repeating: 0, count: k)
        var iterations = 0
        while true {
            let source = try open()
            let names = source.columnNames
            func column(_ name: String) throws -> Int {
                guard let i = names.firstIndex(of: name) else { throw OutputError.unknownColumn(path: source.path, column: name) }
                return i
            }
            let yi = try column(y)
            let xi = try x.map(column)
            var xtx = [Double](repeating: 0, count: k * k)
            var xty = [Double](repeating: 0, count: k)
            var yty = 0.0
            var n = 0, skipped = 0
            var row = [Double](repeating: 1, count: k)
            try source.forEachRow { fields, line in
                guard fields[yi].count > 0, xi.allSatisfy({ fields[$0].count > 0 }) else { skipped += 1; return }
                guard let yv = NumberText.parse(fields[yi]) else { throw OutputError.notANumber(path: source.path, line: line, column: y) }
                for (j, c) in xi.enumerated() {
                    guard let v = NumberText.parse(fields[c]) else { throw OutputError.notANumber(path: source.path, line: line, column: names[c]) }
                    row[j + 1] = v
                }
                var weight = 1.0, target = yv
                if logit {
                    guard yv == 0 || yv == 1 else {
                        throw OutputError.modelRefused(path: source.path, detail: "line \(line): --logit needs \(y) to be 0 or 1")
                    }
                    var eta = 0.0
                    for j in 0..<k { eta += row[j] * beta[j] }
                    let p = 1 / (1 + (-eta).exp)
                    weight = max(p * (1 - p), 1e-12)
                    // Newton step as weighted least squares on the working response.
                    target = eta + (yv - p) / weight
                }
                for a in 0..<k {
                    xty[a] += weight * row[a] * target
                    for b in a..<k { xtx[a * k + b] += weight * row[a] * row[b] }
                }
                yty += target * target * weight
                n += 1
            }
            for a in 0..<k { for b in 0..<a { xtx[a * k + b] = xtx[b * k + a] } }
            guard n > k else {
                throw OutputError.modelRefused(path: source.path, detail: "\(n) complete rows for \(k) parameters")
            }
            guard let inverse = invert(xtx, k) else {
                throw OutputError.modelRefused(path: source.path, detail: "the x variables are collinear (or constant)")
            }
            var next = [Double](repeating: 0, count: k)
            for a in 0..<k { for b in 0..<k { next[a] += inverse[a * k + b] * xty[b] } }
            iterations += 1
            if !logit {
                var rss = yty
                for a in 0..<k { rss -= next[a] * xty[a] }
                let sigma2 = max(rss, 0) / Double(n - k)
                return Fit(terms: ["(intercept)"] + x, coefficients: next,
                           standardErrors: (0..<k).map { (sigma2 * inverse[$0 * k + $0]).squareRoot() },
                           n: n, rowsSkipped: skipped, iterations: 1)
            }
            let change = zip(next, beta).map { abs($0 - $1) }.max() ?? 0
            beta = next
            if change < 1e-9 * max(1, beta.map(abs).max() ?? 1) {
                guard beta.allSatisfy(\.isFinite) else { break }
                return Fit(terms: ["(intercept)"] + x, coefficients: beta,
                           standardErrors: (0..<k).map { inverse[$0 * k + $0].squareRoot() },
                           n: n, rowsSkipped: skipped, iterations: iterations)
            }
            if iterations >= maximumIterations { break }
        }
        throw OutputError.modelRefused(path: (try? open().path) ?? "the data",
                                       detail: "the logistic regression did not converge in \(maximumIterations) iterations (separation?)")
    }

    /// Gauss–Jordan inverse with partial pivoting; nil when (numerically) singular.
    static func invert(_ m: [Double], _ k: Int) -> [Double]? {
        var a = m
        var inv = [Double](repeating: 0, count: k * k)
        for i in 0..<k { inv[i * k + i] = 1 }
        let scale = max((0..<k).map { abs(m[$0 * k + $0]) }.max() ?? 1, 1e-300)
        for col in 0..<k {
            var pivot = col
            for r in col..<k where abs(a[r * k + col]) > abs(a[pivot * k + col]) { pivot = r }
            guard abs(a[pivot * k + col]) > 1e-12 * scale else { return nil }
            if pivot != col {
                for j in 0..<k { a.swapAt(col * k + j, pivot * k + j); inv.swapAt(col * k + j, pivot * k + j) }
            }
            let d = a[col * k + col]
            for j in 0..<k { a[col * k + j] /= d; inv[col * k + j] /= d }
            for r in 0..<k where r != col {
                let f = a[r * k + col]
                if f == 0 { continue }
                for j in 0..<k { a[r * k + j] -= f * a[col * k + j]; inv[r * k + j] -= f * inv[col * k + j] }
            }
        }
        return inv
    }
}

extension Double {
    fileprivate var exp: Double { Foundation.exp(self) }
}

import Foundation
