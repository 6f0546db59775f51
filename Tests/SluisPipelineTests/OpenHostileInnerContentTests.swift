import Foundation
import Testing
import SluisCore
import SluisCrypto
import SluisIO
@testable import SluisPipeline
import SluisTestSupport

/// Hostile packages from a trusted sender that `open` accepted before issue 13 was fixed ("Untrusted
/// text and sizes"): names with C1 controls or bidi overrides, names that collide under Unicode
/// compatibility folding, non-integer numbers and an oversized inner manifest. Each must be refused
/// and leave nothing behind.
@Suite struct OpenHostileInnerContentTests {
    let researcher: Identity
    let intake: Identity
    let trust: TrustStore

    init() throws {
        researcher = try Identity.generate(comment: "researcher")
        intake = try Identity.generate(comment: "intake")
        trust = TrustStore(entries: [.init(recipient: researcher.recipient, projects: nil)])
    }

    func builder(_ names: [String]) -> PackageBuilder {
        PackageBuilder(signer: researcher, recipients: [intake.recipient],
                       files: names.enumerated().map { .csv(String(format: "entry-%03d", $0.offset + 1), $0.element, "A\n\($0.offset)\n") })
    }

    /// Whether `open` refused the package (and left nothing behind).
    func refused(_ b: PackageBuilder) throws -> Bool {
        let dir = TemporaryDirectory("sluis-known")
        let path = dir.write("p.sluis", bytes: try b.build())
        do {
            _ = try PackageOpener.open(path: path, identity: intake, trust: trust, outputDirectory: dir.file("out"))
            return false
        } catch {
            #expect(!FileSystem.exists(dir.file("out")))
            return true
        }
    }

    @Test("file names with C1 controls or bidi overrides are refused", arguments: ["a\u{85}b.csv", "\u{202E}vsc.exe", "x\u{9B}31m.csv"])
    func controlAndBidiNames(name: String) throws {
        let wasRefused = try refused(builder([name]))
        #expect(wasRefused)
    }

    @Test("names equal under Unicode compatibility folding are refused",
          arguments: [("ﬁle.csv", "file.csv"), ("straße.csv", "STRASSE.csv"), ("ｓurvey.csv", "survey.csv")])
    func foldedCollisions(pair: (String, String)) throws {
        let wasRefused = try refused(builder([pair.0, pair.1]))
        #expect(wasRefused)
    }

    @Test("a non-integer number in the inner manifest is refused")
    func nonIntegerRows() throws {
        var b = builder(["a.csv"])
        b.replaceInnerBytes = { bytes in
            Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"rows\": 1", with: "\"rows\": 1.0").utf8)
        }
        let wasRefused = try refused(b)
        #expect(wasRefused)
    }

    @Test("an inner manifest over the 16 MiB bound (InnerManifest.maxByteCount) is refused")
    func oversizedInnerManifest() throws {
        var b = builder(["a.csv"])
        // (Spliced in as bytes: rendering a large JSON string would take the test half a minute.)
        b.replaceInnerBytes = { bytes in
            [0x7B] + Array("\"padding\": \"".utf8) + [UInt8](repeating: 0x78, count: InnerManifest.maxByteCount + 1) + Array("\",".utf8) + bytes.dropFirst()
        }
        let wasRefused = try refused(b)
        #expect(wasRefused)
    }
}
