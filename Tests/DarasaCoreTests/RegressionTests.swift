import DarasaCore
import Testing

@Suite struct RegressionTests {
    @Test func simpleRegressionWorkedByHand() throws {
        // x = 1 2 3 4, y = 2 4 5 8: x̄ = 2.5, ȳ = 4.75, Sxx = 5, Sxy = 9.5
        // slope = 1.9, intercept = 4.75 − 1.9 · 2.5 = 0; fitted 1.9 3.8 5.7 7.6;
        // residuals 0.1 0.2 −0.7 0.4, RSS = 0.01 + 0.04 + 0.49 + 0.16 = 0.7; σ̂² = 0.35;
        // SE(slope) = √(0.35/5) = 0.264575; TSS = 18.75, R² = 1 − 0.7/18.75 = 0.962667.
        let fit = try LinearRegression.fit(rows: [[1, 1], [1, 2], [1, 3], [1, 4]], outcomes: [2, 4, 5, 8])
        #expect(abs(fit.coefficients[0]) < 1e-12 && abs(fit.coefficients[1] - 1.9) < 1e-12)
        #expect(zip(fit.residuals, [0.1, 0.2, -0.7, 0.4]).allSatisfy { abs($0 - $1) < 1e-12 })
        let covariance = try #require(fit.classicalCovariance())
        #expect(abs(covariance[1][1].squareRoot() - (0.35 / 5).squareRoot()) < 1e-12)
        #expect(abs(try #require(fit.rSquared) - (1 - 0.7 / 18.75)) < 1e-12)
        #expect(fit.residualDegreesOfFreedom == 2)
    }

    @Test func collinearOrShortDesignsAreRefused() {
        let collinear = #expect(throws: StatisticsError.self) {
            try LinearRegression.fit(rows: [[1, 2, 4], [1, 3, 6], [1, 5, 10]], outcomes: [1, 2, 3])
        }
        #expect(collinear?.code == .singular)
        #expect(throws: StatisticsError.self) { try LinearRegression.fit(rows: [[1, 2]], outcomes: [1]) }
        #expect(throws: StatisticsError.self) { try LinearRegression.fit(rows: [], outcomes: []) }
        let ragged = #expect(throws: StatisticsError.self) { try LinearRegression.fit(rows: [[1, 2], [1]], outcomes: [1, 2]) }
        #expect(ragged?.code == .shapeMismatch)
        #expect(throws: StatisticsError.self) { try LinearRegression.fit(rows: [[1], [1]], outcomes: [1, .infinity]) }
    }

    @Test func exactFitHasNoClassicalCovariance() throws {
        let fit = try LinearRegression.fit(rows: [[1, 0], [1, 1]], outcomes: [3, 5])
        #expect(fit.classicalCovariance() == nil)
        #expect(try fit.clusterRobustCovariance(clusters: [1, 2]) == nil)
        #expect(throws: StatisticsError.self) { try fit.clusterRobustCovariance(clusters: [1]) }
    }

    @Test func descriptiveStatisticsWorkedByHand() throws {
        #expect(Descriptive.mean([1, 2, 3, 4]) == 2.5)
        #expect(Descriptive.median([3, 1, 2]) == 2)
        #expect(Descriptive.median([4, 1, 3, 2]) == 2.5)
        #expect(Descriptive.variance([2, 4, 4, 4, 5, 5, 7, 9]) == 32.0 / 7)   // Σ(x − 5)² = 32
        #expect(Descriptive.medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9]) == 1)
        #expect(Descriptive.meanAbsoluteDeviation([1, 3], around: 2) == 1)
        #expect(Descriptive.mean([]) == nil && Descriptive.variance([1]) == nil && Descriptive.median([.nan]) == nil)
        // Compensated summation keeps a mean of large, nearly equal values exact.
        #expect(Descriptive.mean([1e16, 1, -1e16, 1]) == 0.5)
    }
}
