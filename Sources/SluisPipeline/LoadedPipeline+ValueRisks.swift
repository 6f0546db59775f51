import SluisCore
import SluisFormats

/// `sluis check`'s look at the values of kept columns for names and street addresses, which the
/// residual scanner cannot recognise by form alone (docs/pipeline.md, "What check warns about").
///
/// Why a sample and not every row: these are warnings drawn from patterns, not proof, and the
/// first rows show a column's kind; reading them in a separate short pass keeps the row loop of
/// `check` and `seal` exactly as fast as before.
extension LoadedPipeline {
    /// Rows read per file for the value warnings.
    public static let valueSampleRowCount = 1000

    /// Warnings for kept columns of file `index` whose sampled values look like street addresses
    /// (any) or like personal names (at least half of the non-empty ones). Never quotes a value.
    public func valueWarnings(_ index: Int) throws -> [String] {
        let file = config.files[index]
        let source: RowSource
        if inputFormat(index).isStatistical {
            source = try openStatisticalSource(index)
        } else {
            if try isEmptyCSV(index) { return [] }
            source = try openSource(index)
        }
        let kept = source.columnNames.enumerated().filter { _, name in
            if case .keep = file.column(named: name)?.action { return true } else { return false }
        }
        guard !kept.isEmpty else { return [] }
        var addresses = [LineTally](repeating: LineTally(), count: kept.count)
        var names = [Int](repeating: 0, count: kept.count)
        var nonEmpty = [Int](repeating: 0, count: kept.count)
        var rows = 0
        do {
            try source.forEachRow { row, line in
                for (k, column) in kept.enumerated() {
                    let bytes = row[column.offset]
                    guard !bytes.allSatisfy({ $0 == 0x20 }) else { continue }
                    nonEmpty[k] += 1
                    let text = String(decoding: bytes, as: UTF8.self)
                    if ValuePatterns.looksLikeAddress(text) { addresses[k].add(line: line) }
                    if ValuePatterns.looksLikeName(text) { names[k] += 1 }
                }
                rows += 1
                if rows >= Self.valueSampleRowCount { throw SampleComplete() }
            }
        } catch is SampleComplete {}
        var warnings: [String] = []
        for (k, column) in kept.enumerated() {
            if addresses[k].count > 0 {
                let lines = addresses[k].lines.map(String.init).joined(separator: ", ")
                warnings.append("\(file.path): column \(column.element) is kept but \(addresses[k].count) of its first \(rows) values look like a street and house number (lines \(lines)\(addresses[k].count > addresses[k].lines.count ? ", …" : ""))")
            }
            if nonEmpty[k] > 0, names[k] * 2 >= nonEmpty[k] {
                warnings.append("\(file.path): column \(column.element) is kept but \(names[k]) of its first \(nonEmpty[k]) non-empty values look like personal names")
            }
        }
        return warnings
    }
}

private struct SampleComplete: Error {}

/// The patterns, on one value.
enum ValuePatterns {
    /// Endings of Dutch street names.
    static let streetEndings = ["straat", "laan", "weg", "plein", "gracht", "kade", "singel", "dijk", "steeg", "dreef", "pad", "hof", "markt", "park", "wal"]
    /// Dutch name particles (tussenvoegsels) that may stand between a first and a last name.
    static let particles: Set<String> = ["van", "de", "der", "den", "het", "ter", "ten", "te", "la", "le", "op", "in", "'t", "d'", "van't", "v."]

    /// A word ending in a street ending, then a space and a house number (`Kerkstraat 12`, `Lange Voorhout 9` does not count).
    static func looksLikeAddress(_ value: String) -> Bool {
        let words = value.lowercased().split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" })
        for (i, word) in words.enumerated() where i + 1 < words.count {
            guard word.count > 3, streetEndings.contains(where: { word.hasSuffix($0) }) else { continue }
            if let first = words[i + 1].unicodeScalars.first, ("1"..."9").contains(first) { return true }
        }
        return false
    }

    /// Two to five words: a capitalised first and last word, name particles in between
    /// (`Jan de Vries`, `Émile Zoë`, `Anna van der Berg-Smit`); no digits.
    static func looksLikeName(_ value: String) -> Bool {
        let words = value.split(separator: " ")
        guard (2...5).contains(words.count), !value.contains(where: \.isNumber) else { return false }
        func capitalised(_ w: Substring) -> Bool {
            guard let f = w.first, f.isUppercase, w.count >= 2 else { return false }
            return w.dropFirst().allSatisfy { $0.isLetter || $0 == "-" || $0 == "'" }
                && w.dropFirst().contains(where: \.isLowercase)
        }
        guard capitalised(words[0]), capitalised(words[words.count - 1]) else { return false }
        return words.dropFirst().dropLast().allSatisfy { particles.contains($0.lowercased()) || capitalised($0) }
    }
}
