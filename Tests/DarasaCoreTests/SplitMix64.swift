import DarasaCore

/// Draws the tests need beyond DarasaCore's SplitMix64 (seeded, so synthetic data in tests are
/// identical on every run and platform).
extension SplitMix64 {
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
