/// What an SPSS or Stata file says about itself and its variables, beyond the cell values:
/// everything the writer needs so that labels, formats, widths and missing-value rules survive a
/// round trip for the columns that stay.
public struct ReadStatMetadata: Equatable, Sendable {
    public var format: ReadStatFileFormat
    /// The file label (SPSS: up to 64 bytes; Stata: up to 80), or empty.
    public var fileLabel: String
    /// Rows announced in the header; nil when the writing program did not record it.
    public var rowCount: Int?
    /// ReadStat's number for the file version (SPSS 2/3; Stata 104–119).
    public var formatVersion: Int
    /// Seconds since 1970 the file says it was written; kept so a rewrite is reproducible.
    public var modifiedTime: Int
    public var variables: [ReadStatVariable]
    /// Value-label sets by name; variables refer to them by `labelSetName`.
    public var labelSets: [String: ReadStatLabelSet]

    public init(format: ReadStatFileFormat, fileLabel: String = "", rowCount: Int? = nil, formatVersion: Int = 0,
                modifiedTime: Int = 0, variables: [ReadStatVariable] = [], labelSets: [String: ReadStatLabelSet] = [:]) {
        self.format = format
        self.fileLabel = fileLabel
        self.rowCount = rowCount
        self.formatVersion = formatVersion
        self.modifiedTime = modifiedTime
        self.variables = variables
        self.labelSets = labelSets
    }

    /// The label set a variable refers to, if any.
    public func labelSet(of variable: ReadStatVariable) -> ReadStatLabelSet? {
        variable.labelSetName.flatMap { labelSets[$0] }
    }
}

/// How a variable's values are stored. Stata distinguishes integer widths and float; SPSS stores
/// every number as a double.
public enum ReadStatStorage: String, Equatable, Sendable {
    case string, int8, int16, int32, float, double

    public var isNumeric: Bool { self != .string }
}

/// SPSS's level of measurement.
public enum ReadStatMeasure: String, Equatable, Sendable { case unknown, nominal, ordinal, scale }

/// SPSS's column alignment.
public enum ReadStatAlignment: String, Equatable, Sendable { case unknown, left, center, right }

/// One variable (column) and its metadata.
public struct ReadStatVariable: Equatable, Sendable {
    public var name: String
    public var storage: ReadStatStorage
    /// Bytes a string variable holds (SPSS A300 → 300; Stata str17 → 17); 8 for numbers.
    public var storageWidth: Int
    /// The variable label, or empty.
    public var label: String
    /// The print format as the file states it (`F8.2`, `A17`, `DATE11`, `%9.0g`, `%td`), or empty.
    public var displayFormat: String
    public var displayWidth: Int
    public var measure: ReadStatMeasure
    public var alignment: ReadStatAlignment
    /// Name of the value-label set attached, if any.
    public var labelSetName: String?
    /// SPSS user-defined missing values: discrete values (`low == high`) and ranges.
    public var missingValues: [ReadStatMissingRange]

    public init(name: String, storage: ReadStatStorage, storageWidth: Int = 8, label: String = "",
                displayFormat: String = "", displayWidth: Int = 0, measure: ReadStatMeasure = .unknown,
                alignment: ReadStatAlignment = .unknown, labelSetName: String? = nil,
                missingValues: [ReadStatMissingRange] = []) {
        self.name = name
        self.storage = storage
        self.storageWidth = storageWidth
        self.label = label
        self.displayFormat = displayFormat
        self.displayWidth = displayWidth
        self.measure = measure
        self.alignment = alignment
        self.labelSetName = labelSetName
        self.missingValues = missingValues
    }
}

/// A key in a value-label set or a bound of a missing-value rule.
public enum ReadStatValue: Equatable, Hashable, Sendable {
    case number(Double)
    case string(String)
    /// Stata's extended missing values `.a` … `.z`.
    case taggedMissing(Character)
}

/// A user-defined missing value (`low == high`) or range of values.
public struct ReadStatMissingRange: Equatable, Sendable {
    public var low: ReadStatValue
    public var high: ReadStatValue
    public init(low: ReadStatValue, high: ReadStatValue) {
        self.low = low
        self.high = high
    }
    public static func value(_ v: ReadStatValue) -> ReadStatMissingRange { .init(low: v, high: v) }
}

/// A named set of value labels (SPSS `VALUE LABELS`, Stata `label define`).
public struct ReadStatLabelSet: Equatable, Sendable {
    public var name: String
    /// Whether keys are strings (SPSS string variables) or numbers.
    public var isString: Bool
    /// Labels in file order.
    public var labels: [ReadStatValueLabel]
    public init(name: String, isString: Bool, labels: [ReadStatValueLabel] = []) {
        self.name = name
        self.isString = isString
        self.labels = labels
    }
}

public struct ReadStatValueLabel: Equatable, Sendable {
    public var value: ReadStatValue
    public var label: String
    public init(value: ReadStatValue, label: String) {
        self.value = value
        self.label = label
    }
}
