import SluisCore

/// Why `sluis upload` could not send a package. Messages name the package file, the server's
/// address and HTTP status codes; never a token, a key or any byte of the package.
public enum UploadError: SluisError, Equatable {
    /// The file does not start with a sluis package preamble (an unencrypted file, most likely).
    case notSealed(path: String)
    /// The preamble is there but the signed manifest cannot be read: truncated or damaged.
    case damagedPackage(path: String, detail: String)
    case unreadable(path: String)
    case badServerURL(url: String)
    case badCertificateFile(path: String)
    /// The server's TLS certificate is not trusted (no `--cacert`, or the wrong one).
    case untrustedServerCertificate(server: String)
    /// The server could not be reached, or kept failing, after every retry.
    case serverUnreachable(server: String, attempts: Int)
    /// 401: the server did not accept the token (clock skew, wrong server name, wrong signature).
    case unauthorised(server: String)
    /// 403: the signing key is not on the project's trust list.
    case keyNotTrusted(server: String, fingerprint: String, project: String)
    /// 413: larger than the server's per-upload maximum or the project's quota.
    case tooLarge(path: String, server: String)
    /// 415: the server refused the first bytes as not a sluis package.
    case refusedAsNotAPackage(path: String, server: String)
    /// 422: the server's whole-package verification failed; `reason` is its one-line explanation.
    case failedVerification(path: String, server: String, reason: String)
    /// 412: the server does not speak tus 1.0.0.
    case protocolMismatch(server: String)
    /// Any other refusal the client cannot recover from.
    case refused(server: String, status: Int, during: String)
    /// The server answered in a way tus does not allow (missing header, offset out of range).
    case protocolViolation(server: String, detail: String)
    /// The receipt is missing, does not verify with `--server-key`, or describes another package.
    case receiptInvalid(path: String, detail: String)
    case receiptWriteFailed(path: String)
    case stateWriteFailed(path: String)

    /// Bad arguments are usage (exit 2), a wrong file is data (exit 3), a refused key or receipt is verification (exit 4), the network or disk is I/O (exit 5).
    public var category: FailureCategory {
        switch self {
        case .badServerURL, .badCertificateFile: return .usage
        case .notSealed, .damagedPackage, .tooLarge, .refusedAsNotAPackage: return .data
        case .untrustedServerCertificate, .unauthorised, .keyNotTrusted, .failedVerification, .receiptInvalid:
            return .verification
        case .unreadable, .serverUnreachable, .protocolMismatch, .refused, .protocolViolation,
             .receiptWriteFailed, .stateWriteFailed:
            return .io
        }
    }

    /// One line naming the file or server and what to do; never a token or package bytes.
    public var description: String {
        switch self {
        case let .notSealed(p):
            return "\(p) is not a sealed sluis package (no SLUISPKG preamble); run 'sluis seal' first and upload the package it writes"
        case let .damagedPackage(p, d):
            return "\(p) is not a complete sealed package (\(d)); seal it again with 'sluis seal'"
        case let .unreadable(p): return "cannot read \(p)"
        case let .badServerURL(u): return "--to \(u) is not an http:// or https:// address"
        case let .badCertificateFile(p): return "cannot read a PEM certificate from --cacert \(p)"
        case let .untrustedServerCertificate(s):
            return "the TLS certificate of \(s) is not trusted; give the intake's CA certificate with --cacert"
        case let .serverUnreachable(s, n):
            return "cannot reach \(s) (gave up after \(n) attempts); run the same command again later: the upload resumes where it stopped"
        case let .unauthorised(s):
            return "\(s) refused the upload token (401): check the computer's clock and that --to names the intake's server"
        case let .keyNotTrusted(s, f, p):
            return "\(s) does not trust key \(f) for project \(p) (403); send your public key to the intake"
        case let .tooLarge(p, s): return "\(p) is larger than \(s) accepts, or over the project's quota (413)"
        case let .refusedAsNotAPackage(p, s):
            return "\(s) refused \(p) as not a sealed package (415); run 'sluis seal' first"
        case let .failedVerification(p, s, r):
            return "\(s) refused \(p): the package did not verify (422): \(r)"
        case let .protocolMismatch(s): return "\(s) does not speak tus 1.0.0 (412)"
        case let .refused(s, status, during): return "\(s) refused the \(during) with HTTP status \(status)"
        case let .protocolViolation(s, d): return "\(s) broke the tus protocol: \(d)"
        case let .receiptInvalid(p, d): return "the receipt for \(p) is not valid: \(d)"
        case let .receiptWriteFailed(p): return "cannot write the receipt \(p)"
        case let .stateWriteFailed(p): return "cannot write the upload state file \(p)"
        }
    }
}
