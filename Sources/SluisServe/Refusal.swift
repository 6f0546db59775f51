import HTTPTypes
import Hummingbird

/// A request the service turns down: the HTTP status and one lowercase line saying why, which
/// names upload ids, fingerprints, header names and limits, never a value the client sent.
struct Refusal: Error {
    var status: Int
    var message: String
    /// Extra response headers (e.g. Tus-Version for 412, Upload-Offset for 409).
    var headers: [(String, String)] = []

    init(_ status: Int, _ message: String, headers: [(String, String)] = []) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    static func badRequest(_ message: String) -> Refusal { Refusal(400, message) }
    static let notFound = Refusal(404, "no such upload (it does not exist, expired, or belongs to another key)")
}

/// Header names of the tus 1.0 protocol and this service.
enum TusHeader {
    static let resumable = named("Tus-Resumable")
    static let version = named("Tus-Version")
    static let extensions = named("Tus-Extension")
    static let maxSize = named("Tus-Max-Size")
    static let checksumAlgorithm = named("Tus-Checksum-Algorithm")
    static let uploadOffset = named("Upload-Offset")
    static let uploadLength = named("Upload-Length")
    static let uploadDeferLength = named("Upload-Defer-Length")
    static let uploadMetadata = named("Upload-Metadata")
    static let uploadChecksum = named("Upload-Checksum")
    static let uploadExpires = named("Upload-Expires")
    static let uploadReceipt = named("Upload-Receipt")
    static let protocolVersion = "1.0.0"

    /// A header name from a literal above; every one is a valid HTTP token, so failing is a programming error.
    private static func named(_ text: String) -> HTTPField.Name {
        guard let name = HTTPField.Name(text) else { preconditionFailure("not an HTTP header name: \(text)") }
        return name
    }
}

extension Response {
    /// A response with the Tus-Resumable header and the given extra headers, no body.
    static func tus(_ status: Int, _ headers: [(HTTPField.Name, String)] = []) -> Response {
        var fields = HTTPFields()
        fields[TusHeader.resumable] = TusHeader.protocolVersion
        for (name, value) in headers { fields[name] = value }
        return Response(status: .init(code: status, reasonPhrase: reason(status)), headers: fields)
    }

    /// A refusal: the status, its headers and a `sluis: …` line as plain text.
    static func refusal(_ r: Refusal) -> Response {
        var fields = HTTPFields()
        fields[TusHeader.resumable] = TusHeader.protocolVersion
        fields[.contentType] = "text/plain; charset=utf-8"
        fields[.cacheControl] = "no-store"
        if r.status == 401 { fields[.wwwAuthenticate] = "Bearer realm=\"sluis\"" }
        for (name, value) in r.headers { if let n = HTTPField.Name(name) { fields[n] = value } }
        return Response(status: .init(code: r.status, reasonPhrase: reason(r.status)), headers: fields,
                        body: .init(byteBuffer: ByteBuffer(string: "sluis: \(r.message)\n")))
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 423: return "Locked"
        case 429: return "Too Many Requests"
        case 460: return "Checksum Mismatch"
        case 503: return "Service Unavailable"
        default: return "Internal Server Error"
        }
    }
}
