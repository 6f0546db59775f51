import Dispatch
import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO

/// What one read of a request's file found: its SHA-256 and, for text, the key scan's findings.
///
/// Why one read: the evidence check needs every file's SHA-256 and the key scan needs every text
/// file's bytes; hashing each block as it is read for the scan reads the file once, and the
/// block is still in the cache for the scan.
struct FileRead {
    enum Content {
        /// An XLSX (zip) file that cannot be read as a workbook: why (no path, no content).
        case unreadableWorkbook(detail: String)
        /// Text: the listed findings (at most 50 per kind) and how many there were in all.
        case text(findings: [ScanFinding], count: Int)
        /// Neither: a graph or another binary file.
        case binary
        /// An evidence file without its output: only hashed.
        case evidence
    }

    var sha256: String
    var content: Content

    /// Reads `folder/name` (an evidence file here is one without its output): text (by extension or content) is scanned for keys, and for one row
    /// per unit when `tracksUnits` (no evidence); `keys` must be this thread's own copy.
    static func read(folder: String, name: String, tracksUnits: Bool, policy: OutputPolicy, keys: KeyHashSet?) throws -> FileRead {
        let path = folder + "/" + name
        if name.hasSuffix(Evidence.fileSuffix) { return FileRead(sha256: try EvidenceCheck.fileSHA256(path), content: .evidence) }
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        if ext == "xlsx" || ext == "xlsm" { return try readWorkbook(path, tracksUnits: tracksUnits, policy: policy, keys: keys) }
        let delimited = RequestChecker.delimitedExtensions.contains(ext)
        guard delimited || RequestChecker.textExtensions.contains(ext) || RequestChecker.isText(path) else {
            return FileRead(sha256: try EvidenceCheck.fileSHA256(path), content: .binary)
        }
        let scanner = FileScanner(formats: policy.keyFormats, keys: keys, delimited: delimited, tracksUnits: tracksUnits)
        let hasher = SHA256Hasher()
        try scanner.scan(path: path, hasher: hasher)
        return FileRead(sha256: Hex.encode(hasher.finalize()),
                        content: .text(findings: scanner.findings, count: scanner.findingCounts.values.reduce(0, +)))
    }
}

extension FileRead {
    /// An Excel workbook: hashed, then its cells and other text scanned (`WorkbookScan`).
    static func readWorkbook(_ path: String, tracksUnits: Bool, policy: OutputPolicy, keys: KeyHashSet?) throws -> FileRead {
        let sha256 = try EvidenceCheck.fileSHA256(path)
        var scan = WorkbookScan(formats: policy.keyFormats, keys: keys, tracksUnits: tracksUnits)
        do {
            try scan.scan(path: path)
        } catch ZipError.notAnArchive(_, let detail) {
            return FileRead(sha256: sha256, content: .unreadableWorkbook(detail: detail))
        } catch ZipError.badEntry(_, let entry, let detail) {
            return FileRead(sha256: sha256, content: .unreadableWorkbook(detail: "part \(entry): \(detail)"))
        }
        return FileRead(sha256: sha256, content: .text(findings: scan.findings, count: scan.count))
    }
}

extension RequestChecker {
    /// Reads `names` (in `folder`) on every core, a file per task, and returns the reads in the
    /// order of `names`, so the report does not depend on which thread finished first. The first
    /// error in that order is thrown. Memory: a block and a scanner per core at a time.
    static func readAll(folder: String, names: [String], policy: OutputPolicy, keys: KeyHashSet?,
                        hasEvidence: (String) -> Bool) throws -> [FileRead] {
        let results = UnsafeMutableBufferPointer<Result<FileRead, any Error>?>.allocate(capacity: names.count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        let shared = Shared(results: results, keys: keys, tracksUnits: names.map { !hasEvidence($0) })
        // Twice as many readers as cores: while one waits for the disk, another computes, so a
        // cold request is read and hashed at once rather than in turns. Reader w takes files
        // w, w + W, w + 2W, … (each writes only its own slots).
        let readers = max(1, min(names.count, 2 * ProcessInfo.processInfo.activeProcessorCount))
        let group = DispatchGroup()
        for w in 0..<readers {
            DispatchQueue(label: "sluis.output.check.reader").async(group: group) {
                for i in stride(from: w, to: names.count, by: readers) {
                    shared.results[i] = Result {
                        try FileRead.read(folder: folder, name: names[i], tracksUnits: shared.tracksUnits[i], policy: policy,
                                          keys: shared.keys?.copy())
                    }
                }
            }
        }
        group.wait()
        return try results.map { result in
            // concurrentPerform returns only after every iteration ran, so each slot is set.
            guard let result else { preconditionFailure("a file of the request was not read") }
            return try result.get()
        }
    }
}

/// What the reading tasks share. Unchecked, because: each task writes only its own slot of
/// `results`, which the caller reads after `concurrentPerform` has returned; `keys` is only read
/// (each task scans with its own `copy()`, whose MAC has its own working state).
private struct Shared: @unchecked Sendable {
    let results: UnsafeMutableBufferPointer<Result<FileRead, any Error>?>
    let keys: KeyHashSet?
    let tracksUnits: [Bool]
}
