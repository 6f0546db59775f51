/// Somewhere bytes go, in order: a file, an encryptor, a hasher.
///
/// Stages of the pipeline are chained as sinks so that data streams through with flat memory:
/// the CSV writer writes into an encryptor, which writes into an atomic file.
public protocol ByteSink: AnyObject {
    /// Appends `bytes`. The buffer is only valid during the call.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Flushes everything written and ends the stream (an encryptor writes its final chunk).
    func finish() throws
}

extension ByteSink {
    /// Appends the bytes of an array.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
    /// Appends the UTF-8 bytes of a string.
    public func write(_ string: String) throws {
        var s = string
        try s.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }
}

/// Somewhere bytes come from, in order.
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes; returns 0 only at end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension ByteSource {
    /// Reads until `buffer` is full or the stream ends; returns how many bytes were read.
    public func readFully(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
        }
        return filled
    }
}

/// A sink that keeps everything in memory; for small things (manifests, tests).
public final class MemorySink: ByteSink {
    /// Everything written so far.
    public private(set) var bytes: [UInt8] = []
    /// True once `finish()` was called (tests check a writer ends its stream).
    public private(set) var finished = false
    /// An empty sink.
    public init() {}
    /// Appends a copy of `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
    /// Marks the stream ended; the bytes stay readable.
    public func finish() throws { finished = true }
}

/// A source that reads from an array; for small things and tests. `maxReadByteCount` makes it
/// hand out odd-sized reads so that tests cross every boundary.
public final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let maxReadByteCount: Int
    /// A source over `bytes`, handing out at most `maxReadByteCount` bytes per read.
    public init(_ bytes: [UInt8], maxReadByteCount: Int = .max) {
        self.bytes = bytes
        self.maxReadByteCount = max(1, maxReadByteCount)
    }
    /// Copies the next bytes, at most `maxReadByteCount`; 0 at the end.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset, maxReadByteCount)
        if n <= 0 { return 0 }
        bytes.withUnsafeBytes { src in
            // swift-format-ignore: NeverForceUnwrap
            // Safe: n > 0 bytes fit in both buffers, so neither is empty.
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}

/// A sink that discards everything and counts the bytes; for dry runs.
public final class CountingNullSink: ByteSink {
    /// Bytes written so far: the size the output would have had.
    public private(set) var byteCount: UInt64 = 0
    /// A sink that counts from zero.
    public init() {}
    /// Counts `bytes` and drops them.
    public func write(_ bytes: UnsafeRawBufferPointer) throws { byteCount += UInt64(bytes.count) }
    /// Nothing to flush: the bytes were never kept.
    public func finish() throws {}
}

/// A sink whose output becomes final only on `commit()`: a file that appears whole (`AtomicFile`),
/// or a stream that cannot be taken back (`StreamOutput`), for writers that may go to either.
public protocol CommittableSink: ByteSink {
    var byteCount: UInt64 { get }
    /// Makes the output final (durable, in place).
    func commit() throws
    /// Gives up: removes what can be removed.
    func discard()
}

/// Standard output as a `CommittableSink`: commit flushes it; discard can take nothing back
/// (a reader of a stream must check what it gets, as `sluis verify` does for a package).
public final class StreamOutput: CommittableSink {
    private let output: FileOutput
    /// Wraps standard output (or any output that cannot be taken back).
    public init(_ output: FileOutput) { self.output = output }
    /// Bytes written so far.
    public var byteCount: UInt64 { output.byteCount }
    /// Writes through the output's buffer.
    public func write(_ bytes: UnsafeRawBufferPointer) throws { try output.write(bytes) }
    /// Flushes the buffer; the stream stays open for whoever owns it.
    public func finish() throws { try output.flush() }
    /// Flushes: a stream is final as soon as it is written.
    public func commit() throws { try output.flush() }
    /// Nothing to take back: a stream's reader must check what it got.
    public func discard() {}
}
