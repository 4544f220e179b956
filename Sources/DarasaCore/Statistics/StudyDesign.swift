/// Power calculations for comparing schools or pupils that tried something with those that did
/// not: the minimum detectable effect size (MDES) in standard-deviation units.
///
/// Sources: Bloom, "Minimum Detectable Effects: A Simple Way to Report the Statistical Power of
/// Experimental Designs", Evaluation Review 19 (1995) 547–556; Bloom, "Randomizing Groups to
/// Evaluate Place-Based Programs" (2005); Dong & Maynard, "PowerUp!", JREE 6 (2013) 24–67.
public enum StudyDesign {
    /// Which distribution the multiplier M is taken from.
    public enum Reference: Sendable, Equatable {
        /// The normal distribution (large samples; M∞ = 2.8016 for α = .05 two-sided, power .80).
        case normal
        /// Student's t with the design's degrees of freedom: N − 2 for an individual design,
        /// J − g − 2 for a clustered one with g cluster-level covariates.
        case design
        /// Student's t with the given degrees of freedom (> 0).
        case studentT(degreesOfFreedom: Double)
    }

    /// The MDES multiplier M = q_{1−α/2} + q_{power} (two-sided) or q_{1−α} + q_{power}
    /// (one-sided), with q the quantiles of the normal distribution or of Student's t.
    ///
    /// nil unless 0 < α < 1, 0 < power < 1 and the degrees of freedom are positive.
    /// `.design` is treated as normal here (it needs a design to mean anything).
    /// Accurate to about 1e−13 relative (that of the quantiles).
    /// Vectors: normal, α .05 two-sided, power .80 → 2.8016; t with 38 df → 2.8756. O(1).
    public static func multiplier(alpha: Double = 0.05, power: Double = 0.80, twoSided: Bool = true,
                                  reference: Reference = .normal) -> Double? {
        guard alpha > 0, alpha < 1, power > 0, power < 1 else { return nil }
        let level = twoSided ? 1 - alpha / 2 : 1 - alpha
        switch reference {
        case .normal, .design:
            guard let a = Normal.quantile(level), let b = Normal.quantile(power) else { return nil }
            return a + b
        case .studentT(let df):
            guard let a = StudentT.quantile(level, degreesOfFreedom: df),
                  let b = StudentT.quantile(power, degreesOfFreedom: df) else { return nil }
            return a + b
        }
    }

    /// MDES for individual random assignment (Bloom 1995):
    ///
    ///     MDES = M √((1 − R²) / (P(1 − P) N)),
    ///
    /// with N pupils, a share P treated, and R² the share of outcome variance explained by
    /// baseline covariates. nil when N < 1 (or N ≤ 2 with `.design`), P ∉ (0, 1), R² ∉ [0, 1), or
    /// the multiplier is nil. Vector: N 1000, P .5, normal → 0.177. O(1).
    public static func mdesIndividual(sampleSize: Int, treatedShare: Double = 0.5, rSquared: Double = 0,
                                      alpha: Double = 0.05, power: Double = 0.80, twoSided: Bool = true,
                                      reference: Reference = .normal) -> Double? {
        guard sampleSize >= 1, treatedShare > 0, treatedShare < 1, rSquared >= 0, rSquared < 1 else { return nil }
        let resolved: Reference
        if case .design = reference {
            guard sampleSize > 2 else { return nil }
            resolved = .studentT(degreesOfFreedom: Double(sampleSize - 2))
        } else {
            resolved = reference
        }
        guard let m = multiplier(alpha: alpha, power: power, twoSided: twoSided, reference: resolved) else { return nil }
        let p = treatedShare
        return m * ((1 - rSquared) / (p * (1 - p) * Double(sampleSize))).squareRoot()
    }

    /// MDES for cluster (school) random assignment, J clusters of n pupils (Bloom 2005, eq. 6;
    /// Dong & Maynard 2013, CRA2_2r):
    ///
    ///     MDES = M √( ρ(1 − R²_b) / (P(1 − P) J) + (1 − ρ)(1 − R²_w) / (P(1 − P) J n) ),
    ///
    /// with ρ the intra-class correlation, R²_b and R²_w the shares of between- and within-cluster
    /// variance explained by covariates, and `.design` meaning t with J − g − 2 degrees of freedom
    /// (g = `clusterCovariates`). n may be fractional (an average cluster size; with unequal sizes
    /// this overstates power slightly).
    ///
    /// nil when J < 1 (or J − g − 2 ≤ 0 with `.design`), n < 1, P ∉ (0, 1), ρ ∉ [0, 1],
    /// R² ∉ [0, 1), g < 0, or the multiplier is nil.
    /// Vectors (P .5): J 40, n 20, ρ .20, normal → 0.434; t with 38 df → 0.445;
    /// with R²_b .5, normal → 0.331. O(1).
    public static func mdesClustered(clusters: Int, clusterSize: Double, icc: Double, treatedShare: Double = 0.5,
                                     rSquaredBetween: Double = 0, rSquaredWithin: Double = 0, clusterCovariates: Int = 0,
                                     alpha: Double = 0.05, power: Double = 0.80, twoSided: Bool = true,
                                     reference: Reference = .design) -> Double? {
        guard clusters >= 1, clusterSize >= 1, clusterSize.isFinite, treatedShare > 0, treatedShare < 1,
              icc >= 0, icc <= 1, rSquaredBetween >= 0, rSquaredBetween < 1,
              rSquaredWithin >= 0, rSquaredWithin < 1, clusterCovariates >= 0 else { return nil }
        let resolved: Reference
        if case .design = reference {
            let df = clusters - clusterCovariates - 2
            guard df > 0 else { return nil }
            resolved = .studentT(degreesOfFreedom: Double(df))
        } else {
            resolved = reference
        }
        guard let m = multiplier(alpha: alpha, power: power, twoSided: twoSided, reference: resolved) else { return nil }
        let pq = treatedShare * (1 - treatedShare)
        let j = Double(clusters)
        let between = icc * (1 - rSquaredBetween) / (pq * j)
        let within = (1 - icc) * (1 - rSquaredWithin) / (pq * j * clusterSize)
        return m * (between + within).squareRoot()
    }
}
