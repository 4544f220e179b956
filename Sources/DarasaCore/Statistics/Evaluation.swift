/// One outcome in a before/after comparison of treated and comparison units.
public struct DiDObservation<Cluster: Hashable> {
    public var outcome: Double
    /// In a school (or class, district) that received the change.
    public var treated: Bool
    /// Measured after the change.
    public var post: Bool
    /// The unit of assignment (usually the school), for clustering standard errors.
    public var cluster: Cluster

    public init(outcome: Double, treated: Bool, post: Bool, cluster: Cluster) {
        self.outcome = outcome
        self.treated = treated
        self.post = post
        self.cluster = cluster
    }
}

extension DiDObservation: Sendable where Cluster: Sendable {}
extension DiDObservation: Equatable where Cluster: Equatable {}

/// Difference in differences, for evaluating what schools tried (action research): the change in
/// treated units minus the change in comparison units over the same period.
///
/// Source: Angrist & Pischke, Mostly Harmless Econometrics (2009) §5.2; standard errors clustered
/// at the level of assignment as recommended by Bertrand, Duflo & Mullainathan, QJE 119 (2004)
/// 249–275.
public enum DifferenceInDifferences {
    /// δ = (T_post − T_pre) − (C_post − C_pre) from four group means. O(1).
    public static func estimate(treatedPre: Double, treatedPost: Double, controlPre: Double, controlPost: Double) -> Double {
        (treatedPost - treatedPre) - (controlPost - controlPre)
    }

    /// The four cell means of a 2 × 2 design and their difference in differences.
    public struct CellMeans: Sendable, Equatable {
        public var treatedPre: Double
        public var treatedPost: Double
        public var controlPre: Double
        public var controlPost: Double

        public init(treatedPre: Double, treatedPost: Double, controlPre: Double, controlPost: Double) {
            self.treatedPre = treatedPre
            self.treatedPost = treatedPost
            self.controlPre = controlPre
            self.controlPost = controlPost
        }

        public var delta: Double {
            DifferenceInDifferences.estimate(treatedPre: treatedPre, treatedPost: treatedPost,
                                             controlPre: controlPre, controlPost: controlPost)
        }
    }

    /// Cell means of the observations. nil when any of the four cells is empty or an outcome is
    /// non-finite. O(N).
    public static func cellMeans<Cluster>(_ observations: [DiDObservation<Cluster>]) -> CellMeans? {
        func mean(treated: Bool, post: Bool) -> Double? {
            Descriptive.mean(observations.filter { $0.treated == treated && $0.post == post }.map(\.outcome))
        }
        guard let tPre = mean(treated: true, post: false), let tPost = mean(treated: true, post: true),
              let cPre = mean(treated: false, post: false), let cPost = mean(treated: false, post: true)
        else { return nil }
        return CellMeans(treatedPre: tPre, treatedPost: tPost, controlPre: cPre, controlPost: cPost)
    }

    /// The regression estimate of a difference in differences and its uncertainty.
    public struct Estimate: Sendable, Equatable {
        /// δ, the coefficient on treated × post.
        public var delta: Double
        /// (a, b, c, δ) of y = a + b·treated + c·post + δ·treated×post.
        public var coefficients: [Double]
        /// CR1 cluster-robust standard error of δ; nil with fewer than two clusters.
        public var standardError: Double?
        /// δ ± t_{1−α/2}(G − 1) · SE; nil when the standard error is.
        public var confidenceInterval: ClosedRange<Double>?
        public var observations: Int
        public var clusters: Int
    }

    /// Estimates δ by OLS of y = a + b·treated + c·post + δ·treated×post, with the CR1
    /// cluster-robust (Liang–Zeger) standard error clustered by `cluster`:
    ///
    ///     V = G/(G − 1) · (N − 1)/(N − K) · (XᵀX)⁻¹ Σ_g X_gᵀ ê_g ê_gᵀ X_g (XᵀX)⁻¹,  K = 4,
    ///
    /// and a confidence interval from Student's t with G − 1 degrees of freedom (Stata's
    /// convention; Cameron & Miller, JHR 50 (2015) 317–372, discuss why few clusters need it).
    /// With this saturated design δ equals the difference of the four cell means exactly.
    ///
    /// nil when any of the four treated × period cells is empty (δ is not identified). The
    /// standard error and interval are nil when there are fewer than two clusters or N = 4.
    /// Throws `.outOfDomain` for a non-finite outcome or a confidence level outside (0, 1).
    /// Unit and period fixed effects (the two-way form) and covariates are not included.
    /// O(N).
    public static func regression<Cluster: Hashable>(_ observations: [DiDObservation<Cluster>],
                                                     confidenceLevel: Double = 0.95) throws(StatisticsError) -> Estimate? {
        guard confidenceLevel > 0, confidenceLevel < 1 else {
            throw StatisticsError(.outOfDomain, "The confidence level must lie strictly between 0 and 1.")
        }
        guard observations.allSatisfy({ $0.outcome.isFinite }) else {
            throw StatisticsError(.outOfDomain, "An outcome is missing (NaN) or infinite; remove it before estimating.")
        }
        guard cellMeans(observations) != nil else { return nil }
        let rows = observations.map { o -> [Double] in
            let t: Double = o.treated ? 1 : 0, p: Double = o.post ? 1 : 0
            return [1, t, p, t * p]
        }
        let fit = try LinearRegression.fit(rows: rows, outcomes: observations.map(\.outcome))
        let clusterIDs = observations.map(\.cluster)
        let clusterCount = Set(clusterIDs).count
        var standardError: Double?
        var interval: ClosedRange<Double>?
        let delta = fit.coefficients[3]
        if let covariance = try fit.clusterRobustCovariance(clusters: clusterIDs) {
            let se = max(0, covariance[3][3]).squareRoot()
            standardError = se
            if let t = StudentT.quantile(1 - (1 - confidenceLevel) / 2, degreesOfFreedom: Double(clusterCount - 1)) {
                interval = (delta - t * se)...(delta + t * se)
            }
        }
        return Estimate(delta: delta, coefficients: fit.coefficients, standardError: standardError,
                        confidenceInterval: interval, observations: observations.count, clusters: clusterCount)
    }
}
