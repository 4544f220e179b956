import DarasaCore
import PropertyBased
import Testing

@Suite struct FellegiSunterTests {
    /// λ = 0.2 and m/u ratios that are powers of two, so every weight is a whole number of bits.
    static func handModel() throws -> FellegiSunterModel {
        try FellegiSunterModel(
            lambda: 0.2,
            m: [[0.8, 0.1, 0.05, 0.025, 0.025], [0.8, 0.1, 0.05, 0.05]],
            u: [[0.05, 0.025, 0.1, 0.1, 0.725], [0.01, 0.025, 0.165, 0.8]]
        )
    }

    @Test func matchWeightIsWorkedByHand() throws {
        // Given λ = 0.2: prior weight log2(0.2/0.8) = −2 bits.
        let model = try Self.handModel()
        #expect(abs(model.priorWeight - -2) < 1e-12)
        // Name exact: log2(0.8/0.05) = log2 16 = 4; date day/month swapped: log2(0.1/0.025) = 2.
        // M = −2 + 4 + 2 = 4, p = 2^4/(1 + 2^4) = 16/17.
        let agree: [Int?] = [NameLevel.exact.rawValue, DateLevel.dayMonthSwapped.rawValue]
        #expect(abs(try model.matchWeight(agree) - 4) < 1e-12)
        #expect(abs(try model.matchProbability(agree) - 16.0 / 17) < 1e-12)
        // Date different: log2(0.05/0.8) = −4, so M = −2 + 4 − 4 = −2, p = 0.25/1.25 = 0.2.
        #expect(abs(try model.matchWeight([0, 3]) - -2) < 1e-12)
        #expect(abs(try model.matchProbability([0, 3]) - 0.2) < 1e-12)
        // A missing name is neutral: M = −2 + 2 = 0, p = ½.
        #expect(abs(try model.matchWeight([nil, 1])) < 1e-12)
        #expect(abs(try model.matchProbability([nil, 1]) - 0.5) < 1e-12)
    }

    @Test func termFrequencyMakesRareNamesCountForMore() throws {
        let model = try Self.handModel()
        // A common name (20 % of records): u = 0.2, log2(0.8/0.2) = 2 → M = −2 + 2 + 2 = 2.
        #expect(abs(try model.matchWeight([0, 1], termFrequencies: [0: 0.2]) - 2) < 1e-12)
        // A rare one (1.25 %): log2(0.8/0.0125) = log2 64 = 6 → M = 6.
        #expect(abs(try model.matchWeight([0, 1], termFrequencies: [0: 0.0125]) - 6) < 1e-12)
        // Only the exact level is adjusted.
        #expect(try model.matchWeight([1, 1], termFrequencies: [0: 0.0125]) == model.matchWeight([1, 1]))
        let error = #expect(throws: StatisticsError.self) { try model.matchWeight([0, 1], termFrequencies: [0: 0]) }
        #expect(error?.code == .outOfDomain)
    }

    @Test func termFrequenciesAreRelativeCounts() {
        let table = TermFrequency.relativeFrequencies(["mwangi", "mwangi", "otieno", "wanjiru"])
        #expect(table == ["mwangi": 0.5, "otieno": 0.25, "wanjiru": 0.25])
        #expect(TermFrequency.relativeFrequencies([String]()).isEmpty)
    }

    @Test func invalidModelsAndVectorsAreRefused() throws {
        #expect(throws: StatisticsError.self) { try FellegiSunterModel(lambda: 1, m: [[0.9, 0.1]], u: [[0.1, 0.9]]) }
        #expect(throws: StatisticsError.self) { try FellegiSunterModel(lambda: 0.1, m: [[0.9, 0.2]], u: [[0.1, 0.9]]) }
        #expect(throws: StatisticsError.self) { try FellegiSunterModel(lambda: 0.1, m: [[1, 0]], u: [[0.1, 0.9]]) }
        #expect(throws: StatisticsError.self) { try FellegiSunterModel(lambda: 0.1, m: [[0.9, 0.1]], u: [[0.1, 0.8, 0.1]]) }
        let model = try Self.handModel()
        let tooShort = #expect(throws: StatisticsError.self) { try model.matchWeight([0]) }
        #expect(tooShort?.code == .shapeMismatch)
        #expect(throws: StatisticsError.self) { try model.matchWeight([0, 4]) }
        #expect(throws: StatisticsError.self) { try model.partialWeight(field: 2, level: 0) }
    }

