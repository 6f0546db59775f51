import SluisCore
import SluisCrypto

/// The ways a trusted sender's package can be wrong inside (docs/format.md, "Opening a
/// package"), each as an edit of a `PackageBuilder` whose first two files are CSV. Shared by the
/// faulty-sender tests and the adversarial suite, so both run the same list.
extension PackageBuilder {
    /// One way to be wrong: a name for messages, what `open` must say, and the edit that makes it.
    public struct Fault {
        /// The fault's name in test failure messages.
        public var name: String
        /// Text `open`'s message must contain.
        public var detail: String
        /// Whether `verify` (no secret key) already refuses it.
        public var verifyRefuses: Bool
        /// Edits a builder into the faulty package.
        public var apply: (inout PackageBuilder) -> Void
    }

    /// Every fault the faulty-sender tests and the adversarial suite build.
    public static func faults() -> [Fault] {
        func file(_ i: Int, _ edit: @escaping (inout JSONValue) -> Void) -> (inout PackageBuilder) -> Void {
            { b in
                let previous = b.editInner
                b.editInner = { inner in
                    previous(&inner)
                    guard var f = inner[member: "files"]?[item: i] else { return }
                    edit(&f)
                    var files = inner[member: "files"] ?? .array([])
                    files[item: i] = f
                    inner[member: "files"] = files
                }
            }
        }
        let otherHash = String(repeating: "0", count: 64)
        return [
            Fault(name: "inner manifest not JSON", detail: "(it cannot be read)", verifyRefuses: false) { $0.replaceInnerBytes = { _ in Array("{\"format\":".utf8) } },
            Fault(name: "inner manifest nested 10000 deep", detail: "(it cannot be read)", verifyRefuses: false) {
                $0.replaceInnerBytes = { _ in Array((String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)).utf8) }
            },
            Fault(name: "inner manifest of another version", detail: "(version 2 is not 1)", verifyRefuses: false) { $0.editInner = { $0[member: "version"] = .number(2) } },
            Fault(name: "inner manifest of another format", detail: "(it cannot be read)", verifyRefuses: false) {
                $0.editInner = { $0[member: "format"] = .string("sluis-package") }
            },
            Fault(name: "inner manifest of another package id", detail: "(it belongs to another package)", verifyRefuses: false) {
                $0.editInner = { $0[member: "packageId"] = .string(String(repeating: "f", count: 32)) }
            },
            Fault(name: "inner manifest of another project", detail: "(it belongs to another package)", verifyRefuses: false) {
                $0.editInner = { $0[member: "project"] = .string("P2026-9999") }
            },
            Fault(name: "inner manifest of another pseudonym key", detail: "(it belongs to another package)", verifyRefuses: false) {
                $0.editInner = { $0[member: "pseudonymKeyId"] = .string("ffffffffffffffff") }
            },
            Fault(name: "inner manifest describing an extra entry", detail: "(its entries differ from the signed manifest)", verifyRefuses: false) {
                $0.editInner = { inner in
                    var files = inner[member: "files"]?.items ?? []
                    var extra = files[0]
                    extra[member: "entry"] = .string("entry-777")
                    extra[member: "name"] = .string("extra.csv")
                    files.append(extra)
                    inner[member: "files"] = .array(files)
                }
            },
            Fault(name: "an entry the inner manifest does not describe", detail: "(entry entry-002 is not described)", verifyRefuses: false,
                  apply: file(1) { $0[member: "entry"] = .string("entry-009") }),
            Fault(name: "an unknown format", detail: "has an unknown format", verifyRefuses: false, apply: file(0) { $0[member: "format"] = .string("xlsx") }),
            Fault(name: "a malformed plaintext hash", detail: "has a malformed plaintextSHA256", verifyRefuses: false,
                  apply: file(0) { $0[member: "plaintextSHA256"] = .string(String(repeating: "G", count: 64)) }),
            Fault(name: "a plaintext size that differs", detail: "(size differs)", verifyRefuses: false,
                  apply: file(0) { $0[member: "plaintextSize"] = .number(3) }),
            Fault(name: "a plaintext SHA-256 that differs", detail: "(SHA-256 differs)", verifyRefuses: false,
                  apply: file(1) { $0[member: "plaintextSHA256"] = .string(otherHash) }),
            Fault(name: "a row count that differs", detail: "(row count differs)", verifyRefuses: false,
                  apply: file(0) { $0[member: "rows"] = .number(1_000_000) }),
            Fault(name: "CSV described as Stata", detail: "(it cannot be read as dta)", verifyRefuses: false,
                  apply: file(0) { $0[member: "format"] = .string("dta") }),
            Fault(name: "a non-integer row count", detail: "the inner manifest is not valid", verifyRefuses: false,
                  apply: file(0) { $0[member: "rows"] = .number(2.5) }),
            Fault(name: "an entry hash that differs at open", detail: "does not match its hash in the signed manifest", verifyRefuses: true) { b in
                b.editManifest = { m in
                    var e = m[member: "entries"]?.items ?? []
                    e[0][member: "sha256"] = .string(otherHash)
                    m[member: "entries"] = .array(e)
                }
            },
            Fault(name: "a header hash that differs", detail: "the encrypted header of entry entry-001 does not match the signed manifest",
                  verifyRefuses: true) { b in
                b.editManifest = { m in
                    var e = m[member: "entries"]?.items ?? []
                    e[0][member: "headerSHA256"] = .string(otherHash)
                    m[member: "entries"] = .array(e)
                }
            },
            Fault(name: "bytes between two entries that no entry covers", detail: "the entries do not match the manifest", verifyRefuses: true) { b in
                b.editManifest = { m in
                    // Entry 1 claimed 3 bytes later than it is, and its bytes and hashes as before:
                    // the three bytes before it belong to no entry.
                    var e = m[member: "entries"]?.items ?? []
                    if case let .number(o)? = e[1][member: "offset"] { e[1][member: "offset"] = .number(o + 3) }
                    m[member: "entries"] = .array(e)
                }
            },
            Fault(name: "two entries of the same name", detail: "duplicate entry names", verifyRefuses: true) { b in
                b.editManifest = { m in
                    var e = m[member: "entries"]?.items ?? []
                    e[1][member: "name"] = e[0][member: "name"]
                    m[member: "entries"] = .array(e)
                }
            },
            Fault(name: "a parent-folder file name", detail: "is not a plain file name", verifyRefuses: false,
                  apply: file(0) { $0[member: "name"] = .string("../../etc/cron.d/x") }),
            Fault(name: "an absolute file name", detail: "is not a plain file name", verifyRefuses: false,
                  apply: file(0) { $0[member: "name"] = .string("/tmp/x.csv") }),
            Fault(name: "a hidden file name", detail: "is not a plain file name", verifyRefuses: false,
                  apply: file(0) { $0[member: "name"] = .string(".bashrc") }),
            Fault(name: "a file name with an escape", detail: "is not a plain file name", verifyRefuses: false,
                  apply: file(0) { $0[member: "name"] = .string("a\u{1B}[2J.csv") }),
            Fault(name: "a file name with NUL", detail: "is not a plain file name", verifyRefuses: false,
                  apply: file(0) { $0[member: "name"] = .string("a\u{0}.csv") }),
            Fault(name: "a 256-byte file name", detail: "is not a plain file name", verifyRefuses: false,
                  apply: file(0) { $0[member: "name"] = .string(String(repeating: "a", count: 252) + ".csv") }),
            Fault(name: "the metadata file's name", detail: "is not a plain file name", verifyRefuses: false,
                  apply: file(0) { $0[member: "name"] = .string("SLUIS-MANIFEST.json") }),
            Fault(name: "two names equal but for case", detail: "is not a plain file name", verifyRefuses: false, apply: { b in
                file(0) { $0[member: "name"] = .string("Data.csv") }(&b)
                file(1) { $0[member: "name"] = .string("data.CSV") }(&b)
            }),
        ]
    }
}
