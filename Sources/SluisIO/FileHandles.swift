#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file (or standard input) with `read(2)`; the caller does its own buffering.
public final class FileInput: ByteSource {
    /// The path as given, or `<stdin>`, for messages.
    public let path: String
    /// The descriptor read from (closed on release when this opened it).
    public let fd: Int32
    private let ownsDescriptor: Bool

    /// Opens `path` for reading; `-` means standard input.
    public init(path: String) throws {
        if path == "-" {
            self.path = "<stdin>"
            self.fd = 0
            self.ownsDescriptor = false
        } else {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw IOError.cannotOpen(path: path, errno: errno) }
            self.path = path
            self.fd = fd
            self.ownsDescriptor = true
        }
    }

    /// Takes ownership of `fd`, already open for reading (`SecretFile` opens and checks it first).
    public init(path: String, adopting fd: Int32) {
        self.path = path
        self.fd = fd
        self.ownsDescriptor = true
    }

    /// Reads up to `buffer.count` bytes, retrying when a signal interrupts; 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw IOError.readFailed(path: path, errno: errno)
        }
    }

    /// The file's size in bytes, when it is a regular file.
    public func size() -> UInt64? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return UInt64(st.st_size)
    }

    deinit { if ownsDescriptor { close(fd) } }
}

/// Writes to a file descriptor through a buffer of `bufferByteCount` bytes.
public final class FileOutput: ByteSink {
    /// The path written to, for messages.
    public let path: String
    /// The descriptor written to (closed on release when this opened it).
    public let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: UnsafeMutableRawBufferPointer
    private var used = 0
    /// Bytes written so far (buffered ones included).
    public private(set) var byteCount: UInt64 = 0
    /// When above zero: every this many bytes written, start the kernel's write-back of them
    /// without waiting (`sync_file_range`, Linux). For files that are fsynced at the end anyway
    /// (`AtomicFile`): the disk works while we compute, so the final fsync has little left to do.
    public var earlyWritebackByteCount = 0
    private var writtenOut: Int64 = 0
    private var writebackStart: Int64 = 0

    /// Wraps an open descriptor (`path` only names it in messages).
    public init(fd: Int32, path: String, ownsDescriptor: Bool, bufferByteCount: Int = 1 << 20) {
        self.fd = fd
        self.path = path
        self.ownsDescriptor = ownsDescriptor
        self.buffer = .allocate(byteCount: bufferByteCount, alignment: 16)
    }

    /// Standard output.
    public static func standardOutput() -> FileOutput {
        FileOutput(fd: 1, path: "<stdout>", ownsDescriptor: false)
    }

    /// Appends `bytes`: buffered when small, written straight through when at least a buffer long.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        // An empty buffer may have no base address (the copy below would trap): nothing to do.
        guard !bytes.isEmpty else { return }
        byteCount += UInt64(bytes.count)
        if bytes.count >= buffer.count {
            try flush()
            try writeAll(bytes)
            return
        }
        if used + bytes.count > buffer.count { try flush() }
        // swift-format-ignore: NeverForceUnwrap
        // Safe: `buffer` is allocated once; `bytes` is not empty (guard above).
        (buffer.baseAddress! + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        used += bytes.count
    }

    /// Writes out the buffer.
    public func flush() throws {
        if used > 0 {
            try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
            used = 0
        }
    }

    /// Writes out the buffer; does not sync (`sync()` does).
    public func finish() throws { try flush() }

    /// Flushes and asks the kernel to put the bytes on disk.
    public func sync() throws {
        try flush()
        if fsync(fd) != 0 { throw IOError.syncFailed(path: path, errno: errno) }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            // swift-format-ignore: NeverForceUnwrap
            // Safe: offset < bytes.count: a non-empty buffer has a base address.
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError.writeFailed(path: path, errno: errno)
            }
            offset += n
        }
        writtenOut += Int64(bytes.count)
        if earlyWritebackByteCount > 0 && writtenOut - writebackStart >= Int64(earlyWritebackByteCount) {
            startWriteback(from: writebackStart, count: writtenOut - writebackStart)
            writebackStart = writtenOut
        }
    }

    private func startWriteback(from offset: Int64, count: Int64) {
        startEarlyWriteback(fd: fd, offset: offset, byteCount: count)
    }

    deinit {
        // The buffer held plaintext (decrypted data, key files): wipe it before the memory is reused.
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        buffer.deallocate()
        if ownsDescriptor { close(fd) }
    }
}

/// Writes one line to standard error with a single `write(2)` (no buffering to lose on exit).
public func writeStandardError(_ line: String) {
    var s = line + "\n"
    s.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
}

/// Asks the kernel to start writing a range of `fd` to disk without waiting (`sync_file_range`
/// with `SYNC_FILE_RANGE_WRITE`, Linux; looked up at run time, absent elsewhere), so a later
/// fsync has little left to do. A hint only: errors are ignored, the fsync reports what matters.
public func startEarlyWriteback(fd: Int32, offset: Int64, byteCount: Int64) {
    #if os(Linux)
    typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    guard let symbol = syncFileRangeSymbol else { return }
    _ = unsafeBitCast(symbol, to: SyncFileRange.self)(fd, offset, byteCount, 2)  // SYNC_FILE_RANGE_WRITE
    #endif
}

private nonisolated(unsafe) let syncFileRangeSymbol: UnsafeMutableRawPointer? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range")
