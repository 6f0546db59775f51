import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// The SHA-256 of a whole package and of each of its entries, computed while the package's bytes
/// arrive in order, so that verifying a complete upload reads almost nothing again
/// (docs/serve.md, "Streaming verification"). It decides nothing: `PackageVerifier` runs every
/// check of `sluis verify` in the same order and asks this only for step 8's entry hashes, which
/// are the SHA-256 of exactly the bytes that were written.
///
/// The manifest, which says where entries begin, comes last, so entry boundaries are found on
/// the way: every entry is an encrypted file and starts with `SLUISENC` and version 1. A hash
/// runs from offset 16 (after the preamble) and is closed at each such magic, starting the next.
/// Only bytes that must lie before the manifest are treated so (below `length − 96 − 4 MiB`: the
/// manifest is at most 4 MiB); the rest of the last entry is read back from the file when it is
/// asked for. A boundary guessed wrong — ciphertext that happens to contain the magic, a sender's
/// crafted bytes, a package that does not verify — costs only speed: an entry whose exact range
/// was not hashed on the way is read and hashed from the file, as `sluis verify` would.
///
/// The state (`Saved`, a few hundred bytes per entry) is kept beside the upload and restored in
/// any process; without it, it is rebuilt from the durable prefix of the file.
public final class PackageStreamDigests {
    /// Everything needed to go on at `position` without reading a byte again.
    public struct Saved: Codable, Equatable, Sendable {
        /// The layout of this record; another version is not restored (the state is rebuilt).
        public var version = 1
        /// The package's length (`Upload-Length`).
        public var length: UInt64
        /// Bytes hashed so far.
        public var position: UInt64
        /// base64 of `ResumableSHA256.savedState` over bytes `[0, position)`.
        public var whole: String
        /// The entry being hashed: where it starts, and its hash state (it may lag `position` by up
        /// to 9 bytes, kept in `carry`, and stops at the end of the scanned region).
        public var openStart: UInt64?
        /// base64 of the open entry's `ResumableSHA256.savedState`; nil once boundaries are no longer followed.
        public var open: String?
        /// base64 of the bytes just before the scan position not yet given to the open hash.
        public var carry: String
        /// Entries whose end was found.
        public var closed: [Segment]
    }

    /// One hashed range.
    public struct Segment: Codable, Equatable, Sendable {
        /// Where the entry starts in the package.
        public var offset: UInt64
        /// The entry's length in bytes.
        public var size: UInt64
        /// Lowercase hex.
        public var sha256: String
    }

    /// `SLUISENC` and u16be version 1: how every entry (an encrypted file) begins.
    static let entryMagic: [UInt8] = EncryptedFileHeader.magic + [0, 1]
    /// Boundaries found beyond this many are ignored (their entries are hashed from the file):
    /// bounds the state an adversarial upload can make the server keep.
    public static let maximumSegmentCount = 1000

    /// The package's length (`Upload-Length`).
    public let length: UInt64
    /// Bytes consumed so far.
    public private(set) var position: UInt64 = 0
    /// Entry boundaries are looked for in `[preamble, scanEnd)` only.
    let scanEnd: UInt64
    private let whole: ResumableSHA256
    private var openStart: UInt64?
    private var open: ResumableSHA256?
    private var carry: [UInt8] = []
    private var closed: [Segment] = []

    /// For a package of `length` bytes, from its first byte.
    public init(length: UInt64) {
        self.length = length
        let tail = UInt64(PackageLayout.maximumManifestByteCount + PackageLayout.signatureByteCount + PackageLayout.trailerByteCount)
        scanEnd = length > tail ? length - tail : 0
        whole = ResumableSHA256()
        if scanEnd > UInt64(PackageLayout.preambleByteCount) {
            openStart = UInt64(PackageLayout.preambleByteCount)
            open = ResumableSHA256()
        }
    }

    /// Restores a saved state; nil when it is not a consistent one for a package of `length` bytes.
    public init?(restoring saved: Saved, length: UInt64) {
        guard saved.version == 1, saved.length == length, saved.position <= length,
              let wholeState = Data(base64Encoded: saved.whole), let w = ResumableSHA256(savedState: Array(wholeState)),
              w.byteCount == saved.position, let carry = Data(base64Encoded: saved.carry), carry.count <= 9 else { return nil }
        self.length = length
        let fresh = PackageStreamDigests(length: length)
        scanEnd = fresh.scanEnd
        whole = w
        position = saved.position
        self.carry = Array(carry)
        closed = saved.closed
        if let start = saved.openStart {
            guard let text = saved.open, let bytes = Data(base64Encoded: text), let h = ResumableSHA256(savedState: Array(bytes)),
                  start >= UInt64(PackageLayout.preambleByteCount), start < scanEnd,
                  start + h.byteCount + UInt64(carry.count) == min(max(position, start), scanEnd) else { return nil }
            openStart = start
            open = h
        } else {
            guard saved.open == nil else { return nil }
        }
    }

    /// The state to keep beside the upload.
    public var saved: Saved {
        Saved(length: length, position: position, whole: Data(whole.savedState).base64EncodedString(), openStart: openStart,
              open: open.map { Data($0.savedState).base64EncodedString() }, carry: Data(carry).base64EncodedString(), closed: closed)
    }

    /// The next bytes of the package, in order.
    public func consume(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        whole.update(bytes)
        let start = position
        position += UInt64(bytes.count)
        guard open != nil, let openStart else { return }
        let lo = max(start, openStart), hi = min(position, scanEnd)
        guard lo < hi else { return }
        scan(UnsafeRawBufferPointer(rebasing: bytes[Int(lo - start)..<Int(hi - start)]), at: lo)
    }

