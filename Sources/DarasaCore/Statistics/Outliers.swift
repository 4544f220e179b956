/// Data-quality checks on reported numbers, following the WHO Data Quality Review (DQR) toolkit
/// (WHO, 2017, Module 2 "Desk review of data quality") as implemented in DHIS2's data-quality app.
public enum Outliers {
    /// Threshold for the modified z-score (Iglewicz & Hoaglin 1993).
    public static let modifiedZThreshold = 3.5

    /// Ordinary z-scores z_i = (x_i − x̄) / s with the sample standard deviation s (n − 1).
    ///
    /// In a series of n values |z| can never exceed (n − 1)/√n (Shiffler 1988): 2.04 for n = 6, so
    /// a ±3 SD rule cannot fire on short series; prefer `modifiedZScores` there.
    /// nil when n < 2 or any value is non-finite; all zeros when every value is equal (s = 0).
    /// Vector: (10, 12, 11, 13, 12, 50) → z of 50 = 2.04. O(n).
    public static func zScores(_ values: [Double]) -> [Double]? {
        guard let mean = Descriptive.mean(values), let sd = Descriptive.standardDeviation(values) else { return nil }
        guard sd > 0 else { return values.map { _ in 0 } }
        return values.map { ($0 - mean) / sd }
    }

    /// How far a value lies from the mean in the WHO DQR's terms.
    public enum Deviation: Int, Sendable, Comparable, CaseIterable {
        /// Within ±2 SD.
        case typical
        /// Beyond ±2 SD (a "moderate" outlier).
        case moderate
        /// Beyond ±3 SD (an "extreme" outlier).
        case extreme

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Classifies each value by its ordinary z-score: |z| ≥ 3 extreme, |z| ≥ 2 moderate (WHO DQR).
    /// nil when `zScores` is nil. O(n).
    public static func deviations(_ values: [Double]) -> [Deviation]? {
        zScores(values)?.map { abs($0) >= 3 ? .extreme : abs($0) >= 2 ? .moderate : .typical }
    }

    /// Modified z-scores (Iglewicz & Hoaglin, "How to Detect and Handle Outliers", ASQC 1993):
    ///
    ///     M_i = 0.6745 (x_i − x̃) / MAD,   MAD = median |x − x̃|,
    ///
    /// where x̃ is the median and 0.6745 = Φ⁻¹(0.75) makes MAD consistent with σ under normality.
    /// When MAD = 0 (more than half the values equal) the scale falls back to the mean absolute
    /// deviation around the median, MeanAD = Σ|x − x̃| / n (IBM SPSS Modeler):
    ///
    ///     M_i = 0.7979 (x_i − x̃) / MeanAD,   0.7979 ≈ 1/1.2533 = √(2/π).
    ///
    /// When MeanAD is also 0 every value equals the median and every score is 0.
    /// nil when `values` is empty or any value is non-finite. Flag |M| ≥ 3.5.
    /// Vector: (10, 12, 11, 13, 12, 50) → M of 50 = 25.63 (x̃ = 12, MAD = 1). O(n log n).
    public static func modifiedZScores(_ values: [Double]) -> [Double]? {
        guard let median = Descriptive.median(values),
              let mad = Descriptive.medianAbsoluteDeviation(values) else { return nil }
        if mad > 0 { return values.map { 0.6745 * ($0 - median) / mad } }
        guard let meanAD = Descriptive.meanAbsoluteDeviation(values, around: median), meanAD > 0 else {
            return values.map { _ in 0 }
        }
        return values.map { 0.7979 * ($0 - median) / meanAD }
    }

    /// Indices of the values whose modified z-score is at least 3.5 in absolute value.
    /// nil when `modifiedZScores` is nil. O(n log n).
    public static func modifiedZOutliers(_ values: [Double], threshold: Double = modifiedZThreshold) -> [Int]? {
        guard let scores = modifiedZScores(values) else { return nil }
        return scores.indices.filter { abs(scores[$0]) >= threshold }
    }

    /// Consistency over time (WHO DQR, "consistency of reported data over time"): compares a unit's
    /// current value with the mean of its reference periods (by default the three previous years),
    /// relative to the same ratio for the nation:
    ///
    ///     r_unit = current / mean(reference),  r_national likewise,
    ///     flag when |r_unit / r_national − 1| > threshold (0.33 in the DQR).
    ///
    /// nil when either reference list is empty, contains a non-finite value, or has mean 0, or
    /// when the national ratio is 0 (no trend to compare against). A difference within 1e−12 of
    /// the threshold is not flagged, so floating-point noise at the boundary never raises a flag.
    /// O(number of reference periods).
    public static func consistencyOverTime(unitCurrent: Double, unitReference: [Double],
                                           nationalCurrent: Double, nationalReference: [Double],
                                           threshold: Double = 0.33) -> RatioCheck? {
        guard unitCurrent.isFinite, nationalCurrent.isFinite,
              let unitMean = Descriptive.mean(unitReference), unitMean != 0,
              let nationalMean = Descriptive.mean(nationalReference), nationalMean != 0
        else { return nil }
        return RatioCheck(ratio: unitCurrent / unitMean, expected: nationalCurrent / nationalMean, threshold: threshold)
    }

    /// Consistency between related indicators (WHO DQR): two numbers that should agree (e.g.
    /// enrolment from the school census and the sum of class registers; grade 1 new entrants and
    /// grade 1 enrolment minus repeaters) are compared as a ratio a / b against an expected ratio
    /// (1, or the national ratio), flagging when |(a/b) / expected − 1| > tolerance (10 % by
    /// default).
    ///
    /// nil when b = 0, expected = 0 or any input is non-finite. Boundary as in
    /// `consistencyOverTime`. O(1).
    public static func relatedIndicators(_ a: Double, _ b: Double, expectedRatio: Double = 1,
                                         tolerance: Double = 0.10) -> RatioCheck? {
        guard a.isFinite, b.isFinite, expectedRatio.isFinite, b != 0 else { return nil }
        return RatioCheck(ratio: a / b, expected: expectedRatio, threshold: tolerance)
    }
}

/// A ratio compared with an expected ratio.
public struct RatioCheck: Sendable, Equatable {
    /// The observed ratio (unit trend, or a / b).
    public var ratio: Double
    /// The ratio it is compared with (national trend, or the expected ratio).
    public var expected: Double
    /// ratio / expected − 1.
    public var relativeDifference: Double
    /// |relativeDifference| > threshold (+1e−12).
    public var isFlagged: Bool

    init?(ratio: Double, expected: Double, threshold: Double) {
        guard expected != 0, ratio.isFinite, expected.isFinite else { return nil }
        self.ratio = ratio
        self.expected = expected
        relativeDifference = ratio / expected - 1
        isFlagged = abs(relativeDifference) > threshold + 1e-12
    }
}
