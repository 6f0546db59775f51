import XCTest
import SluisIO

/// The one growth step every row and field buffer uses.
final class GrowableBufferTests: XCTestCase {
    func testGrowsByDoublingAndKeepsTheUsedBytes() {
        var capacity = 4
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        for i in 0..<4 { buffer.storeBytes(of: UInt8(i + 1), toByteOffset: i, as: UInt8.self) }
        growBuffer(&buffer, capacity: &capacity, used: 3, needed: 9, alignment: 64, wipe: true)
        XCTAssertEqual(capacity, 16)
        XCTAssertEqual(Int(bitPattern: buffer) % 64, 0)
        XCTAssertEqual((0..<3).map { buffer.load(fromByteOffset: $0, as: UInt8.self) }, [1, 2, 3])
        growBuffer(&buffer, capacity: &capacity, used: 3, needed: 17, alignment: 16)
        XCTAssertEqual(capacity, 32)
        XCTAssertEqual((0..<3).map { buffer.load(fromByteOffset: $0, as: UInt8.self) }, [1, 2, 3])
        buffer.deallocate()
    }
}
