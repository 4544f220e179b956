import DarasaCore
import PropertyBased
import Testing

@Suite struct SurveyTests {
    /// School A: two pupils of weight 1 (one reads at benchmark); B: two of weight 2 (both do);
    /// C: one of weight 2 (does not).
    static let readers: [SurveyObservation<String>] = [
        .init(value: 1, weight: 1, cluster: "A"), .init(value: 0, weight: 1, cluster: "A"),
        .init(value: 1, weight: 2, cluster: "B"), .init(value: 1, weight: 2, cluster: "B"),
        .init(value: 0, weight: 2, cluster: "C"),
    ]

    @Test func weightedProportionWorkedByHand() throws {
        // Σw = 8, Σwy = 1 + 4 = 5, p̂ = 0.625.
        // z_i = w_i (y_i − 0.625)/8; cluster totals:
        //   A: (0.375 − 0.625)/8 = −0.03125;  B: 2 · 2 · 0.375/8 = 0.1875;  C: 2 · (−0.625)/8 = −0.15625
        // (they sum to 0). V = 3/2 · (0.0009765625 + 0.03515625 + 0.0244140625) = 0.0908203125,
        // SE = 0.301364. t_{0.975}(2) = 4.302653: 0.625 ± 1.296661 → clipped to [0, 1].
        let estimate = try #require(try Survey.weightedProportion(Self.readers))
        #expect(abs(estimate.estimate - 0.625) < 1e-12)
        let se = try #require(estimate.standardError)
        #expect(abs(se - 0.0908203125.squareRoot()) < 1e-12)
        #expect(estimate.confidenceInterval == 0...1)
        #expect(estimate.degreesOfFreedom == 2 && estimate.clusters == 3 && estimate.observations == 5)
        #expect(estimate.sumOfWeights == 8)
        // Normal interval: 0.625 − 1.959964 · 0.301364 = 0.034338, upper clipped to 1.
        let normal = try #require(try Survey.weightedProportion(Self.readers, interval: .normal))
        #expect(abs(try #require(normal.confidenceInterval).lowerBound - (0.625 - 1.959963984540054 * se)) < 1e-12)
        #expect(normal.degreesOfFreedom == nil)
    }

    @Test func weightedMeanWorkedByHand() throws {
        // A: 2 and 4 with weight 1; B: 6 with weight 2. Σw = 4, R̂ = (2 + 4 + 12)/4 = 4.5.
        // Z_A = (−2.5 − 0.5)/4 = −0.75, Z_B = 2 · 1.5/4 = 0.75; V = 2/1 · (0.5625 + 0.5625) = 2.25,
        // SE = 1.5; t_{0.975}(1) = 12.706205: 4.5 ± 19.059307.
        let data: [SurveyObservation<String>] = [
            .init(value: 2, weight: 1, cluster: "A"), .init(value: 4, weight: 1, cluster: "A"), .init(value: 6, weight: 2, cluster: "B"),
        ]
        let estimate = try #require(try Survey.weightedMean(data))
        #expect(abs(estimate.estimate - 4.5) < 1e-12)
        #expect(abs(try #require(estimate.standardError) - 1.5) < 1e-12)
        #expect(abs(try #require(estimate.confidenceInterval).upperBound - (4.5 + 12.706204736174694 * 1.5)) < 1e-9)
    }

    @Test func aCensusHasNoSamplingError() throws {
        let estimate = try #require(try Survey.weightedProportion(Self.readers, design: .census))
        #expect(estimate.standardError == 0)
        #expect(estimate.confidenceInterval == 0.625...0.625)
    }

    @Test func equalWeightsOnePupilPerSchoolIsSimpleRandomSampling() async {
        // With equal weights and one pupil per cluster, z_h = (y_h − ȳ)/n and the linearised
        // variance reduces to s²/n, the textbook with-replacement SRS variance.
        await propertyCheck(count: 200, input: Gen.double(in: 0...100).array(of: 2...40), Gen.double(in: 0.1...50)) { values, weight in
            let data = values.enumerated().map { SurveyObservation(value: $1, weight: weight, cluster: $0) }
            let estimate = try #require(try Survey.weightedMean(data))
            let s = try #require(Descriptive.standardDeviation(values))
            let expected = s / Double(values.count).squareRoot()
            #expect(abs(try #require(estimate.standardError) - expected) <= 1e-9 * max(1, expected))
        }
    }

    @Test func invalidOrEmptySurveys() throws {
        #expect(try Survey.weightedMean([SurveyObservation<Int>]()) == nil)
        #expect(try Survey.weightedMean([SurveyObservation(value: 3, weight: 0, cluster: 1)]) == nil)
        let oneSchool = try #require(try Survey.weightedMean([SurveyObservation(value: 3, weight: 1, cluster: 1), .init(value: 5, weight: 1, cluster: 1)]))
        #expect(oneSchool.estimate == 4 && oneSchool.standardError == nil && oneSchool.confidenceInterval == nil)
        let negative = #expect(throws: StatisticsError.self) { try Survey.weightedMean([SurveyObservation(value: 3, weight: -1, cluster: 1)]) }
        #expect(negative?.code == .outOfDomain)
        #expect(throws: StatisticsError.self) { try Survey.weightedProportion([SurveyObservation(value: 0.5, weight: 1, cluster: 1)]) }
        #expect(throws: StatisticsError.self) { try Survey.weightedMean(Self.readers, confidenceLevel: 1.5) }
    }
}
