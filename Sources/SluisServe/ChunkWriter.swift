import Foundation
import NIOCore
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
/// The bytes are written straight from the buffers they arrived in (`writev`), never copied.
/// Used by one request at a time, from blocking-I/O threads.
final class ChunkWriter: @unchecked Sendable {
    let path: String
    private let fd: Int32
    let startOffset: UInt64
    private(set) var offset: UInt64
    /// The data file's size when opened: more than the durable offset when a PATCH was cut off.
    let foundByteCount: UInt64
    /// Start of the bytes written but not yet handed to the disk (see `startWriteback`).
    private var writebackStart: UInt64
    static let writebackByteCount: UInt64 = 4 << 20

    init(path: String, offset: UInt64) throws {
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
    }

    /// Appends the readable bytes of `buffers`, in order, with as few `writev` calls as it takes.
    func write(_ buffers: [ByteBuffer]) throws {
        var index = 0
        var skip = 0  // bytes of buffers[index] already written
        while index < buffers.count {
            var vectors: [iovec] = []
            vectors.reserveCapacity(min(buffers.count - index, Self.vectorLimit))
            var written = 0
            // The pointers stay valid while `buffers` lives: ByteBuffer storage is not moved by reading it.
            for i in index..<min(buffers.count, index + Self.vectorLimit) {
                buffers[i].withUnsafeReadableBytes { raw in
                    let from = i == index ? skip : 0
                    if raw.count > from {
                        // swift-format-ignore: NeverForceUnwrap
                        // Safe: raw.count > from >= 0, and a non-empty buffer has a base address.
                        vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + from), iov_len: raw.count - from))
                    }
                }
            }
            if !vectors.isEmpty {
                let n = vectors.withUnsafeBufferPointer { writev(fd, $0.baseAddress, Int32($0.count)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IOError.writeFailed(path: path, errno: errno)
                }
                written = n
            }
            offset += UInt64(written)
            // Move (index, skip) on by what was written.
            var left = written
            while index < buffers.count {
                let rest = buffers[index].readableBytes - skip
                if left >= rest {
                    left -= rest
                    index += 1
                    skip = 0
                } else {
                    skip += left
                    break
                }
            }
        }
        if offset - writebackStart >= Self.writebackByteCount {
            startWriteback(from: writebackStart, count: offset - writebackStart)
            writebackStart = offset
        }
    }

    static let vectorLimit = 512

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

/// A value handed between the request's task and a blocking-I/O thread that use it one after the
/// other, never at once (hashers, whose state is not shared).
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
