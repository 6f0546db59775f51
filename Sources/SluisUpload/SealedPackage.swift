import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO

/// A file that looks like a sealed package, checked cheaply before anything is sent: the
/// preamble, the trailer and that the signed manifest parses. The signature and the entries are
/// the server's job (it verifies exactly as `sluis verify` does before the inbox sees anything);
/// this check only stops the common mistake of uploading the wrong file, such as the plaintext CSV.
public struct SealedPackage: Sendable {
    /// The package file as given.
    public let path: String
    /// The file's size in bytes (the upload's length).
    public let byteCount: UInt64
    /// SHA-256 of the whole file: it names the upload in the state file, is bound into every token
    /// and must be the one the server's receipt states.
    public let sha256: [UInt8]
    /// The package id from its (unverified) manifest, for messages and the receipt check.
    public let packageId: String
    /// The project from its (unverified) manifest: the project every token names.
    public let project: String

    /// The SHA-256 as lowercase hex: the tokens' `sha256` claim and the receipt's `packageSHA256`.
    public var sha256Hex: String { Hex.encode(sha256) }

    /// Reads and hashes `path`; throws `UploadError.notSealed` for anything that is not a package.
    public static func open(path: String) throws -> SealedPackage {
        try open(path: path, hashing: true)
    }

    /// The same checks without hashing: run over every argument before anything else, so a wrong
    /// file is named at once, before any key is loaded or connection made.
    public static func check(path: String) throws {
        _ = try open(path: path, hashing: false)
    }

    private static func open(path: String, hashing: Bool) throws -> SealedPackage {
        let file: FileInput
        do { file = try FileInput(path: path) } catch { throw UploadError.unreadable(path: path) }
        guard let size = file.size() else { throw UploadError.unreadable(path: path) }
        let preamble = try read(file, offset: 0, count: min(PackageLayout.preambleByteCount, Int(size)), path: path)
        guard preamble.count >= 8, Array(preamble[0..<8]) == PackageLayout.preambleMagic else {
            throw UploadError.notSealed(path: path)
        }
        let trailerCount = min(UInt64(PackageLayout.trailerByteCount), size)
        let trailer = try read(file, offset: size - trailerCount, count: Int(trailerCount), path: path)
        let index: PackageLayout.Index
        do {
            index = try PackageLayout.readIndex(preamble: preamble, trailer: trailer, fileByteCount: size, path: path)
        } catch let error as PackageError {
            switch error {
            case .unsupportedVersion: throw UploadError.damagedPackage(path: path, detail: "an unknown package version")
            case .truncated: throw UploadError.damagedPackage(path: path, detail: "it is truncated")
            default: throw UploadError.damagedPackage(path: path, detail: "its layout is damaged")
            }
        }
        let manifestBytes = try read(file, offset: index.manifestOffset, count: Int(index.manifestByteCount), path: path)
        guard let manifest = try? JSONDecoder().decode(PackageManifest.self, from: Data(manifestBytes)),
              manifest.format == PackageManifest.formatName else {
            throw UploadError.damagedPackage(path: path, detail: "its manifest cannot be read")
        }
        let digest = hashing ? try hash(file, byteCount: size, path: path) : []
        return SealedPackage(path: path, byteCount: size, sha256: digest, packageId: manifest.packageId, project: manifest.project)
    }

    private static func read(_ file: FileInput, offset: UInt64, count: Int, path: String) throws -> [UInt8] {
        do { return try FileRangeSource.readExactly(file, offset: offset, count: count) } catch {
            throw UploadError.unreadable(path: path)
        }
    }

    /// Streams the file through OpenSSL's SHA-256 in 1 MiB reads (flat memory for any size).
    private static func hash(_ file: FileInput, byteCount: UInt64, path: String) throws -> [UInt8] {
        let hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var offset: UInt64 = 0
        while offset < byteCount {
            let n = Int(min(UInt64(buffer.count), byteCount - offset))
            let got = pread(file.fd, buffer.baseAddress, n, off_t(offset))
            guard got > 0 else { throw UploadError.unreadable(path: path) }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
            offset += UInt64(got)
        }
        return hasher.finalize()
    }
}
