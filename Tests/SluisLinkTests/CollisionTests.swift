import XCTest
import Foundation
import SluisCore
import SluisCrypto
import SluisFormats
import SluisIO
import SluisTestSupport
@testable import SluisLink

/// Issue 17: a pseudonym collision in the register no longer stops linking. Under `hex:4`
/// (65 536 pseudonyms) a register of 2 000 persons has about 30 colliding pairs per domain, so
/// collisions are certain; every count is checked against one computed here, independently of
/// the index, from the fixture's own pseudonyms.
final class CollisionTests: XCTestCase {
    static let rendering = PseudonymRendering.hex(width: 4)
    let surrogateSecret = SecretBytes(copying: [UInt8](repeating: 5, count: 32))

    /// The pseudonyms of each person and which of them different identifiers share.
    struct Truth {
        var bsn: [String] = []
        var demo: [String] = []
        var collidingBSN = Set<String>()
        var collidingDemo = Set<String>()
    }

    func truth(_ fixture: LinkFixture) -> Truth {
        var t = Truth()
        var bsnOwners: [String: Set<String>] = [:], demoOwners: [String: Set<String>] = [:]
        for p in fixture.persons {
            let b = fixture.bsnPseudonym(p.bsn, Self.rendering)
            let d = fixture.demographicPseudonym(sex: p.sex, birthdate: p.birthdate, postcode: p.postcode,
                                                 housenumber: p.housenumber, Self.rendering)
            t.bsn.append(b)
            t.demo.append(d)
            bsnOwners[b, default: []].insert(p.bsn)
            demoOwners[d, default: []].insert([p.sex, p.birthdate, p.postcode, p.housenumber].joined(separator: "|"))
        }
        t.collidingBSN = Set(bsnOwners.filter { $0.value.count > 1 }.keys)
        t.collidingDemo = Set(demoOwners.filter { $0.value.count > 1 }.keys)
        return t
    }

    func index(_ fixture: LinkFixture, policy: CollisionPolicy = .skip) throws -> RegisterIndex {
        var builder = RegisterIndexBuilder(projectKey: fixture.projectKey, projectId: LinkFixture.projectId, rendering: Self.rendering)
        builder.onCollision = policy
        return try builder.build(from: LinkFixture.reader(fixture.registerCSV, path: "register.csv"))
    }

