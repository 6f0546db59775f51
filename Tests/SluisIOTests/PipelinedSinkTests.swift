import XCTest
import SluisIO

/// The hand-over between the pipeline's two cores: every byte arrives once, in order, and an
/// error on the consuming side reaches the producer.
final class PipelinedSinkTests: XCTestCase {
    final class FailingSink: ByteSink {
        var failAfter: Int
        var received = 0
        init(failAfter: Int) { self.failAfter = failAfter }
        struct Failure: Error {}
        func write(_ bytes: UnsafeRawBufferPointer) throws {
            received += bytes.count
            if received > failAfter { throw Failure() }
        }
        func finish() throws {}
    }

    func testBytesArriveInOrderAcrossOddWriteSizesAndBlockBoundaries() throws {
        for blockByteCount in [1, 7, 4096] {
            let memory = MemorySink()
            let sink = PipelinedSink(forwardingTo: memory, blockByteCount: blockByteCount, bufferCount: 3)
            var expected: [UInt8] = []
            var generator = SystemRandomNumberGenerator()
            for size in [0, 1, 2, 6, 7, 8, 100, 4095, 4096, 4097, 10_000] {
                let chunk = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
                expected += chunk
                try sink.write(chunk)
            }
            try sink.finish()
            XCTAssertTrue(memory.finished)
            XCTAssertEqual(memory.bytes.count, expected.count)
            XCTAssertTrue(memory.bytes == expected, "block size \(blockByteCount)")
        }
    }

    func testAConsumerErrorReachesTheProducer() {
        let failing = FailingSink(failAfter: 10_000)
        let sink = PipelinedSink(forwardingTo: failing, blockByteCount: 1024, bufferCount: 2)
        XCTAssertThrowsError(try {
            for _ in 0..<1000 { try sink.write([UInt8](repeating: 1, count: 1000)) }
            try sink.finish()
        }())
    }

    func testAnAbandonedSinkStopsItsThreadWithoutFinishing() {
        let memory = MemorySink()
        do {
            let sink = PipelinedSink(forwardingTo: memory, blockByteCount: 16, bufferCount: 2)
            try? sink.write([UInt8](repeating: 2, count: 100))
        }
        XCTAssertFalse(memory.finished)
    }
}

/// A consumer slower than the producer fills the ring: the hand-over must neither deadlock nor lose a block.
final class PipelinedSinkBackPressureTests: XCTestCase {
    final class SlowSink: ByteSink {
        var bytes: [UInt8] = []
        func write(_ b: UnsafeRawBufferPointer) throws {
            usleep(2000)
            bytes.append(contentsOf: b)
        }
        func finish() throws {}
    }

    func testASlowConsumerFillsTheRingWithoutDeadlockOrLoss() throws {
        for bufferCount in [2, 3, 4] {
            let slow = SlowSink()
            let sink = PipelinedSink(forwardingTo: slow, blockByteCount: 64, bufferCount: bufferCount)
            var expected: [UInt8] = []
            for i in 0..<50 {
                let chunk = [UInt8](repeating: UInt8(i), count: 64 + i)
                expected += chunk
                try sink.write(chunk)
            }
            try sink.finish()
            XCTAssertTrue(slow.bytes == expected, "buffers \(bufferCount)")
        }
    }
}
