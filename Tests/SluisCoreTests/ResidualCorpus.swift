import SluisCore

/// A labelled corpus for the residual scanner: values holding one identifier of a known kind in
/// the spellings people and programs write, and ordinary values (amounts, dates, years,
/// percentages, postcodes alone, times, measurements) that hold none.
///
/// Generated from a fixed seed so every run sees the same values; the hand-written entries are
/// the forms an adversarial review found unflagged (issue 13).
struct ResidualCorpus {
    struct Sample { let text: String; let kind: ResidualKind? }

    private(set) var samples: [Sample] = []
    /// Bare 8- and 9-digit integers: a BSN written plainly looks exactly like them, so about one
    /// in eleven is flagged; counted apart from the ordinary values.
    private(set) var bareIntegers: [String] = []
    private var random = SplitMix64(seed: 13)

    static let separators = [" ", ".", "-", "/", "\u{00A0}", "\u{202F}", "\u{2009}", "\u{2011}", "\u{2013}", "\t"]
    /// Area codes without the trunk 0: two and three digits (fixed lines), 6 (mobile), non-geographic.
    static let areaCodes = ["10", "13", "15", "20", "23", "24", "26", "30", "33", "35", "36", "38", "40", "43", "45", "46",
                            "50", "53", "55", "58", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
                            "111", "113", "114", "161", "162", "164", "172", "180", "222", "223", "251", "294", "313",
                            "317", "320", "341", "343", "411", "416", "475", "485", "492", "499", "511", "523", "541",
                            "546", "561", "570", "591", "599", "6", "6", "6", "6", "85", "88", "800", "900", "906"]

    init() {
        for _ in 0..<400 { addBSN() }
        for _ in 0..<400 { addPhone() }
        handWritten()
        ordinary()
    }

    private mutating func add(_ text: String, _ kind: ResidualKind?) { samples.append(Sample(text: text, kind: kind)) }

    private mutating func digits(_ count: Int, firstNonZero: Bool = false) -> String {
        var s = ""
        for k in 0..<count { s += String(firstNonZero && k == 0 ? 1 + random.next(9) : random.next(10)) }
        return s
    }

    private mutating func pick<T>(_ options: [T]) -> T { options[random.next(options.count)] }

    /// A valid BSN (nine digits), with a leading zero when asked.
    private mutating func validBSN(leadingZero: Bool) -> String {
        while true {
            let head = (leadingZero ? "0" : String(1 + random.next(9))) + digits(7)
            let d = head.utf8.map { Int($0) - 48 }
            if let check = BSNElevenCheck.checkDigit(first8: { d[$0] }) { return head + String(check) }
        }
    }

    private func group(_ s: String, _ sizes: [Int], _ separator: String) -> String {
        var parts: [String] = []
        var rest = Substring(s)
        for size in sizes { parts.append(String(rest.prefix(size))); rest = rest.dropFirst(size) }
        return parts.joined(separator: separator)
    }

    private mutating func embed(_ value: String) -> String {
        pick(["\(value)", "bsn \(value)", "BSN: \(value).", "patiënt (\(value)) belde", "nummer \(value), zie dossier", "\(value);"])
    }

    private mutating func addBSN() {
        let nine = validBSN(leadingZero: random.next(3) == 0)
        let sep = pick(Self.separators)
        var spellings = [nine, group(nine, [3, 3, 3], sep), group(nine, [4, 2, 3], sep), nine + ".0"]
        if nine.hasPrefix("0") {
            let eight = String(nine.dropFirst())
            // The one documented exception: an 8-digit form that is also a compact date is taken for the date.
            if !Self.isCompactDate(eight) {
                spellings += [eight, eight + ".0"]
            }
            spellings += [group(eight, [2, 3, 3], sep), group(eight, [3, 2, 3], sep)]
        }
        add(embed(pick(spellings)), .bsn)
    }

    private mutating func addPhone() {
        let area = pick(Self.areaCodes)
        let subscriber = digits(9 - area.count, firstNonZero: true)
        let sep = pick(Self.separators.filter { $0 != "\t" })
        let sub = random.next(2) == 0 ? subscriber : group(subscriber, subscriber.count == 8 ? [4, 4] : subscriber.count == 7 ? [3, 2, 2] : [2, 2, 2], " ")
        let forms = [
            "0\(area)\(subscriber)", "0\(area)\(sep)\(sub)", "(0\(area)) \(sub)", "(0\(area))\(sub)",
            "+31 \(area) \(sub)", "+31(0)\(area) \(sub)", "+31 (0)\(area)\(sep)\(sub)", "+31\(area)\(subscriber)",
            "0031 \(area) \(sub)", "0031\(area)\(subscriber)", "0031-(0)\(area)-\(subscriber)", "31\(area)\(subscriber)",
            "+31-\(area)-\(subscriber)", "0\(area) - \(sub)", "0\(area)/\(subscriber)",
        ]
        let value = pick(forms)
        add(pick(["\(value)", "tel. \(value)", "bel \(value) na 17:00", "telefoon: \(value), mobiel", "(\(value))"]), .phone)
    }

