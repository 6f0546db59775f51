import SluisCore
import SluisCrypto
import SluisFormats

/// The writing thread's half of a run: prepares a batch (its pending pseudonyms and residual
/// scans, unless the reading thread did that already), counts the batch's residual findings,
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
    /// Per scan slot (kept column) and `ResidualKind`: the findings of the batches consumed so far.
    private(set) var residualTallies: [[LineTally]]

    init(pseudonymisers: [Pseudonymiser], sink: RowSink?, fieldsPerRow: Int, scanColumnCount: Int = 0, csv: CSVWriter? = nil) {
        self.csv = csv
        self.pseudonymisers = pseudonymisers
        self.unretained = pseudonymisers.map { Unmanaged.passUnretained($0) }
        self.sink = sink
        self.fieldsPerRow = fieldsPerRow
        self.residualTallies = Array(repeating: Array(repeating: LineTally(), count: ResidualKind.allCases.count), count: scanColumnCount)
    }

    /// Computes the batch's pending pseudonyms in place and scans its kept values (once: marks
    /// the batch). Either thread may call it; it touches nothing but the batch.
    func prepare(_ batch: RowBatch) {
        guard !batch.prepared else { return }
        let pending = batch.pending
        unretained.withUnsafeBufferPointer { macs in
            for i in 0..<batch.pendingCount {
                let p = pending[i]
                let (destination, message) = batch.target(of: p)
                macs[p.pseudonymiser]._withUnsafeGuaranteedRef { $0.pseudonym(of: message, into: destination) }
            }
        }
        let scans = batch.scans, bytes = UnsafeRawPointer(batch.bytes)
        for j in 0..<batch.scanCount where scans[j].found == RowBatch.unscanned {
            let job = scans[j]
            scans[j].found = ResidualScanner.scan(UnsafeRawBufferPointer(start: bytes + Int(job.start), count: Int(job.end &- job.start)))
        }
        batch.prepared = true
    }

    func consume(_ batch: RowBatch) throws {
        prepare(batch)
        countFindings(batch)
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

    /// Adds the batch's residual findings to the tallies. Batches are consumed in order, so the
    /// lines each tally keeps are the first ones, as if one thread had scanned every row.
    private func countFindings(_ batch: RowBatch) {
        let scans = batch.scans
        for j in 0..<batch.scanCount where scans[j].found != 0 {
            let job = scans[j]
            for (k, kind) in ResidualKind.allCases.enumerated() where job.found & kind.bit != 0 {
                residualTallies[Int(job.slot)][k].add(line: job.line)
            }
        }
    }
}
