import XCTest
import SluisIO
import SluisPipeline

final class BackgroundByteSinkTests: XCTestCase {
    func testBytesArriveInOrderAcrossBlockBoundaries() throws {
        let target = MemorySink()
        let sink = BackgroundByteSink(target: target, blockByteCount: 7, depth: 2)
        var expected: [UInt8] = []
        for n in [0, 1, 6, 7, 8, 15, 3, 100] {
            let chunk = (0..<n).map { UInt8(truncatingIfNeeded: $0 &+ expected.count) }
            expected += chunk
            try sink.write(chunk)
        }
        try sink.drain()
        XCTAssertEqual(target.bytes, expected)
        XCTAssertFalse(target.finished)
        try sink.finish()
        XCTAssertTrue(target.finished)
    }

    func testTargetErrorsSurface() {
        final class Failing: ByteSink {
            struct Boom: Error {}
            func write(_ bytes: UnsafeRawBufferPointer) throws { throw Boom() }
            func finish() throws {}
        }
        let sink = BackgroundByteSink(target: Failing(), blockByteCount: 4, depth: 1)
        XCTAssertThrowsError(try { for _ in 0..<10 { try sink.write([1, 2, 3, 4]) }; try sink.drain() }())
    }
}
