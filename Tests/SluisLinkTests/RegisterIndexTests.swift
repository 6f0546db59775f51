import XCTest
import SluisCore
import SluisCrypto
import SluisFormats
@testable import SluisLink

final class RegisterIndexTests: XCTestCase {
    /// Every registered BSN's pseudonym finds its own RIN; the demographic key too.
    func testEveryRegisteredPersonIsFound() throws {
        let fixture = LinkFixture(personCount: 500)
        let index = try fixture.buildIndex()
        XCTAssertEqual(index.rowCount, 500)
        XCTAssertEqual(index.rinWidth, 9)
        for p in fixture.persons {
            for (domain, pseudonym) in [(LinkDomains.bsn, fixture.bsnPseudonym(p.bsn)), (LinkDomains.demographic, fixture.demographicPseudonym(of: p))] {
                let result = Array(pseudonym.utf8).withUnsafeBytes { index.lookup($0, in: domain) }
                guard case let .found(person)? = result else { return XCTFail("\(domain) not found") }
                XCTAssertEqual(index.personKey(of: person).rinpersoon, p.rin)
                XCTAssertEqual(index.personKey(of: person).rinpersoons, "R")
            }
        }
        // An unregistered BSN is not found.
        var f = fixture
        let stranger = f.makeBSN()
        let result = Array(fixture.bsnPseudonym(stranger).utf8).withUnsafeBytes { index.lookup($0, in: LinkDomains.bsn) }
        XCTAssertEqual(result, .notFound)
    }

    /// One worker thread and two give the same index.
    func testThreadCountDoesNotMatter() throws {
        let fixture = LinkFixture(personCount: 200)
        let one = try fixture.buildIndex(threads: 1), two = try fixture.buildIndex(threads: 2)
        for p in fixture.persons {
            let ps = Array(fixture.bsnPseudonym(p.bsn).utf8)
            XCTAssertEqual(ps.withUnsafeBytes { one.lookup($0, in: LinkDomains.bsn) }, ps.withUnsafeBytes { two.lookup($0, in: LinkDomains.bsn) })
        }
    }

    /// A register larger than one block (16 384 rows) still indexes every row.
    func testManyBlocks() throws {
        var fixture = LinkFixture(personCount: 0)
        var used = Set<String>()
        for i in 0..<40_000 {
            var b = fixture.makeBSN()
            while used.contains(b) { b = fixture.makeBSN() }
            used.insert(b)
            fixture.persons.append(fixture.makePerson(bsn: b, rin: String(format: "%09d", i)))
        }
        let index = try fixture.buildIndex()
        XCTAssertEqual(index.rowCount, 40_000)
        for p in fixture.persons.suffix(50) + fixture.persons.prefix(50) {
            let r = Array(fixture.bsnPseudonym(p.bsn).utf8).withUnsafeBytes { index.lookup($0, in: LinkDomains.bsn) }
            guard case let .found(person)? = r else { return XCTFail("not found") }
            XCTAssertEqual(index.personKey(of: person).rinpersoon, p.rin)
        }
    }

