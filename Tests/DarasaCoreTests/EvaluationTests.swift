import DarasaCore
import PropertyBased
import Testing

@Suite struct EvaluationTests {
    /// Four schools, one pupil measured before and after: A and B treated, C and D not.
    ///   A 10 → 16, B 12 → 14 (treated means 11 → 15, change +4)
    ///   C 11 → 12, D  9 → 12 (control means 10 → 12, change +2)   δ = 4 − 2 = 2.
    static let tiny: [DiDObservation<String>] = [
        .init(outcome: 10, treated: true, post: false, cluster: "A"), .init(outcome: 16, treated: true, post: true, cluster: "A"),
        .init(outcome: 12, treated: true, post: false, cluster: "B"), .init(outcome: 14, treated: true, post: true, cluster: "B"),
        .init(outcome: 11, treated: false, post: false, cluster: "C"), .init(outcome: 12, treated: false, post: true, cluster: "C"),
        .init(outcome: 9, treated: false, post: false, cluster: "D"), .init(outcome: 12, treated: false, post: true, cluster: "D"),
    ]

    @Test func deltaFromMeans() throws {
        #expect(DifferenceInDifferences.estimate(treatedPre: 11, treatedPost: 15, controlPre: 10, controlPost: 12) == 2)
        let means = try #require(DifferenceInDifferences.cellMeans(Self.tiny))
        #expect(means == .init(treatedPre: 11, treatedPost: 15, controlPre: 10, controlPost: 12))
        #expect(means.delta == 2)
    }

    @Test func regressionDeltaAndClusteredSEWorkedByHand() throws {
        // Residuals (y − cell mean): A −1, +1; B +1, −1; C +1, 0; D −1, 0.
        // δ̂ = Σ w_i y_i with w = +½ treated-post, −½ treated-pre, −½ control-post, +½ control-pre,
        // so each cluster's score is s_g = Σ_{i∈g} w_i ê_i:
        //   A: (−½)(−1) + (½)(1) = 1;  B: (−½)(1) + (½)(−1) = −1;  C: (½)(1) = ½;  D: (½)(−1) = −½.
        // CR0 variance Σ s_g² = 1 + 1 + ¼ + ¼ = 2.5; CR1 factor G/(G−1)·(N−1)/(N−K) = 4/3 · 7/4 = 7/3;
        // V = 35/6, SE = √(35/6) = 2.41523.
        let estimate = try #require(try DifferenceInDifferences.regression(Self.tiny))
        #expect(abs(estimate.delta - 2) < 1e-12)
        #expect(abs(estimate.coefficients[0] - 10) < 1e-12)   // control pre mean
        #expect(abs(estimate.coefficients[1] - 1) < 1e-12)    // treated − control at baseline
        #expect(abs(estimate.coefficients[2] - 2) < 1e-12)    // control change
        let se = try #require(estimate.standardError)
        #expect(abs(se - (35.0 / 6).squareRoot()) < 1e-12)
        // Interval with t_{0.975}(G − 1 = 3) = 3.182446 (SciPy): 2 ± 7.686343.
        let interval = try #require(estimate.confidenceInterval)
        #expect(abs(interval.upperBound - (2 + 3.1824463052837078 * se)) < 1e-9)
        #expect(estimate.clusters == 4 && estimate.observations == 8)
    }

    @Test func regressionAgreesWithCellMeansAndTheInfluenceFormula() async {
        // For random unbalanced data, δ̂ must equal the 2×2 means difference exactly, and the CR1 SE
        // must equal one computed independently from δ̂'s influence weights (w = ±1/n_cell), the
        // cell-mean residuals and the CR1 factor — no matrix algebra involved.
        await propertyCheck(count: 100, input: Gen.int(in: 1...1_000_000)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            var data: [DiDObservation<Int>] = []
            for school in 0..<8 {
                let treated = school < 4
                for _ in 0..<(2 + Int(random.next() % 6)) {
                    let post = random.uniform() < 0.5
                    let y = 50 + Double(school) + (post ? 3 : 0) + (treated && post ? 5 : 0) + 4 * random.normal()
                    data.append(.init(outcome: y, treated: treated, post: post, cluster: school))
                }
            }
            guard let means = DifferenceInDifferences.cellMeans(data) else { return }
            let estimate = try #require(try DifferenceInDifferences.regression(data))
            #expect(abs(estimate.delta - means.delta) < 1e-9)

            func cell(_ o: DiDObservation<Int>) -> (mean: Double, count: Double, sign: Double) {
                let members = data.filter { $0.treated == o.treated && $0.post == o.post }
                let mean = members.map(\.outcome).reduce(0, +) / Double(members.count)
                return (mean, Double(members.count), (o.treated == o.post) ? 1 : -1)
            }
            var scores: [Int: Double] = [:]
            for o in data {
                let c = cell(o)
                scores[o.cluster, default: 0] += c.sign / c.count * (o.outcome - c.mean)
            }
            let g = Double(scores.count), n = Double(data.count)
            let variance = scores.values.reduce(0) { $0 + $1 * $1 } * g / (g - 1) * (n - 1) / (n - 4)
            #expect(abs(try #require(estimate.standardError) - variance.squareRoot()) < 1e-9)
        }
    }

    @Test func unidentifiedOrUnclusterableDesigns() throws {
        // No control group after the change: δ is not identified.
        let missingCell = Self.tiny.filter { $0.treated || !$0.post }
        #expect(DifferenceInDifferences.cellMeans(missingCell) == nil)
        #expect(try DifferenceInDifferences.regression(missingCell) == nil)
        // One cluster: δ exists, its clustered SE does not.
        let oneCluster = Self.tiny.map { DiDObservation(outcome: $0.outcome, treated: $0.treated, post: $0.post, cluster: "all") }
        let estimate = try #require(try DifferenceInDifferences.regression(oneCluster))
        #expect(abs(estimate.delta - 2) < 1e-12)
        #expect(estimate.standardError == nil && estimate.confidenceInterval == nil)
        let bad = [DiDObservation(outcome: .nan, treated: true, post: true, cluster: "A")] + Self.tiny
        #expect(throws: StatisticsError.self) { try DifferenceInDifferences.regression(bad) }
        #expect(throws: StatisticsError.self) { try DifferenceInDifferences.regression(Self.tiny, confidenceLevel: 1) }
    }
}
