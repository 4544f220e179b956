import DarasaCore
import PropertyBased
import Testing

@Suite struct OutliersTests {
    let series: [Double] = [10, 12, 11, 13, 12, 50]

    @Test func modifiedZOfTheMethodsVector() throws {
        // By hand (../shared/METHODS.md vector): sorted 10 11 12 12 13 50 → median 12.
        // |x − 12| = 2 0 1 1 0 38 → sorted 0 0 1 1 2 38 → MAD = (1 + 1)/2 = 1.
        // M(50) = 0.6745 · (50 − 12) / 1 = 25.631; M(10) = 0.6745 · (−2) = −1.349.
        let scores = try #require(Outliers.modifiedZScores(series))
        #expect(abs(scores[5] - 25.631) < 1e-12)
        #expect(abs(scores[0] - -1.349) < 1e-12)
        #expect(Outliers.modifiedZOutliers(series) == [5])
    }

    @Test func ordinaryZOfTheMethodsVectorCannotReachThree() throws {
        // Mean 18; squared deviations 64 36 49 25 36 1024 sum to 1234; s² = 1234/5 = 246.8;
        // z(50) = 32/√246.8 = 2.0369 — the most any value of six can reach, (n − 1)/√n = 2.0412.
        let z = try #require(Outliers.zScores(series))
        #expect(abs(z[5] - 32 / 246.8.squareRoot()) < 1e-12)
        #expect(abs(z[5] - 2.04) < 0.005)
        #expect(Outliers.deviations(series) == [.typical, .typical, .typical, .typical, .typical, .moderate])
    }

    @Test func elevenValuesCanBeExtreme() {
        // Ten zeros and 100: z(100) = 10/√11 = 3.015 ≥ 3.
        let values = Array(repeating: 0.0, count: 10) + [100]
        #expect(Outliers.deviations(values)?.last == .extreme)
    }

    @Test func zeroMADFallsBackToTheMeanAbsoluteDeviation() throws {
        // 5 5 5 5 9: median 5, MAD = median(0 0 0 0 4) = 0; MeanAD = 4/5 = 0.8;
        // M(9) = 0.7979 · 4 / 0.8 = 3.9895 ≥ 3.5.
        let scores = try #require(Outliers.modifiedZScores([5, 5, 5, 5, 9]))
        #expect(abs(scores[4] - 3.9895) < 1e-12)
        #expect(scores[0] == 0)
        #expect(Outliers.modifiedZOutliers([5, 5, 5, 5, 9]) == [4])
    }

    @Test func degenerateSeries() {
        #expect(Outliers.modifiedZScores([]) == nil)
        #expect(Outliers.modifiedZScores([3, 3, 3]) == [0, 0, 0])
        #expect(Outliers.zScores([4]) == nil)
        #expect(Outliers.zScores([4, 4]) == [0, 0])
        #expect(Outliers.zScores([1, .nan, 3]) == nil)
        #expect(Outliers.modifiedZScores([1, .infinity]) == nil)
    }

    @Test func scoresAreShiftAndScaleInvariant() async {
        await propertyCheck(count: 200, input: Gen.double(in: -1000...1000).array(of: 3...30),
                            Gen.double(in: -100...100), Gen.double(in: 0.5...20)) { values, shift, scale in
            guard let base = Outliers.modifiedZScores(values),
                  let moved = Outliers.modifiedZScores(values.map { $0 * scale + shift }) else { return }
            for (a, b) in zip(base, moved) { #expect(abs(a - b) <= 1e-9 * max(1, abs(a))) }
        }
    }

    @Test func consistencyOverTimeComparesTheUnitTrendWithTheNation() throws {
        // Unit: 150 / mean(100, 110, 90) = 1.5; nation: 1050 / 1000 = 1.05;
        // 1.5 / 1.05 − 1 = 0.4286 > 0.33 → flagged.
        let check = try #require(Outliers.consistencyOverTime(unitCurrent: 150, unitReference: [100, 110, 90],
                                                              nationalCurrent: 1050, nationalReference: [1000, 1000, 1000]))
        #expect(abs(check.ratio - 1.5) < 1e-12 && abs(check.expected - 1.05) < 1e-12)
        #expect(abs(check.relativeDifference - 0.428571) < 1e-6)
        #expect(check.isFlagged)
        // Exactly 33 % above the nation is on the boundary: not flagged.
        let boundary = try #require(Outliers.consistencyOverTime(unitCurrent: 133, unitReference: [100],
                                                                 nationalCurrent: 100, nationalReference: [100]))
        #expect(!boundary.isFlagged)
        #expect(Outliers.consistencyOverTime(unitCurrent: 1, unitReference: [], nationalCurrent: 1, nationalReference: [1]) == nil)
        #expect(Outliers.consistencyOverTime(unitCurrent: 1, unitReference: [0, 0], nationalCurrent: 1, nationalReference: [1]) == nil)
        #expect(Outliers.consistencyOverTime(unitCurrent: 1, unitReference: [1], nationalCurrent: 0, nationalReference: [1]) == nil)
    }

    @Test func relatedIndicatorsWithinTenPercent() throws {
        #expect(try #require(Outliers.relatedIndicators(110, 100)).isFlagged == false)   // exactly +10 %
        #expect(try #require(Outliers.relatedIndicators(111, 100)).isFlagged)
        #expect(try #require(Outliers.relatedIndicators(89, 100)).isFlagged)
        // Against a national ratio of 1.2: 130/100 = 1.3, 1.3/1.2 − 1 = 8.3 % → fine.
        #expect(try #require(Outliers.relatedIndicators(130, 100, expectedRatio: 1.2)).isFlagged == false)
        #expect(Outliers.relatedIndicators(5, 0) == nil)
        #expect(Outliers.relatedIndicators(5, 1, expectedRatio: 0) == nil)
    }
}
