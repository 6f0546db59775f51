/// The BSN 11-check ("elfproef"), defined once: the weights, the sum and the check digit.
///
/// A burgerservicenummer d1…d9 is valid when 9·d1 + 8·d2 + 7·d3 + 6·d4 + 5·d5 + 4·d6 + 3·d7 + 2·d8
/// − 1·d9 ≡ 0 (mod 11) and it is not 000000000 (Statistics Netherlands; docs/format.md). An
/// eight-digit number is a BSN whose leading zero was lost: it is checked as if left-padded.
///
/// Every place that checks or makes a BSN — the normaliser, the residual scanner, the synthetic
/// population and the test fixtures — goes through here. The functions are `@inlinable` and take
/// the digits through a closure, so callers keep their own storage (a loaded word, a tuple, a
/// pointer) and the hot loops compile to the same straight-line code as before.
public enum BSNElevenCheck {
    /// The number of digits in a BSN.
    public static let digitCount = 9

    /// The weight of the digit at `position` (0 is the leftmost of nine): 9, 8, …, 2, then −1.
    @inlinable @inline(__always)
    public static func weight(at position: Int) -> Int { position < 8 ? 9 &- position : -1 }

    /// The weighted sum of nine digit values; `digit(k)` is the value (0–9) of digit `k`.
    @inlinable @inline(__always)
    public static func weightedSum(_ digit: (Int) -> Int) -> Int {
        var sum = 0
        for k in 0..<9 { sum &+= weight(at: k) &* digit(k) }
        return sum
    }

    /// True when a weighted sum passes (≡ 0 mod 11). The all-zeros number also passes this
    /// arithmetic; callers refuse it separately, so each can report it as its own failure.
    @inlinable @inline(__always)
    public static func passes(weightedSum sum: Int) -> Bool { sum % 11 == 0 }

    /// True when the digit values pass the 11-check and are not all zero. `count` is 9, or 8 for
    /// a number whose leading zero was lost (digit(0) is then the second of nine).
    @inlinable @inline(__always)
    public static func isValid(count: Int, _ digit: (Int) -> Int) -> Bool {
        let offset = 9 &- count
        var any = false
        let sum = weightedSum { k in
            guard k >= offset else { return 0 }
            let v = digit(k &- offset)
            if v != 0 { any = true }
            return v
        }
        return any && passes(weightedSum: sum)
    }

    /// The last digit that completes the first eight (values 0–9), or nil when none does (their
    /// weighted sum is 10 mod 11, so no digit 0–9 makes the whole sum a multiple of eleven).
    @inlinable
    public static func checkDigit(first8 digit: (Int) -> Int) -> Int? {
        let check = weightedSum { k in k < 8 ? digit(k) : 0 } % 11
        return check == 10 ? nil : check
    }
}
