// sluis-fuzz TARGET [libFuzzer options…]: coverage-guided fuzzing of the code that reads what
// arrives from outside — packages and encrypted files (the intake parses them before anything
// is trusted), CSV data, JSON configuration and manifests, identifier values. A crash there is
// not only a bug: a package that crashes `sluis inbox` would stop every intake run after it.
//
// Built only by `make fuzz` (swiftc -sanitize=fuzzer,address, -D SLUIS_FUZZ); a normal build
// makes a stub that says so. Inputs that crash are written by libFuzzer as crash-* files.
import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisPipeline
#if SLUIS_FUZZ
import CLibFuzzer
#endif

/// One fuzz target: what it feeds the input to. Every thrown error is an accepted outcome;
/// only a crash (trap, sanitizer report) or a hang is a finding.
struct FuzzTarget {
    let name: String
    let what: String
    let run: ([UInt8]) -> Void
}

/// A fixed identity and its public key, so that `decrypt` gets past the header parse.
let identity = try! Identity(seed: SecretBytes(copying: [UInt8](repeating: 7, count: 32)), comment: "fuzz")
let scratchPackage = NSTemporaryDirectory() + "/sluis-fuzz-\(getpid()).sluis"
let scratchKey = NSTemporaryDirectory() + "/sluis-fuzz-\(getpid()).key"
let trust = TrustStore(entries: [TrustStore.Entry(recipient: identity.recipient, projects: nil)])

let targets: [FuzzTarget] = [
    FuzzTarget(name: "package", what: "a .sluis package file through verify (layout, manifest, signature)") { bytes in
        try? FileSystem.writeAtomically(bytes, to: scratchPackage)
        _ = try? PackageVerifier.verify(path: scratchPackage, trust: trust)
    },
    FuzzTarget(name: "decrypt", what: "an encrypted file through the decryptor (header, sealed keys, chunks)") { bytes in
        _ = try? StreamDecryptor.decrypt(from: MemorySource(bytes, maxReadByteCount: 4093), identity: identity, into: CountingNullSink())
    },
    FuzzTarget(name: "csv", what: "CSV bytes through the reader in every encoding, with tiny blocks") { bytes in
        for encoding in TextEncoding.allCases {
            guard let reader = try? CSVReader(source: MemorySource(bytes, maxReadByteCount: 7), path: "fuzz.csv",
                                              encoding: encoding, blockByteCount: 16, maximumRowByteCount: 1 << 16) else { continue }
            var total = 0
            try? reader.forEachRow { row, _ in for c in 0..<row.count { total &+= row[c].count } }
        }
    },
    FuzzTarget(name: "json", what: "JSON through the ordered parser, pipeline.json and both manifests") { bytes in
        _ = try? JSONValue.parse(bytes)
        _ = try? PipelineConfig.parse(bytes, file: "pipeline.json")
        _ = try? JSONDecoder().decode(PackageManifest.self, from: Data(bytes))
        _ = try? JSONDecoder().decode(InnerManifest.self, from: Data(bytes))
    },
    FuzzTarget(name: "keyfile", what: "a secret key file's container (no passphrase work: unprotected, or its public part)") { bytes in
        try? FileSystem.writeAtomically(bytes, to: scratchKey, mode: 0o600)
        _ = try? Identity.recipient(ofSecretKeyFile: scratchKey)
        // Unprotected keys open without Argon2id; protected ones stop before it (no passphrase given).
        _ = try? Identity.load(path: scratchKey, passphrase: .given(SecretBytes(count: 0)))
        _ = try? ProjectKey.load(path: scratchKey, passphrase: .given(SecretBytes(count: 0)))
    },
    FuzzTarget(name: "values", what: "one value through every normaliser, generaliser and the residual scanner") { bytes in
        var out: [UInt8] = []
        bytes.withUnsafeBytes { value in
            for kind in IdentifierKind.allCases { _ = Normaliser.normalise(kind, value, into: &out) }
            for g in [Generalisation.year, .yearMonth, .pc4, .band(width: 10), .band(width: 1)] {
                _ = Generaliser.generalise(g, value, into: &out)
            }
            _ = ResidualScanner.scan(value)
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            _ = try? Recipient(parsing: text)
            _ = PseudonymRendering(parsing: text)
        }
    },
]

