import SluisCore
import SluisCrypto

/// Hostile variants of one good package, for the adversarial suite (`make adversarial`; a
/// sampled form runs in `make test`). Every case must be refused by `open`: each is either a
/// change the signature or an entry hash covers, or a package a trusted key signed whose
/// contents do not hold together (docs/format.md, "What the package protects against").
///
/// Single-byte cases are edits in place (offset and mask), so the full set (thousands) stays small
/// in memory; only the structural cases carry whole packages.
public struct AdversarialCase {
    /// A family name, for the summary: `flip`, `chunk-flip`, `truncate`, `chunks`, `entries`, …
    public var family: String
    /// What was done, for a failure message (offsets and names, never content).
    public var name: String
    /// A single byte changed in place (`offset`, xor `mask`), or whole new bytes.
    public var edit: Edit

    /// How a case differs from the good package.
    public enum Edit {
        case flip(offset: Int, mask: UInt8)
        case bytes([UInt8])
    }

    /// A case of `family`, named for failure messages.
    public init(family: String, name: String, edit: Edit) {
        self.family = family
        self.name = name
        self.edit = edit
    }
}

/// Makes the cases from a good package and the trusted key that may re-sign it.
public struct AdversarialCases {
    /// One entry as the signed manifest places it, with its encrypted-file layout.
    public struct EntrySpan {
        /// The entry's name in the manifest.
        public var name: String
        /// Where the entry starts in the package.
        public var offset: Int
        /// The entry's length in bytes.
        public var size: Int
        /// Its encrypted-file header's length.
        public var headerByteCount: Int
        /// Its plaintext bytes per chunk.
        public var chunkByteCount: Int
        /// Offsets (from the package start) of each chunk, the final one included.
        public var chunkOffsets: [Int]
    }

    /// The good package every case is made from.
    public let good: [UInt8]
    /// The trusted key that re-signs structural cases.
    public let signer: Identity
    /// The good package's clear manifest.
    public let manifest: JSONValue
    /// Where the manifest starts in the package.
    public let manifestOffset: Int
    /// The manifest's length in bytes.
    public let manifestByteCount: Int
    /// Every entry's span, in manifest order.
    public let spans: [EntrySpan]
    /// Every `stride`-th position of each exhaustive family (1 = all of them).
    public var stride: Int

    /// Splits `good` into its parts; throws when it is not a well-formed package.
    public init(good: [UInt8], signer: Identity, stride: Int = 1) throws {
        guard let parts = PackageBytes.parts(of: good) else { throw PackageBytes.BuilderError.notAPackage }
        self.good = good
        self.signer = signer
        self.stride = max(1, stride)
        manifest = try JSONValue.parse(parts.manifest)
        manifestOffset = 16 + parts.entriesRegion.count
        manifestByteCount = parts.manifest.count
        var spans: [EntrySpan] = []
        for e in (manifest[member: "entries"]?.items ?? []) + [manifest[member: "innerManifest"] ?? .null] {
            guard case let .string(name)? = e[member: "name"], case let .number(o)? = e[member: "offset"],
                  case let .number(s)? = e[member: "size"] else { continue }
            let offset = Int(o), size = Int(s)
            let n = Int(good[offset + 14]) << 8 | Int(good[offset + 15])
            let chunk = (10..<14).reduce(0) { $0 << 8 | Int(good[offset + $1]) }
            let header = 72 + 112 * n
            let chunks = Array(Swift.stride(from: offset + header, to: offset + size, by: chunk + 17))
            spans.append(EntrySpan(name: name, offset: offset, size: size, headerByteCount: header, chunkByteCount: chunk,
                                   chunkOffsets: chunks))
        }
        self.spans = spans
    }

    /// Every family, in order.
    public func all() -> [AdversarialCase] {
        flips() + chunkFlips() + truncations() + chunkEdits() + entryEdits() + oversizedAndNested()
    }

