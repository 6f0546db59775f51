/// Reading pipeline.json into a `PipelineConfig`, checking every member and naming the JSON
/// path of the first problem; and writing a config back (with or without key paths).
extension PipelineConfig {
    /// Parses and validates the structure of pipeline.json (not the files it names).
    /// `file` names the config in messages.
    public static func parse(_ bytes: [UInt8], file: String) throws -> PipelineConfig {
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes)
        } catch let e as JSONValue.SyntaxError {
            throw PipelineConfigError.syntax(file: file, line: e.line, column: e.column, problem: e.problem)
        }
        let r = ConfigReader(file: file)
        let top = try r.object(root, "", allowed: ["version", "project", "pseudonymKey", "sign", "recipients", "rendering", "files", "$schema", "comment"])
        guard let version = try r.int(top["version"], "version") else { throw r.missing("version") }
        guard version == currentVersion else { throw r.fail("version", "version \(version) is not supported; this sluis reads version \(currentVersion)") }
        guard let project = try r.string(top["project"], "project"), !project.isEmpty else { throw r.missing("project", "a non-empty project id") }
        guard let key = try r.string(top["pseudonymKey"], "pseudonymKey"), !key.isEmpty else { throw r.missing("pseudonymKey", "the path of the project pseudonym key") }
        let sign = try r.string(top["sign"], "sign")
        var recipients: [String] = []
        if let list = top["recipients"] {
            guard case let .array(items) = list else { throw r.type("recipients", "an array of paths", list) }
            for (i, item) in items.enumerated() {
                guard let p = try r.string(item, "recipients[\(i)]"), !p.isEmpty else { throw r.missing("recipients[\(i)]") }
                recipients.append(p)
            }
        }
        var rendering = PseudonymRendering.default
        if let text = try r.string(top["rendering"], "rendering") {
            guard let parsed = PseudonymRendering(parsing: text), !(parsed.width < 17 && parsed.description.hasPrefix("decimal")) else {
                throw r.fail("rendering", "use \"decimal:17\" (the default; 17 to 38 digits) or \"hex:32\" (up to 64 digits)")
            }
            rendering = parsed
        }
        guard let filesValue = top["files"] else { throw r.missing("files") }
        guard case let .array(fileItems) = filesValue, !fileItems.isEmpty else { throw r.type("files", "a non-empty array", filesValue) }
        var files: [FileConfig] = []
        for (i, item) in fileItems.enumerated() {
            files.append(try r.fileConfig(item, "files[\(i)]"))
        }
        var seen: [String: Int] = [:]
        for (i, f) in files.enumerated() {
            if let j = seen[f.path] { throw r.fail("files[\(i)].path", "the same file is listed as files[\(j)]") }
            seen[f.path] = i
        }
        return PipelineConfig(version: version, project: project, pseudonymKey: key, sign: sign, recipients: recipients,
                              rendering: rendering, files: files)
    }

    /// The config as JSON. Without key paths (`pseudonymKey`, `sign`, `recipients` left out) it
    /// describes only what was done to the data, for the package's inner manifest.
    public func json(includingKeyPaths: Bool = true) -> JSONValue {
        var top: [(String, JSONValue)] = [("version", .number(Double(version))), ("project", .string(project))]
        if includingKeyPaths {
            top.append(("pseudonymKey", .string(pseudonymKey)))
            if let sign { top.append(("sign", .string(sign))) }
            if !recipients.isEmpty { top.append(("recipients", .array(recipients.map { .string($0) }))) }
        }
        top.append(("rendering", .string(rendering.description)))
        top.append(("files", .array(files.map { $0.json() })))
        return .object(top)
    }
}

extension FileConfig {
    func json() -> JSONValue {
        var f: [(String, JSONValue)] = [("path", .string(path))]
        if let format { f.append(("format", .string(format.rawValue))) }
        if let outputFormat { f.append(("outputFormat", .string(outputFormat.rawValue))) }
        if let delimiter { f.append(("delimiter", .string(DelimiterText.name(of: delimiter)))) }
        f.append(("encoding", .string(encoding.rawValue)))
        if let outputDelimiter { f.append(("outputDelimiter", .string(DelimiterText.name(of: outputDelimiter)))) }
        f.append(("columns", .object(columns.map { column in
            guard let codes = column.codes, case var .object(members) = column.action.json() else { return (column.name, column.action.json()) }
            members.append(("codes", .object(codes.pairs.map { ($0.code, .string($0.meaning)) })))
            return (column.name, .object(members))
        })))
        if !pseudonyms.isEmpty {
            f.append(("pseudonyms", .array(pseudonyms.map { p in
                .object([("as", .string(p.outputName)),
                         ("from", .object(p.parts.map { ($0.column, .string($0.kind.rawValue)) })),
                         ("invalid", .string(p.invalid.rawValue))])
            })))
        }
        return .object(f)
    }
}

/// CSV delimiters as pipeline.json and reports write them: `,` `;` `|` and `tab` (a tab character
/// or `\t` is read as `tab` too). Shared by the config reader, the resolved config and the CSV dialect.
public enum DelimiterText {
    /// The delimiter byte of a config or report spelling (`tab` or a tab character for 0x09), or nil.
    public static func byte(named text: String) -> UInt8? {
        switch text {
        case ",": return 0x2C
        case ";": return 0x3B
        case "|": return 0x7C
        case "\t", "tab", "\\t": return 0x09
        default: return nil
        }
    }

    /// The spelling of a delimiter byte as configs and reports write it.
    public static func name(of d: UInt8) -> String { d == 0x09 ? "tab" : String(UnicodeScalar(d)) }
}

extension ColumnAction {
    func json() -> JSONValue {
        switch self {
        case let .keep(allow):
            return .object([("action", .string("keep"))] + (allow ? [("allowIdentifiers", .bool(true))] : []))
        case .drop:
            return .object([("action", .string("drop"))])
        case let .pseudonymise(kind, output, policy):
            return .object([("action", .string("pseudonymise")), ("identifier", .string(kind.rawValue)),
                            ("as", .string(output)), ("invalid", .string(policy.rawValue))])
        case let .generalise(g, policy):
            var m: [(String, JSONValue)] = [("action", .string("generalise")), ("to", .string(g.name))]
            if case let .band(w, d) = g {
                m.append(("width", .number(Double(w))))
                if d != 0 { m.append(("decimal", .string(String(UnicodeScalar(d))))) }
            }
            m.append(("invalid", .string(policy.rawValue)))
            return .object(m)
        }
    }
}

extension JSONValue {
    /// The member named `key` of an object.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }
}
