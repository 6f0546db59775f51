#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard input copied into an unnamed temporary file, for commands that need to read a file
/// more than once or from its end (a package's trailer comes last), so that `-` works for them as
/// for the streaming ones. The file has no name (`O_TMPFILE` in `$TMPDIR`, else /tmp), disappears
/// with the process, and is read through `/proc/self/fd/N`.
public enum StandardInputSpool {
    /// A path that reads what standard input held, or the given path when it is not `-`.
    public static func path(for argument: String) throws -> String {
        guard argument == "-" else { return argument }
        let directory = (getenv("TMPDIR").map { String(cString: $0) }).flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let fd = open(directory, openTemporaryFile | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw IOError.cannotCreate(path: directory + "/<temporary file>", errno: errno) }
        let input = try FileInput(path: "-")
        let output = FileOutput(fd: fd, path: "<temporary file>", ownsDescriptor: false)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = try input.readFully(into: buffer)
            if n == 0 { break }
            try output.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        try output.flush()
        // The descriptor stays open for the rest of the process: it is the file.
        return "/proc/self/fd/\(fd)"
    }
}
