import SluisCore
import SluisCrypto
import SluisFormats

/// A block of register rows copied out of the reader's callback, for a worker thread to
/// normalise and pseudonymise, and the worker's results.
///
/// Only the needed columns are copied: field `f` of row `r` is bytes[ends[r·width + f − 1] ..<
/// ends[r·width + f]] (the first field of the block starts at 0).
final class RegisterBatch: @unchecked Sendable {
    static let rowCapacity = 16_384

    let firstRow: Int
    let fieldsPerRow: Int
    var bytes: [UInt8] = []
    var ends: [Int32] = []
    var codeIndexes: [UInt8] = []
    var firstLine = 0
    /// Lines of each row, kept only when they are not consecutive (a quoted field spans lines).
    var lines: [Int]? = nil
    private var lastLine = 0
    var count = 0

    // Results.
    var entries: [[IndexEntry]] = []
    var persons: [UInt64] = []
    var invalid: [Int] = []
    var rinWidth = 0
    var failure: LinkError? = nil

    init(firstRow: Int, fieldsPerRow: Int) {
        self.firstRow = firstRow
        self.fieldsPerRow = fieldsPerRow
        bytes.reserveCapacity(Self.rowCapacity * 48)
        ends.reserveCapacity(Self.rowCapacity * fieldsPerRow)
        codeIndexes.reserveCapacity(Self.rowCapacity)
    }

    var isFull: Bool { count >= Self.rowCapacity }

    /// Copies the chosen fields of one row.
    func append(_ row: FieldView, columns: [Int], codeIndex: UInt8, line: Int) {
        for c in columns {
            let field = row[c]
            bytes.append(contentsOf: field)
            ends.append(Int32(truncatingIfNeeded: bytes.count))
        }
        codeIndexes.append(codeIndex)
        if count == 0 {
            firstLine = line
        } else if lines == nil && line != lastLine + 1 {
            lines = (0..<count).map { firstLine + $0 }
        }
        lines?.append(line)
        lastLine = line
        count += 1
    }

    /// The line of the block's row `i`.
    func line(ofLocalRow i: Int) -> Int { lines?[i] ?? firstLine + i }

    @inline(__always)
    func withField<R>(row: Int, field: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let k = row * fieldsPerRow + field
        let start = k == 0 ? 0 : Int(ends[k - 1])
        let end = Int(ends[k])
        return bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// Frees the copied fields once the results are in.
    func dropInputs() {
        bytes = []
        ends = []
        codeIndexes = []
    }
}

/// One worker's means of turning a batch into index entries: its own pseudonymisers (they are
/// not thread-safe) and normalisation buffers.
final class RegisterBatchProcessor {
    struct DomainPlan {
        let domain: PseudonymDomain
        /// Field numbers within the batch, one per kind in domain order.
        let fields: [Int]
        let pseudonymiser: Pseudonymiser
    }

    let plans: [DomainPlan]
    let codec: PseudonymKeyCodec
    let rinField: Int
    let file: String
    let rinColumn: String
    /// Normalised parts of composite identifiers, per plan.
    private var parts: [[[UInt8]]]
    private var normalised: [UInt8] = []
    private var rendered = [UInt8](repeating: 0, count: 32)

    init(plans: [DomainPlan], codec: PseudonymKeyCodec, rinField: Int, file: String, rinColumn: String) {
        self.plans = plans
        self.codec = codec
        self.rinField = rinField
        self.file = file
        self.rinColumn = rinColumn
        self.parts = plans.map { Array(repeating: [], count: $0.domain.kinds.count) }
    }

    func copy() -> RegisterBatchProcessor {
        RegisterBatchProcessor(
            plans: plans.map { DomainPlan(domain: $0.domain, fields: $0.fields, pseudonymiser: $0.pseudonymiser.copy()) },
            codec: codec, rinField: rinField, file: file, rinColumn: rinColumn)
    }

    func process(_ batch: RegisterBatch) {
        batch.entries = plans.map { _ in
            var a: [IndexEntry] = []
            a.reserveCapacity(batch.count)
            return a
        }
        batch.invalid = Array(repeating: 0, count: plans.count)
        batch.persons.reserveCapacity(batch.count)
        for r in 0..<batch.count {
            let rin = batch.withField(row: r, field: rinField) { parseRIN($0) }
            guard let (value, width) = rin, batch.rinWidth == 0 || width == batch.rinWidth else {
                batch.failure = .registerRINInvalid(file: file, line: batch.line(ofLocalRow: r), column: rinColumn,
                                                    expectedWidth: batch.rinWidth == 0 ? nil : batch.rinWidth)
                return
            }
            batch.rinWidth = width
            batch.persons.append(RegisterIndex.pack(code: Int(batch.codeIndexes[r]), rin: value))
            let row = UInt32(truncatingIfNeeded: batch.firstRow + r)
            for p in plans.indices {
                if let prefix = macPrefix(batch, row: r, plan: p) {
                    batch.entries[p].append(IndexEntry(key: codec.key(prefix: prefix),
                                                       fingerprint: PseudonymKeyCodec.fingerprint(prefix: prefix), row: row))
                } else {
                    batch.invalid[p] += 1
                }
            }
        }
        batch.dropInputs()
    }

    /// The first 16 bytes of the identifier's MAC, or nil when it does not normalise.
    private func macPrefix(_ batch: RegisterBatch, row r: Int, plan p: Int) -> UInt128? {
        let plan = plans[p]
        let kinds = plan.domain.kinds
        if kinds.count == 1 {
            let failed = batch.withField(row: r, field: plan.fields[0]) { Normaliser.normalise(kinds[0], $0, into: &normalised) }
            if failed != nil { return nil }
            return rendered.withUnsafeMutableBytes { out in
                normalised.withUnsafeBytes { plan.pseudonymiser.pseudonym(of: $0, into: out) }
                return PseudonymKeyCodec.prefix(fromHex32: UnsafeRawBufferPointer(out))
            }
        }
        for (k, kind) in kinds.enumerated() {
            let failed = batch.withField(row: r, field: plan.fields[k]) { Normaliser.normalise(kind, $0, into: &parts[p][k]) }
            if failed != nil { return nil }
        }
        return rendered.withUnsafeMutableBytes { out in
            plan.pseudonymiser.pseudonym(ofParts: parts[p], into: out)
            return PseudonymKeyCodec.prefix(fromHex32: UnsafeRawBufferPointer(out))
        }
    }

    /// A RINPERSOON of 1–17 ASCII digits: its value and width.
    private func parseRIN(_ field: UnsafeRawBufferPointer) -> (UInt64, Int)? {
        guard field.count >= 1, field.count <= RegisterIndex.maximumRINDigits else { return nil }
        var v: UInt64 = 0
        for c in field {
            let d = c &- 0x30
            guard d <= 9 else { return nil }
            v = v * 10 + UInt64(d)
        }
        return (v, field.count)
    }
}
