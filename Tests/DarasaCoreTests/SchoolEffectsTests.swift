import DarasaCore
import PropertyBased
import Testing

@Suite struct SchoolEffectsTests {
    /// Three schools of three pupils: S1 4 6 8, S2 6 8 10, S3 8 10 12.
    static let balanced: [GroupedObservation<String>] = [
        ("S1", [4.0, 6, 8]), ("S2", [6, 8, 10]), ("S3", [8, 10, 12]),
    ].flatMap { school, scores in scores.map { GroupedObservation(outcome: $0, group: school) } }

    @Test func balancedExampleWorkedByHand() throws {
        // Means 6, 8, 10; grand mean 8.
        // SSW = 3 · (4 + 0 + 4) = 24, MSW = σ² = 24/(9 − 3) = 4.
        // SSB = 3 · (4 + 0 + 4) = 24, MSB = 24/2 = 12; n₀ = n = 3; τ² = (12 − 4)/3 = 8/3.
        // ICC = (8/3)/(8/3 + 4) = 0.4; λ = (8/3)/(8/3 + 4/3) = 2/3 for every school.
        // û = (2/3)(−2, 0, 2) = (−4/3, 0, 4/3); posterior var = λσ²/n = (2/3)(4/3) = 8/9, SD 0.942809.
        // 95 % interval for S1: −4/3 ± 1.959964 · 0.942809 = −1.333333 ± 1.847872 = [−3.181205, 0.514538].
        let fit = try #require(try SchoolEffects.fit(Self.balanced))
        #expect(abs(fit.coefficients[0] - 8) < 1e-12)
        #expect(abs(fit.withinVariance - 4) < 1e-12)
        #expect(abs(fit.betweenVariance - 8.0 / 3) < 1e-12)
        #expect(abs(try #require(fit.intraclassCorrelation) - 0.4) < 1e-12)
        let s1 = fit.effects[0]
        #expect(s1.group == "S1" && s1.size == 3)
        #expect(abs(s1.meanResidual - -2) < 1e-12)
        #expect(abs(s1.reliability - 2.0 / 3) < 1e-12)
        #expect(abs(s1.effect - -4.0 / 3) < 1e-12)
        #expect(abs(s1.posteriorStandardDeviation - (8.0 / 9).squareRoot()) < 1e-12)
        #expect(abs(s1.interval.lowerBound - -3.181205) < 1e-6 && abs(s1.interval.upperBound - 0.514538) < 1e-6)
        #expect(abs(fit.effects[1].effect) < 1e-12 && abs(fit.effects[2].effect - 4.0 / 3) < 1e-12)
    }

    @Test func unbalancedExampleWorkedByHand() throws {
        // A: 1 3 (mean 2), B: 4 6 8 (mean 6), C: 9 (mean 9); N = 6, J = 3, grand mean 31/6.
        // SSW = 2 + 8 + 0 = 10, σ² = 10/3.
        // SSB = Σ n_j ȳ_j² − N ȳ² = 8 + 108 + 81 − 961/6 = 221/6, MSB = 221/12.
        // n₀ = (6 − (4 + 9 + 1)/6)/2 = 11/6; τ² = (221/12 − 40/12)/(11/6) = 181/22.
        // λ_C = τ²/(τ² + σ²/1) = (181/22)/(181/22 + 10/3) = 543/763.
        let data = [("A", 1.0), ("A", 3), ("B", 4), ("B", 6), ("B", 8), ("C", 9)].map { GroupedObservation(outcome: $1, group: $0) }
        let fit = try #require(try SchoolEffects.fit(data))
        #expect(abs(fit.withinVariance - 10.0 / 3) < 1e-12)
        #expect(abs(fit.betweenVariance - 181.0 / 22) < 1e-12)
        let c = fit.effects[2]
        #expect(abs(c.reliability - 543.0 / 763) < 1e-12)
        #expect(abs(c.effect - 543.0 / 763 * (9 - 31.0 / 6)) < 1e-12)
    }

    @Test func anOrthogonalCovariateIsRemovedBeforeTheVarianceSplit() throws {
        // Add 2·x with x = (1, −2, 1) in every school: x sums to 0 within each school and is
        // orthogonal to the within-school deviations (−2, 0, 2), so OLS finds slope 2 exactly and
        // the residuals, variances and effects are those of the balanced example.
        let x: [Double] = [1, -2, 1, 1, -2, 1, 1, -2, 1]
        let data = zip(Self.balanced, x).map { GroupedObservation(outcome: $0.outcome + 2 * $1, group: $0.group, covariates: [$1]) }
        let fit = try #require(try SchoolEffects.fit(data))
        #expect(abs(fit.coefficients[1] - 2) < 1e-12)
        #expect(abs(fit.withinVariance - 4) < 1e-12 && abs(fit.betweenVariance - 8.0 / 3) < 1e-12)
        #expect(abs(fit.effects[0].effect - -4.0 / 3) < 1e-12)
    }

    @Test func noBetweenVarianceMeansNoEffects() throws {
        // School means equal: MSB = 0 < MSW, τ² floored at 0, every λ and û is 0.
        let data = [("A", 1.0), ("A", 3), ("B", 0), ("B", 4)].map { GroupedObservation(outcome: $1, group: $0) }
        let fit = try #require(try SchoolEffects.fit(data))
        #expect(fit.betweenVariance == 0 && fit.intraclassCorrelation == 0)
        #expect(fit.effects.allSatisfy { $0.reliability == 0 && $0.effect == 0 && $0.interval == 0...0 })
    }

    @Test func degenerateData() throws {
        #expect(try SchoolEffects.fit([GroupedObservation<Int>]()) == nil)
        #expect(try SchoolEffects.fit([1.0, 2, 3].map { GroupedObservation(outcome: $0, group: 1) }) == nil)          // one school
        #expect(try SchoolEffects.fit([1.0, 2, 3].enumerated().map { GroupedObservation(outcome: $1, group: $0) }) == nil) // all n = 1
        let constant = try #require(try SchoolEffects.fit([5.0, 5, 5, 5].enumerated().map { GroupedObservation(outcome: $1, group: $0 / 2) }))
        #expect(constant.intraclassCorrelation == nil)
        let ragged = [GroupedObservation(outcome: 1, group: 1, covariates: [1]), GroupedObservation(outcome: 2, group: 2)]
        #expect(throws: StatisticsError.self) { try SchoolEffects.fit(ragged) }
        #expect(throws: StatisticsError.self) { try SchoolEffects.fit(Self.balanced, confidenceLevel: 0) }
    }

    @Test func shrinkageNeverEnlargesAndIsStrongerForSmallSchools() async {
        await propertyCheck(count: 200, input: Gen.int(in: 1...12).array(of: 2...10), Gen.int(in: 1...1_000_000)) { sizes, seed in
            var random = SplitMix64(seed: UInt64(seed))
            var data: [GroupedObservation<Int>] = []
            for (school, size) in sizes.enumerated() {
                let u = 3 * random.normal()
                for _ in 0..<size { data.append(GroupedObservation(outcome: 50 + u + 5 * random.normal(), group: school)) }
            }
            guard let fit = try SchoolEffects.fit(data) else { return }   // e.g. every school of one pupil
            for effect in fit.effects {
                #expect(abs(effect.effect) <= abs(effect.meanResidual) + 1e-12)
                #expect(effect.reliability >= 0 && effect.reliability < 1)
                #expect(effect.interval.contains(effect.effect))
            }
            for a in fit.effects {
                for b in fit.effects where a.size < b.size {
                    #expect(a.reliability <= b.reliability)
                }
            }
        }
    }
}
