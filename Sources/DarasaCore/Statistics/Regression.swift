/// An ordinary-least-squares fit y = Xβ + e, with what the other estimators need from it:
/// coefficients, residuals, (XᵀX)⁻¹, and classical and cluster-robust covariance matrices.
public struct LinearFit: Sendable, Equatable {
    /// β̂, one per column of the design, in column order.
    public let coefficients: [Double]
    /// ê_i = y_i − x_iᵀβ̂, in row order.
    public let residuals: [Double]
    /// (XᵀX)⁻¹, k × k, from the QR factors (R⁻¹R⁻ᵀ) rather than by inverting XᵀX.
    public let unscaledCovariance: [[Double]]
    /// The design rows, kept to form the cluster-robust "meat".
    public let rows: [[Double]]
    /// Σ ê², and Σ (y − ȳ)².
    public let residualSumOfSquares: Double
    public let totalSumOfSquares: Double

    public var observations: Int { residuals.count }
    public var parameters: Int { coefficients.count }
    /// n − k.
    public var residualDegreesOfFreedom: Int { observations - parameters }

    /// R² = 1 − RSS/TSS, meaningful when the design contains an intercept column (the fits in
    /// DarasaCore always do). nil when TSS = 0 (a constant outcome has nothing to explain).
    public var rSquared: Double? {
        totalSumOfSquares > 0 ? max(0, 1 - residualSumOfSquares / totalSumOfSquares) : nil
    }

    /// Classical covariance σ̂²(XᵀX)⁻¹ with σ̂² = RSS/(n − k). nil when n = k (no residual
    /// degrees of freedom). O(k²).
    public func classicalCovariance() -> [[Double]]? {
        guard residualDegreesOfFreedom > 0 else { return nil }
        let sigma2 = residualSumOfSquares / Double(residualDegreesOfFreedom)
        return unscaledCovariance.map { $0.map { $0 * sigma2 } }
    }

    /// Cluster-robust covariance CR1 (Liang & Zeger, Biometrika 73 (1986) 13–22; the small-sample
    /// factor is Stata's `vce(cluster)`):
    ///
    ///     V = c · (XᵀX)⁻¹ [Σ_g s_g s_gᵀ] (XᵀX)⁻¹,  s_g = Σ_{i∈g} x_i ê_i,
    ///     c = G/(G − 1) · (N − 1)/(N − K).
    ///
    /// `clusters[i]` is row i's cluster (for a trial, the unit of assignment). nil when there are
    /// fewer than two clusters or n = k; throws `.shapeMismatch` when `clusters` has a different
    /// length from the data. With few clusters (G < ~40) CR1 is biased downward; use t with G − 1
    /// degrees of freedom for intervals. O(N·K + G·K² + K³).
    public func clusterRobustCovariance<Cluster: Hashable>(clusters: [Cluster]) throws(StatisticsError) -> [[Double]]? {
        guard clusters.count == observations else {
            throw StatisticsError(.shapeMismatch, "Give one cluster identifier per observation.")
        }
        let k = parameters
        var scores: [Cluster: [Double]] = [:]
        for (i, cluster) in clusters.enumerated() {
            var score = scores[cluster] ?? Array(repeating: 0, count: k)
            for j in 0..<k { score[j] += rows[i][j] * residuals[i] }
            scores[cluster] = score
        }
        let g = scores.count
        guard g >= 2, residualDegreesOfFreedom > 0 else { return nil }
        var meat = Array(repeating: Array(repeating: 0.0, count: k), count: k)
        for score in scores.values {
            for a in 0..<k { for b in 0..<k { meat[a][b] += score[a] * score[b] } }
        }
        let n = Double(observations)
        let factor = Double(g) / Double(g - 1) * (n - 1) / (n - Double(k))
        let bread = unscaledCovariance
        let left = Matrix.multiply(bread, meat)
        return Matrix.multiply(left, bread).map { $0.map { $0 * factor } }
    }
}

