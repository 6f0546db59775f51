import XCTest
@testable import SluisCore

/// The decimal rendering of widths 1…19 uses 64-bit arithmetic (`decimalResidue`, `writeDecimal`);
/// these tests hold it to the definition in docs/format.md, computed here with UInt128.
final class PseudonymRenderingTests: XCTestCase {
    /// SplitMix64: a fixed sequence, so a failure can be reproduced.
    private struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private func power(_ width: Int) -> UInt128 {
        var p: UInt128 = 1
        for _ in 0..<width { p *= 10 }
        return p
    }

    /// The reference: the first 16 bytes as a big-endian UInt128, mod 10^width, as `width` digits
    /// with leading zeros.
    private func reference(mac: [UInt8], width: Int) -> String {
        var value: UInt128 = 0
        for b in mac[0..<16] { value = value << 8 | UInt128(b) }
        let digits = String(value % power(width))
        return String(repeating: "0", count: width - digits.count) + digits
    }

    private func render(mac: [UInt8], _ rendering: PseudonymRendering) -> String {
        var out = [UInt8](repeating: 0, count: rendering.width)
        mac.withUnsafeBytes { m in out.withUnsafeMutableBytes { rendering.render(mac: m, into: $0) } }
        return String(decoding: out, as: UTF8.self)
    }

    private func mac(high: UInt64, low: UInt64) -> [UInt8] {
        withUnsafeBytes(of: high.bigEndian) { Array($0) } + withUnsafeBytes(of: low.bigEndian) { Array($0) }
            + [UInt8](repeating: 0xa5, count: 16)
    }

    /// MACs whose first 16 bytes sit at the edges: zero, all ones, one word empty or full,
    /// and multiples of 10^width and their neighbours.
    private func edgeMACs(width: Int) -> [[UInt8]] {
        var values: [UInt128] = [0, 1, UInt128.max, UInt128.max - 1, UInt128(UInt64.max), UInt128(UInt64.max) + 1,
                                 UInt128(1) << 127, (UInt128(1) << 127) - 1]
        let p = power(width)
        for k: UInt128 in [1, 2, 3, 7, UInt128(UInt64.max), UInt128.max / p, UInt128.max / p - 1] {
            let multiple = k.multipliedReportingOverflow(by: p)
            guard !multiple.overflow else { continue }
            values += [multiple.partialValue, multiple.partialValue &- 1, multiple.partialValue &+ 1]
        }
        return values.map { mac(high: UInt64(truncatingIfNeeded: $0 >> 64), low: UInt64(truncatingIfNeeded: $0)) }
    }

    func testDecimalRenderingMatchesUInt128ReferenceAtEveryWidth() {
        var random = SplitMix64(state: 0x5155_1500)
        for width in 1...38 {
            let rendering = PseudonymRendering.decimal(width: width)
            for m in edgeMACs(width: width) {
                XCTAssertEqual(render(mac: m, rendering), reference(mac: m, width: width), "width \(width), mac \(m)")
            }
            for _ in 0..<20_000 {
                // Also MACs with a small first word, where 10^width may exceed it.
                let shift = random.next() % 4 == 0 ? random.next() % 64 : 0
                let m = mac(high: random.next() >> shift, low: random.next())
                let got = render(mac: m, rendering)
                let expected = reference(mac: m, width: width)
                if got != expected {
                    XCTFail("width \(width), mac \(m): \(got) != \(expected)")
                    return
                }
            }
        }
    }

    /// Every (10^width, reciprocal) pair against fixed values computed outside Swift (Python's
    /// big integers: `p = 10**w; d = p << (64 - p.bit_length()); v = (2**128 - 1) // d - 2**64`),
    /// so a wrong table cannot agree with a wrong computation in the test.
    func testDecimalDivisorTable() {
        let known: [Int: (UInt64, UInt64)] = [
        1: (10, 11068046444225730969),
        2: (100, 5165088340638674452),
        3: (1000, 442721857769029238),
        4: (10000, 11776401416656177751),
        5: (100000, 5731772318583031878),
        6: (1000000, 896069040124515179),
        7: (10000000, 12501756908424955256),
        8: (100000000, 6312056711998053881),
        9: (1000000000, 1360296554856532782),
        10: (10000000000, 13244520931996183421),
        11: (100000000000, 6906267930855036413),
        12: (1000000000000, 1835665529942118807),
        13: (10000000000000, 14005111292133121062),
        14: (100000000000000, 7514740218964586526),
        15: (1000000000000000, 2322443360429758898),
        16: (10000000000000000, 14783955820913345206),
        17: (100000000000000000, 8137815841988765842),
        18: (1000000000000000000, 2820903858849102350),
        19: (10000000000000000000, 15581492618384294730),
        ]
        for width in 1...19 {
            let (p, v) = decimalDivisor(width: width)
            XCTAssertEqual(p, known[width]?.0, "width \(width)")
            XCTAssertEqual(v, known[width]?.1, "width \(width)")
        }
        XCTAssertEqual(PseudonymRendering.maxWordDecimalWidth, 19)
    }

