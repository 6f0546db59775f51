import Foundation
import NIOCore
import SluisIO
@testable import SluisServe
import SluisTestSupport
import XCTest

final class UploadStoreTests: XCTestCase {
    func testCreateLoadSaveRemoveAndLocks() throws {
        let dir = TemporaryDirectory("sluis-serve-store")
        let store = UploadStore(staging: dir.file("staging"), inbox: dir.file("inbox"))
        try FileManager.default.createDirectory(atPath: store.staging, withIntermediateDirectories: true)
        let id = UploadStore.newId()
        XCTAssertTrue(UploadRecord.isValidId(Substring(id)))
        XCTAssertFalse(UploadRecord.isValidId("../" + id.dropFirst(3)))
        var record = UploadRecord(id: id, owner: "aaaa-bbbb-cccc-dddd-eeee", project: "P1", length: 100, offset: 0,
                                  createdAt: 1, expiresAt: 2, packageSHA256: nil, metadata: "filename Zm9v", receipt: nil)
        try store.create(record)
        XCTAssertEqual(store.load(id), record)
        record.offset = 40
        try store.save(record)
        XCTAssertEqual(store.load(id)?.offset, 40)
        XCTAssertEqual(store.all().map(\.id), [id])

        // One writer at a time, across descriptors (as across processes).
        let first = try FileLock(path: store.lockPath(id), blocking: false)
        XCTAssertThrowsError(try FileLock(path: store.lockPath(id), blocking: false))
        _ = first
        store.remove(id)
        XCTAssertNil(store.load(id))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.staging).filter { !$0.hasPrefix(".lock") }, [])
    }

    func testChunkWriterCutsUnacknowledgedBytesAndDiscards() throws {
        let dir = TemporaryDirectory("sluis-serve-writer")
        let path = dir.write("data", bytes: Array(repeating: 7, count: 50))
        let writer = try ChunkWriter(path: path, offset: 20)
        XCTAssertEqual(dir.read("data").count, 20)
        try writer.write([ByteBuffer(bytes: [UInt8](repeating: 1, count: 10))])
        try writer.sync()
        XCTAssertEqual(dir.read("data"), Array(repeating: 7, count: 20) + Array(repeating: 1, count: 10))
        try writer.discard(to: 20)
        XCTAssertEqual(dir.read("data").count, 20)
    }

    /// More buffers than one writev takes, empty ones and slices among them: all bytes, in order.
    func testChunkWriterWritesManyBuffersInOrder() throws {
        let dir = TemporaryDirectory("sluis-serve-writev")
        let path = dir.write("data", bytes: [])
        let writer = try ChunkWriter(path: path, offset: 0)
        var expected: [UInt8] = []
        var buffers: [ByteBuffer] = []
        for i in 0..<(ChunkWriter.vectorLimit * 2 + 37) {
            let bytes = (0..<(i % 7 == 0 ? 0 : i % 300 + 1)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
            var buffer = ByteBuffer(bytes: [9, 9] + bytes)
            buffer.moveReaderIndex(forwardBy: 2)  // a slice that does not start at its storage's start
            buffers.append(buffer)
            expected += bytes
        }
        try writer.write(buffers)
        XCTAssertEqual(writer.offset, UInt64(expected.count))
        XCTAssertEqual(dir.read("data"), expected)
    }

    func testChecksumHeaderParsing() throws {
        XCTAssertNil(try TusService.parseChecksum(nil))
        let sha1 = try TusService.parseChecksum("sha1 " + Data(repeating: 1, count: 20).base64EncodedString())
        XCTAssertEqual(sha1?.algorithm, .sha1)
        XCTAssertEqual(sha1?.digest, Array(repeating: 1, count: 20))
        for bad in ["md5 AAAA", "sha256", "sha256 " + Data(repeating: 1, count: 20).base64EncodedString(), "sha1 !!!"] {
            XCTAssertThrowsError(try TusService.parseChecksum(bad)) { XCTAssertEqual(($0 as? Refusal)?.status, 400) }
        }
    }
}

final class PackageIntakeRecoveryTests: XCTestCase {
    /// A process that died after saving the receipt but before the rename: the next look finishes
    /// the delivery, exactly once.
    func testDeliveryInterruptedAfterTheReceiptIsFinishedOnce() throws {
        let dir = TemporaryDirectory("sluis-serve-recovery")
        let store = UploadStore(staging: dir.file("staging"), inbox: dir.file("inbox"))
        try FileManager.default.createDirectory(atPath: store.staging, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: store.inbox, withIntermediateDirectories: true)
        let id = UploadStore.newId()
        var record = UploadRecord(id: id, owner: "aaaa-bbbb-cccc-dddd-eeee", project: "P1", length: 3, offset: 3,
                                  createdAt: 1, expiresAt: 2, packageSHA256: nil, metadata: nil, receipt: nil)
        try store.create(record)
        try FileSystem.writeAtomically([1, 2, 3], to: store.dataPath(id))
        // Not complete: nothing moves.
        try PackageIntake.deliverIfPending(record, store: store)
        XCTAssertFalse(FileSystem.exists(store.inboxPath(id)))
        record.receipt = "r"
        try store.save(record)
        try PackageIntake.deliverIfPending(record, store: store)
        XCTAssertEqual(try FileSystem.readAll(store.inboxPath(id)), [1, 2, 3])
        XCTAssertFalse(FileSystem.exists(store.dataPath(id)))
        // Once taken by `sluis inbox`, a second look does not bring it back.
        unlink(store.inboxPath(id))
        try PackageIntake.deliverIfPending(record, store: store)
        XCTAssertFalse(FileSystem.exists(store.inboxPath(id)))
    }
}