/// Ordinary least squares.
public enum LinearRegression {
    /// Fits y = Xβ + e by ordinary least squares using Householder QR (Golub & Van Loan, Matrix
    /// Computations, 4th ed., §5.2), which works on X directly instead of forming XᵀX and so loses
    /// no precision to squaring the condition number.
    ///
    /// `rows` are the rows of X; include a column of ones for an intercept. Throws
    /// `.shapeMismatch` when `rows` and `outcomes` differ in length or rows differ in width,
    /// `.outOfDomain` for a NaN or infinite value, and `.singular` when X has no columns, fewer
    /// rows than columns, or a column within 1e−10 (relative) of the span of the earlier ones
    /// (collinear regressors). O(N·K²).
    public static func fit(rows: [[Double]], outcomes: [Double]) throws(StatisticsError) -> LinearFit {
        guard rows.count == outcomes.count else {
            throw StatisticsError(.shapeMismatch, "Give one outcome per row of the design.")
        }
        let n = rows.count
        let k = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == k }) else {
            throw StatisticsError(.shapeMismatch, "Every row of the design must have the same number of columns.")
        }
        guard outcomes.allSatisfy(\.isFinite), rows.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw StatisticsError(.outOfDomain, "The regression data contain a missing (NaN) or infinite value; remove or impute it first.")
        }
        guard k > 0, n >= k else {
            throw StatisticsError(.singular, "A regression needs at least as many observations as coefficients.")
        }
        // Column-major working copy of X, and of y, both overwritten by the reflections.
        var columns = (0..<k).map { j in rows.map { $0[j] } }
        var qty = outcomes
        var r = Array(repeating: Array(repeating: 0.0, count: k), count: k)
        for j in 0..<k {
            let originalNorm = norm(columns[j][...])
            var tailNorm = norm(columns[j][j...])
            guard originalNorm > 0, tailNorm > 1e-10 * originalNorm else {
                throw StatisticsError(.singular, "The regressors are collinear (a column is a combination of the others); drop one of them.")
            }
            if columns[j][j] > 0 { tailNorm = -tailNorm }
            // v = x − αe₁ with α = −sign(x₁)‖x‖ (no cancellation), H = I − 2vvᵀ/vᵀv.
            var v = Array(columns[j][j...])
            v[0] -= tailNorm
            let vv = v.reduce(0) { $0 + $1 * $1 }
            func reflect(_ x: inout [Double]) {
                var dot = 0.0
                for i in 0..<v.count { dot += v[i] * x[j + i] }
                let scale = 2 * dot / vv
                for i in 0..<v.count { x[j + i] -= scale * v[i] }
            }
            for c in j..<k { reflect(&columns[c]) }
            reflect(&qty)
            for c in j..<k { r[j][c] = columns[c][j] }
        }
        // Back substitution R β = (Qᵀy)[0..<k].
        var beta = Array(repeating: 0.0, count: k)
        for i in stride(from: k - 1, through: 0, by: -1) {
            var s = qty[i]
            for c in (i + 1)..<k { s -= r[i][c] * beta[c] }
            beta[i] = s / r[i][i]
        }
        let residuals = (0..<n).map { i in
            outcomes[i] - zip(rows[i], beta).reduce(0) { $0 + $1.0 * $1.1 }
        }
        // (XᵀX)⁻¹ = R⁻¹R⁻ᵀ.
        var rInverse = Array(repeating: Array(repeating: 0.0, count: k), count: k)
        for c in 0..<k {
            rInverse[c][c] = 1 / r[c][c]
            for i in stride(from: c - 1, through: 0, by: -1) {
                var s = 0.0
                for m in (i + 1)...c { s += r[i][m] * rInverse[m][c] }
                rInverse[i][c] = -s / r[i][i]
            }
        }
        let unscaled = Matrix.multiply(rInverse, Matrix.transpose(rInverse))
        let mean = Descriptive.compensatedSum(outcomes) / Double(n)
        return LinearFit(
            coefficients: beta,
            residuals: residuals,
            unscaledCovariance: unscaled,
            rows: rows,
            residualSumOfSquares: Descriptive.compensatedSum(residuals.map { $0 * $0 }),
            totalSumOfSquares: Descriptive.compensatedSum(outcomes.map { ($0 - mean) * ($0 - mean) })
        )
    }

    private static func norm(_ x: ArraySlice<Double>) -> Double {
        // Scaled to avoid overflow for very large entries.
        let scale = x.reduce(0) { max($0, abs($1)) }
        guard scale > 0 else { return 0 }
        return scale * x.reduce(0) { $0 + ($1 / scale) * ($1 / scale) }.squareRoot()
    }
}

/// Small dense matrix helpers for k × k work (k is the number of coefficients, rarely above 20).
enum Matrix {
    static func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let rows = a.count, inner = b.count, columns = b.first?.count ?? 0
        var result = Array(repeating: Array(repeating: 0.0, count: columns), count: rows)
        for i in 0..<rows {
            for m in 0..<inner where a[i][m] != 0 {
                for j in 0..<columns { result[i][j] += a[i][m] * b[m][j] }
            }
        }
        return result
    }

    static func transpose(_ a: [[Double]]) -> [[Double]] {
        guard let width = a.first?.count else { return [] }
        return (0..<width).map { j in a.map { $0[j] } }
    }
}
