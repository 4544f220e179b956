/// Descriptive statistics shared by the other methods (outlier scores, survey and school-effect
/// estimators). Every function returns `nil` for an empty input or when any value is NaN or
/// infinite, so a bad cell never turns into a plausible-looking number.
public enum Descriptive {
    /// Arithmetic mean x̄ = Σx / n, summed with Neumaier's compensated summation so the error stays
    /// within a few ulps of the exact mean regardless of n.
    ///
    /// nil when `values` is empty or contains a non-finite value. O(n).
    public static func mean(_ values: [Double]) -> Double? {
        guard !values.isEmpty, values.allSatisfy(\.isFinite) else { return nil }
        return compensatedSum(values) / Double(values.count)
    }

    /// Median: the middle order statistic, or the mean of the two middle ones when n is even
    /// (Hyndman & Fan types 2 and 7 agree at p = 0.5). Exact up to the one rounding of the mean.
    ///
    /// nil when `values` is empty or contains a non-finite value. O(n log n) (sorts a copy).
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty, values.allSatisfy(\.isFinite) else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// Sample variance s² = Σ(x − x̄)² / (n − 1), computed in two passes (mean first) to avoid the
    /// cancellation of the one-pass Σx² − n x̄² formula; relative error a few ulps.
    ///
    /// nil when n < 2 or any value is non-finite. O(n).
    public static func variance(_ values: [Double]) -> Double? {
        guard values.count >= 2, let mean = mean(values) else { return nil }
        let squares = values.map { ($0 - mean) * ($0 - mean) }
        return compensatedSum(squares) / Double(values.count - 1)
    }

    /// Sample standard deviation s = √s² (n − 1 denominator). nil when n < 2 or any value is
    /// non-finite. O(n).
    public static func standardDeviation(_ values: [Double]) -> Double? {
        variance(values).map { $0.squareRoot() }
    }

    /// Raw median absolute deviation MAD = median |x − median(x)|, unscaled (multiply by 1.4826
    /// for a normal-consistent estimate of σ). nil when empty or any value is non-finite.
    /// O(n log n).
    public static func medianAbsoluteDeviation(_ values: [Double]) -> Double? {
        guard let center = median(values) else { return nil }
        return median(values.map { abs($0 - center) })
    }

    /// Mean absolute deviation around `center`: Σ|x − center| / n. nil when empty or any value
    /// (or `center`) is non-finite. O(n).
    public static func meanAbsoluteDeviation(_ values: [Double], around center: Double) -> Double? {
        guard center.isFinite else { return nil }
        return mean(values.map { abs($0 - center) })
    }

    /// Neumaier's variant of Kahan summation: error bounded by about 2ε Σ|x| independent of n.
    static func compensatedSum(_ values: [Double]) -> Double {
        var sum = 0.0
        var compensation = 0.0
        for value in values {
            let total = sum + value
            if abs(sum) >= abs(value) {
                compensation += (sum - total) + value
            } else {
                compensation += (value - total) + sum
            }
            sum = total
        }
        return sum + compensation
    }
}
