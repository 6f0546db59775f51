// sluis-vectors: writes the encrypted-file test vectors, one scenario per file, from fixed keys and
// injected randomness (docs/format.md, "Test vectors"). Usage: sluis-vectors OUTPUT_DIRECTORY
//
// Each file: `key: value` lines, an empty line, then the raw bytes of the encrypted file.
//   expect:          success | no match | header failure | payload failure | truncated | trailing data | unsupported version
//   identity-seed:   hex of the 32-byte Ed25519 seed of the identity that decrypts
//   recipient:       a recipient's public key line (one line per recipient, in header order)
//   chunk-size:      plaintext bytes per chunk
//   plaintext-size:  N; the plaintext is byte i = i mod 251 (success vectors)
//   plaintext-sha256: hex (success vectors)
//   random-seed:     the DeterministicRandomSource seed (UTF-8); present when re-encrypting must reproduce the file
//   comment:         what the scenario shows
import SluisCore
import SluisCrypto
import SluisIO

#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    var s = "sluis-vectors: " + message + "\n"
    s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

func seed(_ name: String) -> [UInt8] { SHA256Hasher.hash(Array("sluis-vectors/identity/\(name)".utf8)) }

func identity(_ name: String) -> Identity {
    guard let id = try? Identity(seed: SecretBytes(copying: seed(name)), comment: name) else { fail("cannot make \(name)") }
    return id
}

func plaintext(_ n: Int) -> [UInt8] { (0..<n).map { UInt8($0 % 251) } }

let alice = identity("alice"), bob = identity("bob"), carol = identity("carol")

/// One encryption with injected randomness.
func encrypt(size: Int, to recipients: [Identity], chunk: Int, randomSeed: String) -> [UInt8] {
    let out = MemorySink()
    do {
        let sink = try EncryptingSink(recipients: recipients.map(\.recipient), output: out, chunkByteCount: chunk,
                                      randomness: DeterministicRandomSource(seed: Array(randomSeed.utf8)))
        try sink.write(plaintext(size))
        try sink.finish()
    } catch { fail("encryption failed: \(error)") }
    return out.bytes
}

struct Vector {
    var name: String
    var expect: String
    var decryptor: String
    var recipients: [Identity]
    var chunk: Int
    var size: Int?
    var randomSeed: String?
    var comment: String
    var bytes: [UInt8]

    func render() -> [UInt8] {
        var lines = ["expect: \(expect)", "identity-seed: \(hex(seed(decryptor)))"]
        for r in recipients { lines.append("recipient: \(r.recipient.lineText)") }
        lines.append("chunk-size: \(chunk)")
        if let size, expect == "success" {
            lines.append("plaintext-size: \(size)")
            lines.append("plaintext-sha256: \(hex(SHA256Hasher.hash(plaintext(size))))")
        }
        if let randomSeed { lines.append("random-seed: \(randomSeed)") }
        lines.append("comment: \(comment)")
        return Array((lines.joined(separator: "\n") + "\n\n").utf8) + bytes
    }
}

nonisolated(unsafe) var vectors: [Vector] = []
func add(_ name: String, _ expect: String, decryptor: String = "alice", recipients: [Identity] = [alice], chunk: Int = 64,
         size: Int? = nil, reproducible: Bool = false, comment: String, bytes: [UInt8]) {
    vectors.append(Vector(name: name, expect: expect, decryptor: decryptor, recipients: recipients, chunk: chunk, size: size,
                          randomSeed: reproducible ? "sluis-vectors/\(name)" : nil, comment: comment, bytes: bytes))
}
func fresh(_ name: String, size: Int, to recipients: [Identity] = [alice], chunk: Int = 64) -> [UInt8] {
    encrypt(size: size, to: recipients, chunk: chunk, randomSeed: "sluis-vectors/\(name)")
}

// Success, across every chunk boundary.
for (name, size, chunk, comment) in [
    ("success_empty", 0, 64, "no plaintext: one empty final chunk"),
    ("success_one_byte", 1, 64, "one byte"),
    ("success_chunk_minus_one", 63, 64, "one short final chunk"),
    ("success_exact_chunk", 64, 64, "one full chunk, then an empty final chunk"),
    ("success_chunk_plus_one", 65, 64, "a full chunk and a one-byte final chunk"),
    ("success_two_chunks_and_some", 2 * 64 + 10, 64, "two full chunks and a final chunk of 10 bytes"),
    ("success_chunk_1024", 3000, 1024, "chunk size 1024"),
] {
    add(name, "success", chunk: chunk, size: size, reproducible: true, comment: comment, bytes: fresh(name, size: size, chunk: chunk))
}
add("success_second_recipient", "success", decryptor: "bob", recipients: [alice, bob], size: 100, reproducible: true,
    comment: "two recipients, decrypted by the second", bytes: fresh("success_second_recipient", size: 100, to: [alice, bob]))
