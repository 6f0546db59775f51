import Foundation
import SluisCore
import SluisCrypto
import SluisIO
import SluisTransfer

/// A receipt as kept beside its package in `PACKAGE.receipt.json` (docs/upload.md): the server's
/// signed text as it came, and its content for people to read.
public struct KeptReceipt: Codable, Equatable, Sendable {
    /// The `format` value of a kept receipt file.
    public static let formatName = "sluis-kept-receipt"
    /// Always `formatName`.
    public var format: String
    /// The `--to` address the package went to.
    public var url: String
    /// The server's signed receipt text (`sluis upload` checks it with `--server-key`).
    public var signed: String
    /// Whether this run checked the signature with `--server-key`.
    public var signatureChecked: Bool
    /// The receipt's content, decoded for people to read.
    public var receipt: UploadReceipt
}

/// Checks a server's receipt against the package it is for and keeps it beside the package,
/// atomically; finds one kept earlier so that a completed package is never sent again.
public struct ReceiptKeeper: Sendable {
    let server: String
    let audience: String
    let serverKey: Recipient?

    /// `PACKAGE.receipt.json` beside the package.
    public static func path(for packagePath: String) -> String { packagePath + ".receipt.json" }

    /// A kept receipt that says this very package (same SHA-256 and size) reached this server —
    /// with a valid signature when `--server-key` is given. Anything else counts as none.
    func existing(for package: SealedPackage) -> KeptReceipt? {
        let p = Self.path(for: package.path)
        guard FileSystem.exists(p), let bytes = try? FileSystem.readAll(p, limitByteCount: 1 << 16),
              let kept = try? JSONDecoder().decode(KeptReceipt.self, from: Data(bytes)), kept.format == KeptReceipt.formatName,
              let content = try? check(kept.signed, for: package) else { return nil }
        return content.server == audience ? kept : nil
    }

    /// Checks `text` (the server's answer to the last PATCH) and writes it beside the package.
    func keep(_ text: String, for package: SealedPackage) throws -> KeptReceipt {
        let signed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let receipt = try check(signed, for: package)
        let kept = KeptReceipt(format: KeptReceipt.formatName, url: server, signed: signed, signatureChecked: serverKey != nil,
                               receipt: receipt)
        let p = Self.path(for: package.path)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try FileSystem.writeAtomically(Array(try encoder.encode(kept)) + [0x0a], to: p, mode: 0o644)
        } catch {
            throw UploadError.receiptWriteFailed(path: p)
        }
        return kept
    }

    /// The receipt's content, after its signature (with `--server-key`) and its statements about
    /// the package are checked.
    func check(_ signed: String, for package: SealedPackage) throws -> UploadReceipt {
        let path = package.path
        let receipt: UploadReceipt
        if let serverKey {
            do { receipt = try UploadReceipt.verify(signed, serverKey: serverKey) } catch let error as TransferError {
                switch error {
                case .receiptSignatureInvalid: throw UploadError.receiptInvalid(path: path, detail: "its signature does not verify with --server-key")
                default: throw UploadError.receiptInvalid(path: path, detail: "it cannot be read")
                }
            }
        } else {
            // Without the server's key only the content can be read; the file says it was not checked.
            let parts = signed.split(separator: ".", omittingEmptySubsequences: false)
            guard signed.utf8.count <= UploadReceipt.maximumTextByteCount, parts.count == 2,
                  let json = Base64URL.decode(parts[0]),
                  let r = try? JSONDecoder().decode(UploadReceipt.self, from: Data(json)),
                  r.format == UploadReceipt.formatName else {
                throw UploadError.receiptInvalid(path: path, detail: "it cannot be read")
            }
            receipt = r
        }
        guard receipt.packageSHA256 == package.sha256Hex, receipt.size == package.byteCount else {
            throw UploadError.receiptInvalid(path: path, detail: "it names another package (SHA-256 or size differs)")
        }
        guard receipt.packageId == package.packageId, receipt.project == package.project else {
            throw UploadError.receiptInvalid(path: path, detail: "its package id or project differs from the package's")
        }
        guard receipt.server == audience else {
            throw UploadError.receiptInvalid(path: path, detail: "it is from another server (server name differs from --audience)")
        }
        return receipt
    }
}