    /// With a tiny rendering, different BSNs share a pseudonym: under `onCollision: "stop"` a
    /// collision error naming the register lines, never the values.
    func testCollisionIsCaught() throws {
        let fixture = LinkFixture(personCount: 200)
        var builder = RegisterIndexBuilder(projectKey: fixture.projectKey, projectId: LinkFixture.projectId, rendering: .decimal(width: 2))
        builder.onCollision = .stop
        XCTAssertThrowsError(try builder.build(from: LinkFixture.reader(fixture.registerCSV, path: "register.csv"))) { error in
            guard case let LinkError.pseudonymCollision(file, domain, first, second) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "register.csv")
            XCTAssertTrue(domain == "bsn" || domain.hasPrefix("composite:"))
            XCTAssertNotEqual(first, second)
            XCTAssertTrue((2...201).contains(first) && (2...201).contains(second))
            assertNoIdentifier(in: "\(error)", fixture: fixture)
        }
        let collision = try checkRegisterForCollisions(register: LinkFixture.reader(fixture.registerCSV, path: "register.csv"),
                                                       projectKey: fixture.projectKey, projectId: LinkFixture.projectId,
                                                       rendering: .decimal(width: 2))
        XCTAssertNotNil(collision)
        XCTAssertNil(try checkRegisterForCollisions(register: LinkFixture.reader(fixture.registerCSV, path: "register.csv"),
                                                    projectKey: fixture.projectKey, projectId: LinkFixture.projectId))
    }

    /// The same BSN with two different RINs is an error; listed twice for the same person is fine.
    func testDuplicateBSN() throws {
        var fixture = LinkFixture(personCount: 20)
        var twin = fixture.persons[3]
        twin.rin = "999999999"
        fixture.persons.append(twin)
        XCTAssertThrowsError(try fixture.buildIndex()) { error in
            XCTAssertEqual(error as? LinkError, .duplicateRegisterBSN(file: "register.csv", firstLine: 5, secondLine: 22))
            assertNoIdentifier(in: "\(error)", fixture: fixture)
            XCTAssertEqual((error as? LinkError)?.category, .data)
        }
        fixture.persons[20].rin = fixture.persons[3].rin
        XCTAssertNoThrow(try fixture.buildIndex())
    }

    /// Two persons with the same sex, birth date and address (twins): the demographic key is
    /// ambiguous and never links, while their BSNs still do.
    func testTwinsMakeTheDemographicKeyAmbiguous() throws {
        var fixture = LinkFixture(personCount: 20)
        var twin = fixture.persons[4]
        twin.bsn = fixture.makeBSN()
        twin.rin = "888888888"
        fixture.persons.append(twin)
        let index = try fixture.buildIndex()
        let demo = Array(fixture.demographicPseudonym(of: twin).utf8)
        XCTAssertEqual(demo.withUnsafeBytes { index.lookup($0, in: LinkDomains.demographic) }, .ambiguous)
        XCTAssertEqual(index.statistics.first { $0.domain == LinkDomains.demographic.label }?.ambiguousKeys, 1)
        guard case let .found(person)? = Array(fixture.bsnPseudonym(twin.bsn).utf8).withUnsafeBytes({ index.lookup($0, in: LinkDomains.bsn) }) else {
            return XCTFail("twin's BSN not found")
        }
        XCTAssertEqual(index.personKey(of: person).rinpersoon, "888888888")
    }

    /// Register rows with a bad BSN are left out of the BSN index and counted.
    func testInvalidRegisterIdentifiersAreSkipped() throws {
        let fixture = LinkFixture(personCount: 10)
        let text = fixture.registerCSV + "123456789,R,100000999,M,1970-01-01,1234AB,1\n"
        let index = try fixture.buildIndex(register: text)
        XCTAssertEqual(index.statistics.first { $0.domain == "bsn" }?.invalid, 1)
        XCTAssertEqual(index.statistics.first { $0.domain == "bsn" }?.indexed, 10)
        XCTAssertEqual(index.statistics.first { $0.domain != "bsn" }?.indexed, 11)
    }

    /// Register shape errors name the file, line and column, never the value.
    func testRegisterErrors() throws {
        let fixture = LinkFixture(personCount: 5)
        let secret = "987654321"
        let badRIN = fixture.registerCSV + "\(fixture.persons[0].bsn.dropLast())0,R,\(secret)x,M,1970-01-01,1234AB,1\n"
        XCTAssertThrowsError(try fixture.buildIndex(register: badRIN)) { error in
            XCTAssertEqual(error as? LinkError, .registerRINInvalid(file: "register.csv", line: 7, column: "rinpersoon", expectedWidth: 9))
            XCTAssertFalse("\(error)".contains(secret))
        }
        let noCode = fixture.registerCSV + "\(secret),,100000001,M,1970-01-01,1234AB,1\n"
        XCTAssertThrowsError(try fixture.buildIndex(register: noCode)) { error in
            XCTAssertEqual(error as? LinkError, .registerCodeMissing(file: "register.csv", line: 7, column: "rinpersoons"))
            XCTAssertFalse("\(error)".contains(secret))
        }
        XCTAssertThrowsError(try fixture.buildIndex(register: "bsn,rinpersoons,rin\n")) { error in
            XCTAssertEqual(error as? LinkError, .registerColumnMissing(file: "register.csv", role: "rinpersoon", column: "rinpersoon"))
        }
    }

    /// Keys decode exactly for the renderings sluis writes.
    func testKeyCodecMatchesRendering() {
        for rendering in [PseudonymRendering.decimal(width: 17), .decimal(width: 9), .decimal(width: 19), .decimal(width: 25),
                          .hex(width: 16), .hex(width: 8), .hex(width: 32)] {
            let codec = PseudonymKeyCodec(rendering: rendering)
            var g = SplitMix(seed: 7)
            for _ in 0..<200 {
                var mac = (0..<32).map { _ in UInt8(truncatingIfNeeded: g.next()) }
                var text = [UInt8](repeating: 0, count: rendering.width)
                mac.withUnsafeBytes { m in text.withUnsafeMutableBytes { rendering.render(mac: m, into: $0) } }
                var prefix: UInt128 = 0
                for i in 0..<16 { prefix = prefix << 8 | UInt128(mac[i]) }
                XCTAssertEqual(text.withUnsafeBytes { codec.key(parsing: $0) }, codec.key(prefix: prefix), "\(rendering)")
                mac[0] ^= 1
            }
            XCTAssertNil(Array("12".utf8).withUnsafeBytes { codec.key(parsing: $0) })
            XCTAssertNil(Array(repeating: UInt8(ascii: "x"), count: rendering.width).withUnsafeBytes { codec.key(parsing: $0) })
        }
    }
}

extension RegisterIndexTests {
    /// The eight-digits-at-a-time parser: the same key as digit by digit (modulo 2⁶⁴) at every
    /// width, and nil for a non-digit at any position (bytes just below '0' and above '9' too).
    func testDecimalKeyParsingMatchesDigitByDigit() {
        var g = SplitMix(seed: 11)
        for width in 1...38 {
            let codec = PseudonymKeyCodec(rendering: .decimal(width: width))
            for _ in 0..<50 {
                var text = (0..<width).map { _ in UInt8(ascii: "0") + UInt8(g.next() % 10) }
                var expected: UInt64 = 0
                for c in text { expected = expected &* 10 &+ UInt64(c - 0x30) }
                XCTAssertEqual(text.withUnsafeBytes { codec.key(parsing: $0) }, expected, "width \(width)")
                let position = Int(g.next() % UInt64(width))
                let saved = text[position]
                for bad: UInt8 in [0x2F, 0x3A, 0xB0, 0x41, 0x00] {
                    text[position] = bad
                    XCTAssertNil(text.withUnsafeBytes { codec.key(parsing: $0) }, "width \(width), byte \(bad) at \(position)")
                }
                text[position] = saved
            }
        }
    }
}

/// Fails when `message` holds any BSN or RIN of the fixture.
func assertNoIdentifier(in message: String, fixture: LinkFixture, file: StaticString = #filePath, line: UInt = #line) {
    for p in fixture.persons where message.contains(p.bsn) || message.contains(p.rin) {
        XCTFail("message holds an identifier: \(message)", file: file, line: line)
        return
    }
}
