import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisPipeline
import SluisTestSupport

extension SluisFuzz {
    /// Writes starting inputs for every target into `directory/TARGET/`: valid instances made with
    /// the fuzz identity (an encrypted file, a signed package, its manifests, SPSS/Stata files,
    /// configurations), so that mutations start past the magic numbers and signature checks
    /// instead of at random bytes. `Tools/sluis-fuzz/Corpus` holds one run of this, checked in.
    public static func writeSeeds(into directory: String) throws {
        func put(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
            try FileSystem.makeDirectories(directory + "/" + target)
            FileSystem.removeTree(directory + "/" + target + "/" + name)
            try FileSystem.writeAtomically(bytes, to: directory + "/" + target + "/" + name)
        }
        let csv = Array("BSN;Naam;Geboortedatum;Postcode\n123456782;\"Jansen, Jan\";29-2-1984;1234 AB\r\n\u{FEFF}x;\"a\"\"b\";;\n".utf8)
        try put("csv", "survey.csv", csv)
        try put("csv", "bom-crlf.csv", [0xEF, 0xBB, 0xBF] + Array("a,b\r\n1,\"x\ny\"\r\n".utf8))
        for (i, value) in ["123456782", "12.34.56.782", "1984-02-29", "29/02/1984", "19840229 10:00", "1234 AB", "12a",
                           "man", "NL91ABNA0417164300", "jan@example.nl", "06-12345678", "-12,75"].enumerated() {
            try put("values", "v\(i)", Array(value.utf8))
        }
        try put("values", "recipient", Array(identity.recipient.publicKeyText.utf8))

        // Key files (unprotected: the target never does Argon2id work).
        for (name, write) in [("identity.key", { try identity.write(secretKeyFile: $0, protection: .none) }),
                              ("project.key", { try ProjectKey.generate(projectId: "P-FUZZ").write(secretKeyFile: $0, protection: .none) })]
            as [(String, (String) throws -> Void)] {
            try FileSystem.makeDirectories(directory + "/keyfile")
            FileSystem.removeTree(directory + "/keyfile/" + name)
            try write(directory + "/keyfile/" + name)
        }

        let encrypted = MemorySink()
        let sink = try EncryptingSink(recipients: [identity.recipient], output: encrypted, chunkByteCount: 64, randomness: SystemRandomSource())
        try csv.withUnsafeBytes { try sink.write($0) }
        try sink.finish()
        try put("decrypt", "small.enc", encrypted.bytes)

        // A package sealed by sluis itself: verify's seed and open's (which re-signs it anyway).
        let packagePath = directory + "/package/seed.sluis"
        try FileSystem.makeDirectories(directory + "/package")
        FileSystem.removeTree(packagePath)
        let source = SealSource(name: "survey.csv", sourcePath: "survey.csv", format: "csv") { out in
            try csv.withUnsafeBytes { try out.write($0) }
            return SealedFileDescription(columns: [], rows: 2, rowsRead: 2, invalidIdentifiers: [:], residualFindings: [:], dialect: nil)
        }
        let result = try PackageSealer.seal(SealRequest(project: "P-FUZZ", pseudonymKeyId: "fuzz", recipients: [identity.recipient],
                                                        signer: identity, pipeline: .object([]), sources: [source],
                                                        output: packagePath, toolVersion: "fuzz"))
        try put("open", "sealed.sluis", try FileSystem.readAll(packagePath))
        var two = PackageBuilder(signer: identity, recipients: [identity.recipient], files: [
            .csv("entry-001", "a.csv", "A,B\n1,\"x\ny\"\n"), .csv("entry-002", "b.csv", ""),
        ])
        two.files[0].rows = 1
        try put("open", "built.sluis", try two.build())

        // The inner manifest the "inner" target's package needs to open.
        var inner = PackageBuilder(signer: identity, recipients: [identity.recipient], files: [.csv("entry-001", "a.csv", "A\n1\n")])
        inner.packageId = String(repeating: "ab", count: 16)
        try put("inner", "inner.json", Array(inner.innerManifest().rendered().utf8))

        try put("json", "manifest.json", Array(try JSONEncoder().encode(result.manifest)))
        try put("json", "inner.json", Array(try JSONEncoder().encode(result.inner)))
        let pipeline = #"{ "version": 1, "project": "P", "pseudonymKey": "k", "files": [ { "path": "a.csv", "columns": { "a": "keep", "b": { "action": "pseudonymise", "identifier": "bsn" } } } ] }"#
        try put("json", "pipeline.json", Array(pipeline.utf8))
        try put("config", "pipeline.json", Array(pipeline.utf8))
        try put("config", "link.json", Array(#"{ "register": { "path": "register.csv", "columns": { "bsn": "BSN" } }, "unmatchedCode": "S", "surrogateWidth": 9, "pseudonymColumns": [ { "name": "P", "domain": "bsn" } ] }"#.utf8))
        try put("config", "intake.json", Array("""
        { "version": 1, "inbox": "in", "work": "work", "delivery": "out", "archive": "archive", "quarantine": "q",
          "identity": "intake.key", "auditLog": "audit.jsonl", "settleSeconds": 0,
          "projects": { "P2026-0042": { "trust": ["r.pub"], "pseudonymKey": "p.key", "register": "register.csv",
                                        "surrogateKey": "s.key", "link": { "unmatchedCode": "S" } } } }
        """.utf8))
        try put("trust", "trust.txt", Array("# trusted researchers\n\(identity.recipient.lineText)\nprojects=P2026-0042,P2026-0043 \(identity.recipient.publicKeyText)\r\n".utf8))

        // SPSS and Stata files written by ReadStat through sluis's writer.
        for format in ReadStatFileFormat.allCases {
            let path = directory + "/readstat/seed." + format.fileExtension
            try FileSystem.makeDirectories(directory + "/readstat")
            FileSystem.removeTree(path)
            let metadata = ReadStatMetadata(format: format, variables: [
                ReadStatVariable(name: "n", storage: .double), ReadStatVariable(name: "s", storage: .string, storageWidth: 8),
            ])
            let file = try AtomicFile(path: path)
            let writer = try ReadStatWriter(path: path, sink: file, format: format, source: metadata, rowCount: 2)
            try writer.writeHeader([OutputColumn(name: "n", origin: .kept(sourceIndex: 0)), OutputColumn(name: "s", origin: .kept(sourceIndex: 1))])
            let buffer = FieldBuffer()
            for row in [["1.5", "ja"], ["", "nee"]] {
                buffer.removeAll()
                for field in row { buffer.append(Array(field.utf8)) }
                try writer.writeRow(buffer.view)
            }
            try writer.finish()
            try file.commit()
        }

        // An XLSX workbook (zipped by Python's zipfile, deflated) with every kind of cell.
        try FileSystem.makeDirectories(directory + "/xlsx")
        try WorkbookFixture.write([
            "xl/worksheets/sheet1.xml": WorkbookFixture.sheet([
                #"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>n &amp; m</t></is></c></row>"#,
                #"<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><f>SUM(C2:D2)</f><v>123456789</v></c></row>"#,
            ]),
            "xl/sharedStrings.xml": #"<sst><si><t>group</t></si><si><r><t>rich</t></r><rPh><t>x</t></rPh></si></sst>"#,
            "xl/comments1.xml": #"<comments><comment ref="B2"><text><t><![CDATA[a < b]]></t></text></comment></comments>"#,
        ], to: directory + "/xlsx/seed.xlsx")
    }
}
