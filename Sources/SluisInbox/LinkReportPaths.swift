import Foundation
import SluisIO

/// Makes the delivered `link-report.json` name where things are after delivery, not the claim
/// folder they were linked in (which is gone by then): each file's `output` becomes its path in
/// the delivery folder, its `file` the entry name inside the package, and `package` names the
/// archived package.
enum LinkReportPaths {
    static func rewrite(in linkingDirectory: String, opened: String, deliveredTo: String, archive: String) throws {
        let path = linkingDirectory + "/link-report.json"
        guard FileSystem.exists(path) else { return }
        let bytes = try FileSystem.readAll(path, limitByteCount: 64 << 20)
        guard var report = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { return }
        if let files = report["files"] as? [[String: Any]] {
            report["files"] = files.map { file -> [String: Any] in
                var f = file
                if let p = f["output"] as? String { f["output"] = p.replacingPrefix(linkingDirectory, with: deliveredTo) }
                if let p = f["file"] as? String { f["file"] = p.replacingPrefix(opened + "/", with: "") }
                return f
            }
        }
        report["package"] = archive
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try FileSystem.writeAtomically(Array(data) + [0x0A], to: path, mode: 0o640)
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
