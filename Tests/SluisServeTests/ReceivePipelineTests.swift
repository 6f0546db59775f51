import Foundation
import NIOCore
import SluisCrypto
import SluisIO
import SluisPipeline
@testable import SluisServe
import SluisTestSupport
import XCTest

/// The PATCH receive path without HTTP: batches written in order, checkpoints saved in order with
/// the digests at exactly their offsets, whatever the buffer sizes.
final class ReceivePipelineTests: XCTestCase {
    final class Saves: @unchecked Sendable {
        let lock = NSLock()
        var list: [ReceivePipeline.Snapshot] = []
    }

    func testBytesInOrderAndCheckpointsAtTheirOffsets() async throws {
        let dir = TemporaryDirectory("sluis-serve-pipeline")
        let path = dir.write("data", bytes: [])
        let total = 3 << 20
        let bytes = Sodium.randomBytes(count: total)
        let writer = try ChunkWriter(path: path, offset: 0)
        let pipeline = ReceivePipeline(writer: writer, digests: PackageStreamDigests(length: UInt64(total)), checksum: .sha256)
        let saves = Saves()
        pipeline.save = { snap in saves.lock.withLock { saves.list.append(snap) } }
        var at = 0, size = 1
        while at < total {
            // Sizes that do not divide the batch, so batches end anywhere (and sometimes exactly on it).
            let n = min(total - at, size % 3 == 0 ? 65536 : size * 977 % 70_000 + 1)
            try await pipeline.append(ByteBuffer(bytes: bytes[at..<(at + n)]))
            try await pipeline.checkpoint(every: 300_000)
            at += n
            size += 1
        }
        try await pipeline.drain()
        XCTAssertEqual(dir.read("data"), bytes)
        XCTAssertEqual(pipeline.checksum?.finalize(), SHA256Hasher.hash(bytes))
        let list = saves.lock.withLock { saves.list }
        XCTAssertGreaterThan(list.count, 5)
        XCTAssertEqual(list.map(\.offset), list.map(\.offset).sorted(), "saved in order")
        var last: UInt64 = 0
        for snap in list {
            XCTAssertGreaterThanOrEqual(snap.offset - last, 300_000, "one checkpoint per interval")
            last = snap.offset
            let restored = try XCTUnwrap(PackageStreamDigests(restoring: snap.digests, length: UInt64(total)))
            XCTAssertEqual(restored.position, snap.offset)
            XCTAssertEqual(restored.wholeDigest(), SHA256Hasher.hash(Array(bytes[0..<Int(snap.offset)])))
        }
    }
}
