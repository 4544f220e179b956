/// SplitMix64 (Steele, Lea & Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA
/// 2014): a tiny seeded generator, the same numbers on every run and platform. The synthetic
/// country seeds its streams with it, linkage samples candidate pairs with it (so a linkage run
/// is reproducible), and tests draw their synthetic data from it. Swift's
/// `SystemRandomNumberGenerator` is never used for anything that must repeat.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    @inlinable public init(seed: UInt64) { state = seed }

    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform on [0, 1) with 53 random bits.
    @inlinable public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}
