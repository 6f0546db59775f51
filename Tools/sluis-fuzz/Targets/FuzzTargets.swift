// The fuzz targets of sluis-fuzz, as a library: `make fuzz` drives them with libFuzzer, and the
// test suite (Tests/SluisFuzzTests) runs the seed corpora in Tools/sluis-fuzz/Corpus and
// deterministic mutations of them through the same entry points, so a crash found once stays found.
import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisInbox
import SluisIO
import SluisLink
import SluisPipeline
import SluisTestSupport

/// One fuzz target: what it feeds the input to. Every thrown error is an accepted outcome; only
/// a crash (trap, sanitizer report) or a hang is a finding. `run` returns "ok" when the input
/// went all the way through, else the refusal's category — so tests can check a seed goes deep.
public struct FuzzTarget: Sendable {
    /// The target's name, as `sluis-fuzz` and the corpus folders spell it.
    public let name: String
    /// What the target feeds its input to, for the usage text.
    public let what: String
    /// Feeds one input through and names the outcome: "ok" or the refusal's category.
    public let run: @Sendable ([UInt8]) -> String
}

/// The fuzz targets, their fixed keys and scratch files, shared by the libFuzzer driver and SluisFuzzTests.
public enum SluisFuzz {
    /// The fuzz identity: signer, recipient and the only trusted key (fixed, so seeds stay valid).
    public static let identity: Identity = {
        do {
            return try Identity(seed: SecretBytes(copying: [UInt8](repeating: 7, count: 32)), comment: "fuzz")
        } catch {
            preconditionFailure("a 32-byte seed always makes an identity: \(error)")
        }
    }()
    static var trust: TrustStore { TrustStore(entries: [TrustStore.Entry(recipient: identity.recipient, projects: nil)]) }

    /// A scratch path of this process (files the C libraries and the file-based readers need).
    static func scratch(_ name: String) -> String { NSTemporaryDirectory() + "/sluis-fuzz-\(getpid())-" + name }

    /// Removes every scratch file and folder of this process.
    public static func cleanUp() {
        for name in ["pkg.sluis", "open-out", "key", "f.sav", "f.zsav", "f.dta", "f.xlsx", "trust.txt", "intake.json", "link.json"] {
            FileSystem.removeTree(scratch(name))
        }
    }

