import SluisCore
/// A deterministic pseudo-random generator (SplitMix64): the same seed gives the same data on
/// every machine, which tests and benchmarks rely on. Not for anything secret.
public struct SplitMix64 {
    /// The generator's whole state: copy it to replay a stream.
    public var state: UInt64
    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 pseudo-random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in 0..<n.
    @inline(__always)
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// True with probability `percent`/1000.
    @inline(__always)
    mutating func perMille(_ p: Int) -> Bool { below(1000) < p }
}

/// One synthetic person, with canonical identifiers.
struct SyntheticPerson {
    var bsn: UInt32
    var rinpersoon: UInt32
    var male: Bool
    var year: UInt16
    var month: UInt8
    var day: UInt8
    var postcodeDigits: UInt16
    var postcodeLetters: (UInt8, UInt8)
    var houseNumber: UInt16
    /// 0, or an upper-case letter addition (toevoeging).
    var houseAddition: UInt8
    var firstName: UInt16
    var lastName: UInt16
    /// Whether the person is in the register (truth files give their RINPERSOON).
    var registered: Bool
}

/// Makes a population: `registered` people in the register plus some who are not, with unique
/// BSNs that pass the 11-check, unique RINPERSOONs and plausible demographics.
enum SyntheticPopulation {
    static let firstNames = ["Jan", "Piet", "Kees", "Anna", "Sanne", "Daan", "Emma", "Lieke", "Joël", "Zoë", "Sem", "Noor",
                             "Fenna", "Bram", "Loïs", "Mila", "Thijs", "Ruben", "Eva", "Lotte", "Ayşe", "Mohamed", "Fatima", "José"]
    static let lastNames = ["de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
                            "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Dekker", "Brouwer", "de Wit",
                            "Dijkstra", "Smits", "van Leeuwen", "Yılmaz", "El Amrani", "Çelik", "Müller", "Groß"]

    static func make(registered: Int, unregistered: Int, random: inout SplitMix64) -> [SyntheticPerson] {
        var bsns = Set<UInt32>()
        bsns.reserveCapacity(registered + unregistered)
        var people: [SyntheticPerson] = []
        people.reserveCapacity(registered + unregistered)
        for i in 0..<(registered + unregistered) {
            var bsn: UInt32 = 0
            repeat { bsn = randomBSN(&random) } while !bsns.insert(bsn).inserted
            let year = UInt16(1925 + random.below(85))
            let month = UInt8(1 + random.below(12))
            let day = UInt8(1 + random.below(Normaliser.daysInMonth(year: Int(year), month: Int(month))))
            // RINPERSOON: a bijection of the index onto 9-digit numbers (7919 is prime, coprime to 9·10⁸).
            let rin = UInt32(100_000_000 + (UInt64(i) &* 7919 &+ 12345) % 900_000_000)
            people.append(SyntheticPerson(
                bsn: bsn, rinpersoon: rin, male: random.below(2) == 0, year: year, month: month, day: day,
                postcodeDigits: UInt16(1000 + random.below(9000)),
                postcodeLetters: (UInt8(0x41 + random.below(26)), UInt8(0x41 + random.below(26))),
                houseNumber: UInt16(1 + random.below(random.perMille(900) ? 150 : 2000)),
                houseAddition: random.perMille(100) ? UInt8(0x41 + random.below(4)) : 0,
                firstName: UInt16(random.below(firstNames.count)), lastName: UInt16(random.below(lastNames.count)),
                registered: i < registered))
        }
        return people
    }

    /// A random BSN (as a number below 10⁹) that passes the 11-check and is not all zeros.
    static func randomBSN(_ random: inout SplitMix64) -> UInt32 {
        while true {
            let prefix = random.below(100_000_000)
            var digits = [Int](repeating: 0, count: 8)
            var v = prefix
            for k in stride(from: 7, through: 0, by: -1) { digits[k] = v % 10; v /= 10 }
            guard prefix != 0, let check = BSNElevenCheck.checkDigit(first8: { digits[$0] }) else { continue }
            return UInt32(prefix * 10 + check)
        }
    }
}