    /// Every single-byte change (xor 0xff) in the preamble, each entry's header, the manifest,
    /// the signature and the trailer.
    public func flips() -> [AdversarialCase] {
        var regions: [(String, Range<Int>)] = [("preamble", 0..<16)]
        for s in spans { regions.append(("header of \(s.name)", s.offset..<(s.offset + s.headerByteCount))) }
        regions.append(("manifest", manifestOffset..<(manifestOffset + manifestByteCount)))
        regions.append(("signature", (manifestOffset + manifestByteCount)..<(good.count - 32)))
        regions.append(("trailer", (good.count - 32)..<good.count))
        var out: [AdversarialCase] = []
        for (region, range) in regions {
            for o in Swift.stride(from: range.lowerBound, to: range.upperBound, by: stride) {
                out.append(.init(family: "flip", name: "\(region) byte \(o - range.lowerBound)", edit: .flip(offset: o, mask: 0xff)))
            }
        }
        return out
    }

    /// A sample in each chunk of each entry: its first byte (the encrypted tag), a middle byte,
    /// and its last byte (inside the MAC), one bit each.
    public func chunkFlips() -> [AdversarialCase] {
        var out: [AdversarialCase] = []
        for s in spans {
            for (k, start) in s.chunkOffsets.enumerated() {
                let end = min(start + s.chunkByteCount + 17, s.offset + s.size)
                for (what, o) in [("tag", start), ("middle", (start + end) / 2), ("mac", end - 1)] {
                    out.append(.init(family: "chunk-flip", name: "\(s.name) chunk \(k) \(what)", edit: .flip(offset: o, mask: 0x01)))
                }
            }
        }
        return out
    }

    /// The package cut at every chunk boundary of every entry, at each entry's start and end,
    /// and at the edges of the preamble, manifest, signature and trailer.
    public func truncations() -> [AdversarialCase] {
        var cuts: Set<Int> = [0, 1, 8, 15, 16, manifestOffset, manifestOffset + 1, manifestOffset + manifestByteCount,
                              good.count - 32, good.count - 1]
        for s in spans {
            cuts.insert(s.offset)
            cuts.insert(s.offset + s.headerByteCount - 1)
            cuts.insert(s.offset + s.size)
            for c in s.chunkOffsets { cuts.insert(c); cuts.insert(c + 1) }
        }
        return cuts.filter { $0 < good.count }.sorted().map {
            .init(family: "truncate", name: "cut at \($0)", edit: .bytes(Array(good[0..<$0])))
        }
    }

    /// Chunks dropped, duplicated, swapped or moved inside an entry: as raw edits (the signed
    /// sizes no longer fit) and re-signed by the trusted key with every offset, size and hash
    /// made to fit (only the stream's own authentication can catch those).
    public func chunkEdits() -> [AdversarialCase] {
        var out: [AdversarialCase] = []
        for (i, s) in spans.enumerated() where s.chunkOffsets.count >= 2 {
            let header = Array(good[s.offset..<(s.offset + s.headerByteCount)])
            let chunks: [[UInt8]] = s.chunkOffsets.enumerated().map { k, start in
                let end = k + 1 < s.chunkOffsets.count ? s.chunkOffsets[k + 1] : s.offset + s.size
                return Array(good[start..<end])
            }
            var variants: [(String, [[UInt8]])] = [
                ("drop chunk 0", Array(chunks.dropFirst())),
                ("drop the final chunk", Array(chunks.dropLast())),
                ("duplicate chunk 0", [chunks[0]] + chunks),
                ("final chunk first", [chunks[chunks.count - 1]] + chunks.dropLast()),
                ("duplicate the final chunk", chunks + [chunks[chunks.count - 1]]),
            ]
            if chunks.count >= 3 {
                variants.append(("swap chunks 0 and 1", [chunks[1], chunks[0]] + chunks.dropFirst(2)))
                variants.append(("drop chunk 1", [chunks[0]] + chunks.dropFirst(2)))
            }
            for (what, newChunks) in variants {
                let entry = header + newChunks.flatMap { $0 }
                out.append(.init(family: "chunks", name: "\(s.name): \(what), raw", edit: .bytes(replacing(i, with: entry))))
                if let resigned = try? replacingResigned(i, with: entry) {
                    out.append(.init(family: "chunks", name: "\(s.name): \(what), re-signed", edit: .bytes(resigned)))
                }
            }
        }
        return out
    }

