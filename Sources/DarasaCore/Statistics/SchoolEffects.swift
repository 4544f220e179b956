/// One pupil's outcome, their school, and optional covariates (context such as poverty or prior
/// attainment; no intercept column, it is added).
public struct GroupedObservation<Group: Hashable> {
    public var outcome: Double
    public var group: Group
    public var covariates: [Double]

    public init(outcome: Double, group: Group, covariates: [Double] = []) {
        self.outcome = outcome
        self.group = group
        self.covariates = covariates
    }
}

extension GroupedObservation: Sendable where Group: Sendable {}
extension GroupedObservation: Equatable where Group: Equatable {}

/// One school's estimated effect.
public struct SchoolEffect<Group: Hashable> {
    public var group: Group
    /// n_j, the school's number of observations.
    public var size: Int
    /// ē_j, the school's mean residual: its raw departure from expectation.
    public var meanResidual: Double
    /// λ_j = τ² / (τ² + σ²/n_j) ∈ [0, 1): how much of ē_j is signal rather than noise.
    public var reliability: Double
    /// û_j = λ_j ē_j, the shrunken (empirical Bayes) effect.
    public var effect: Double
    /// √(λ_j σ²/n_j), the posterior standard deviation of u_j.
    public var posteriorStandardDeviation: Double
    /// û_j ± z · posterior SD.
    public var interval: ClosedRange<Double>
}

extension SchoolEffect: Sendable where Group: Sendable {}
extension SchoolEffect: Equatable where Group: Equatable {}

/// A fitted two-level random-intercept model.
public struct RandomInterceptFit<Group: Hashable> {
    /// (intercept, β…) from the first-stage OLS; just (grand mean) without covariates.
    public var coefficients: [Double]
    /// σ̂², the within-school (pupil-level) variance.
    public var withinVariance: Double
    /// τ̂², the between-school variance, floored at 0.
    public var betweenVariance: Double
    /// ICC = τ² / (τ² + σ²); nil when both are 0.
    public var intraclassCorrelation: Double?
    /// One entry per school, in order of first appearance.
    public var effects: [SchoolEffect<Group>]
}

extension RandomInterceptFit: Sendable where Group: Sendable {}
extension RandomInterceptFit: Equatable where Group: Equatable {}

/// School effects from a two-level random-intercept model, shrunk towards zero by their
/// reliability so that small schools do not top (or bottom) a league table by chance.
public enum SchoolEffects {
    /// Fits y_ij = μ + x_ijᵀβ + u_j + e_ij, u_j ~ (0, τ²), e_ij ~ (0, σ²), in two steps:
    ///
    /// 1. OLS of y on an intercept and the covariates gives residuals e_ij (without covariates,
    ///    e_ij = y_ij − ȳ);
    /// 2. the ANOVA (method-of-moments) estimator for unbalanced one-way random effects on the
    ///    residuals (Searle, Casella & McCulloch, Variance Components (1992) §3.6):
    ///
    ///        σ̂² = MSW = Σ_j Σ_i (e_ij − ē_j)² / (N − J)
    ///        MSB = Σ_j n_j (ē_j − ē)² / (J − 1)
    ///        n₀ = (N − Σ_j n_j² / N) / (J − 1)
    ///        τ̂² = max(0, (MSB − MSW) / n₀)
    ///
    /// then ICC = τ²/(τ² + σ²), reliability λ_j = τ²/(τ² + σ²/n_j), shrunken effect û_j = λ_j ē_j,
    /// posterior SD √(λ_j σ²/n_j), and interval û_j ± z_{1−α/2} SD (Raudenbush & Bryk,
    /// Hierarchical Linear Models, 2nd ed. (2002) §3.7 and ch. 5 on school effects).
    ///
    /// Approximations, stated: the intervals treat σ², τ² and β as known (too narrow when there
    /// are few schools); with covariates the residual degrees of freedom are not reduced by the
    /// number of covariates, and school-level covariates are estimated by pooled OLS rather than
    /// jointly with the random effect (REML would do both). τ² = 0 gives λ = 0 and every effect 0.
    ///
    /// nil when there are fewer than two schools, or no school has two observations (N − J < 1),
    /// so σ² cannot be separated from τ². Throws `.outOfDomain` for a non-finite value or a
    /// confidence level outside (0, 1), `.shapeMismatch` when covariate vectors differ in length,
    /// `.singular` for collinear covariates. O(N·K² + J).
    public static func fit<Group: Hashable>(_ observations: [GroupedObservation<Group>],
                                            confidenceLevel: Double = 0.95) throws(StatisticsError) -> RandomInterceptFit<Group>? {
        guard confidenceLevel > 0, confidenceLevel < 1, let z = Normal.quantile(1 - (1 - confidenceLevel) / 2) else {
            throw StatisticsError(.outOfDomain, "The confidence level must lie strictly between 0 and 1.")
        }
        guard !observations.isEmpty else { return nil }
        let width = observations[0].covariates.count
        guard observations.allSatisfy({ $0.covariates.count == width }) else {
            throw StatisticsError(.shapeMismatch, "Every observation must have the same number of covariates.")
        }
        var order: [Group] = []
        var members: [Group: [Int]] = [:]
        for (i, observation) in observations.enumerated() {
            if members[observation.group] == nil { order.append(observation.group) }
            members[observation.group, default: []].append(i)
        }
        let n = observations.count, j = order.count
        guard j >= 2, n - j >= 1 else { return nil }

        let fit = try LinearRegression.fit(rows: observations.map { [1] + $0.covariates },
                                           outcomes: observations.map(\.outcome))
        let residuals = fit.residuals
        let grandMean = Descriptive.compensatedSum(residuals) / Double(n)
        var withinSquares = 0.0, betweenSquares = 0.0, sumOfSquaredSizes = 0.0
        var groupMeans: [Double] = []
        for group in order {
            let indices = members[group] ?? []
            let values = indices.map { residuals[$0] }
            let mean = Descriptive.compensatedSum(values) / Double(values.count)
            groupMeans.append(mean)
            withinSquares += values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            betweenSquares += Double(values.count) * (mean - grandMean) * (mean - grandMean)
            sumOfSquaredSizes += Double(values.count * values.count)
        }
        let sigma2 = withinSquares / Double(n - j)
        let msb = betweenSquares / Double(j - 1)
        let n0 = (Double(n) - sumOfSquaredSizes / Double(n)) / Double(j - 1)
        let tau2 = max(0, (msb - sigma2) / n0)
        let icc: Double? = tau2 + sigma2 > 0 ? tau2 / (tau2 + sigma2) : nil

        let effects = order.enumerated().map { index, group -> SchoolEffect<Group> in
            let size = members[group]?.count ?? 0
            let meanResidual = groupMeans[index]
            let samplingVariance = sigma2 / Double(size)
            let reliability = tau2 > 0 ? tau2 / (tau2 + samplingVariance) : 0
            let effect = reliability * meanResidual
            let sd = (reliability * samplingVariance).squareRoot()
            return SchoolEffect(group: group, size: size, meanResidual: meanResidual, reliability: reliability,
                                effect: effect, posteriorStandardDeviation: sd,
                                interval: (effect - z * sd)...(effect + z * sd))
        }
        return RandomInterceptFit(coefficients: fit.coefficients, withinVariance: sigma2, betweenVariance: tau2,
                                  intraclassCorrelation: icc, effects: effects)
    }
}
