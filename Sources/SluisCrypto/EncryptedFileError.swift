import SluisCore

/// Why an encrypted file could not be written or read. Each case says what the failure means; cases
/// carry chunk indices, counts and key fingerprints — never plaintext or key bytes.
///
/// Categories: `.data` for "this is not (a version of) a sluis file"; `.verification` for anything
/// that authentication caught (tampering, truncation, trailing bytes, not for this key);
/// `.usage` for bad arguments when encrypting. I/O failures pass through as `IOError`.
public enum EncryptedFileError: SluisError, Equatable, Sendable {
    /// The file does not start with the sluis magic bytes.
    case notAnEncryptedFile
    /// A sluis file of a format version this build does not know.
    case unsupportedVersion(Int)
    /// The file ends inside the header.
    case truncatedHeader
    /// A header field is out of range (chunk size, recipient count).
    case malformedHeader(String)
    /// None of the file's recipients is the given identity.
    case noMatchingRecipient(identity: String, recipients: [String])
    /// The identity is a recipient but its wrapped file key does not open.
    case wrappedKeyDamaged(identity: String)
    /// The header MAC does not verify.
    case headerAuthenticationFailed
    /// A payload chunk (0-based) does not authenticate.
    case payloadAuthenticationFailed(chunkIndex: Int)
    /// The last piece of the file (shorter than a chunk, at end of file) does not authenticate:
    /// the file was cut off inside a chunk, had bytes appended, or was changed. (Appended bytes
    /// merge with a short final chunk when reading, so they cannot be told apart from damage.)
    case lastChunkAuthenticationFailed(chunkIndex: Int)
    /// The payload ends before its final chunk (after `chunkCount` whole chunks).
    case truncated(chunkCount: Int)
    /// Bytes follow the final chunk.
    case trailingData(chunkCount: Int)
    /// Encrypting: no recipients, or more than the format allows.
    case invalidRecipientCount(Int)
    /// Encrypting: a chunk size outside the allowed range.
    case invalidChunkSize(Int)

    /// Not an encrypted file, or another version, is data (exit 3); a bad setting when encrypting is usage (exit 2); every failed check is verification (exit 4).
    public var category: FailureCategory {
        switch self {
        case .notAnEncryptedFile, .unsupportedVersion: return .data
        case .invalidRecipientCount, .invalidChunkSize: return .usage
        default: return .verification
        }
    }

    /// The scenario name used by the test vectors (`expect:`).
    public var expectation: String {
        switch self {
        case .notAnEncryptedFile, .malformedHeader, .headerAuthenticationFailed, .wrappedKeyDamaged: return "header failure"
        case .unsupportedVersion: return "unsupported version"
        case .truncatedHeader, .truncated: return "truncated"
        case .noMatchingRecipient: return "no match"
        case .payloadAuthenticationFailed, .lastChunkAuthenticationFailed: return "payload failure"
        case .trailingData: return "trailing data"
        case .invalidRecipientCount, .invalidChunkSize: return "usage"
        }
    }

    /// One line saying what the failure means (damaged, tampered with, not for this identity); never key material.
    public var description: String {
        switch self {
        case .notAnEncryptedFile:
            return "not a sluis encrypted file (the magic bytes are missing)"
        case let .unsupportedVersion(v):
            return "encrypted with sluis format version \(v), which this build does not read; upgrade sluis"
        case .truncatedHeader:
            return "the file ends inside its header: it is truncated; get a complete copy"
        case let .malformedHeader(what):
            return "the header is malformed (\(what)): the file is corrupted or was tampered with"
        case let .noMatchingRecipient(identity, recipients):
            return "not encrypted to key \(identity); recipients: \(recipients.joined(separator: ", "))"
        case let .wrappedKeyDamaged(identity):
            return "the file key wrapped for key \(identity) does not open: the header is corrupted or was tampered with"
        case .headerAuthenticationFailed:
            return "the header failed authentication: it was changed (a byte altered, a recipient added or removed) "
                + "or the file is corrupted"
        case let .payloadAuthenticationFailed(index):
            return "payload chunk \(index + 1) failed to authenticate: the file was corrupted or tampered with "
                + "(changed, reordered, dropped or cut-off data)"
        case let .lastChunkAuthenticationFailed(index):
            return "the last chunk (\(index + 1)) failed to authenticate: the file was cut off, had data appended, "
                + "or was corrupted or tampered with"
        case let .truncated(count):
            return "the file ends after \(count) chunk\(count == 1 ? "" : "s") without its final chunk: it is truncated"
        case let .trailingData(count):
            return "unexpected data after the final chunk (chunk \(count)): the file was tampered with or corrupted"
        case let .invalidRecipientCount(n):
            return "cannot encrypt for \(n) recipients: give between 1 and \(EncryptedFileHeader.maximumRecipientCount)"
        case let .invalidChunkSize(n):
            return "invalid chunk size \(n): use between \(EncryptedFileHeader.minimumChunkByteCount) and "
                + "\(EncryptedFileHeader.maximumChunkByteCount) bytes"
        }
    }
}