    /// Entries dropped, duplicated or swapped: raw, and re-signed by the trusted key so that the
    /// clear manifest fits the bytes (then the inner manifest and plaintext hashes must catch it).
    public func entryEdits() -> [AdversarialCase] {
        var out: [AdversarialCase] = []
        let region = Array(good[16..<manifestOffset])
        let data = spans.filter { $0.name != "inner-manifest" }
        func bytes(_ s: EntrySpan) -> [UInt8] { Array(good[s.offset..<(s.offset + s.size)]) }
        for s in spans {
            var dropped = good
            dropped.removeSubrange(s.offset..<(s.offset + s.size))
            out.append(.init(family: "entries", name: "drop \(s.name), raw", edit: .bytes(dropped)))
            var doubled = good
            doubled.insert(contentsOf: bytes(s), at: s.offset)
            out.append(.init(family: "entries", name: "duplicate \(s.name), raw", edit: .bytes(doubled)))
        }
        if data.count >= 2 {
            let a = data[0], b = data[1]
            var swapped = region
            let (first, second) = a.offset < b.offset ? (a, b) : (b, a)
            swapped.replaceSubrange((second.offset - 16)..<(second.offset - 16 + second.size), with: bytes(first))
            swapped.replaceSubrange((first.offset - 16)..<(first.offset - 16 + first.size), with: bytes(second))
            out.append(.init(family: "entries", name: "swap \(a.name) and \(b.name), raw",
                             edit: .bytes(Array(good[0..<16]) + swapped + Array(good[manifestOffset...]))))
        }
        // Re-signed: the manifest describes the edited bytes exactly.
        func resigned(_ name: String, _ edit: (inout [JSONValue], inout JSONValue) -> Void) {
            var entries = manifest[member: "entries"]?.items ?? []
            var inner = manifest[member: "innerManifest"] ?? .null
            edit(&entries, &inner)
            if let b = try? PackageBytes.resigned(good, by: signer, edit: { m in
                m[member: "entries"] = .array(entries)
                m[member: "innerManifest"] = inner
            }) {
                out.append(.init(family: "entries", name: name + ", re-signed", edit: .bytes(b)))
            }
        }
        // Bytes no entry covers — before the first entry, between two, after the last — with every
        // offset moved to fit and the manifest re-signed: only the tiling check (step 6) sees them.
        for (what, at) in [("before the first entry", 16), ("after entry 0", spans[0].offset + spans[0].size),
                           ("before the manifest", manifestOffset)] {
            if let b = try? insertingResigned([UInt8](repeating: 0x41, count: 7), at: at) {
                out.append(.init(family: "entries", name: "7 bytes no entry covers, \(what), re-signed", edit: .bytes(b)))
            }
        }
        let entryObjects = manifest[member: "entries"]?.items ?? []
        if entryObjects.count >= 2 {
            // Names swapped: each name now points at the other's bytes (hashes follow the bytes).
            resigned("swap the names of entries 0 and 1") { e, _ in
                let n0 = e[0][member: "name"], n1 = e[1][member: "name"]
                e[0][member: "name"] = n1
                e[1][member: "name"] = n0
            }
            resigned("entry 1 listed as a copy of entry 0") { e, _ in
                var copy = e[0]
                copy[member: "name"] = e[1][member: "name"]
                e[1] = copy
            }
        }
        if let first = entryObjects.first {
            resigned("a data entry as the inner manifest") { e, inner in
                var fake = first
                fake[member: "name"] = .string("inner-manifest")
                let old = inner
                inner = fake
                var moved = old
                moved[member: "name"] = first[member: "name"]
                e[0] = moved
            }
            resigned("entry 0 left out of the manifest") { e, _ in e.removeFirst() }
            resigned("entry 0 listed twice") { e, _ in e.append(e[0]) }
            resigned("entry 0 listed again under another name") { e, _ in
                var copy = e[0]
                copy[member: "name"] = .string("entry-999")
                e.append(copy)
            }
        }
        return out
    }

