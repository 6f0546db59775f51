// sluis-scanbench: the residual scanner's throughput on a fixed mix of kept values (bench/residual.sh).
// The scanner runs on every kept value during `seal`, so it must keep up with parsing (docs/pipeline.md).
import Foundation
import SluisCore

/// Kept values as a survey holds them: mostly words, then small numbers, dates and amounts, a few
/// identifiers. Built from a fixed seed, so every run scans the same bytes.
func makeValues(count: Int) -> [[UInt8]] {
    var state: UInt64 = 42
    func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
    let words = ["tevreden", "zeer tevreden", "ontevreden", "Amsterdam", "Utrecht", "hbo", "wo", "mbo", "geen opmerking",
                 "wil graag teruggebeld worden over de afspraak", "ja", "nee", "onbekend", "huisarts verwezen naar specialist"]
    var values: [[UInt8]] = []
    for _ in 0..<count {
        let text: String
        switch next(20) {
        case 0..<11: text = words[next(words.count)]
        case 11..<14: text = String(next(100_000))
        case 14..<16: text = "\(1 + next(28))-\(1 + next(12))-\(1950 + next(70))"
        case 16..<18: text = "€ \(next(10_000)),\(10 + next(90))"
        case 18: text = "bel 06-\(10_000_000 + next(89_999_999)) na 17:00"
        default: text = "score \(next(10)) van 10, bsn \(100_000_000 + next(899_999_999))"
        }
        values.append(Array(text.utf8))
    }
    return values
}

let values = makeValues(count: 1 << 20)
// One flat buffer and offsets, as the row parser hands values over: the loop measures the scanner, not arrays.
let flat = values.flatMap { $0 }
var bounds: [Int] = [0]
for v in values { bounds.append(bounds[bounds.count - 1] + v.count) }
let byteCount = flat.count
let rounds = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 20
var found = 0
let start = DispatchTime.now().uptimeNanoseconds
flat.withUnsafeBytes { all in
    for _ in 0..<rounds {
        for k in 0..<values.count {
            found &+= Int(ResidualScanner.scan(UnsafeRawBufferPointer(rebasing: all[bounds[k]..<bounds[k + 1]])))
        }
    }
}
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
let total = Double(byteCount * rounds)
print(String(format: "residual scan: %d values (%.1f MB) x %d in %.2f s: %.0f MB/s, %.1f M values/s (findings %d)",
             values.count, Double(byteCount) / 1e6, rounds, seconds, total / seconds / 1e6,
             Double(values.count * rounds) / seconds / 1e6, found))
