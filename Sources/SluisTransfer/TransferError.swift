import SluisCore

/// Why an upload token or receipt was refused. Messages name key fingerprints, claim names and
/// limits; never a token, a signature or any other value a client sent.
public enum TransferError: SluisError, Equatable {
    /// Not a JWT of the form sluis makes: size, segments, base64url, JSON or a field out of its syntax.
    case malformedToken(detail: String)
    /// The header names another algorithm than EdDSA (including `none`).
    case unsupportedAlgorithm
    /// No trusted key has the fingerprint in `kid`.
    case untrustedKey(fingerprint: String)
    case badSignature(fingerprint: String)
    case wrongAudience
    case expired
    /// Issued in the future beyond the allowed clock skew.
    case notYetValid
    /// exp − iat longer than the server allows.
    case lifetimeTooLong(maximumSeconds: Int)
    case malformedReceipt(detail: String)
    case receiptSignatureInvalid(serverKey: String)
    /// Mint-side argument errors.
    case invalidArgument(detail: String)

    /// A bad mint-side argument is a usage error (exit 2); every refused token or receipt is a verification failure (exit 4).
    public var category: FailureCategory {
        switch self {
        case .invalidArgument: return .usage
        default: return .verification
        }
    }

    /// One line naming fingerprints, claims and limits, never a token or signature the client sent.
    public var description: String {
        switch self {
        case let .malformedToken(d): return "the upload token is malformed (\(d))"
        case .unsupportedAlgorithm: return "the upload token is not signed with EdDSA (the only algorithm sluis accepts)"
        case let .untrustedKey(fp): return "the upload token is signed by key \(fp), which is not on any trust list of this server"
        case let .badSignature(fp): return "the upload token's signature does not verify for key \(fp)"
        case .wrongAudience: return "the upload token is for another server (aud does not match this server's name)"
        case .expired: return "the upload token has expired; mint a fresh one"
        case .notYetValid: return "the upload token was issued in the future; check the clock of the machine that made it"
        case let .lifetimeTooLong(m): return "the upload token lives longer than this server allows (\(m) seconds)"
        case let .malformedReceipt(d): return "the upload receipt is malformed (\(d))"
        case let .receiptSignatureInvalid(fp): return "the upload receipt's signature does not verify for server key \(fp)"
        case let .invalidArgument(d): return d
        }
    }
}
