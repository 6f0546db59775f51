import SluisCore
import SluisCrypto
import SluisFormats

/// The needed fields of up to `RegisterBatch.rowCapacity` register rows, copied out of the
/// reader's callback: field `f` of row `r` is bytes[ends[r·width + f − 1] ..< ends[r·width + f]]
/// (the first field starts at 0). A value type filled by the reader thread alone, so appending
/// costs no exclusivity checks.
struct RegisterBatchInput {
    let firstRow: Int
    let fieldsPerRow: Int
    var bytes: [UInt8] = []
    var ends: [Int32] = []
    var codeIndexes: [UInt8] = []
    var firstLine = 0
    /// Lines of each row, kept only when they are not consecutive (a quoted field spans lines).
    var lines: [Int]? = nil
    var lastLine = 0
    var count = 0

    init(firstRow: Int, fieldsPerRow: Int) {
        self.firstRow = firstRow
        self.fieldsPerRow = fieldsPerRow
        bytes.reserveCapacity(RegisterBatch.rowCapacity * 48)
        ends.reserveCapacity(RegisterBatch.rowCapacity * fieldsPerRow)
        codeIndexes.reserveCapacity(RegisterBatch.rowCapacity)
    }

    var isFull: Bool { count >= RegisterBatch.rowCapacity }

    /// Copies the chosen fields of one row.
    mutating func append(_ row: FieldView, columns: [Int], codeIndex: UInt8, line: Int) {
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
}

/// A block of register rows handed to a worker thread, and the worker's results.
final class RegisterBatch: @unchecked Sendable {
    static let rowCapacity = 16_384

    let firstRow: Int
    let fieldsPerRow: Int
    let count: Int
    let firstLine: Int
    let lines: [Int]?
    /// The copied fields; emptied once processed.
    var input: RegisterBatchInput

    // Results.
    var entries: [[IndexEntry]] = []
    var persons: [UInt64] = []
    var invalid: [Int] = []
    var rinWidth = 0
    var failure: LinkError? = nil

    init(_ input: RegisterBatchInput) {
        firstRow = input.firstRow
        fieldsPerRow = input.fieldsPerRow
        count = input.count
        firstLine = input.firstLine
        lines = input.lines
        self.input = input
    }

    /// The line of the block's row `i`.
    func line(ofLocalRow i: Int) -> Int { lines?[i] ?? firstLine + i }

    /// Frees the copied fields once the results are in.
    func dropInputs() { input = RegisterBatchInput(firstRow: 0, fieldsPerRow: 0) }
}

/// One worker's means of turning a batch into index entries: its own keyed MACs (they are not
/// thread-safe) and normalisation buffers.
///
/// It computes exactly what `Pseudonymiser` computes — HMAC-SHA256 under the domain's HKDF
/// sub-key over the normalised value, or over `u32be(length) ‖ bytes` per part for a composite
/// (docs/format.md, "Pseudonyms") — but keeps the raw MAC: the index key and the identifier's
/// fingerprint both come from its first 16 bytes, with no rendering and parsing in between.
/// The tests check it against `Pseudonymiser` on every registered person.
final class RegisterBatchProcessor {
    struct DomainPlan {
        let domain: PseudonymDomain
        /// Field numbers within the batch, one per kind in domain order.
        let fields: [Int]
        let mac: HMACSHA256
    }

    let plans: [DomainPlan]
    let codec: PseudonymKeyCodec
    let rinField: Int
    let file: String
    let rinColumn: String

    init(plans: [DomainPlan], codec: PseudonymKeyCodec, rinField: Int, file: String, rinColumn: String) {
        self.plans = plans
        self.codec = codec
        self.rinField = rinField
        self.file = file
        self.rinColumn = rinColumn
    }

    /// The MAC of one domain, keyed as `Pseudonymiser` keys it.
    static func mac(projectKey: SecretBytes, projectId: String, domain: PseudonymDomain) -> HMACSHA256 {
        let subKey = HKDF.deriveKey(inputKey: projectKey, salt: Pseudonymiser.derivationSalt,
                                    info: Pseudonymiser.derivationInfo(projectId: projectId, domain: domain))
        return HMACSHA256(key: subKey)
    }

    func copy() -> RegisterBatchProcessor {
        RegisterBatchProcessor(plans: plans.map { DomainPlan(domain: $0.domain, fields: $0.fields, mac: $0.mac.copy()) },
                               codec: codec, rinField: rinField, file: file, rinColumn: rinColumn)
    }

