import Foundation

/// Writes XLSX workbooks for the tests: the parts are given as XML text and zipped by Python's
/// `zipfile` (deflated, as Excel does), so the archive comes from an independent ZIP writer.
public enum WorkbookFixture {
    /// The parts every workbook has besides its sheets and shared strings.
    public static let skeleton: [String: String] = [
        "[Content_Types].xml": #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#,
        "_rels/.rels": #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        "xl/workbook.xml": #"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Results" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        "docProps/app.xml": #"<?xml version="1.0" encoding="UTF-8"?><Properties><Application>Microsoft Excel</Application><AppVersion>16.0300</AppVersion></Properties>"#,
    ]

    /// A worksheet part holding `rows` (each a list of `<c>` elements' XML, or plain values
    /// written as inline numbers), in SpreadsheetML.
    public static func sheet(_ rows: [String]) -> String {
        #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            + rows.joined() + "</sheetData></worksheet>"
    }

    /// A shared-strings part holding `strings` (already XML-escaped).
    public static func sharedStrings(_ strings: [String]) -> String {
        #"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(strings.count)" uniqueCount="\#(strings.count)">"#
            + strings.map { "<si><t>\($0)</t></si>" }.joined() + "</sst>"
    }

    /// Zips `parts` (name → XML), with the `skeleton` parts unless told not to, into `path` with
    /// Python's zipfile; `stored` writes them uncompressed instead of deflated.
    public static func write(_ parts: [String: String], to path: String, stored: Bool = false, withSkeleton: Bool = true) throws {
        let spec = try JSONSerialization.data(withJSONObject: withSkeleton ? parts.merging(skeleton) { mine, _ in mine } : parts)
        let script = """
            import json, sys, zipfile
            parts = json.load(sys.stdin)
            method = zipfile.ZIP_STORED if sys.argv[2] == "stored" else zipfile.ZIP_DEFLATED
            with zipfile.ZipFile(sys.argv[1], "w", method) as z:
                for name in sorted(parts):
                    # A fixed time: the same parts make the same bytes (the fuzz corpus).
                    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                    info.compress_type = method
                    z.writestr(info, parts[name])
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, path, stored ? "stored" : "deflated"]
        let input = Pipe()
        p.standardInput = input
        try p.run()
        input.fileHandleForWriting.write(spec)
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "WorkbookFixture", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "python3 zipfile failed"])
        }
    }
}
