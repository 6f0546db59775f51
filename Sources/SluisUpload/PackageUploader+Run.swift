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
            let server = uploader.client.endpoint
            let (url, resumedAt, delivered) = try await resumeOrCreate()
            if let delivered { return delivered }
            var offset = resumedAt
            if offset == package.byteCount {
                // All bytes are there but not delivered yet (another process is finishing it): ask again.
                throw TusClient.Failure(status: 423, body: "")
            }
            var nextDigest: PendingDigest?
            defer { nextDigest?.task.cancel() }
            while offset < package.byteCount {
                let (count, digest) = try await chunkDigest(at: offset, pending: &nextDigest)
                let started = ContinuousClock.now
                let answer = try await send(url, offset: offset, count: count, sha256: digest)
                guard answer.offset == offset + UInt64(count) else {
                    throw UploadError.protocolViolation(server: server, detail: "PATCH acknowledged an offset other than the bytes sent")
                }
                offset = answer.offset
                adapt(sent: count, in: ContinuousClock.now - started)
                progressed()
                if offset == package.byteCount {
                    if let receipt = answer.receipt { return receipt }
                    throw UploadError.receiptInvalid(path: package.path, detail: "the server sent none")
                }
            }
            throw UploadError.protocolViolation(server: server, detail: "the upload ended without completing")
        }

        /// The upload to continue and the server's offset for it (HEAD on the one the state file
        /// knows, else a new one), or the receipt when the package was delivered already.
        private func resumeOrCreate() async throws -> (url: String, offset: UInt64, receipt: String?) {
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
                        return (known, offset, receipt)
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
            return (url, offset, nil)
        }

        /// A chunk's SHA-256 being computed on another thread: where the chunk starts and its length.
        typealias PendingDigest = (offset: UInt64, count: Int, task: Task<[UInt8], any Error>)

        /// The length and SHA-256 (for Upload-Checksum) of the chunk at `offset`: computed while the
        /// previous chunk was being sent when `pending` holds it; the next chunk's starts now, on
        /// another thread, while this one goes.
        private func chunkDigest(at offset: UInt64, pending: inout PendingDigest?) async throws -> (count: Int, digest: [UInt8]) {
            let count: Int
            let digest: [UInt8]
            if let waiting = pending, waiting.offset == offset {
                count = waiting.count
                digest = try await waiting.task.value
            } else {
                count = Int(min(UInt64(chunkByteCount), package.byteCount - offset))
                digest = try Self.sha256(of: package.path, offset: offset, count: count)
            }
            let following = offset + UInt64(count)
            pending = nil
            if following < package.byteCount {
                let path = package.path, n = Int(min(UInt64(chunkByteCount), package.byteCount - following))
                pending = (following, n, Task.detached { try Self.sha256(of: path, offset: following, count: n) })
            }
            return (count, digest)
        }

        /// One PATCH of `count` bytes from `offset`, streamed from the file; the progress line counts
        /// bytes as they go and takes back those in flight when the request fails.
        private func send(_ url: String, offset: UInt64, count: Int, sha256 digest: [UInt8]) async throws
            -> (offset: UInt64, receipt: String?) {
            let progress = uploader.progress
            let inFlight = InFlight()
            let body = FileSliceSequence(path: package.path, offset: offset, byteCount: count,
                                         sliceByteCount: Self.sliceByteCount(chunk: count)) { n in
                inFlight.add(n)
                progress.sent(Int64(n), network: true)
                UploadTestHooks.didSend(n)
            }
            let answer: (offset: UInt64, receipt: String?)
            do {
                answer = try await uploader.client.patch(url, offset: offset, body: body, byteCount: count, sha256: digest,
                                                         token: uploader.token(package))
            } catch {
                progress.sent(-inFlight.count, network: false)
                throw error
            }
            progress.sent(Int64(count) - inFlight.count, network: true)
            credited += Int64(count)
            return answer
        }

        /// Bytes per PATCH from here on (see `Options.adaptiveChunks`).
        private lazy var chunkByteCount = uploader.options.chunkByteCount

        private func adapt(sent count: Int, in duration: Duration) {
            guard uploader.options.adaptiveChunks else { return }
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            guard seconds > 0 else { return }
            let range = Options.adaptiveChunkRange
            let wanted = Double(count) / seconds * Options.chunkSeconds
            chunkByteCount = Int(min(max(wanted, Double(range.lowerBound)), Double(range.upperBound)))
        }

        /// Slices of a chunk's body: at most 1 MiB (bounded memory), at least 1 KiB, about a quarter
        /// of a small chunk (so progress and the test hooks see several).
        static func sliceByteCount(chunk: Int) -> Int { max(1024, min(1 << 20, chunk / 4)) }

        /// SHA-256 of `count` bytes of the package from `offset`, read in 1 MiB pieces.
        static func sha256(of path: String, offset: UInt64, count: Int) throws -> [UInt8] {
            let file: FileInput
            do { file = try FileInput(path: path) } catch { throw UploadError.unreadable(path: path) }
            let hasher = SHA256Hasher()
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            var done = 0
            while done < count {
                try Task.checkCancellation()
                let n = pread(file.fd, buffer.baseAddress, min(buffer.count, count - done), off_t(offset) + off_t(done))
                guard n > 0 else { throw UploadError.unreadable(path: path) }
                hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                done += n
            }
            return hasher.finalize()
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
