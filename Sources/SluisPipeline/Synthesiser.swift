import SluisCore
import SluisIO

/// `sluis synth`: deterministic synthetic data in the style of the model environment.
///
/// Writes, into a directory:
/// - `register.csv`: `bsn,rinpersoons,rinpersoon,sex,birthdate,postcode,housenumber`, canonical values;
/// - `survey.csv`: a researcher file (`;`-separated, UTF-8) whose identifiers are written the
///   messy ways people write them (dropped leading zeros, dots and spaces in BSNs, five date
///   formats, lower-case and spaced postcodes, sex as M/man/1), with ~1.5 % invalid BSNs, ~4.5 %
///   rows without BSN but with sex, birth date, postcode and house number, ~8 % people who are not
///   in the register, quoted free text holding delimiters and line breaks, and ~0.5 % free texts
///   hiding an identifier (BSN, phone, e-mail, IBAN, address);
/// - `survey.truth.csv`: `line,rinpersoon` per data row (its physical start line), empty for
///   people not in the register.
public enum Synthesiser {
    /// The files `generate` writes.
    public static let fileNames = ["register.csv", "survey.csv", "survey.truth.csv"]

    /// What `generate` wrote, for the command's output.
    public struct Summary: Sendable {
        /// Persons in the register.
        public var persons: Int
        /// Data rows in the survey.
        public var rows: Int
        /// Paths of the files written.
        public var files: [String]
    }

    /// Writes the register, survey and truth files for `persons` persons and `rows` rows into `directory`, the same for the same seed.
    public static func generate(directory: String, persons: Int, rows: Int, seed: UInt64) throws -> Summary {
        try FileSystem.makeDirectories(directory, mode: 0o755)
        var random = SplitMix64(seed: seed ^ 0x5EED_51A1_5000_0001)
        let unregistered = max(1, persons / 12)
        let people = SyntheticPopulation.make(registered: persons, unregistered: unregistered, random: &random)
        let register = try AtomicFile(path: directory + "/register.csv", mode: 0o644)
        try writeRegister(people[0..<persons], to: register)
        let survey = try AtomicFile(path: directory + "/survey.csv", mode: 0o644)
        let truth = try AtomicFile(path: directory + "/survey.truth.csv", mode: 0o644)
        try writeSurvey(people: people, registered: persons, rows: rows, random: &random, to: survey, truth: truth)
        for f in [register, survey, truth] { try f.commit() }
        return Summary(persons: persons, rows: rows, files: fileNames)
    }

    static func writeRegister(_ people: ArraySlice<SyntheticPerson>, to file: AtomicFile) throws {
        let w = SyntheticRowWriter(sink: file)
        w.text("bsn,rinpersoons,rinpersoon,sex,birthdate,postcode,housenumber")
        try w.endRow()
        for p in people {
            w.number(Int(p.bsn), width: 9); w.byte(0x2C)
            w.byte(0x52); w.byte(0x2C)
            w.number(Int(p.rinpersoon), width: 9); w.byte(0x2C)
            w.byte(p.male ? 0x4D : 0x56); w.byte(0x2C)
            w.number(Int(p.year), width: 4); w.byte(0x2D); w.number(Int(p.month), width: 2); w.byte(0x2D); w.number(Int(p.day), width: 2)
            w.byte(0x2C)
            w.number(Int(p.postcodeDigits)); w.byte(p.postcodeLetters.0); w.byte(p.postcodeLetters.1); w.byte(0x2C)
            w.number(Int(p.houseNumber))
            if p.houseAddition != 0 { w.byte(p.houseAddition) }
            try w.endRow()
        }
        try w.flush()
    }

    static let surveyHeader = "BSN;Naam;Geboortedatum;Geslacht;Postcode;Huisnummer;Woonplaats;Opleiding;Score;Inkomen;Toelichting"
    static let remarks = ["geen", "tevreden", "ontevreden", "weet niet", "later terugbellen", "vragenlijst volledig",
                          "deels ingevuld", "nieuw adres", "verhuisd", "niet thuis", "ok", "heel tevreden over de service"]

