import CZlib

/// The one file that imports zlib (habit 1: one small wrapper per C library).
///
/// Why zlib: an XLSX workbook is a ZIP archive of deflate-compressed XML, and `sluis output check`
/// must read the text of the cells to look for person keys. sluis takes two things from zlib:
/// raw inflate (RFC 1951, no zlib or gzip header: ZIP's method 8) and CRC-32 (ZIP's check of each
/// entry). No zlib type leaves this file.
final class RawInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var finished = false

    /// What one `inflate` step did.
    struct Step {
        /// Compressed bytes taken from the input.
        var consumed: Int
        /// Bytes written to the output.
        var produced: Int
        /// Whether the deflate stream ended (its final block was read).
        var ended: Bool
    }

    /// A raw inflater; nil when zlib cannot allocate one.
    init?() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // Negative window bits: a raw deflate stream (no header, no trailer), 32 KiB window.
        guard inflateInit2_(stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            return nil
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Inflates from `input` into `output` as far as either allows; nil when the compressed
    /// bytes are not a valid deflate stream.
    func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Step? {
        if finished { return Step(consumed: 0, produced: 0, ended: true) }
        guard let out = output.baseAddress, output.count > 0 else { return Step(consumed: 0, produced: 0, ended: false) }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(min(input.count, Int(UInt32.max)))
        stream.pointee.next_out = out.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(min(output.count, Int(UInt32.max)))
        let before = (input: stream.pointee.avail_in, output: stream.pointee.avail_out)
        let rc = CZlib.inflate(stream, Z_NO_FLUSH)
        let step = Step(consumed: Int(before.input - stream.pointee.avail_in),
                        produced: Int(before.output - stream.pointee.avail_out), ended: rc == Z_STREAM_END)
        switch rc {
        case Z_OK: return step
        case Z_STREAM_END:
            finished = true
            return step
        case Z_BUF_ERROR:
            // No progress possible with what was given (needs more input): not an error by itself.
            return step
        default:
            return nil
        }
    }
}

/// CRC-32 (ISO-HDLC, as ZIP and gzip use it), by zlib.
enum CRC32 {
    /// The running CRC-32 of `crc`'s bytes followed by `bytes` (start with 0).
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        var value = UInt(crc)
        var rest = bytes.count
        var p = base.assumingMemoryBound(to: Bytef.self)
        while rest > 0 {
            let n = min(rest, Int(UInt32.max))
            value = crc32(value, p, UInt32(n))
            p += n
            rest -= n
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
