/// What a generalised column becomes in an SPSS/Stata file. The pipeline knows what a
/// generaliser produces; the writer cannot see it from the rows before it must declare the
/// variables, so the driver states it per output column.
public enum ReadStatGeneralisedType: Equatable, Sendable {
    /// A year such as `1987`: numeric, SPSS `F4.0`, Stata `%ty` (Stata's yearly date format).
    case year
    /// A year and month such as `1987-06`: string A7 / str7 (SPSS and Stata month formats
    /// need a day count, and the text form is what the researcher reads).
    case yearMonth
    /// A PC4 postcode such as `1234`: string A4 / str4 — a code, not a quantity.
    case postcode4
    /// A band such as `20-29` or any other text up to `width` bytes.
    case text(width: Int)

    /// The type for a `pipeline.json` generalisation target (`year`, `year-month`, `pc4`, …);
    /// nil for one this writer does not know (use `.text(width:)`).
    public init?(target: String) {
        switch target.lowercased() {
        case "year": self = .year
        case "year-month", "yearmonth", "month": self = .yearMonth
        case "pc4", "postcode4": self = .postcode4
        default: return nil
        }
    }
}

/// Turns output columns into the variables an SPSS/Stata file declares, carrying over the
/// source's metadata for kept columns and giving new or generalised columns a fitting type.
///
/// - `.kept(i)`: the source variable as it is — name from the output column, type, width,
///   label, format, display width, measure, alignment, value labels and user-missing values.
///   Across families (SPSS source, Stata output or the reverse) formats and missing values do
///   not translate and are left out; numbers become doubles.
/// - `.generalised(i)`: the source's label (and measure) with the type of its
///   `ReadStatGeneralisedType` (default: a string as wide as a string source, or 40 bytes);
///   value labels and missing values describe the old values and are left out.
/// - `.pseudonym(width)`, `.added(width)`: a string of exactly that width (A17 / str17), so no
///   tool reads a pseudonym as a number and rounds it.
/// Label sets go only to the output when a remaining variable uses them, so dropped columns take
/// their labels with them.
struct ReadStatOutputPlan {
    var variables: [ReadStatVariable]
    var labelSets: [ReadStatLabelSet]

    /// Default width of a generalised column from a numeric source with no stated type.
    static let defaultGeneralisedWidth = 40

    init(columns: [OutputColumn], source: ReadStatMetadata?, format: ReadStatFileFormat,
         generalised: [String: ReadStatGeneralisedType], path: String) throws {
        let sameFamily = source.map { $0.format.family == format.family } ?? false
        let maxStringWidth = format == .dta ? 2045 : 32767
        var variables: [ReadStatVariable] = []
        var setNames: [String] = []
        func sourceVariable(_ i: Int, _ column: OutputColumn) throws -> ReadStatVariable {
            guard let source, source.variables.indices.contains(i) else {
                throw ReadStatError.noSuchSourceColumn(path: path, column: column.name, sourceIndex: i)
            }
            return source.variables[i]
        }
        func stringVariable(_ name: String, width: Int) throws -> ReadStatVariable {
            guard (1...maxStringWidth).contains(width) else {
                throw ReadStatError.badColumnWidth(path: path, column: name, width: width)
            }
            return ReadStatVariable(name: name, storage: .string, storageWidth: width,
                                    displayFormat: format == .dta ? "%\(width)s" : "A\(width)",
                                    displayWidth: min(width, 40), measure: .nominal, alignment: .left)
        }
        for column in columns {
            switch column.origin {
            case let .kept(i):
                var v = try sourceVariable(i, column)
                v.name = column.name
                if !sameFamily {
                    v.displayFormat = ""
                    v.missingValues = []
                    // SPSS stores every number as a double; Stata gets doubles from SPSS.
                    if v.storage.isNumeric { v.storage = .double }
                }
                if format == .dta { v.missingValues = [] }
                if let name = v.labelSetName, let set = source?.labelSets[name], !(format == .dta && set.isString) {
                    if !setNames.contains(name) { setNames.append(name) }
                } else {
                    v.labelSetName = nil
                }
                variables.append(v)
            case let .generalised(i):
                let s = try sourceVariable(i, column)
                let type = generalised[column.name]
                    ?? .text(width: s.storage == .string ? s.storageWidth : Self.defaultGeneralisedWidth)
                var v: ReadStatVariable
                switch type {
                case .year:
                    v = ReadStatVariable(name: column.name, storage: .double, displayFormat: format == .dta ? "%ty" : "F4.0",
                                         displayWidth: 4, measure: .ordinal, alignment: .right)
                case .yearMonth: v = try stringVariable(column.name, width: 7)
                case .postcode4: v = try stringVariable(column.name, width: 4)
                case let .text(width): v = try stringVariable(column.name, width: width)
                }
                v.label = s.label
                variables.append(v)
            case let .pseudonym(width), let .added(width):
                variables.append(try stringVariable(column.name, width: width))
            }
        }
        self.variables = variables
        self.labelSets = setNames.compactMap { source?.labelSets[$0] }
    }
}