    private mutating func handWritten() {
        for text in ["(0356) 933330", "+31(0)55 2525578", "0031 6 12345678", "06-12345678", "+31 6 1234 5678",
                     "06 12 34 56 78", "06.12.34.56.78", "020 - 123 45 67", "+31 (0) 20 123 4567", "0031 (0)70-1234567",
                     "06\u{00A0}12345678", "+31\u{00A0}6\u{00A0}12\u{00A0}34\u{00A0}56\u{00A0}78", "tel:0612345678",
                     "06-12345678 / 020-1234567", "2024-01-31 0612345678"] {
            add(text, .phone)
        }
        for text in ["12345672", "012345672", "123456782", "123.456.782", "123 456 782", "123-456-782", "123/456/782",
                     "123\u{00A0}456\u{00A0}782", "1234 56 782", "12.345.672", "12345672.0", "123456782.00",
                     "1 2 3 4 5 6 7 8 2", "123\u{200B}456\u{200B}782", "bsn 123456782 en 06-12345678"] {
            add(text, .bsn)
        }
        for text in ["j.de-vries@example.nl", "mail naar info@gemeente.amsterdam."] { add(text, .email) }
        for text in ["NL91ABNA0417164300", "NL91 ABNA 0417 1643 00"] { add(text, .iban) }
        for text in ["Dorpsstraat 12, 1234 AB Utrecht", "1234ab 7"] { add(text, .postcodeHouseNumber) }
    }

    private mutating func ordinary() {
        for _ in 0..<300 {
            let day = 1 + random.next(28), month = 1 + random.next(12), year = 1900 + random.next(200)
            let dd = day < 10 ? "0\(day)" : "\(day)", mm = month < 10 ? "0\(month)" : "\(month)"
            let euros = random.next(10_000_000)
            let amount = String(euros).reversed().enumerated().map { $0.offset > 0 && $0.offset % 3 == 0 ? "\($0.element)." : "\($0.element)" }
                .joined().reversed().map(String.init).joined()
            add(pick(["\(dd)-\(mm)-\(year)", "\(year)-\(mm)-\(dd)", "\(dd)/\(mm)/\(year)", "\(day).\(month).\(year)",
                      "\(year)\(mm)\(dd)", "\(dd)\(mm)\(year)", "\(dd)-\(mm)-\(year) 12:30", "\(year)-\(mm)-\(dd)T08:15:00",
                      "op \(day) \(mm) \(year)"]), nil)
            add(pick(["€ \(amount),\(digits(2))", "€\(amount),-", "\(euros),\(digits(2))", "EUR \(euros).\(digits(2))",
                      "€ \(amount)", "\(random.next(100)),\(random.next(10))%", "\(random.next(1000)) %",
                      "\(year)", "\(year) \(year + 1) \(year + 2)", "\(year)-\(year + 10)", "\(year)/\(year + 1)"]), nil)
            add(pick(["\(1000 + random.next(9000)) \(pick(["AB", "XY", "KL"]))", "\(1000 + random.next(9000))\(pick(["AB", "CD"]))",
                      "\(10 + random.next(10)):\(10 + random.next(50))", "1.\(random.next(100)) m", "\(random.next(150)),\(random.next(10)) kg",
                      "\(100 + random.next(80))/\(60 + random.next(40))", "0.\(digits(9))", "0,\(digits(6)) mg", "score \(random.next(11))",
                      "\(random.next(10_000_000))", "\(digits(3)) \(digits(2))", "ISBN 978-90-\(digits(4))-\(digits(3))-\(digits(1))",
                      "0000000000", "1234567890", "\(digits(13))"]), nil)
            bareIntegers.append(digits(8 + random.next(2), firstNonZero: true))
        }
    }

    static func isCompactDate(_ eight: String) -> Bool {
        let v = Int(eight) ?? 0
        func valid(_ y: Int, _ m: Int, _ d: Int) -> Bool { (1900...2099).contains(y) && (1...12).contains(m) && (1...Normaliser.daysInMonth(year: y, month: m)).contains(d) }
        return valid(v / 10000, (v / 100) % 100, v % 100) || valid(v % 10000, (v / 10000) % 100, v / 1_000_000)
    }
}

/// A small deterministic generator (SplitMix64), so the corpus is the same on every run.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
