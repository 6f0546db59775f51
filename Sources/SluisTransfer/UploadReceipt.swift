import Foundation
import SluisCore
import SluisCrypto

/// What `sluis serve` hands back when an upload is complete, verified and in the inbox: a
/// statement signed with the server's identity, which the researcher keeps as proof of delivery.
///
/// Text form (docs/serve.md, "Receipts"): `B64(json) "." B64(signature)`, B64 being base64url
/// without padding; `json` is the compact JSON object below with its keys sorted; the signature
/// is Ed25519 over `signatureContext ‖ json` (domain separation: a receipt signature can never be
/// taken for a package or token signature made with the same key).
public struct UploadReceipt: Codable, Equatable, Sendable {
    /// The `format` value of every receipt; a reader refuses anything else.
    public static let formatName = "sluis-upload-receipt"
    /// The only receipt layout this build writes and reads.
    public static let currentVersion = 1
    /// Prefixed to the JSON before signing, so a receipt signature can never pass for another kind's.
    public static let signatureContext = Array("sluis/upload-receipt/v1\n".utf8)
    /// Longer receipt texts are refused before parsing.
    public static let maximumTextByteCount = 8192

    /// Always `formatName`.
    public var format: String
    /// Always `currentVersion` when written; checked when read.
    public var version: Int
    /// The package's id from its signed manifest (32 lowercase hex digits).
    public var packageId: String
    /// SHA-256 of the whole package file as received, lowercase hex.
    public var packageSHA256: String
    /// The package's size in bytes as received.
    public var size: UInt64
    /// The project the package was uploaded for (the token's `project`).
    public var project: String
    /// Fingerprint of the researcher key that signed the package (and the upload's tokens).
    public var signer: String
    /// The server's name (the token audience).
    public var server: String
    /// Fingerprint of the server identity that signs this receipt.
    public var serverKey: String
    /// The server-made upload id.
    public var upload: String
    /// When the package entered the inbox, `YYYY-MM-DDTHH:MM:SSZ`.
    public var receivedAt: String

    /// A receipt as the server fills it in when the package is in the inbox; `format` and `version` are set here.
    public init(packageId: String, packageSHA256: String, size: UInt64, project: String, signer: String,
                server: String, serverKey: String, upload: String, receivedAt: String) {
        self.format = Self.formatName
        self.version = Self.currentVersion
        self.packageId = packageId
        self.packageSHA256 = packageSHA256
        self.size = size
        self.project = project
        self.signer = signer
        self.server = server
        self.serverKey = serverKey
        self.upload = upload
        self.receivedAt = receivedAt
    }

    /// The compact, key-sorted JSON bytes the signature covers.
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// The signed text form. `serverKey` must be the fingerprint of `identity`.
    public func signed(by identity: Identity) throws -> String {
        guard serverKey == identity.recipient.fingerprint else {
            throw TransferError.invalidArgument(detail: "the receipt's serverKey is not the signing identity's fingerprint")
        }
        let json = try jsonBytes()
        return Base64URL.encode(json) + "." + Base64URL.encode(identity.sign(Self.signatureContext + json))
    }

    /// Checks a receipt's signature against the server's public key and returns its content.
    public static func verify(_ text: String, serverKey: Recipient) throws -> UploadReceipt {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count <= maximumTextByteCount else { throw TransferError.malformedReceipt(detail: "too long") }
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let json = Base64URL.decode(parts[0]), let signature = Base64URL.decode(parts[1]) else {
            throw TransferError.malformedReceipt(detail: "not two base64url segments")
        }
        guard signature.count == 64, serverKey.isValidSignature(signature, for: signatureContext + json) else {
            throw TransferError.receiptSignatureInvalid(serverKey: serverKey.fingerprint)
        }
        guard JSONValue.usesOnlyPlainIntegers(json), let value = try? JSONValue.parse(json), !value.hasRepeatedKeys,
              let receipt = try? JSONDecoder().decode(UploadReceipt.self, from: Data(json)),
              receipt.format == formatName, receipt.version == currentVersion else {
            throw TransferError.malformedReceipt(detail: "the signed content is not a version \(currentVersion) receipt")
        }
        guard receipt.serverKey == serverKey.fingerprint else {
            throw TransferError.malformedReceipt(detail: "serverKey does not name the key that signed it")
        }
        return receipt
    }
}
