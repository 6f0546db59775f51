/// Typed access to pipeline.json members with errors that name the JSON path.
struct ConfigReader {
    let file: String

    func fail(_ path: String, _ problem: String) -> PipelineConfigError {
        .invalid(file: file, path: path.isEmpty ? "(top level)" : path, problem: problem)
    }

    func missing(_ path: String, _ what: String? = nil) -> PipelineConfigError {
        fail(path, "is missing" + (what.map { "; give \($0)" } ?? ""))
    }

    func type(_ path: String, _ expected: String, _ found: JSONValue) -> PipelineConfigError {
        switch found {
        case let .object(members) where members.isEmpty: return fail(path, "must be \(expected), not an empty object")
        case let .array(items) where items.isEmpty: return fail(path, "must be \(expected), not an empty array")
        default: return fail(path, "must be \(expected), not \(found.typeName == "array" || found.typeName == "object" ? "an" : "a") \(found.typeName)")
        }
    }

    /// An object whose member names must all be in `allowed`.
    func object(_ value: JSONValue, _ path: String, allowed: [String]) throws -> JSONValue {
        guard case let .object(members) = value else { throw type(path, "an object", value) }
        for (key, _) in members where !allowed.contains(key) {
            throw fail(join(path, key), "unknown field; allowed here: " + allowed.filter { !$0.hasPrefix("$") && $0 != "comment" }.joined(separator: ", "))
        }
        return value
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func string(_ value: JSONValue?, _ path: String) throws -> String? {
        guard let value else { return nil }
        guard case let .string(s) = value else { throw type(path, "a string", value) }
        return s
    }

    func int(_ value: JSONValue?, _ path: String) throws -> Int? {
        guard let value else { return nil }
        guard case let .number(n) = value, n == n.rounded(), abs(n) < 1e12 else { throw type(path, "a whole number", value) }
        return Int(n)
    }

    func bool(_ value: JSONValue?, _ path: String) throws -> Bool? {
        guard let value else { return nil }
        guard case let .bool(b) = value else { throw type(path, "true or false", value) }
        return b
    }

    func fileConfig(_ value: JSONValue, _ path: String) throws -> FileConfig {
        let f = try object(value, path, allowed: ["path", "format", "outputFormat", "delimiter", "encoding", "outputDelimiter", "columns", "pseudonyms", "comment"])
        guard let filePath = try string(f["path"], join(path, "path")), !filePath.isEmpty else { throw missing(join(path, "path"), "the data file's path") }
        var delimiter: UInt8?
        if let d = try string(f["delimiter"], join(path, "delimiter")) {
            guard let byte = DelimiterText.byte(named: d) else { throw fail(join(path, "delimiter"), "use \",\", \";\", \"|\" or \"tab\"") }
            delimiter = byte
        }
        var outputDelimiter: UInt8?
        if let d = try string(f["outputDelimiter"], join(path, "outputDelimiter")) {
            guard let byte = DelimiterText.byte(named: d) else { throw fail(join(path, "outputDelimiter"), "use \",\", \";\", \"|\" or \"tab\"") }
            outputDelimiter = byte
        }
        var format: DataFileFormat?
        if let text = try string(f["format"], join(path, "format")) {
            guard let parsed = DataFileFormat(name: text) else { throw fail(join(path, "format"), "use \"csv\", \"sav\", \"zsav\" or \"dta\"") }
            format = parsed
        }
        guard format != nil || DataFileFormat(path: filePath) != nil else {
            throw fail(join(path, "path"), "the extension does not say the format; use .csv, .tsv, .txt, .sav, .zsav or .dta, or state \"format\"")
        }
        var outputFormat: DataFileFormat?
        if let text = try string(f["outputFormat"], join(path, "outputFormat")) {
            guard let parsed = DataFileFormat(name: text) else { throw fail(join(path, "outputFormat"), "use \"csv\", \"sav\", \"zsav\" or \"dta\"") }
            let input = format ?? DataFileFormat(path: filePath)
            guard !(input == .csv && parsed.isStatistical) else {
                throw fail(join(path, "outputFormat"), "a CSV input can only be written as CSV (SPSS/Stata output needs the variables' metadata of an SPSS/Stata input)")
            }
            outputFormat = parsed
        }
        var encoding = TextEncoding.utf8
        if let e = try string(f["encoding"], join(path, "encoding")) {
            guard let parsed = TextEncoding(name: e) else { throw fail(join(path, "encoding"), "use \"utf-8\", \"windows-1252\" or \"iso-8859-1\"") }
            encoding = parsed
        }
        guard let columnsValue = f["columns"] else { throw missing(join(path, "columns"), "an action for every column of the file") }
        guard case let .object(members) = columnsValue, !members.isEmpty else { throw type(join(path, "columns"), "a non-empty object", columnsValue) }
        var columns: [ColumnConfig] = []
        for (name, spec) in members {
            let columnPath = join(join(path, "columns"), name)
            columns.append(ColumnConfig(name: name, action: try columnAction(spec, columnPath, columnName: name),
                                        codes: try codes(spec["codes"], join(columnPath, "codes"))))
        }
        var pseudonyms: [CompositePseudonymConfig] = []
        if let list = f["pseudonyms"] {
            guard case let .array(items) = list else { throw type(join(path, "pseudonyms"), "an array", list) }
            for (i, item) in items.enumerated() {
                pseudonyms.append(try composite(item, join(path, "pseudonyms") + "[\(i)]", columns: columns))
            }
        }
        let config = FileConfig(path: filePath, delimiter: delimiter, encoding: encoding, outputDelimiter: outputDelimiter,
                                format: format, outputFormat: outputFormat, columns: columns, pseudonyms: pseudonyms)
        try checkOutputNames(config, path)
        try checkCodes(config, path)
        return config
    }


    func policy(_ value: JSONValue?, _ path: String) throws -> InvalidIdentifierPolicy {
        guard let text = try string(value, path) else { return .blank }
        guard let p = InvalidIdentifierPolicy(rawValue: text) else { throw fail(path, "use \"blank\", \"reject-row\" or \"fail\"") }
        return p
    }

    func kind(_ value: JSONValue?, _ path: String) throws -> IdentifierKind {
        guard let text = try string(value, path) else { throw missing(path, "one of " + IdentifierKind.allCases.map(\.rawValue).joined(separator: ", ")) }
        guard let k = IdentifierKind(rawValue: text) else {
            throw fail(path, "unknown identifier type; use one of " + IdentifierKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return k
    }

    func columnAction(_ value: JSONValue, _ path: String, columnName: String) throws -> ColumnAction {
        if case let .string(shorthand) = value, shorthand == "keep" || shorthand == "drop" {
            return shorthand == "keep" ? .keep(allowIdentifiers: false) : .drop
        }
        guard case .object = value else { throw type(path, "an object such as {\"action\": \"keep\"}", value) }
        guard let action = try string(value["action"], join(path, "action")) else {
            throw missing(join(path, "action"), "keep, drop, pseudonymise or generalise")
        }
        switch action {
        case "keep":
            _ = try object(value, path, allowed: ["action", "allowIdentifiers", "comment"])
            return .keep(allowIdentifiers: try bool(value["allowIdentifiers"], join(path, "allowIdentifiers")) ?? false)
        case "drop":
            _ = try object(value, path, allowed: ["action", "codes", "comment"])
            return .drop
        case "pseudonymise", "pseudonymize":
            _ = try object(value, path, allowed: ["action", "identifier", "as", "invalid", "codes", "comment"])
            let k = try kind(value["identifier"], join(path, "identifier"))
            let output = try string(value["as"], join(path, "as")) ?? columnName
            guard !output.isEmpty else { throw fail(join(path, "as"), "must not be empty") }
            return .pseudonymise(identifier: k, outputName: output, invalid: try policy(value["invalid"], join(path, "invalid")))
        case "generalise", "generalize":
            _ = try object(value, path, allowed: ["action", "to", "width", "decimal", "invalid", "comment"])
            guard let to = try string(value["to"], join(path, "to")) else { throw missing(join(path, "to"), "year, year-month, pc4 or band") }
            let g: Generalisation
            switch to {
            case "year": g = .year
            case "year-month": g = .yearMonth
            case "pc4": g = .pc4
            case "band":
                guard let w = try int(value["width"], join(path, "width")) else { throw missing(join(path, "width"), "the band width, a whole number such as 10") }
                guard w >= 1 else { throw fail(join(path, "width"), "must be at least 1") }
                var decimal: UInt8 = 0
                if let d = try string(value["decimal"], join(path, "decimal")) {
                    guard d == "," || d == "." else { throw fail(join(path, "decimal"), "use \",\" (1.234,56) or \".\" (1,234.56)") }
                    decimal = d.utf8.first ?? 0
                }
                g = .band(width: w, decimal: decimal)
            default: throw fail(join(path, "to"), "use \"year\", \"year-month\", \"pc4\" or \"band\"")
            }
            if value["width"] != nil, to != "band" { throw fail(join(path, "width"), "only applies to \"to\": \"band\"") }
            if value["decimal"] != nil, to != "band" { throw fail(join(path, "decimal"), "only applies to \"to\": \"band\"") }
            return .generalise(g, invalid: try policy(value["invalid"], join(path, "invalid")))
        default:
            throw fail(join(path, "action"), "unknown action; use keep, drop, pseudonymise or generalise")
        }
    }

    func composite(_ value: JSONValue, _ path: String, columns: [ColumnConfig]) throws -> CompositePseudonymConfig {
        _ = try object(value, path, allowed: ["as", "from", "invalid", "comment"])
        guard let output = try string(value["as"], join(path, "as")), !output.isEmpty else { throw missing(join(path, "as"), "the name of the pseudonym column") }
        guard let fromValue = value["from"] else { throw missing(join(path, "from"), "an object of column: identifier type") }
        guard case let .object(members) = fromValue, members.count >= 2 else {
            throw fail(join(path, "from"), "must be an object naming at least two columns with their identifier types")
        }
        var parts: [CompositePseudonymConfig.CompositePart] = []
        for (column, kindValue) in members {
            let partPath = join(join(path, "from"), column)
            guard columns.contains(where: { $0.name == column }) else {
                throw fail(partPath, "names a column that is not classified under \"columns\"; classify it (for example as drop)")
            }
            parts.append(.init(column: column, kind: try kind(kindValue, partPath)))
        }
        guard Set(parts.map(\.kind)).count == parts.count else { throw fail(join(path, "from"), "each identifier type may appear only once") }
        return CompositePseudonymConfig(outputName: output, parts: parts, invalid: try policy(value["invalid"], join(path, "invalid")))
    }

    /// `"codes": {"1": "M", "2": "V"}`: a non-empty object of code → meaning, both strings.
    func codes(_ value: JSONValue?, _ path: String) throws -> ValueCodes? {
        guard let value else { return nil }
        guard case let .object(members) = value, !members.isEmpty else {
            throw type(path, "an object of code: meaning, such as {\"1\": \"M\", \"2\": \"V\"}", value)
        }
        var pairs: [(code: String, meaning: String)] = []
        for (code, meaning) in members {
            let codeText = Array(code.utf8).withUnsafeBytes { raw -> String in
                var a = 0, b = raw.count
                while a < b && Normaliser.isSpace(raw[a]) { a += 1 }
                while b > a && Normaliser.isSpace(raw[b - 1]) { b -= 1 }
                return String(decoding: raw[a..<b], as: UTF8.self)
            }
            guard !codeText.isEmpty else { throw fail(path, "a code must not be empty or white space") }
            guard let m = try string(meaning, join(path, code)) else { throw missing(join(path, code)) }
            guard !pairs.contains(where: { $0.code == codeText }) else { throw fail(join(path, code), "the same code is given twice") }
            pairs.append((codeText, m))
        }
        return ValueCodes(pairs)
    }

    /// A column with `codes` must be normalised somewhere (pseudonymised, or a part of a
    /// composite pseudonym), and every meaning must be a valid identifier of each kind it is read as.
    func checkCodes(_ f: FileConfig, _ path: String) throws {
        for c in f.columns {
            guard let codes = c.codes else { continue }
            var kinds: [IdentifierKind] = []
            if case let .pseudonymise(kind, _, _) = c.action { kinds.append(kind) }
            for p in f.pseudonyms { kinds += p.parts.filter { $0.column == c.name }.map(\.kind) }
            let codesPath = join(join(join(path, "columns"), c.name), "codes")
            guard !kinds.isEmpty else {
                throw fail(codesPath, "only applies to a column that is pseudonymised or is part of a composite pseudonym")
            }
            for (code, meaning) in codes.pairs {
                for kind in kinds {
                    if case let .failure(reason) = Normaliser.normalise(kind, meaning) {
                        throw fail(join(codesPath, code), "the meaning is not a valid \(kind.rawValue) identifier (\(reason.rawValue)); for sex use M or V")
                    }
                }
            }
        }
    }

    /// Output column names must be unique: pseudonym names must not clash with kept columns.
    func checkOutputNames(_ f: FileConfig, _ path: String) throws {
        var seen = Set<String>()
        for c in f.columns {
            let name: String?
            switch c.action {
            case .drop: name = nil
            case .keep, .generalise: name = c.name
            case let .pseudonymise(_, output, _): name = output
            }
            if let name {
                guard seen.insert(name).inserted else { throw fail(join(join(path, "columns"), c.name), "output column '\(name)' would appear twice; choose another \"as\"") }
            }
        }
        for (i, p) in f.pseudonyms.enumerated() {
            guard seen.insert(p.outputName).inserted else {
                throw fail(join(path, "pseudonyms") + "[\(i)].as", "output column '\(p.outputName)' would appear twice; choose another name")
            }
        }
    }
}
