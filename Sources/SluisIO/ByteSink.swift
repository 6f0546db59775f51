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
    public private(set) var bytes: [UInt8] = []
    public private(set) var finished = false
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
    public func finish() throws { finished = true }
}

/// A source that reads from an array; for small things and tests. `maxReadByteCount` makes it
/// hand out odd-sized reads so that tests cross every boundary.
public final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let maxReadByteCount: Int
    public init(_ bytes: [UInt8], maxReadByteCount: Int = .max) {
        self.bytes = bytes
        self.maxReadByteCount = max(1, maxReadByteCount)
    }
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset, maxReadByteCount)
        if n <= 0 { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}

/// A sink that discards everything and counts the bytes; for dry runs.
public final class CountingNullSink: ByteSink {
    public private(set) var byteCount: UInt64 = 0
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { byteCount += UInt64(bytes.count) }
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
    public init(_ output: FileOutput) { self.output = output }
    public var byteCount: UInt64 { output.byteCount }
    public func write(_ bytes: UnsafeRawBufferPointer) throws { try output.write(bytes) }
    public func finish() throws { try output.flush() }
    public func commit() throws { try output.flush() }
    public func discard() {}
}