    func testCollidingPseudonymsAreSkippedAndEverythingElseLinks() throws {
        let fixture = LinkFixture(seed: 17, personCount: 2000)
        let t = truth(fixture)
        XCTAssertGreaterThan(t.collidingBSN.count, 5, "the test needs collisions in both domains")
        XCTAssertGreaterThan(t.collidingDemo.count, 5)
        let index = try index(fixture)

        // The register counts per domain are the true ones.
        let stats = Dictionary(uniqueKeysWithValues: index.statistics.map { ($0.domain, $0) })
        XCTAssertEqual(stats["bsn"]?.collisions, t.collidingBSN.count)
        XCTAssertEqual(stats[LinkDomains.demographic.label]?.collisions, t.collidingDemo.count)
        XCTAssertEqual(index.collisions.map(\.collisions).reduce(0, +), t.collidingBSN.count + t.collidingDemo.count)
        // A colliding pseudonym is never found; a unique one finds its person.
        for (i, p) in fixture.persons.enumerated() {
            let found = Array(t.bsn[i].utf8).withUnsafeBytes { index.lookup($0, in: LinkDomains.bsn) }
            if t.collidingBSN.contains(t.bsn[i]) {
                XCTAssertEqual(found, .colliding)
            } else {
                guard case let .found(person)? = found else { return XCTFail("person \(i) not found") }
                XCTAssertEqual(index.personKey(of: person).rinpersoon, p.rin)
            }
        }

        // One data row per person, both keys: the cascade links each row whose BSN pseudonym is
        // unique by BSN, else by its demographic pseudonym when that is unique, else not at all.
        var data = "id,bsn_p,demo_p\n"
        for i in fixture.persons.indices { data += "\(i),\(t.bsn[i]),\(t.demo[i])\n" }
        let linker = TableLinker(index: index, surrogateSecret: surrogateSecret, projectId: LinkFixture.projectId)
        let out = MemorySink()
        let layout = LinkFileLayout(pseudonymColumns: [PseudonymColumn(name: "bsn_p", domain: "bsn"),
                                                       PseudonymColumn(name: "demo_p", domain: LinkDomains.demographic.label)])
        let report = try linker.link(source: LinkFixture.reader(data, path: "data.csv"), layout: layout,
                                     sink: CSVWriter(sink: out), output: "linked.csv")
        let rows = csvRows(out.bytes)
        var byBSN = 0, byDemo = 0, neither = 0, collidingPersonsLinkedByBSN = 0
        for (i, p) in fixture.persons.enumerated() {
            let row = rows[i + 1]
            let bsnCollides = t.collidingBSN.contains(t.bsn[i]), demoCollides = t.collidingDemo.contains(t.demo[i])
            if !bsnCollides || !demoCollides {
                XCTAssertEqual(Array(row[1...2]), ["R", p.rin], "person \(i)")
                if bsnCollides { byDemo += 1 } else { byBSN += 1 }
                if !bsnCollides && demoCollides { collidingPersonsLinkedByBSN += 1 }
            } else {
                XCTAssertEqual(row[1], "S", "person \(i)")
                neither += 1
            }
        }
        XCTAssertGreaterThan(collidingPersonsLinkedByBSN, 5, "colliding demographic pseudonyms, linked by BSN")
        XCTAssertGreaterThan(byDemo, 5, "colliding BSN pseudonyms, linked by the demographic key")
        let person = try XCTUnwrap(report.personKeys.first)
        XCTAssertEqual(person.linked, byBSN + byDemo)
        XCTAssertEqual(person.unlinked, neither)
        let bsnKey = person.keys[0], demoKey = person.keys[1]
        XCTAssertEqual(bsnKey.collisions, fixture.persons.indices.filter { t.collidingBSN.contains(t.bsn[$0]) }.count)
        XCTAssertEqual(bsnKey.matched, byBSN)
        XCTAssertEqual(demoKey.rows, bsnKey.collisions)
        XCTAssertEqual(demoKey.matched, byDemo)
        XCTAssertEqual(demoKey.collisions, neither)
        for k in [bsnKey, demoKey] { XCTAssertEqual(k.rows, k.matched + k.unmatched + k.invalid + k.duplicates + k.collisions) }

        // The report counts collisions per domain, in text and JSON, and names no value.
        let full = LinkReport(files: [report], registerCollisions: index.collisions)
        XCTAssertTrue(full.text.contains("register collisions under the project key (never linked on): bsn \(t.collidingBSN.count), "
                                         + "\(LinkDomains.demographic.label) \(t.collidingDemo.count)"), full.text)
        XCTAssertTrue(full.text.contains("collisions"), full.text)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(full.json.utf8)) as? [String: Any])
        let counts = try XCTUnwrap(json["registerCollisions"] as? [String: Int])
        XCTAssertEqual(counts, ["bsn": t.collidingBSN.count, LinkDomains.demographic.label: t.collidingDemo.count])
        for text in [full.text, full.json] {
            assertNoIdentifier(in: text, fixture: fixture)
            for ps in t.collidingBSN.union(t.collidingDemo) { XCTAssertFalse(text.contains(",\(ps)")) }
        }
    }

    /// `onCollision: "stop"` keeps the old behaviour: the build stops naming lines, never values.
    func testStopPolicyStops() throws {
        let fixture = LinkFixture(seed: 17, personCount: 2000)
        XCTAssertThrowsError(try index(fixture, policy: .stop)) { error in
            guard case LinkError.pseudonymCollision = error else { return XCTFail("\(error)") }
            XCTAssertEqual((error as? LinkError)?.category, .data)
            XCTAssertTrue("\(error)".contains("onCollision"), "\(error)")
            assertNoIdentifier(in: "\(error)", fixture: fixture)
        }
    }

    /// A BSN listed twice for one person inside a colliding run is still one identifier, and one
    /// BSN with two persons is still an error even when its pseudonym collides.
    func testRegisterChecksStillHoldInsideACollision() throws {
        var fixture = LinkFixture(seed: 17, personCount: 2000)
        let t = truth(fixture)
        let i = try XCTUnwrap(fixture.persons.indices.first { t.collidingBSN.contains(t.bsn[$0]) })
        fixture.persons.append(fixture.persons[i])
        let again = try index(fixture)
        XCTAssertEqual(again.statistics.first { $0.domain == "bsn" }?.collisions, t.collidingBSN.count)
        fixture.persons[fixture.persons.count - 1].rin = "999999999"
        XCTAssertThrowsError(try index(fixture)) { error in
            guard case LinkError.duplicateRegisterBSN = error else { return XCTFail("\(error)") }
        }
    }

    /// The policy's settings: link.json's `onCollision` accepts "skip" and "stop", nothing else.
    func testLinkJSONPolicy() throws {
        let dir = TemporaryDirectory("sluis-collision-config")
        dir.write("a.json", #"{"onCollision": "stop"}"#)
        XCTAssertEqual(try LinkConfig.load(path: dir.file("a.json")).collisionPolicy, .stop)
        dir.write("b.json", #"{}"#)
        XCTAssertEqual(try LinkConfig.load(path: dir.file("b.json")).collisionPolicy, .skip)
        dir.write("c.json", #"{"onCollision": "halt"}"#)
        XCTAssertThrowsError(try LinkConfig.load(path: dir.file("c.json"))) { error in
            XCTAssertTrue("\(error)".contains("onCollision must be \"skip\" or \"stop\""), "\(error)")
            XCTAssertEqual((error as? LinkError)?.category, .usage)
        }
        dir.write("d.json", #"{"register": {"columns": {"bsn": "BSN", "bsnr": "x"}}}"#)
        XCTAssertThrowsError(try LinkConfig.load(path: dir.file("d.json"))) { error in
            XCTAssertTrue("\(error)".contains("register.columns.bsnr"), "\(error)")
        }
    }
}
