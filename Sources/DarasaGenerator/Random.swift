import DarasaCore
import Foundation

/// A stable 64-bit mix of a value (never `hashValue`, which Swift seeds per process): the first
/// output of SplitMix64 seeded with it.
@inline(__always)
func mix64(_ value: UInt64) -> UInt64 {
    var s = SplitMix64(seed: value)
    return s.next()
}

/// FNV-1a over the UTF-8 bytes of a stream name: stable across runs and platforms.
func stableHash(_ text: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in text.utf8 {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01B3
    }
    return h
}

/// xoshiro256** (Blackman & Vigna 2018), a small, fast, seedable generator.
///
/// Every part of the synthetic country draws from its own stream, `Rng(seed:stream:index:)`, so
/// adding draws in one part never shifts another part's numbers, and the same seed gives the
/// same country on every machine. Swift's `SystemRandomNumberGenerator` is never used.
public struct Rng: RandomNumberGenerator {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// An independent stream for one named part of the country (and, optionally, one index in it).
    init(seed: UInt64, stream: String, index: Int = 0) {
        self.init(seed: mix64(seed ^ stableHash(stream)) ^ mix64(UInt64(bitPattern: Int64(index)) &+ 0x5851_F42D_4C95_7F2D))
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always)
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    @inline(__always)
    mutating func chance(_ p: Double) -> Bool { uniform() < p }

    /// Uniform integer in `range` (Lemire's multiply-shift; the tiny bias is irrelevant here).
    @inline(__always)
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
    }

    @inline(__always)
    mutating func int(below n: Int) -> Int { n <= 1 ? 0 : int(0...(n - 1)) }

    /// Standard normal by Box–Muller (one value per call; simplicity over speed).
    mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    mutating func lognormal(median: Double, sigma: Double) -> Double { median * exp(normal(sd: sigma)) }

    /// Poisson by inversion (fine for the small means used here).
    mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 30 { return max(0, Int((normal(mean: mean, sd: mean.squareRoot())).rounded())) }
        let l = exp(-mean)
        var k = 0, p = 1.0
        repeat { k += 1; p *= uniform() } while p > l
        return k - 1
    }

    /// Index drawn with probability proportional to `weights` (cumulative weights, ascending).
    mutating func pick(cumulative: [Double]) -> Int {
        guard let total = cumulative.last, total > 0 else { return 0 }
        let x = uniform() * total
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    mutating func element<T>(_ array: [T]) -> T { array[int(below: array.count)] }

    /// Fisher–Yates shuffle with this stream (the standard library's would use its own order of draws).
    mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = int(0...i)
            if i != j { array.swapAt(i, j) }
        }
    }
}

func cumulative(_ weights: [Double]) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(weights.count)
    var sum = 0.0
    for w in weights { sum += max(0, w); out.append(sum) }
    return out
}

/// Logistic function.
@inline(__always)
func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

/// A version-4-shaped UUID made from two stream draws (deterministic, unlike `UUID()`).
func deterministicUUID(_ a: UInt64, _ b: UInt64) -> String {
    String(unsafeUninitializedCapacity: 36) { out in
        let hi = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let lo = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        var k = 0
        var pos = 0
        while pos < 32 {
            let word = pos < 16 ? hi : lo
            let nibble = UInt8(truncatingIfNeeded: (word >> UInt64(60 - 4 * (pos & 15))) & 0xF)
            out[k] = nibble < 10 ? 48 + nibble : 87 + nibble
            k += 1
            if pos == 7 || pos == 11 || pos == 15 || pos == 19 { out[k] = 45; k += 1 }
            pos += 1
        }
        return 36
    }
}