    static let places = ["Amsterdam", "Rotterdam", "Utrecht", "'s-Hertogenbosch", "Zwolle", "Groningen", "Maastricht",
                         "Leeuwarden", "Den Haag", "Eindhoven", "Almere", "Nijmegen", "Enschede", "Alphen aan den Rijn"]
    static let educations = ["basisonderwijs", "vmbo-t", "havo", "vwo", "mbo niveau 4", "hbo bachelor", "wo master", "wo doctoraat"]

    static func writeSurvey(people: [SyntheticPerson], registered: Int, rows: Int, random: inout SplitMix64,
                            to file: AtomicFile, truth truthFile: AtomicFile) throws {
        let w = SyntheticRowWriter(sink: file)
        let t = SyntheticRowWriter(sink: truthFile)
        w.text(surveyHeader)
        try w.endRow()
        t.text("line,rinpersoon")
        try t.endRow()
        let firstNames = SyntheticPopulation.firstNames.map { Array($0.utf8) }
        let lastNames = SyntheticPopulation.lastNames.map { Array($0.utf8) }
        let remarkBytes = remarks.map { Array($0.utf8) }
        let placeBytes = places.map { Array($0.utf8) }
        let educationBytes = educations.map { Array($0.utf8) }
        for _ in 0..<rows {
            let index = random.perMille(920) ? random.below(registered) : registered + random.below(people.count - registered)
            let p = people[index]
            let line = w.lines + 1
            t.number(line); t.byte(0x2C)
            if p.registered { t.number(Int(p.rinpersoon), width: 9) }
            try t.endRow()
            // BSN
            let roll = random.below(1000)
            if roll < 45 {
                // no BSN: the demographic fall-back
            } else if roll < 60 {
                writeBSN(p.bsn &+ (p.bsn % 10 == 9 ? UInt32.max : 1), style: 0, to: w)  // last digit changed: fails the 11-check
            } else {
                writeBSN(p.bsn, style: random.below(10), to: w)
            }
            w.byte(0x3B)
            // Naam, sometimes "Achternaam, Voornaam"
            if random.perMille(50) {
                w.bytes(lastNames[Int(p.lastName)]); w.byte(0x2C); w.byte(0x20); w.bytes(firstNames[Int(p.firstName)])
            } else {
                w.bytes(firstNames[Int(p.firstName)]); w.byte(0x20); w.bytes(lastNames[Int(p.lastName)])
            }
            w.byte(0x3B)
            writeDate(p, style: random.below(10), to: w)
            w.byte(0x3B)
            switch random.below(8) {
            case 0: w.text(p.male ? "man" : "vrouw")
            case 1: w.byte(p.male ? 0x31 : 0x32)
            case 2: w.byte(p.male ? 0x6D : 0x76)
            default: w.byte(p.male ? 0x4D : 0x56)
            }
            w.byte(0x3B)
            let pcStyle = random.below(10)
            w.number(Int(p.postcodeDigits))
            if pcStyle >= 6 && pcStyle < 8 { w.byte(0x20) }
            let lower: UInt8 = pcStyle >= 8 || pcStyle == 5 ? 0x20 : 0
            w.byte(p.postcodeLetters.0 | lower); w.byte(p.postcodeLetters.1 | lower)
            w.byte(0x3B)
            if random.perMille(50) { w.byte(0x30) }
            w.number(Int(p.houseNumber))
            if p.houseAddition != 0 {
                if random.perMille(300) { w.byte(0x20) }
                w.byte(random.perMille(500) ? p.houseAddition | 0x20 : p.houseAddition)
            }
            w.byte(0x3B)
            w.bytes(placeBytes[Int(p.postcodeDigits) % placeBytes.count]); w.byte(0x3B)
            w.bytes(educationBytes[random.below(educationBytes.count)]); w.byte(0x3B)
            w.number(random.below(101)); w.byte(0x3B)
            w.number(15_000 + random.below(90_000)); w.byte(0x3B)
            try writeRemark(p, random: &random, remarks: remarkBytes, to: w)
            try w.endRow()
        }
        try w.flush()
        try t.flush()
    }

