import DarasaCore

/// SplitMix64 (Steele, Lea & Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA
/// 2014): a tiny seeded generator, so synthetic data in tests are identical on every run and
/// platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on [0, 1) with 53 random bits.
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A draw from the categorical distribution `probabilities` (which sum to 1).
    mutating func categorical(_ probabilities: [Double]) -> Int {
        var u = uniform()
        for (index, p) in probabilities.enumerated() {
            if u < p { return index }
            u -= p
        }
        return probabilities.count - 1
    }

    /// A standard normal draw by inverting the normal CDF at a uniform in (0, 1).
    mutating func normal() -> Double {
        var u = uniform()
        while u == 0 { u = uniform() }
        return Normal.quantile(u) ?? 0
    }
}
