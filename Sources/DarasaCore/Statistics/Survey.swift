/// One sampled pupil (or teacher): the measured value, the survey weight (the number of
/// population members the record stands for) and the primary sampling unit, usually the school.
public struct SurveyObservation<Cluster: Hashable> {
    public var value: Double
    public var weight: Double
    public var cluster: Cluster

    public init(value: Double, weight: Double, cluster: Cluster) {
        self.value = value
        self.weight = weight
        self.cluster = cluster
    }
}

extension SurveyObservation: Sendable where Cluster: Sendable {}
extension SurveyObservation: Equatable where Cluster: Equatable {}

/// A design-based estimate.
public struct SurveyEstimate: Sendable, Equatable {
    public var estimate: Double
    /// 0 for a census; nil for a sample with fewer than two clusters.
    public var standardError: Double?
    /// nil when the standard error is; a single point for a census. Proportions are clipped to
    /// [0, 1].
    public var confidenceInterval: ClosedRange<Double>?
    /// G − 1 for a cluster sample with a t interval; nil otherwise.
    public var degreesOfFreedom: Int?
    public var observations: Int
    public var clusters: Int
    public var sumOfWeights: Double
}

/// Estimates from learning-assessment samples (e.g. an EGRA or national assessment that samples
/// schools, then pupils within them).
public enum Survey {
    /// How the data were collected.
    public enum Design: Sendable, Equatable {
        /// Every unit of the population was measured: no sampling error, SE = 0.
        case census
        /// A single-stage cluster sample of schools, analysed as if drawn with replacement (no
        /// finite-population correction; conservative when a large share of schools is sampled).
        case clusterSample
    }

    /// Which distribution the confidence interval uses.
    public enum IntervalReference: Sendable, Equatable {
        case normal
        /// Student's t with G − 1 degrees of freedom (R survey's `degf`; advisable with few schools).
        case studentT
    }

    /// Weighted mean R̂ = Σ w_i y_i / Σ w_i (a ratio estimator) with its design-based standard error
    /// by Taylor linearisation (Wolter, Introduction to Variance Estimation, 2nd ed. (2007) ch. 6;
    /// Lumley, Complex Surveys (2010) §2.4; what R's `svymean` gives for
    /// `svydesign(ids = ~school, weights = ~w)`):
    ///
    ///     z_i = w_i (y_i − R̂) / Σ w,   Z_h = Σ_{i ∈ cluster h} z_i,
    ///     V̂(R̂) = G/(G − 1) Σ_h (Z_h − Z̄)²,
    ///
    /// over the G clusters present, and the interval R̂ ± q·SE with q from the normal or from t
    /// with G − 1 degrees of freedom. For `.census`, SE = 0 and the interval is the point.
    ///
    /// nil when there are no observations or every weight is 0. SE (and interval) nil for a cluster
    /// sample with fewer than two clusters. Throws `.outOfDomain` for a negative or non-finite
    /// weight, a non-finite value or a confidence level outside (0, 1). O(N).
    public static func weightedMean<Cluster: Hashable>(_ observations: [SurveyObservation<Cluster>], design: Design = .clusterSample,
                                                       interval: IntervalReference = .studentT,
                                                       confidenceLevel: Double = 0.95) throws(StatisticsError) -> SurveyEstimate? {
        try estimate(observations, design: design, interval: interval, confidenceLevel: confidenceLevel, clipToUnit: false)
    }

    /// Weighted proportion: `weightedMean` of values that must each be 0 or 1, with the interval
    /// clipped to [0, 1]. Throws `.outOfDomain` for any other value; otherwise as `weightedMean`.
    /// (A Wald interval; near 0 or 1 with few clusters a logit or Korn–Graubard interval is
    /// better, and is not implemented.) O(N).
    public static func weightedProportion<Cluster: Hashable>(_ observations: [SurveyObservation<Cluster>], design: Design = .clusterSample,
                                                             interval: IntervalReference = .studentT,
                                                             confidenceLevel: Double = 0.95) throws(StatisticsError) -> SurveyEstimate? {
        guard observations.allSatisfy({ $0.value == 0 || $0.value == 1 }) else {
            throw StatisticsError(.outOfDomain, "A proportion needs values of 0 or 1 only.")
        }
        return try estimate(observations, design: design, interval: interval, confidenceLevel: confidenceLevel, clipToUnit: true)
    }

    private static func estimate<Cluster: Hashable>(_ observations: [SurveyObservation<Cluster>], design: Design,
                                                    interval: IntervalReference, confidenceLevel: Double,
                                                    clipToUnit: Bool) throws(StatisticsError) -> SurveyEstimate? {
        guard confidenceLevel > 0, confidenceLevel < 1 else {
            throw StatisticsError(.outOfDomain, "The confidence level must lie strictly between 0 and 1.")
        }
        guard observations.allSatisfy({ $0.value.isFinite && $0.weight.isFinite && $0.weight >= 0 }) else {
            throw StatisticsError(.outOfDomain, "Survey weights must be zero or positive, and values and weights finite.")
        }
        let totalWeight = Descriptive.compensatedSum(observations.map(\.weight))
        guard !observations.isEmpty, totalWeight > 0 else { return nil }
        let ratio = Descriptive.compensatedSum(observations.map { $0.weight * $0.value }) / totalWeight
        var clusterTotals: [Cluster: Double] = [:]
        for o in observations { clusterTotals[o.cluster, default: 0] += o.weight * (o.value - ratio) / totalWeight }
        let g = clusterTotals.count
        func clip(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
            clipToUnit ? max(0, range.lowerBound)...min(1, range.upperBound) : range
        }
        switch design {
        case .census:
            return SurveyEstimate(estimate: ratio, standardError: 0, confidenceInterval: ratio...ratio, degreesOfFreedom: nil,
                                  observations: observations.count, clusters: g, sumOfWeights: totalWeight)
        case .clusterSample:
            guard g >= 2 else {
                return SurveyEstimate(estimate: ratio, standardError: nil, confidenceInterval: nil, degreesOfFreedom: nil,
                                      observations: observations.count, clusters: g, sumOfWeights: totalWeight)
            }
            let totals = Array(clusterTotals.values)
            let meanTotal = Descriptive.compensatedSum(totals) / Double(g)
            let variance = Double(g) / Double(g - 1) * Descriptive.compensatedSum(totals.map { ($0 - meanTotal) * ($0 - meanTotal) })
            let se = variance.squareRoot()
            let level = 1 - (1 - confidenceLevel) / 2
            let q: Double?
            let df: Int?
            switch interval {
            case .normal:
                q = Normal.quantile(level)
                df = nil
            case .studentT:
                q = StudentT.quantile(level, degreesOfFreedom: Double(g - 1))
                df = g - 1
            }
            return SurveyEstimate(estimate: ratio, standardError: se,
                                  confidenceInterval: q.map { clip((ratio - $0 * se)...(ratio + $0 * se)) },
                                  degreesOfFreedom: df, observations: observations.count, clusters: g, sumOfWeights: totalWeight)
        }
    }
}