    /// Writes a scratch file without fsync (an fsync per input would slow fuzzing to a crawl).
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        unlink(path)
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw IOError.cannotCreate(path: path, errno: errno) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            // swift-format-ignore: NeverForceUnwrap
            // Safe: the buffer is not empty (done < bytes.count), so it has a base address.
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, bytes.count - done) }
            guard n > 0 else { throw IOError.writeFailed(path: path, errno: errno) }
            done += n
        }
    }

    static func outcome(_ body: () throws -> Void) -> String {
        do { try body(); return "ok" } catch let e as SluisError { return "refused: \(e.category)" } catch { return "refused: \(type(of: error))" }
    }

    /// Opens a package as the intake (the fuzz identity), writing into a scratch folder it removes.
    static func open(_ bytes: [UInt8]) -> String {
        let path = scratch("pkg.sluis"), out = scratch("open-out")
        FileSystem.removeTree(out)
        defer { FileSystem.removeTree(out) }
        return outcome {
            try write(bytes, to: path)
            _ = try PackageOpener.open(path: path, identity: identity, trust: trust, outputDirectory: out)
        }
    }

    /// Every target, in the order the usage text lists them.
    public static func all() -> [FuzzTarget] {
        [
            FuzzTarget(name: "package", what: "a .sluis package file through verify (layout, manifest, signature)") { bytes in
                outcome {
                    try write(bytes, to: scratch("pkg.sluis"))
                    _ = try PackageVerifier.verify(path: scratch("pkg.sluis"), trust: trust)
                }
            },
            FuzzTarget(name: "open", what: "a package re-signed by the trusted fuzz key, through open (layout, headers, decryption, inner manifest, plaintext checks)") { bytes in
                // Re-signing what a mutation left of the manifest takes the signature out of the way,
                // so mutations reach everything after it — what a trusted but faulty sender reaches.
                guard let parts = PackageBytes.parts(of: bytes) else { return open(bytes) }
                return open(PackageBytes.assemble(entriesRegion: parts.entriesRegion, manifest: parts.manifest, signer: identity))
            },
            FuzzTarget(name: "inner", what: "inner-manifest bytes inside a valid signed package, through open") { bytes in
                var b = PackageBuilder(signer: identity, recipients: [identity.recipient], files: [.csv("entry-001", "a.csv", "A\n1\n")])
                b.packageId = String(repeating: "ab", count: 16)
                b.replaceInnerBytes = { _ in bytes }
                guard let package = try? b.build() else { return "refused: build" }
                return open(package)
            },
            FuzzTarget(name: "decrypt", what: "an encrypted file through the decryptor (header, sealed keys, chunks)") { bytes in
                outcome { _ = try StreamDecryptor.decrypt(from: MemorySource(bytes, maxReadByteCount: 4093), identity: identity, into: CountingNullSink()) }
            },
            FuzzTarget(name: "readstat", what: "bytes as SPSS (.sav, .zsav) and Stata (.dta) files through ReadStat's parsers") { bytes in
                var results: [String] = []
                for format in ReadStatFileFormat.allCases {
                    let path = scratch("f." + format.fileExtension)
                    results.append(outcome {
                        try write(bytes, to: path)
                        let reader = try ReadStatReader(path: path, format: format)
                        var total = 0
                        try reader.forEachRow { row, _ in for c in 0..<row.count { total &+= row[c].count } }
                    })
                }
                return results.contains("ok") ? "ok" : results[0]
            },
            FuzzTarget(name: "xlsx", what: "an Excel workbook as output check reads it (ZIP directory, inflate, XML, cells)") { bytes in
                let path = scratch("f.xlsx")
                return outcome {
                    try write(bytes, to: path)
                    let workbook = try XLSXWorkbook(path: path)
                    var total = 0
                    try workbook.readSharedStrings { _, text in total &+= text.count }
                    for part in workbook.worksheetParts { try workbook.readWorksheet(part) { total &+= $0.column } }
                    for part in workbook.otherXMLParts { try workbook.readText(part) { _, text in total &+= text.count } }
                }
            },
            FuzzTarget(name: "trust", what: "a trust list file (public key lines, projects= lines)") { bytes in
                let path = scratch("trust.txt")
                let a = outcome {
                    try write(bytes, to: path)
                    _ = try TrustStore(path: path)
                }
                _ = outcome { _ = try TrustStore(publicKeyFiles: [path], project: "P2026-0042") }
                return a
            },
            FuzzTarget(name: "config", what: "intake.json, link.json and pipeline.json readers") { bytes in
                let intake = outcome {
                    try write(bytes, to: scratch("intake.json"))
                    _ = try IntakeConfig.load(path: scratch("intake.json"))
                }
                let link = outcome {
                    try write(bytes, to: scratch("link.json"))
                    _ = try LinkConfig.load(path: scratch("link.json"))
                }
                let pipeline = outcome { _ = try PipelineConfig.parse(bytes, file: "pipeline.json") }
                return [intake, link, pipeline].contains("ok") ? "ok" : intake
            },
            FuzzTarget(name: "csv", what: "CSV bytes through the reader in every encoding, with tiny blocks") { bytes in
                var results: [String] = []
                for encoding in TextEncoding.allCases {
                    results.append(outcome {
                        let reader = try CSVReader(source: MemorySource(bytes, maxReadByteCount: 7), path: "fuzz.csv",
                                                   encoding: encoding, blockByteCount: 16, maximumRowByteCount: 1 << 16)
                        var total = 0
                        try reader.forEachRow { row, _ in for c in 0..<row.count { total &+= row[c].count } }
                    })
                }
                return results.contains("ok") ? "ok" : results[0]
            },
            FuzzTarget(name: "json", what: "JSON through the ordered parser, pipeline.json and both manifests") { bytes in
                let parsed = outcome { _ = try JSONValue.parse(bytes) }
                _ = try? PipelineConfig.parse(bytes, file: "pipeline.json")
                _ = try? JSONDecoder().decode(PackageManifest.self, from: Data(bytes))
                _ = try? JSONDecoder().decode(InnerManifest.self, from: Data(bytes))
                return parsed
            },
            FuzzTarget(name: "keyfile", what: "a secret key file's container (no passphrase work: unprotected, or its public part)") { bytes in
                let path = scratch("key")
                guard (try? write(bytes, to: path, mode: 0o600)) != nil else { return "refused: write" }
                let pub = outcome { _ = try Identity.recipient(ofSecretKeyFile: path) }
                // Unprotected keys open without Argon2id; protected ones stop before it (no passphrase given).
                let identity = outcome { _ = try Identity.load(path: path, passphrase: .given(SecretBytes(count: 0))) }
                let project = outcome { _ = try ProjectKey.load(path: path, passphrase: .given(SecretBytes(count: 0))) }
                return [pub, identity, project].contains("ok") ? "ok" : pub
            },
            FuzzTarget(name: "values", what: "one value through every normaliser, generaliser and the residual scanner") { bytes in
                var out: [UInt8] = []
                var normalised = 0
                bytes.withUnsafeBytes { value in
                    for kind in IdentifierKind.allCases where Normaliser.normalise(kind, value, into: &out) == nil { normalised += 1 }
                    for g in [Generalisation.year, .yearMonth, .pc4, .band(width: 10), .band(width: 1)] {
                        _ = Generaliser.generalise(g, value, into: &out)
                    }
                    _ = ResidualScanner.scan(value)
                }
                if let text = String(validating: bytes, as: UTF8.self) {
                    _ = try? Recipient(parsing: text)
                    _ = PseudonymRendering(parsing: text)
                }
                return normalised > 0 ? "ok" : "refused: data"
            },
        ]
    }
}