    /// Manifests beyond the bounds and nested beyond what any reader should follow, re-signed by
    /// the trusted key; hostile entry names in the clear manifest.
    public func oversizedAndNested() -> [AdversarialCase] {
        var out: [AdversarialCase] = []
        func resigned(_ family: String, _ name: String, _ edit: (inout JSONValue) -> Void) {
            if let b = try? PackageBytes.resigned(good, by: signer, edit: edit) {
                out.append(.init(family: family, name: name, edit: .bytes(b)))
            }
        }
        resigned("oversized", "clear manifest of 4 MiB + 1 KiB") { $0[member: "padding"] = .string(String(repeating: "x", count: (4 << 20) + 1024)) }
        for depth in [65, 1000, 100_000] {
            // Built as text: a JSONValue this deep would overflow the stack when rendered.
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            if let parts = PackageBytes.parts(of: good) {
                var text = String(decoding: parts.manifest, as: UTF8.self)
                if let brace = text.firstIndex(of: "{") { text.insert(contentsOf: "\"deep\": \(nested),", at: text.index(after: brace)) }
                out.append(.init(family: "nested", name: "clear manifest nested \(depth) deep",
                                 edit: .bytes(PackageBytes.assemble(entriesRegion: parts.entriesRegion, manifest: Array(text.utf8), signer: signer))))
            }
        }
        resigned("numbers", "an offset of 1e30") { m in
            var e = m[member: "entries"]?.items ?? []
            e[0][member: "offset"] = .number(1e30)
            m[member: "entries"] = .array(e)
        }
        resigned("numbers", "a size of -1") { m in
            var e = m[member: "entries"]?.items ?? []
            e[0][member: "size"] = .number(-1)
            m[member: "entries"] = .array(e)
        }
        for hostile in ["entry-001\u{1B}[2J", "../entry-001", "/etc/passwd", "entry-\u{202E}100", "entry-1", "inner-manifest",
                        String(repeating: "entry-", count: 2000), "entry-00\u{0}1", "ｅntry-001"] {
            resigned("names", "entry name of \(hostile.utf8.count) bytes") { m in
                var e = m[member: "entries"]?.items ?? []
                e[0][member: "name"] = .string(hostile)
                m[member: "entries"] = .array(e)
            }
        }
        resigned("names", "project with escapes") { $0[member: "project"] = .string("P2026\u{1B}]0;pwned\u{7}") }
        resigned("names", "package id with a path") { $0[member: "packageId"] = .string("../../../../../../tmp/x") }
        return out
    }

    /// `bytes` inserted at package offset `at` (between entries), every entry offset at or after
    /// it moved, and the manifest re-signed by the trusted key.
    func insertingResigned(_ bytes: [UInt8], at: Int) throws -> [UInt8] {
        var region = Array(good[16..<manifestOffset])
        region.insert(contentsOf: bytes, at: at - 16)
        var m = manifest
        func move(_ e: inout JSONValue) {
            if case let .number(o)? = e[member: "offset"], Int(o) >= at { e[member: "offset"] = .number(o + Double(bytes.count)) }
        }
        var entries = m[member: "entries"]?.items ?? []
        for k in entries.indices { move(&entries[k]) }
        m[member: "entries"] = .array(entries)
        if var inner = m[member: "innerManifest"] { move(&inner); m[member: "innerManifest"] = inner }
        return PackageBytes.assemble(entriesRegion: region, manifest: Array(m.rendered().utf8) + [0x0A], signer: signer)
    }

    /// The good bytes with entry `index` replaced by `entry` (later bytes shift; manifest unchanged).
    func replacing(_ index: Int, with entry: [UInt8]) -> [UInt8] {
        let s = spans[index]
        var out = good
        out.replaceSubrange(s.offset..<(s.offset + s.size), with: entry)
        return out
    }

    /// Entry `index` replaced by `entry`, every offset after it moved, its size and SHA-256
    /// updated, and the manifest re-signed by the trusted key.
    func replacingResigned(_ index: Int, with entry: [UInt8]) throws -> [UInt8] {
        let s = spans[index]
        let delta = entry.count - s.size
        let region = Array(replacing(index, with: entry)[16..<(manifestOffset + delta)])
        var m = manifest
        func fix(_ e: inout JSONValue) {
            guard case let .number(o)? = e[member: "offset"] else { return }
            if Int(o) == s.offset {
                e[member: "size"] = .number(Double(entry.count))
                e[member: "sha256"] = .string(Hex.encode(SHA256Hasher.hash(entry)))
            } else if Int(o) > s.offset {
                e[member: "offset"] = .number(o + Double(delta))
            }
        }
        var entries = m[member: "entries"]?.items ?? []
        for k in entries.indices { fix(&entries[k]) }
        m[member: "entries"] = .array(entries)
        if var inner = m[member: "innerManifest"] { fix(&inner); m[member: "innerManifest"] = inner }
        return PackageBytes.assemble(entriesRegion: region, manifest: Array(m.rendered().utf8) + [0x0A], signer: signer)
    }
}
