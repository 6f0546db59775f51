import SluisCore
import SluisIO

/// Reading serve.json's values: each reader checks one value's type and range and names its JSON
/// path in the error (never its value), and relative paths are resolved against the file's folder.
struct ServeConfigReader {
    let path: String
    let base: String

    init(path: String) {
        self.path = path
        self.base = splitPath(path).directory
    }

    /// The error for the value at `jsonPath`.
    func fail(_ jsonPath: String, _ problem: String) -> ServeError { .config(path: path, jsonPath: jsonPath, problem: problem) }

    /// The file's top-level object, in order and as a dictionary; a repeated member is refused.
    func root() throws -> ([(String, JSONValue)], [String: JSONValue]) {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readAll(path, limitByteCount: 1 << 20) } catch { throw fail("$", "cannot read the file") }
        do {
            let value = try JSONValue.parse(bytes)
            guard case let .object(pairs) = value else { throw fail("$", "not a JSON object") }
            guard !value.hasRepeatedKeys else { throw fail("$", "a member appears twice") }
            return (pairs, Dictionary(pairs, uniquingKeysWith: { a, _ in a }))
        } catch let error as JSONValue.SyntaxError {
            throw fail("line \(error.line), column \(error.column)", error.problem)
        }
    }

    /// A path from the config: absolute as it is, relative to the config's folder otherwise.
    func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base + "/" + p }

    /// An object member as a dictionary; nil when absent.
    func object(_ v: JSONValue?, _ at: String) throws -> [String: JSONValue]? {
        guard let v else { return nil }
        guard case let .object(pairs) = v else { throw fail(at, "must be an object") }
        return Dictionary(pairs, uniquingKeysWith: { a, _ in a })
    }

    /// A required non-empty string.
    func string(_ dict: [String: JSONValue], _ key: String, at prefix: String) throws -> String {
        guard let s = try optionalString(dict, key, at: prefix) else { throw fail(prefix + key, "missing") }
        return s
    }

    /// A non-empty string, or nil when absent.
    func optionalString(_ dict: [String: JSONValue], _ key: String, at prefix: String) throws -> String? {
        guard let v = dict[key] else { return nil }
        guard case let .string(s) = v, !s.isEmpty else { throw fail(prefix + key, "must be a non-empty string") }
        return s
    }

    /// A number within `range`, or nil when absent.
    func number(_ dict: [String: JSONValue], _ key: String, at prefix: String, range: ClosedRange<Double>) throws -> Double? {
        guard let v = dict[key] else { return nil }
        guard case let .number(n) = v, range.contains(n) else {
            func text(_ d: Double) -> String { d == d.rounded() ? String(UInt64(d)) : String(d) }
            throw fail(prefix + key, "must be a number from \(text(range.lowerBound)) to \(text(range.upperBound))")
        }
        return n
    }
}
