import Foundation
import SluisCore
import SluisCrypto
import SluisIO

/// A checker's signed approval of files of a request (`sluis output approve`): the second
/// signature when the policy requires two checkers. It names the files with their SHA-256, the
/// policy, the time and the checker's public key; the Ed25519 signature covers the canonical
/// JSON of all of that (the statement), prefixed with a context string so it can never be
/// mistaken for a package signature.
public struct Approval: Codable, Equatable, Sendable {
    /// The `format` value of every approval statement; anything else is refused.
    public static let formatName = "sluis-output-approval"
    static let context = Array("sluis-output-approval-v1\n".utf8)

    /// What the checker approves: the signed part.
    public struct Statement: Codable, Equatable, Sendable {
        /// Always `formatName`.
        public var format: String
        /// The request folder's name.
        public var request: String
        /// The policy the files were checked under.
        public var policy: PolicyReference
        /// The approved files and their hashes, so a file changed afterwards is not covered.
        public var files: [ApprovedFile]
        /// UTC, when it was approved.
        public var approvedAt: String
        /// The checker's one-line public key (the signature is checked with it).
        public var checker: String
        /// The key's fingerprint (must be the key's own).
        public var checkerFingerprint: String
    }

    /// One approved file.
    public struct ApprovedFile: Codable, Equatable, Sendable, Hashable {
        /// The file's path in the request folder.
        public var file: String
        /// SHA-256 of the file as approved, lowercase hex.
        public var sha256: String
    }

    /// The signed statement.
    public var statement: Statement
    /// Base64 Ed25519 signature over `context ‖ canonical JSON of statement`.
    public var signature: String

    /// Signs `statement` with the checker's identity (context-prefixed canonical JSON).
    public static func sign(_ statement: Statement, with identity: Identity) throws -> Approval {
        let message = context + (try CanonicalJSON.bytes(statement))
        return Approval(statement: statement, signature: Data(identity.sign(message)).base64EncodedString())
    }

    /// Reads and verifies an approval; returns it with its signer.
    public static func load(path: String) throws -> (Approval, Recipient) {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readAll(path, limitByteCount: 16 << 20) } catch {
            throw OutputError.countersignatureInvalid(path: path, detail: "it cannot be read")
        }
        guard let json = try? JSONValue.parse(bytes), !json.hasRepeatedKeys,
              let a = try? JSONDecoder().decode(Approval.self, from: Data(bytes)), a.statement.format == formatName else {
            throw OutputError.countersignatureInvalid(path: path, detail: "it is not a sluis approval")
        }
        guard let signer = try? Recipient(parsing: a.statement.checker),
              let signature = Data(base64Encoded: a.signature), signature.count == 64,
              let message = try? context + CanonicalJSON.bytes(a.statement),
              signer.isValidSignature(Array(signature), for: message) else {
            throw OutputError.countersignatureInvalid(path: path, detail: "the signature is not valid")
        }
        guard signer.fingerprint == a.statement.checkerFingerprint else {
            throw OutputError.countersignatureInvalid(path: path, detail: "the fingerprint is not the signer's")
        }
        return (a, signer)
    }
}