    /// Styles: 0–4 plain; 5 dropped leading zero (or plain); 6 dots; 7 spaces; 8 dashes; 9 plain.
    static func writeBSN(_ bsn: UInt32, style: Int, to w: SyntheticRowWriter) {
        let v = Int(bsn)
        switch style {
        case 5: w.number(v, width: v < 100_000_000 ? 8 : 9)
        case 6, 7, 8:
            let sep: UInt8 = style == 6 ? 0x2E : style == 7 ? 0x20 : 0x2D
            w.number(v / 1_000_000, width: 3); w.byte(sep); w.number((v / 1000) % 1000, width: 3); w.byte(sep); w.number(v % 1000, width: 3)
        default: w.number(v, width: 9)
        }
    }

    /// Styles: 0–3 ISO; 4–5 d-m-Y; 6 d/m/Y; 7 YYYYMMDD; 8 d.m.Y; 9 dd-mm-yyyy.
    static func writeDate(_ p: SyntheticPerson, style: Int, to w: SyntheticRowWriter) {
        let y = Int(p.year), m = Int(p.month), d = Int(p.day)
        switch style {
        case 4, 5: w.number(d); w.byte(0x2D); w.number(m); w.byte(0x2D); w.number(y)
        case 6: w.number(d); w.byte(0x2F); w.number(m); w.byte(0x2F); w.number(y)
        case 7: w.number(y, width: 4); w.number(m, width: 2); w.number(d, width: 2)
        case 8: w.number(d); w.byte(0x2E); w.number(m); w.byte(0x2E); w.number(y)
        case 9: w.number(d, width: 2); w.byte(0x2D); w.number(m, width: 2); w.byte(0x2D); w.number(y)
        default: w.number(y, width: 4); w.byte(0x2D); w.number(m, width: 2); w.byte(0x2D); w.number(d, width: 2)
        }
    }

    /// Mostly a short remark; ~2 % quoted with a delimiter, a quote or a line break inside;
    /// ~0.5 % hiding one of the person's identifiers or contact details.
    static func writeRemark(_ p: SyntheticPerson, random: inout SplitMix64, remarks: [[UInt8]], to w: SyntheticRowWriter) throws {
        let roll = random.below(1000)
        if roll < 5 {
            switch roll {
            case 0: w.text("bsn "); writeBSN(p.bsn, style: 6, to: w)
            case 1: w.text("bel 06-"); w.number(10_000_000 + Int(p.bsn % 89_999_999), width: 8)
            case 2: w.text("mail naar "); w.bytes(Array(SyntheticPopulation.firstNames[Int(p.firstName)].lowercased().utf8)); w.text(".x"); w.number(Int(p.rinpersoon % 1000)); w.text("@example.nl")
            case 3: w.text("rekening NL91ABNA0417164300")
            default:
                w.text("adres "); w.number(Int(p.postcodeDigits)); w.byte(0x20); w.byte(p.postcodeLetters.0); w.byte(p.postcodeLetters.1)
                w.byte(0x20); w.number(Int(p.houseNumber))
            }
            return
        }
        if roll < 25 {
            w.byte(0x22)
            switch roll % 3 {
            case 0: w.bytes(remarks[random.below(remarks.count)]); w.text("; "); w.bytes(remarks[random.below(remarks.count)])
            case 1: w.text("zegt \"\""); w.bytes(remarks[random.below(remarks.count)]); w.text("\"\"")
            default: w.bytes(remarks[random.below(remarks.count)]); w.byte(0x0A); w.bytes(remarks[random.below(remarks.count)])
            }
            w.byte(0x22)
            return
        }
        if roll < 100 { return }  // empty
        w.bytes(remarks[random.below(remarks.count)])
    }
}