let fullFinal = EncryptingSink.vectorEndingWithFullFinalChunk(plaintext(128), recipients: [alice.recipient], chunkByteCount: 64,
                                                             randomness: DeterministicRandomSource(seed: Array("sluis-vectors/full-final".utf8)))
add("success_full_final_chunk", "success", size: 128, comment: "a final chunk that fills the chunk size: sluis never writes one, readers accept it",
    bytes: fullFinal)

// Who it is for.
let two = fresh("two_recipients", size: 200, to: [alice, bob])
add("no_match", "no match", decryptor: "carol", recipients: [alice, bob], comment: "carol is not a recipient", bytes: two)

// Header.
let h2 = EncryptedFileHeader.byteCount(recipientCount: 2)
func changed(_ b: [UInt8], at i: Int, xor: UInt8 = 1) -> [UInt8] { var c = b; c[i] ^= xor; return c }
add("header_bad_magic", "header failure", recipients: [alice, bob], comment: "first magic byte changed: not a sluis file", bytes: changed(two, at: 0))
add("header_unsupported_version", "unsupported version", recipients: [alice, bob], comment: "version field 2", bytes: changed(two, at: 9, xor: 3))
add("header_chunk_size_changed", "header failure", recipients: [alice, bob], comment: "chunk size 64 -> 128 (in range): the MAC catches it",
    bytes: changed(two, at: 13, xor: 64 ^ 128))
add("header_other_sealed_key_changed", "header failure", recipients: [alice, bob], comment: "a byte of bob's sealed key changed, alice decrypts: the MAC catches it",
    bytes: changed(two, at: 16 + 112 + 32 + 5))
add("header_own_sealed_key_changed", "header failure", recipients: [alice, bob], comment: "a byte of alice's own sealed key changed",
    bytes: changed(two, at: 16 + 32 + 5))
add("header_stream_header_changed", "header failure", recipients: [alice, bob], comment: "a byte of the secretstream header changed",
    bytes: changed(two, at: h2 - 40))
add("header_mac_changed", "header failure", recipients: [alice, bob], comment: "the last byte of the header MAC changed", bytes: changed(two, at: h2 - 1))
var removed = Array(two[0..<(16 + 112)]) + two[(16 + 224)...]
removed[15] = 1
add("header_recipient_removed", "header failure", recipients: [alice], comment: "bob's entry removed and the count lowered", bytes: removed)
add("header_truncated", "truncated", recipients: [alice, bob], comment: "cut inside the header", bytes: Array(two[0..<100]))

// Payload.
let c = 64 + 17
add("truncated_after_header", "truncated", recipients: [alice, bob], comment: "cut right after the header", bytes: Array(two[0..<h2]))
add("truncated_at_chunk_boundary", "truncated", recipients: [alice, bob], comment: "cut after two whole chunks", bytes: Array(two[0..<(h2 + 2 * c)]))
add("truncated_final_chunk_dropped", "truncated", recipients: [alice, bob], comment: "the final chunk removed (three full chunks remain)",
    bytes: Array(two[0..<(h2 + 3 * c)]))
add("payload_truncated_mid_chunk", "payload failure", recipients: [alice, bob], comment: "cut inside the second chunk",
    bytes: Array(two[0..<(h2 + c + 30)]))
add("payload_byte_changed", "payload failure", recipients: [alice, bob], comment: "a byte of the first chunk changed", bytes: changed(two, at: h2 + 20))
add("payload_final_byte_changed", "payload failure", recipients: [alice, bob], comment: "the last byte of the file changed",
    bytes: changed(two, at: two.count - 1))
add("payload_chunks_swapped", "payload failure", recipients: [alice, bob], comment: "chunks 1 and 2 swapped",
    bytes: Array(two[0..<h2]) + two[(h2 + c)..<(h2 + 2 * c)] + two[h2..<(h2 + c)] + two[(h2 + 2 * c)...])
add("payload_chunk_dropped", "payload failure", recipients: [alice, bob], comment: "chunk 2 removed",
    bytes: Array(two[0..<(h2 + c)]) + two[(h2 + 2 * c)...])
add("payload_appended_to_short_final", "payload failure", recipients: [alice, bob],
    comment: "one byte appended after a short final chunk: it merges with that chunk when reading", bytes: two + [0])
add("trailing_data", "trailing data", size: 128, comment: "bytes after a full final chunk", bytes: fullFinal + Array("extra".utf8))

// Write.
guard CommandLine.arguments.count == 2 else { fail("usage: sluis-vectors OUTPUT_DIRECTORY") }
let dir = CommandLine.arguments[1]
do {
    try FileSystem.makeDirectories(dir, mode: 0o755)
    for name in try FileSystem.list(dir) where name.hasSuffix(".vector") { FileSystem.removeTree(dir + "/" + name) }
    for v in vectors { try FileSystem.writeAtomically(v.render(), to: dir + "/" + v.name + ".vector", mode: 0o644) }
} catch { fail("\(error)") }
print("wrote \(vectors.count) vectors to \(dir)")