    /// Looks for entry magics in `piece` (the package's bytes from `at`), closing and opening
    /// entry hashes at each, and keeps the last 9 bytes back in case a magic straddles pieces.
    private func scan(_ piece: UnsafeRawBufferPointer, at: UInt64) {
        let magic = Self.entryMagic
        let regionStart = at - UInt64(carry.count)
        var matches: [UInt64] = []
        // A magic that begins in the carried bytes and ends in this piece.
        if !carry.isEmpty {
            let joined = carry + Array(piece.prefix(magic.count - 1))
            var i = 0
            while i < carry.count && i + magic.count <= joined.count {
                if Array(joined[i..<(i + magic.count)]) == magic { matches.append(regionStart + UInt64(i)) }
                i += 1
            }
        }
        // Magics wholly inside the piece.
        // memchr for the first byte (vectorised in libc), then a compare of the rest.
        var from = 0
        // swift-format-ignore: NeverForceUnwrap
        // Safe: scan is only called with a non-empty piece (lo < hi in consume).
        let base = piece.baseAddress!
        magic.withUnsafeBytes { m in
            while from + magic.count <= piece.count {
                guard let hit = memchr(base + from, Int32(magic[0]), piece.count - magic.count + 1 - from) else { break }
                let j = UnsafeRawPointer(hit) - base
                // swift-format-ignore: NeverForceUnwrap
                // Safe: the magic is a non-empty constant, so its buffer has a base address.
                if memcmp(base + j, m.baseAddress!, magic.count) == 0 { matches.append(at + UInt64(j)) }
                from = j + 1
            }
        }
        var cursor = regionStart
        guard var entryStart = openStart else { return }
        for m in matches where m > entryStart {
            feed(from: cursor, to: m, piece: piece, at: at)
            cursor = m
            guard closed.count < Self.maximumSegmentCount, let h = open else {
                open = nil
                self.openStart = nil
                carry = []
                return
            }
            closed.append(Segment(offset: entryStart, size: m - entryStart, sha256: Hex.encode(h.digest())))
            entryStart = m
            openStart = m
            open = ResumableSHA256()
        }
        let end = at + UInt64(piece.count)
        let keepFrom = max(cursor, end >= 9 ? end - 9 : 0)
        feed(from: cursor, to: keepFrom, piece: piece, at: at)
        var kept: [UInt8] = []
        for p in keepFrom..<end {
            kept.append(p < at ? carry[Int(p - regionStart)] : piece[Int(p - at)])
        }
        carry = kept
    }

    /// Gives the open hash the region's bytes `[from, to)`, which lie in the carry and/or the piece.
    private func feed(from: UInt64, to: UInt64, piece: UnsafeRawBufferPointer, at: UInt64) {
        guard from < to, let h = open else { return }
        let regionStart = at - UInt64(carry.count)
        if from < at {
            let a = Int(from - regionStart), b = Int(min(to, at) - regionStart)
            carry[a..<b].withUnsafeBytes { h.update($0) }
        }
        if to > at {
            let a = Int(max(from, at) - at), b = Int(to - at)
            h.update(UnsafeRawBufferPointer(rebasing: piece[a..<b]))
        }
    }

    /// SHA-256 of all bytes so far (the whole package once `position == length`).
    public func wholeDigest() -> [UInt8] { whole.digest() }

    /// Entry hashes for `PackageVerifier`, reading what was not hashed on the way from `path`
    /// (the complete package these bytes were written to).
    public func entryDigests(reading path: String) -> any PackageEntryDigests {
        Lookup(digests: self, path: path)
    }

    struct Lookup: PackageEntryDigests {
        let digests: PackageStreamDigests
        let path: String

        func sha256(offset: UInt64, byteCount: UInt64) throws -> [UInt8]? {
            let d = digests
            if let s = d.closed.first(where: { $0.offset == offset }), s.size == byteCount { return Hex.decode(s.sha256) }
            let (end, overflow) = offset.addingReportingOverflow(byteCount)
            guard !overflow, end <= d.length else { return nil }
            // The entry whose end lies past the scanned region goes on from its hash state; any
            // other (past the scanned region, or split by a false boundary) is hashed from the file.
            var hasher = ResumableSHA256()
            var from = offset
            if d.openStart == offset, let open = d.open, offset + open.byteCount <= end, let h = ResumableSHA256(savedState: open.savedState) {
                hasher = h
                from = offset + open.byteCount
            }
            let file = try FileInput(path: path)
            let source = FileRangeSource(file: file, offset: from, byteCount: end - from)
            // Small reads: many uploads may complete at once, and memory is bounded per upload.
            var buffer = [UInt8](repeating: 0, count: Int(min(256 << 10, max(end - from, 1))))
            var total: UInt64 = 0
            while true {
                let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if n == 0 { break }
                total += UInt64(n)
                buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
            // A file shorter than the range: let the verifier read it and say so.
            return total == end - from ? hasher.digest() : nil
        }
    }

    /// The state for the first `offset` bytes of the file at `path`, read and hashed again: for an
    /// upload whose saved state is missing or does not match its durable offset.
    public static func rebuilt(path: String, length: UInt64, upTo offset: UInt64) throws -> PackageStreamDigests {
        let digests = PackageStreamDigests(length: length)
        let file = try FileInput(path: path)
        let source = FileRangeSource(file: file, offset: 0, byteCount: offset)
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        while digests.position < offset {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            guard n > 0 else { throw IOError.readFailed(path: path, errno: EIO) }
            buffer.withUnsafeBytes { digests.consume(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return digests
    }
}