    @Test func comparisonLevelsForNamesDatesAndCodes() throws {
        #expect(LinkageComparison.name("  WANJIKU", "Wanjiku") == .exact)
        #expect(LinkageComparison.name("Wanjiku", "Wanjiru") == .veryClose)        // JW 0.9429
        #expect(LinkageComparison.name("Mwangi", "Muangi") == .close)              // JW 0.9000
        #expect(LinkageComparison.name("Mutua", "Mati") == .soundsAlike)           // JW 0.6333, both M300
        #expect(LinkageComparison.name("Nakato", "Babirye") == .different)
        #expect(LinkageComparison.name(nil, "Nakato") == nil)
        #expect(LinkageComparison.name("...", "Nakato") == nil)
        #expect(LinkageComparison.fullName(given1: "Akinyi", family1: "Otieno", given2: "Otieno", family2: "Akinyi") == .exact)
        #expect(LinkageComparison.fullName(given1: "Akinyi", family1: nil, given2: "Akinyi", family2: nil) == .exact)

        let day = try #require(Day(year: 2012, month: 3, day: 5))
        #expect(LinkageComparison.date(day, day) == .exact)
        #expect(LinkageComparison.date(day, Day(year: 2012, month: 5, day: 3)) == .dayMonthSwapped)
        #expect(LinkageComparison.date(day, Day(year: 2012, month: 7, day: 1)) == .sameYear)
        #expect(LinkageComparison.date(day, Day(year: 2013, month: 3, day: 5)) == .different)
        #expect(LinkageComparison.date(day, nil) == nil)
        #expect(LinkageComparison.exact("F", "F") == .same)
        #expect(LinkageComparison.exact("F", "M") == .different)
        #expect(LinkageComparison.exact("F", nil as String?) == nil)
    }

    // MARK: EM

    /// The "true" model the synthetic pairs are drawn from: name (5 levels), date of birth (4),
    /// sex (2), school (2).
    static let trueLambda = 0.15
    static let trueM: [[Double]] = [[0.80, 0.10, 0.05, 0.02, 0.03], [0.85, 0.05, 0.07, 0.03], [0.97, 0.03], [0.90, 0.10]]
    static let trueU: [[Double]] = [[0.005, 0.01, 0.04, 0.05, 0.895], [0.003, 0.002, 0.10, 0.895], [0.5, 0.5], [0.2, 0.8]]

