import Foundation
import SluisCrypto
import SluisTransfer
import XCTest

final class UploadReceiptTests: XCTestCase {
    func testSignVerifyAndTamper() throws {
        let server = try Identity.generate()
        let receipt = UploadReceipt(packageId: String(repeating: "0", count: 32), packageSHA256: String(repeating: "a", count: 64),
                                    size: 1234, project: "P1", signer: "0000-1111-2222-3333-4444", server: "intake.example",
                                    serverKey: server.recipient.fingerprint, upload: "abc", receivedAt: "2026-12-06T02:00:00Z")
        let text = try receipt.signed(by: server)
        XCTAssertEqual(try UploadReceipt.verify(text, serverKey: server.recipient), receipt)
        let json = String(decoding: Base64URL.decode(text.split(separator: ".")[0])!, as: UTF8.self)
        XCTAssertTrue(json.hasPrefix("{\"format\":\"sluis-upload-receipt\",\"packageId\":"), json)
        let other = try Identity.generate()
        XCTAssertThrowsError(try UploadReceipt.verify(text, serverKey: other.recipient)) {
            XCTAssertEqual($0 as? TransferError, .receiptSignatureInvalid(serverKey: other.recipient.fingerprint))
        }
        let changed = json.replacingOccurrences(of: "1234", with: "1235")
        let forged = Base64URL.encode(Array(changed.utf8)) + "." + text.split(separator: ".")[1]
        XCTAssertThrowsError(try UploadReceipt.verify(forged, serverKey: server.recipient))
        XCTAssertThrowsError(try UploadReceipt.verify("x", serverKey: server.recipient))
        XCTAssertThrowsError(try receipt.signed(by: other))
    }
}
