import Foundation
import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

/// Writes one PATCH's bytes into an upload's data file, starting at its durable offset.
///
/// Bytes past the durable offset (left by a process killed mid-PATCH, never acknowledged) are cut
/// off first, so a resumed upload can never keep a stale or half-written byte. `sync()` makes
/// everything written so far durable; only then may the caller record the new offset.
/// Used by one request at a time, from blocking-I/O threads.
final class ChunkWriter: @unchecked Sendable {
    let path: String
    private let fd: Int32
    let startOffset: UInt64
    private(set) var offset: UInt64
    /// The data file's size when opened: more than the durable offset when a PATCH was cut off.
    let foundByteCount: UInt64
    private let checksum: ChecksumHasher?
    /// Start of the bytes written but not yet handed to the disk (see `startWriteback`).
    private var writebackStart: UInt64
    static let writebackByteCount: UInt64 = 4 << 20

    init(path: String, offset: UInt64, checksum: ChecksumHasher.Algorithm?) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IOError.cannotOpen(path: path, errno: errno) }
        var st = stat()
        foundByteCount = fstat(fd, &st) == 0 ? UInt64(st.st_size) : 0
        guard ftruncate(fd, off_t(offset)) == 0, lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
            let e = errno
            close(fd)
            throw IOError.writeFailed(path: path, errno: e)
        }
        self.fd = fd
        self.path = path
        self.startOffset = offset
        self.offset = offset
        self.writebackStart = offset
        self.checksum = checksum.map { ChecksumHasher($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        checksum?.update(bytes)
        var done = 0
        while done < bytes.count {
            // swift-format-ignore: NeverForceUnwrap
            // Safe: done < bytes.count: a non-empty buffer has a base address.
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError.writeFailed(path: path, errno: errno)
            }
            done += n
        }
        offset += UInt64(bytes.count)
        if offset - writebackStart >= Self.writebackByteCount {
            startWriteback(from: writebackStart, count: offset - writebackStart)
            writebackStart = offset
        }
    }

    /// Starts writing a range to disk without waiting, so the fsync before an offset is
    /// acknowledged has little left to do and the receiving does not stall on it.
    private func startWriteback(from start: UInt64, count: UInt64) {
        startEarlyWriteback(fd: fd, offset: Int64(start), byteCount: Int64(count))
    }

    func sync() throws {
        guard fsync(fd) == 0 else { throw IOError.syncFailed(path: path, errno: errno) }
    }

    /// Drops what was written past `durableOffset` (a chunk whose checksum did not match, or that
    /// went past Upload-Length): the file ends at the offset state.json records.
    func discard(to durableOffset: UInt64) throws {
        guard ftruncate(fd, off_t(durableOffset)) == 0 else { throw IOError.writeFailed(path: path, errno: errno) }
        offset = durableOffset
        writebackStart = min(writebackStart, durableOffset)
        try sync()
    }

    /// The digest of the bytes written (only when a checksum was asked for).
    func digest() -> [UInt8]? { checksum?.finalize() }

    deinit { close(fd) }
}

/// Runs blocking file-system work (write, fsync, rename, whole-package verification) off the
/// event loops and Swift's cooperative threads, which must never wait on a disk.
enum BlockingIO {
    private static let queue = DispatchQueue(label: "sluis.serve.blocking-io", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