    /// The two-word step on its own, including the largest allowed high word (d − 1) and exact
    /// multiples of d, some of which need the rare second correction (r = d before it).
    func testRemainder2by1() {
        var random = SplitMix64(state: 42)
        // Exact multiples of d (widths 4, 8, 11, 16, 19) where the estimate is one too small.
        let secondCorrection: [Int: (UInt64, UInt64)] = [
            4: (11_177_726_868_001_561_838, 18_248_585_690_105_249_792),
            8: (12_939_721_344_077_732_343, 17_925_241_310_608_883_712),
            11: (12_736_035_888_581_283_124, 17_516_110_560_012_271_616),
            16: (10_085_775_838_474_406_685, 17_761_401_757_017_047_040),
            19: (8_817_122_527_711_641_886, 18_323_158_039_775_412_224),
        ]
        for width in 1...19 {
            let (p, v) = decimalDivisor(width: width)
            let d = p << p.leadingZeroBitCount
            func check(_ u1: UInt64, _ u0: UInt64) {
                let expected = UInt64((UInt128(u1) << 64 | UInt128(u0)) % UInt128(d))
                XCTAssertEqual(remainder2by1(u1, u0, divisor: d, reciprocal: v), expected, "d \(d), u1 \(u1), u0 \(u0)")
            }
            let highs: [UInt64] = [0, 1, d / 2, d - 2, d - 1] + (0..<200).map { _ in random.next() % d }
            let lows: [UInt64] = [0, 1, d - 1, d, d + 1, UInt64.max - 1, UInt64.max] + (0..<20).map { _ in random.next() }
            for u1 in highs {
                for u0 in lows { check(u1, u0) }
            }
            for _ in 0..<5000 {
                let k = random.next() >> (random.next() % 64)
                let u = UInt128(k) * UInt128(d)
                for delta: UInt128 in [0, 1] where (u + delta) >> 64 < UInt128(d) {
                    check(UInt64(truncatingIfNeeded: (u + delta) >> 64), UInt64(truncatingIfNeeded: u + delta))
                }
            }
            if let (u1, u0) = secondCorrection[width] {
                XCTAssertEqual((UInt128(u1) << 64 | UInt128(u0)) % UInt128(d), 0)
                check(u1, u0)
            }
        }
    }

    func testWriteDecimal() {
        var random = SplitMix64(state: 7)
        for width in 1...19 {
            let limit = UInt64(power(width))
            for value in [0, 1, 9, 10, 99, 100, limit / 2, limit - 1] + (0..<1000).map({ _ in random.next() % limit }) where value < limit {
                var out = [UInt8](repeating: 0, count: width)
                out.withUnsafeMutableBytes { writeDecimal(value, width: width, into: $0) }
                let digits = String(value)
                XCTAssertEqual(String(decoding: out, as: UTF8.self),
                               String(repeating: "0", count: width - digits.count) + digits, "width \(width)")
            }
        }
    }

    /// Writes exactly `width` bytes: the bytes after the pseudonym stay as they were.
    func testDecimalRenderingWritesOnlyItsWidth() {
        let m = mac(high: .max, low: .max)
        for width in 1...38 {
            var out = [UInt8](repeating: 0xee, count: width + 8)
            m.withUnsafeBytes { mb in
                out.withUnsafeMutableBytes { PseudonymRendering.decimal(width: width).render(mac: mb, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<width])) }
            }
            XCTAssertEqual(Array(out[width...]), [UInt8](repeating: 0xee, count: 8), "width \(width)")
        }
    }
}