/// Writes starting inputs for every target into `directory/TARGET/`: valid instances made with
/// the fuzz identity (an encrypted file, a signed package, its manifests), so that mutations start
/// past the magic numbers and signature checks instead of at random bytes.
func writeSeeds(into directory: String) throws {
    func put(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
        try FileSystem.makeDirectories(directory + "/" + target)
        try FileSystem.writeAtomically(bytes, to: directory + "/" + target + "/" + name)
    }
    let csv = Array("BSN;Naam;Geboortedatum;Postcode\n123456782;\"Jansen, Jan\";29-2-1984;1234 AB\r\n\u{FEFF}x;\"a\"\"b\";;\n".utf8)
    try put("csv", "survey.csv", csv)
    try put("csv", "bom-crlf.csv", [0xEF, 0xBB, 0xBF] + Array("a,b\r\n1,\"x\ny\"\r\n".utf8))
    for (i, value) in ["123456782", "12.34.56.782", "1984-02-29", "29/02/1984", "19840229 10:00", "1234 AB", "12a",
                       "man", "NL91ABNA0417164300", "jan@example.nl", "06-12345678", "-12,75"].enumerated() {
        try put("values", "v\(i)", Array(value.utf8))
    }
    try put("values", "recipient", Array(identity.recipient.publicKeyText.utf8))
    let keyPath = directory + "/keyfile/identity.key"
    try FileSystem.makeDirectories(directory + "/keyfile")
    FileSystem.removeTree(keyPath)
    try identity.write(secretKeyFile: keyPath, protection: .none)
    let projectKeyPath = directory + "/keyfile/project.key"
    FileSystem.removeTree(projectKeyPath)
    try ProjectKey.generate(projectId: "P-FUZZ").write(secretKeyFile: projectKeyPath, protection: .none)

    let encrypted = MemorySink()
    let sink = try EncryptingSink(recipients: [identity.recipient], output: encrypted, chunkByteCount: 64, randomness: SystemRandomSource())
    try csv.withUnsafeBytes { try sink.write($0) }
    try sink.finish()
    try put("decrypt", "small.enc", encrypted.bytes)

    let packagePath = directory + "/package/seed.sluis"
    try FileSystem.makeDirectories(directory + "/package")
    FileSystem.removeTree(packagePath)
    let source = SealSource(name: "survey.csv", sourcePath: "survey.csv", format: "csv") { out in
        try csv.withUnsafeBytes { try out.write($0) }
        return SealedFileDescription(columns: [], rows: 2, rowsRead: 2, invalidIdentifiers: [:], residualFindings: [:], dialect: nil)
    }
    let result = try PackageSealer.seal(SealRequest(project: "P-FUZZ", pseudonymKeyId: "fuzz", recipients: [identity.recipient],
                                                    signer: identity, pipeline: .object([]), sources: [source],
                                                    output: packagePath, toolVersion: "fuzz"))
    try put("json", "manifest.json", Array(try JSONEncoder().encode(result.manifest)))
    try put("json", "inner.json", Array(try JSONEncoder().encode(result.inner)))
    try put("json", "pipeline.json", Array(#"{ "version": 1, "project": "P", "pseudonymKey": "k", "files": [ { "path": "a.csv", "columns": { "a": "keep", "b": { "action": "pseudonymise", "identifier": "bsn" } } } ] }"#.utf8))
}

let arguments = CommandLine.arguments
if arguments.count == 3 && arguments[1] == "seed" {
    do { try writeSeeds(into: arguments[2]) } catch {
        FileHandle.standardError.write(Data("sluis-fuzz: cannot write seeds: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
guard arguments.count >= 2, let target = targets.first(where: { $0.name == arguments[1] }) else {
    var usage = "usage: sluis-fuzz TARGET [libFuzzer options]   (make fuzz)\n       sluis-fuzz seed DIR   (starting inputs)\ntargets:\n"
    for t in targets { usage += "  \(t.name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(t.what)\n" }
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}

#if SLUIS_FUZZ
nonisolated(unsafe) var selected = target.run
// libFuzzer sees the options after the target name.
var driverArguments = [arguments[0]] + arguments.dropFirst(2)
var argc = CInt(driverArguments.count)
var cArguments: [UnsafeMutablePointer<CChar>?] = driverArguments.map { strdup($0) } + [nil]
let status = cArguments.withUnsafeMutableBufferPointer { buffer -> CInt in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        selected(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}
unlink(scratchPackage)
unlink(scratchKey)
exit(status)
#else
FileHandle.standardError.write(Data("sluis-fuzz: this build has no fuzzer; run `make fuzz` (it builds with -sanitize=fuzzer)\n".utf8))
exit(2)
#endif
