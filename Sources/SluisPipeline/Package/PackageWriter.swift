import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO

/// Assembles a `.sluis` package in one streaming pass: preamble, encrypted entries, inner
/// manifest, clear manifest, signature, trailer (PackageLayout). Everything goes to an
/// `AtomicFile`, so a package appears whole or not at all — or to standard output, where a
/// reader must verify what it got (a package cut short fails verification).
final class PackageWriter {
    private let file: any CommittableSink
    private let counter: CountingSink
    private let recipients: [Recipient]
    private(set) var entries: [PackageManifest.Entry] = []

    init(file: any CommittableSink, recipients: [Recipient]) throws {
        self.file = file
        self.recipients = recipients
        self.counter = CountingSink(forwardingTo: file)
        try counter.write(PackageLayout.preamble)
    }

    /// Encrypts what `produce` writes as one entry and records its offset, size and hashes.
    func addEntry(name: String, _ produce: (any ByteSink) throws -> Void) throws -> PackageManifest.Entry {
        let offset = counter.byteCount
        let hashing = HashingSink(forwardingTo: NonFinishingSink(counter))
        let encryptor = try EncryptingSink(recipients: recipients, output: hashing)
        try produce(encryptor)
        try encryptor.finish()
        let entry = PackageManifest.Entry(
            name: name, offset: offset, size: counter.byteCount - offset,
            sha256: Hex.encode(hashing.digest ?? []), headerSHA256: Hex.encode(encryptor.headerSHA256))
        entries.append(entry)
        return entry
    }

    /// Appends the manifest, its signature and the trailer, and makes the package durable.
    func finish(manifestBytes: [UInt8], signature: [UInt8]) throws {
        precondition(signature.count == PackageLayout.signatureByteCount)
        let manifestOffset = counter.byteCount
        try counter.write(manifestBytes)
        try counter.write(signature)
        try counter.write(PackageLayout.trailer(manifestOffset: manifestOffset, manifestByteCount: UInt64(manifestBytes.count)))
        try file.finish()
        try file.commit()
    }
}

/// Counts bytes on their way to another sink.
final class CountingSink: ByteSink {
    private let next: any ByteSink
    private(set) var byteCount: UInt64 = 0
    init(forwardingTo next: any ByteSink) { self.next = next }
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        byteCount += UInt64(bytes.count)
        try next.write(bytes)
    }
    func finish() throws { try next.finish() }
}

/// Passes writes on but not `finish()`: an entry ends, the package file goes on.
final class NonFinishingSink: ByteSink {
    private let next: any ByteSink
    init(_ next: any ByteSink) { self.next = next }
    func write(_ bytes: UnsafeRawBufferPointer) throws { try next.write(bytes) }
    func finish() throws {}
}