    func process(_ batch: RegisterBatch) {
        let count = batch.count
        let width = batch.fieldsPerRow
        var entries: [[IndexEntry]] = plans.map { _ in
            var a: [IndexEntry] = []
            a.reserveCapacity(count)
            return a
        }
        var invalid = Array(repeating: 0, count: plans.count)
        var persons: [UInt64] = []
        persons.reserveCapacity(count)
        var rinWidth = 0
        var failure: LinkError? = nil
        var normalised: [UInt8] = []
        normalised.reserveCapacity(64)
        var message: [UInt8] = []
        message.reserveCapacity(128)
        var macOut = [UInt8](repeating: 0, count: 32)
        let (planKinds, planFields, planStart) = Self.flatTables(plans)
        let planCount = plans.count
        // Unretained references: `plans` keeps the MACs alive, and a retain per row would cost more than the MAC's bookkeeping.
        let macs = plans.map { Unmanaged.passUnretained($0.mac) }
        let codec = self.codec
        let rinField = self.rinField
        let file = self.file
        let rinColumn = self.rinColumn
        let input = batch.input
        let codeIndexes = input.codeIndexes

        withExtendedLifetime(plans) {
        input.bytes.withUnsafeBytes { bytes in
        input.ends.withUnsafeBufferPointer { ends in
        codeIndexes.withUnsafeBufferPointer { codeIndexes in
        planKinds.withUnsafeBufferPointer { planKinds in
        planFields.withUnsafeBufferPointer { planFields in
        planStart.withUnsafeBufferPointer { planStart in
        macs.withUnsafeBufferPointer { macs in
            @inline(__always) func field(_ r: Int, _ f: Int) -> UnsafeRawBufferPointer {
                let k = r * width + f
                let start = k == 0 ? 0 : Int(ends[k - 1])
                return UnsafeRawBufferPointer(rebasing: bytes[start..<Int(ends[k])])
            }
            for r in 0..<count {
                guard let (value, w) = Self.parseRIN(field(r, rinField)), rinWidth == 0 || w == rinWidth else {
                    failure = .registerRINInvalid(file: file, line: batch.line(ofLocalRow: r), column: rinColumn,
                                                  expectedWidth: rinWidth == 0 ? nil : rinWidth)
                    return
                }
                rinWidth = w
                persons.append(RegisterIndex.pack(code: Int(codeIndexes[r]), rin: value))
                let row = UInt32(truncatingIfNeeded: batch.firstRow + r)
                for p in 0..<planCount {
                    let first = planStart[p], end = planStart[p + 1]
                    message.removeAll(keepingCapacity: true)
                    var ok = true
                    if end - first == 1 {
                        ok = Normaliser.normalise(planKinds[first], field(r, planFields[first]), into: &message) == nil
                    } else {
                        for k in first..<end {
                            guard Normaliser.normalise(planKinds[k], field(r, planFields[k]), into: &normalised) == nil else { ok = false; break }
                            Pseudonymiser.appendLengthPrefixed(normalised[...], to: &message)
                        }
                    }
                    guard ok else { invalid[p] += 1; continue }
                    let prefix = Self.macPrefix(message, macs[p], into: &macOut)
                    entries[p].append(IndexEntry(key: codec.key(prefix: prefix),
                                                 fingerprint: PseudonymKeyCodec.fingerprint(prefix: prefix), row: row))
                }
            }
        }}}}}}}}
        batch.entries = entries
        batch.invalid = invalid
        batch.persons = persons
        batch.rinWidth = rinWidth
        batch.failure = failure
        batch.dropInputs()
    }

    /// Flat, reference-free plan tables: the kinds and batch fields of every domain, back to back,
    /// and where each domain's start (one more than there are domains).
    static func flatTables(_ plans: [DomainPlan]) -> (kinds: [IdentifierKind], fields: [Int], start: [Int]) {
        var kinds: [IdentifierKind] = []
        var fields: [Int] = []
        var start: [Int] = [0]
        for plan in plans {
            kinds += plan.domain.kinds
            fields += plan.fields
            start.append(kinds.count)
        }
        return (kinds, fields, start)
    }

    /// The first 128 bits of the message's MAC, big-endian: what a pseudonym key is made from.
    @inline(__always)
    static func macPrefix(_ message: [UInt8], _ mac: Unmanaged<HMACSHA256>, into macOut: inout [UInt8]) -> UInt128 {
        macOut.withUnsafeMutableBytes { out in
            message.withUnsafeBytes { m in mac._withUnsafeGuaranteedRef { $0.authenticate(m, into: out) } }
            var v: UInt128 = 0
            for i in 0..<16 { v = v << 8 | UInt128(out[i]) }
            return v
        }
    }

    /// A RINPERSOON of 1–17 ASCII digits: its value and width.
    @inline(__always)
    static func parseRIN(_ field: UnsafeRawBufferPointer) -> (UInt64, Int)? {
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
