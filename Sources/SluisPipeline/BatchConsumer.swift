import SluisCrypto
import SluisFormats

/// The writing thread's half of a run: computes the pending pseudonyms of a batch in place,
/// then passes its rows to the row sink. A batch packed as CSV text (`csv` set: see
/// `RowProcessor`) goes to the CSV writer whole.
final class BatchConsumer: @unchecked Sendable {
    private let pseudonymisers: [Pseudonymiser]
    /// The same objects, unretained, for the hot loop: `pseudonymisers` keeps them alive, and
    /// loading a class reference from an array per pseudonym cost ~5% in retain/release.
    private let unretained: [Unmanaged<Pseudonymiser>]
    private let sink: RowSink?
    private let fieldsPerRow: Int
    private let csv: CSVWriter?

    init(pseudonymisers: [Pseudonymiser], sink: RowSink?, fieldsPerRow: Int, csv: CSVWriter? = nil) {
        self.csv = csv
        self.pseudonymisers = pseudonymisers
        self.unretained = pseudonymisers.map { Unmanaged.passUnretained($0) }
        self.sink = sink
        self.fieldsPerRow = fieldsPerRow
    }

    /// Computes the batch's pending pseudonyms in place (once: marks the batch).
    func computePseudonyms(_ batch: RowBatch) {
        guard !batch.pseudonymsComputed else { return }
        let pending = batch.pending
        unretained.withUnsafeBufferPointer { macs in
            for i in 0..<batch.pendingCount {
                let p = pending[i]
                let (destination, message) = batch.target(of: p)
                macs[p.pseudonymiser]._withUnsafeGuaranteedRef { $0.pseudonym(of: message, into: destination) }
            }
        }
        batch.pseudonymsComputed = true
    }

    func consume(_ batch: RowBatch) throws {
        computePseudonyms(batch)
        if let csv {
            try csv.writeFormatted(UnsafeRawBufferPointer(start: batch.bytes, count: batch.used), rowCount: batch.rowCount)
            return
        }
        guard let sink else { return }
        for r in 0..<batch.rowCount {
            let row = batch.row(r)
            try sink.writeRow(FieldView(base: row.base, starts: row.starts, ends: row.ends, count: fieldsPerRow))
        }
    }
}
