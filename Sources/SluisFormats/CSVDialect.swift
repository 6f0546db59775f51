import SluisCore

/// How a CSV file is written: delimiter, line ending and whether it starts with a UTF-8 byte
/// order mark. The reader reports the dialect it found; the writer keeps it, so output looks
/// like its input unless the configuration says otherwise.
public struct CSVDialect: Equatable, Sendable, CustomStringConvertible {
    /// How lines end: kept from the input's header line, so output looks like its input.
    public enum LineEnding: String, Sendable {
        case lf = "LF"
        case crlf = "CRLF"
        /// The bytes written at the end of each row.
        public var bytes: [UInt8] { self == .lf ? [0x0A] : [0x0D, 0x0A] }
    }

    /// The field separator: `,` `;` tab or `|`.
    public var delimiter: UInt8
    /// The line ending the file uses (the header's).
    public var lineEnding: LineEnding
    /// Whether the file starts with a UTF-8 byte order mark (Excel writes one; output keeps it).
    public var byteOrderMark: Bool

    /// The one quote character RFC 4180 knows: `"`.
    public static let quote: UInt8 = 0x22
    /// The delimiters sluis detects and accepts, in order of preference on a tie.
    public static let supportedDelimiters: [UInt8] = [0x2C, 0x3B, 0x09, 0x7C]

    /// A dialect; the default is RFC 4180's comma and LF without a byte order mark.
    public init(delimiter: UInt8 = 0x2C, lineEnding: LineEnding = .lf, byteOrderMark: Bool = false) {
        self.delimiter = delimiter
        self.lineEnding = lineEnding
        self.byteOrderMark = byteOrderMark
    }

    /// The name of a delimiter as written in pipeline.json and reports: `,` `;` `tab` `|`.
    public static func name(ofDelimiter d: UInt8) -> String { DelimiterText.name(of: d) }

    /// `delimiter ';', CRLF` and `, with BOM` when there is one.
    public var description: String {
        "delimiter '\(Self.name(ofDelimiter: delimiter))', \(lineEnding.rawValue)" + (byteOrderMark ? ", UTF-8 BOM" : "")
    }
}
