#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a byte range of an open file with `pread(2)`, so several ranges of one package can be
/// read without sharing a file position.
public final class FileRangeSource: ByteSource {
    private let input: FileInput
    private var offset: UInt64
    private let end: UInt64

    /// Reads `byteCount` bytes of `file` from `offset` on; `file` must stay open while this reads.
    public init(file: FileInput, offset: UInt64, byteCount: UInt64) {
        self.input = file
        self.offset = offset
        self.end = offset + byteCount
    }

    /// Reads the next bytes of the range with `pread`; 0 once the range is read.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let want = Int(min(UInt64(buffer.count), end - offset))
        if want == 0 { return 0 }
        while true {
            let n = pread(input.fd, buffer.baseAddress, want, off_t(offset))
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError.readFailed(path: input.path, errno: errno)
            }
            offset += UInt64(n)
            return n
        }
    }

    /// Reads exactly `count` bytes at an absolute `offset` of `file`; fewer means the file is shorter.
    public static func readExactly(_ file: FileInput, offset: UInt64, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let source = FileRangeSource(file: file, offset: offset, byteCount: UInt64(count))
        let n = try out.withUnsafeMutableBytes { try source.readFully(into: $0) }
        return Array(out[0..<n])
    }
}

/// A source that feeds every byte it reads to a tap (a hasher) before handing it on.
public final class TappedSource: ByteSource {
    private let source: any ByteSource
    private let tap: (UnsafeRawBufferPointer) -> Void
    /// Hands `source`'s bytes on after `tap` has seen each buffer, in order.
    public init(_ source: any ByteSource, tap: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.source = source
        self.tap = tap
    }
    /// Reads from the source and feeds what was read to the tap before returning.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try source.read(into: buffer)
        if n > 0 { tap(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) }
        return n
    }
}
