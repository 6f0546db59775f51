import Foundation
import NIOCore
import SluisCrypto
import SluisIO
#if canImport(Glibc)
import Glibc
#endif

extension PackageUploader {
    /// One package's upload across its attempts: finds or creates the tus upload, asks the server
    /// for its offset, and sends the rest chunk by chunk. Each attempt starts from the server's
    /// word (HEAD), never from what this process believes it sent.
    final class Run: @unchecked Sendable {
        let uploader: PackageUploader
        let package: SealedPackage
        /// The offset the first successful HEAD or creation reported (what this run resumed from).
        private(set) var firstOffset: UInt64?
        /// How many of the package's bytes the progress line currently counts as done.
        private var credited: Int64 = 0

        init(uploader: PackageUploader, package: SealedPackage) {
            self.uploader = uploader
            self.package = package
        }

        private func credit(to offset: UInt64) {
            uploader.progress.sent(Int64(offset) - credited, network: false)
            credited = Int64(offset)
        }

        /// One attempt; `progressed` is called whenever the server acknowledged new bytes (so only
        /// failures in a row use up the retries). Returns the receipt text.
        func attempt(progressed: () -> Void) async throws -> String {
            let client = uploader.client, server = client.endpoint
            var upload = uploader.state.uploadURL(server: server, package: package)
            var offset: UInt64 = 0
            if let known = upload {
                if let head = try await client.status(of: known, token: uploader.token(package)),
                   head.length == nil || head.length == package.byteCount, head.offset <= package.byteCount {
                    offset = head.offset
                    if let receipt = head.receipt {
                        // Delivered already: the answer to the last PATCH (with the receipt) was lost.
                        if firstOffset == nil { firstOffset = offset }
                        credit(to: offset)
                        return receipt
                    }
                } else {
                    // Expired, swept, or not ours: start a new upload.
                    uploader.state.forget(server: server, package: package)
                    upload = nil
                }
            }
            let url: String
            if let upload { url = upload } else {
                url = try await client.create(length: package.byteCount, metadata: [("packageId", package.packageId)],
                                              token: uploader.token(package))
                try uploader.state.remember(uploadURL: url, server: server, package: package)
            }
            if firstOffset == nil { firstOffset = offset }
            credit(to: offset)
            if offset == package.byteCount {
                // All bytes are there but not delivered yet (another process is finishing it): ask again.
                throw TusClient.Failure(status: 423, body: "")
            }
            let file: FileInput
            do { file = try FileInput(path: package.path) } catch { throw UploadError.unreadable(path: package.path) }
            while offset < package.byteCount {
                let count = Int(min(UInt64(uploader.options.chunkByteCount), package.byteCount - offset))
                let chunk = try read(file, offset: offset, count: count)
                let digest = chunk.withUnsafeReadableBytes { SHA256Hasher.hash($0) }
                let sliceCount = max(1024, min(1 << 20, count / 4))
                var slices: [ByteBuffer] = []
                var at = 0
                while at < count {
                    let n = min(sliceCount, count - at)
                    guard let slice = chunk.getSlice(at: at, length: n) else {
                        preconditionFailure("slice \(at)+\(n) outside a chunk of \(count) bytes")
                    }
                    slices.append(slice)
                    at += n
                }
                let progress = uploader.progress
                let inFlight = InFlight()
                let answer: (offset: UInt64, receipt: String?)
                do {
                    answer = try await client.patch(url, offset: offset, slices: slices, sha256: digest, token: uploader.token(package)) { n in
                        inFlight.add(n)
                        progress.sent(Int64(n), network: true)
                        UploadTestHooks.didSend(n)
                    }
                } catch {
                    progress.sent(-inFlight.count, network: false)
                    throw error
                }
                let rest = Int64(count) - inFlight.count
                progress.sent(rest, network: true)
                credited += Int64(count)
                guard answer.offset == offset + UInt64(count) else {
                    throw UploadError.protocolViolation(server: server, detail: "PATCH acknowledged an offset other than the bytes sent")
                }
                offset = answer.offset
                progressed()
                if offset == package.byteCount {
                    if let receipt = answer.receipt { return receipt }
                    throw UploadError.receiptInvalid(path: package.path, detail: "the server sent none")
                }
            }
            throw UploadError.protocolViolation(server: server, detail: "the upload ended without completing")
        }

        private func read(_ file: FileInput, offset: UInt64, count: Int) throws -> ByteBuffer {
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            var done = 0
            while done < count {
                let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { raw in
                    let n = pread(file.fd, raw.baseAddress, count - done, off_t(offset) + off_t(done))
                    return max(n, 0)
                }
                guard got > 0 else { throw UploadError.unreadable(path: package.path) }
                done += got
            }
            return buffer
        }
    }

    /// Bytes of the current PATCH handed to the connection so far.
    final class InFlight: @unchecked Sendable {
        private let lock = NSLock()
        private var total: Int64 = 0
        func add(_ n: Int) { lock.lock(); total += Int64(n); lock.unlock() }
        var count: Int64 { lock.lock(); defer { lock.unlock() }; return total }
    }
}
