/// What an SPSS or Stata file says about itself and its variables, beyond the cell values:
/// everything the writer needs so that labels, formats, widths and missing-value rules survive a
/// round trip for the columns that stay.
public struct ReadStatMetadata: Equatable, Sendable {
    /// The file's format (`.sav`, `.zsav`, `.dta`).
    public var format: ReadStatFileFormat
    /// The file label (SPSS: up to 64 bytes; Stata: up to 80), or empty.
    public var fileLabel: String
    /// Rows announced in the header; nil when the writing program did not record it.
    public var rowCount: Int?
    /// ReadStat's number for the file version (SPSS 2/3; Stata 104–119).
    public var formatVersion: Int
    /// Seconds since 1970 the file says it was written; kept so a rewrite is reproducible.
    public var modifiedTime: Int
    /// The variables in file order.
    public var variables: [ReadStatVariable]
    /// Value-label sets by name; variables refer to them by `labelSetName`.
    public var labelSets: [String: ReadStatLabelSet]

    /// Metadata as a reader fills it in, or a test or writer builds it for a new file.
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

    /// True for every storage but strings (numbers are written back from their text form).
    public var isNumeric: Bool { self != .string }
}

/// SPSS's level of measurement.
public enum ReadStatMeasure: String, Equatable, Sendable { case unknown, nominal, ordinal, scale }

/// SPSS's column alignment.
public enum ReadStatAlignment: String, Equatable, Sendable { case unknown, left, center, right }

/// One variable (column) and its metadata.
public struct ReadStatVariable: Equatable, Sendable {
    /// The variable name (the column name rows are addressed by).
    public var name: String
    /// How the values are stored.
    public var storage: ReadStatStorage
    /// Bytes a string variable holds (SPSS A300 → 300; Stata str17 → 17); 8 for numbers.
    public var storageWidth: Int
    /// The variable label, or empty.
    public var label: String
    /// The print format as the file states it (`F8.2`, `A17`, `DATE11`, `%9.0g`, `%td`), or empty.
    public var displayFormat: String
    /// The display width SPSS states (0 when none).
    public var displayWidth: Int
    /// SPSS's level of measurement, kept for the columns that stay.
    public var measure: ReadStatMeasure
    /// SPSS's column alignment, kept for the columns that stay.
    public var alignment: ReadStatAlignment
    /// Name of the value-label set attached, if any.
    public var labelSetName: String?
    /// SPSS user-defined missing values: discrete values (`low == high`) and ranges.
    public var missingValues: [ReadStatMissingRange]

    /// A variable; everything but the name and storage defaults to "not stated".
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
    /// The rule's lowest value (equal to `high` for a single missing value).
    public var low: ReadStatValue
    /// The rule's highest value.
    public var high: ReadStatValue
    /// A range of missing values from `low` to `high`.
    public init(low: ReadStatValue, high: ReadStatValue) {
        self.low = low
        self.high = high
    }
    /// A single missing value.
    public static func value(_ v: ReadStatValue) -> ReadStatMissingRange { .init(low: v, high: v) }
}

/// A named set of value labels (SPSS `VALUE LABELS`, Stata `label define`).
public struct ReadStatLabelSet: Equatable, Sendable {
    /// The set's name, as variables refer to it.
    public var name: String
    /// Whether keys are strings (SPSS string variables) or numbers.
    public var isString: Bool
    /// Labels in file order.
    public var labels: [ReadStatValueLabel]
    /// A label set; labels are added in file order.
    public init(name: String, isString: Bool, labels: [ReadStatValueLabel] = []) {
        self.name = name
        self.isString = isString
        self.labels = labels
    }
}

/// One value and its label in a label set.
public struct ReadStatValueLabel: Equatable, Sendable {
    /// The value labelled (a number or a string, as the set's kind says).
    public var value: ReadStatValue
    /// The label text.
    public var label: String
    /// A value and its label.
    public init(value: ReadStatValue, label: String) {
        self.value = value
        self.label = label
    }
}
