import Foundation
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// One name in the inbox folder, read as the bytes the directory holds (a name need not be
/// UTF-8), classified from `lstat` — never following a symbolic link.
struct InboxEntry {
    enum State: Equatable {
        /// A visible `*.sluis` regular file, unchanged for `settleSeconds`: taken.
        case ready
        /// A `*.sluis` file still changing, or a `.part`/hidden file younger than `staleSeconds`.
        case uploading
        /// A `.part` or hidden file unchanged for `staleSeconds`: reported, never taken.
        case stale
        /// Not something the intake will read (a link, a folder, a hard-linked file, a name that is
        /// not UTF-8): moved to quarantine unread and reported once.
        case refused(kind: String)
        /// Any other name (not `.sluis`): left alone.
        case ignored
    }

    let nameBytes: [UInt8]
    /// The name as text, when it is UTF-8.
    let name: String?
    let state: State
    let byteCount: Int64
    let ageSeconds: Double
    let modified: [Int]

    /// The name as it may be shown or recorded (escaped, bounded).
    var display: String { RecordedText.safe(nameBytes: nameBytes) }

    /// Lists and classifies the inbox, sorted by name bytes.
    static func scan(_ inbox: String, settleSeconds: Double, staleSeconds: Double) throws -> [InboxEntry] {
        guard let dir = opendir(inbox) else { throw IOError.cannotOpen(path: inbox, errno: errno) }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            names.append(bytes)
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        let now = Date().timeIntervalSince1970
        return names.map { bytes in
            var st = stat()
            let path = Array(inbox.utf8) + [0x2F] + bytes
            let ok = withPath(path) { lstat($0, &st) } == 0
            let age = ok ? now - Double(st.st_mtim.tv_sec) - Double(st.st_mtim.tv_nsec) / 1e9 : 0
            let name = String(validating: bytes, as: UTF8.self)
            let state = classify(bytes: bytes, name: name, st: ok ? st : nil, age: age,
                                 settleSeconds: settleSeconds, staleSeconds: staleSeconds)
            return InboxEntry(nameBytes: bytes, name: name, state: state, byteCount: ok ? Int64(st.st_size) : 0, ageSeconds: age,
                              modified: [Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec)])
        }
    }

    static func classify(bytes: [UInt8], name: String?, st: stat?, age: Double, settleSeconds: Double, staleSeconds: Double) -> State {
        guard let st else { return .ignored }  // gone since the listing
        let hidden = bytes.first == 0x2E
        let part = bytes.count >= 5 && Array(bytes.suffix(5)) == Array(".part".utf8)
        if hidden || part { return age >= staleSeconds ? .stale : .uploading }
        let isPackageName = bytes.count >= 6 && Array(bytes.suffix(6)) == Array(".sluis".utf8)
        guard name != nil else { return .refused(kind: "a file whose name is not UTF-8") }
        guard isPackageName else { return .ignored }
        if let kind = irregularKind(st) { return .refused(kind: kind) }
        return age >= settleSeconds ? .ready : .uploading
    }

    /// Why a file is not one the intake reads, or nil for a regular file with one name.
    static func irregularKind(_ st: stat) -> String? {
        switch st.st_mode & S_IFMT {
        case S_IFREG: return st.st_nlink > 1 ? "a file with more than one hard link" : nil
        case S_IFLNK: return "a symbolic link"
        case S_IFDIR: return "a folder"
        default: return "a special file (device, pipe or socket)"
        }
    }

    /// The size and modification time did not change across a short second look (an upload tool may keep a file's
    /// modification time while it writes).
    func isStable(in inbox: String) -> Bool {
        usleep(50_000)
        var st = stat()
        guard withPath(Array(inbox.utf8) + [0x2F] + nameBytes, { lstat($0, &st) }) == 0 else { return false }
        return Int64(st.st_size) == byteCount && [Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec)] == modified
    }
}

/// Calls `body` with a NUL-terminated C path made from raw bytes.
func withPath<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
    let terminated = bytes + [0]
    return terminated.withUnsafeBufferPointer { p in
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `terminated` holds at least the NUL, so its buffer has a base address.
        p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { body($0) }
    }
}
