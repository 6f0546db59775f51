import ArgumentParser
import SluisCore
import SluisCrypto
import SluisIO
import SluisPipeline

/// `sluis inspect FILE [--json]`: who an encrypted file is for and its sizes, without any secret key.
/// Nothing shown is authenticated until the file is decrypted.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show who an encrypted file or package is for, without any secret key",
        discussion: "For a package (.sluis upload) it shows the claimed sender, project, recipients and entries "
            + "from the manifest, unverified: use 'sluis verify' to check them.")

    @Flag(help: "Print JSON instead of text.")
    var json = false
    @Argument(help: "The encrypted file or package ('-' for standard input).")
    var file: String

    func run() throws {
        try reportingErrors {
            // A package's manifest is found from its end: standard input is read into a temporary file first.
            let path = try StandardInputSpool.path(for: file)
            if let manifest = try? PackagePeek.manifest(of: path) {
                try inspectPackage(manifest)
                return
            }
            let source = try FileInput(path: path)
            let header = try ErrorInFile.naming(file == "-" ? "<stdin>" : source.path) { try EncryptedFileHeader.read(from: source) }
            let payload: UInt64
            if let size = source.size() {
                payload = size - UInt64(header.headerByteCount)
            } else {
                let counter = CountingNullSink()
                try StreamCopy.copy(from: source, to: counter)
                payload = counter.byteCount
            }
            let implied = header.plaintextByteCount(payloadByteCount: payload)
            let hash = header.headerSHA256.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
            if json {
                var fields = [
                    "\"file\": \(jsonString(file == "-" ? "<stdin>" : source.path))",
                    "\"version\": \(header.version)",
                    "\"chunkByteCount\": \(header.chunkByteCount)",
                    "\"recipients\": [" + header.recipientFingerprints.map(jsonString).joined(separator: ", ") + "]",
                    "\"headerByteCount\": \(header.headerByteCount)",
                    "\"headerSHA256\": \"\(hash)\"",
                    "\"payloadByteCount\": \(payload)",
                ]
                fields.append("\"chunkCount\": " + (implied.map { "\($0.chunks)" } ?? "null"))
                fields.append("\"plaintextByteCount\": " + (implied.map { "\($0.plaintext)" } ?? "null"))
                print("{\n  " + fields.joined(separator: ",\n  ") + "\n}")
            } else {
                print("file: \(UntrustedText.escaped(file == "-" ? "<stdin>" : source.path))")
                print("format: sluis encrypted file, version \(header.version)")
                print("chunk size: \(header.chunkByteCount) bytes")
                print("recipients (\(header.recipientFingerprints.count)):")
                for fp in header.recipientFingerprints { print("  \(fp)") }
                print("header: \(header.headerByteCount) bytes, sha256 \(hash)")
                if let implied {
                    print("payload: \(payload) bytes in \(implied.chunks) chunk\(implied.chunks == 1 ? "" : "s"), "
                        + "\(implied.plaintext) bytes of plaintext if complete")
                } else {
                    print("payload: \(payload) bytes (not a whole number of chunks: truncated or damaged)")
                }
                print("note: nothing above is authenticated until the file is decrypted")
            }
        }
    }

    /// A package: what its manifest claims. Nothing is checked here; `sluis verify` does that.
    private func inspectPackage(_ m: PackageManifest) throws {
        if json {
            printJSON(PackageInspection(file: file, verified: false, manifest: m))
            return
        }
        // Nothing here is verified and all of it was written by whoever made the file: every
        // field is escaped (UntrustedText) and marked unverified.
        let t = { (s: String) in UntrustedText.escaped(s) }
        print("file: \(t(file))")
        print("format: sluis package, version \(m.version) (unverified)")
        print("project (unverified): \(t(m.project))")
        print("package id (unverified): \(t(m.packageId))")
        print("created (unverified): \(t(m.createdAt)) by \(t(m.tool))")
        print("sender (claimed, unverified): \(t(m.sender.fingerprint))")
        print("recipients (unverified, \(m.recipients.count)):")
        for fp in m.recipients { print("  \(t(fp))") }
        print("entries (unverified): \(m.entries.count) + inner manifest \(t(m.innerManifest.name))")
        for e in m.entries { print("  \(t(e.name))  \(e.size) bytes") }
        print("note: nothing above is verified; run 'sluis verify \(t(file)) --trust …' to check the signature and every entry")
    }

    private func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if u.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) }
                else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
        return String(decoding: UntrustedText.jsonEscaped(Array(out.utf8)), as: UTF8.self)
    }
}

struct PackageInspection: Encodable {
    var file: String
    var verified: Bool
    var manifest: PackageManifest
}