    /// Draws `count` comparison vectors from the true model; each field is missing with
    /// probability `missing`.
    static func syntheticPairs(count: Int, seed: UInt64, missing: Double = 0.05) -> [[Int?]] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let isMatch = random.uniform() < trueLambda
            return (0..<trueM.count).map { k -> Int? in
                let level = random.categorical(isMatch ? trueM[k] : trueU[k])
                return random.uniform() < missing ? nil : level
            }
        }
    }

    @Test func emRecoversTheParametersOfSyntheticPairs() throws {
        // Given 20 000 pairs from a known model and generic starting values,
        let pairs = Self.syntheticPairs(count: 20_000, seed: 2024)
        let start = try FellegiSunterModel.startingValues(levelCounts: [5, 4, 2, 2], lambda: 0.05)
        // when EM runs without labels,
        let result = try #require(try FellegiSunterModel.estimate(from: pairs, start: start))
        // then it converges to the generating parameters within sampling error: λ within 0.01
        // (SE ≈ 0.003), every m and u within 0.025 (SE ≤ 0.009 for m with ~2 900 matches).
        #expect(result.converged)
        #expect(abs(result.model.lambda - Self.trueLambda) < 0.01)
        for k in Self.trueM.indices {
            for l in Self.trueM[k].indices {
                #expect(abs(result.model.m[k][l] - Self.trueM[k][l]) < 0.025, "m[\(k)][\(l)]")
                #expect(abs(result.model.u[k][l] - Self.trueU[k][l]) < 0.025, "u[\(k)][\(l)]")
            }
        }
    }

    @Test func uFromRandomPairsThenEMForMAndLambda() throws {
        // Random pairs are (almost) all non-matches: draw them from u alone.
        var random = SplitMix64(seed: 7)
        let randomPairs: [[Int?]] = (0..<50_000).map { _ in Self.trueU.map { random.categorical($0) } }
        let u = try #require(try FellegiSunterModel.estimateU(fromRandomPairs: randomPairs, levelCounts: [5, 4, 2, 2]))
        for k in u.indices { for l in u[k].indices { #expect(abs(u[k][l] - Self.trueU[k][l]) < 0.01) } }

        let generic = try FellegiSunterModel.startingValues(levelCounts: [5, 4, 2, 2], lambda: 0.05)
        let start = try FellegiSunterModel(lambda: 0.05, m: generic.m, u: u)
        let pairs = Self.syntheticPairs(count: 20_000, seed: 99)
        let result = try #require(try FellegiSunterModel.estimate(from: pairs, start: start, settings: EMSettings(fixU: true)))
        #expect(result.model.u == u)
        #expect(abs(result.model.lambda - Self.trueLambda) < 0.01)
        for k in Self.trueM.indices { for l in Self.trueM[k].indices { #expect(abs(result.model.m[k][l] - Self.trueM[k][l]) < 0.025) } }
    }

    @Test func emLogLikelihoodNeverFalls() async throws {
        await propertyCheck(count: 15, input: Gen.int(in: 1...1_000_000)) { seed in
            let pairs = Self.syntheticPairs(count: 1_500, seed: UInt64(seed), missing: 0.1)
            let start = try FellegiSunterModel.startingValues(levelCounts: [5, 4, 2, 2])
            let result = try #require(try FellegiSunterModel.estimate(from: pairs, start: start))
            for (before, after) in zip(result.logLikelihoods, result.logLikelihoods.dropFirst()) {
                #expect(after >= before - 1e-6 * abs(before))
            }
        }
    }

    @Test func emWithoutUsableDataIsNil() throws {
        let start = try FellegiSunterModel.startingValues(levelCounts: [3, 2])
        #expect(try FellegiSunterModel.estimate(from: [], start: start) == nil)
        #expect(try FellegiSunterModel.estimate(from: [[nil, nil]], start: start) == nil)
        #expect(throws: StatisticsError.self) { try FellegiSunterModel.estimate(from: [[0]], start: start) }
        #expect(throws: StatisticsError.self) { try FellegiSunterModel.estimate(from: [[3, 0]], start: start) }
        #expect(try FellegiSunterModel.estimateU(fromRandomPairs: [[0, nil]], levelCounts: [3, 2]) == nil)
    }

    @Test func emEstimatesStayInsideTheFloor() throws {
        // Level 2 of field 0 never occurs: its m and u must stay ≥ floor/(1 + L·floor), not 0.
        let pairs: [[Int?]] = Array(repeating: [0, 0], count: 50) + Array(repeating: [1, 1], count: 450)
        let start = try FellegiSunterModel.startingValues(levelCounts: [3, 2])
        let result = try #require(try FellegiSunterModel.estimate(from: pairs, start: start))
        let floor = 1e-6 / (1 + 3e-6)
        #expect(result.model.m[0][2] >= floor && result.model.u[0][2] >= floor)
        #expect(result.model.m.joined().allSatisfy { $0 < 1 } && result.model.u.joined().allSatisfy { $0 < 1 })
    }

    /// Builds a model whose levels are ordered (m falling, u rising, so m/u falls) from positive
    /// numbers: three fields of three levels.
    static func orderedModel(_ numbers: [Double], lambda: Double) throws -> FellegiSunterModel {
        func normalised(_ x: [Double]) -> [Double] { x.map { $0 / x.reduce(0, +) } }
        let m = (0..<3).map { normalised(Array(numbers[($0 * 6)..<($0 * 6 + 3)]).sorted(by: >)) }
        let u = (0..<3).map { normalised(Array(numbers[($0 * 6 + 3)..<($0 * 6 + 6)]).sorted()) }
        return try FellegiSunterModel(lambda: lambda, m: m, u: u)
    }

    @Test func probabilityRisesWithAgreement() async throws {
        // For any model whose levels are ordered by m/u, moving one field to a stronger level
        // never lowers the weight or the probability, and p stays in [0, 1].
        let levels = Gen.int(in: 0...3).array(of: 3)   // 3 means missing
        await propertyCheck(count: 300, input: Gen.double(in: 0.01...1).array(of: 18), Gen.double(in: 0.001...0.999), levels) { numbers, lambda, raw in
            let model = try Self.orderedModel(numbers, lambda: lambda)
            let vector: [Int?] = raw.map { $0 == 3 ? nil : $0 }
            let p = try model.matchProbability(vector)
            #expect((0...1).contains(p))
            for k in vector.indices {
                guard let level = vector[k], level > 0 else { continue }
                var stronger = vector
                stronger[k] = level - 1
                #expect(try model.matchWeight(stronger) >= model.matchWeight(vector))
                #expect(try model.matchProbability(stronger) >= p)
            }
        }
    }
}
