// Probabilistic record linkage after Fellegi & Sunter, "A Theory for Record Linkage", JASA 64
// (1969) 1183–1210, in the parameterisation Splink documents (moj-analytical-services.github.io/
// splink, "The Fellegi-Sunter model"): a pair of records is compared field by field, each field's
// comparison falls into one of a few discrete levels, and the levels are scored by how much more
// often they occur among true matches (m) than among non-matches (u).
//
// Conventions used throughout:
// - A comparison vector is `[Int?]`, one entry per field; the entry is the level, with level 0 the
//   strongest agreement (an exact match) and higher levels progressively weaker; `nil` means the
//   value is missing on either side and the field contributes nothing (weight 0, factor 1).
// - Fields are assumed conditionally independent given match status (the standard FS assumption).

/// Agreement levels for one name field, strongest first.
public enum NameLevel: Int, CaseIterable, Sendable {
    /// Equal after `StringSimilarity.normalizeName`.
    case exact
    /// Jaro–Winkler ≥ the "very close" threshold (default 0.92).
    case veryClose
    /// Jaro–Winkler ≥ the "close" threshold (default 0.80).
    case close
    /// Same Soundex code but Jaro–Winkler below the "close" threshold.
    case soundsAlike
    case different
}

/// Agreement levels for a date (e.g. date of birth), strongest first.
public enum DateLevel: Int, CaseIterable, Sendable {
    case exact
    /// Same year, day and month exchanged (3 April vs 4 March): the commonest keying error where
    /// day-first and month-first forms meet.
    case dayMonthSwapped
    /// Same year only.
    case sameYear
    case different
}

/// Agreement levels for a field compared only for equality (sex, school, district).
public enum ExactLevel: Int, CaseIterable, Sendable {
    case same
    case different
}

/// Comparison functions that turn a pair of field values into a level. Each returns nil when
/// either value is missing (nil, or a name that normalises to ""), which the model treats as
/// neutral. All are symmetric in their two records.
public enum LinkageComparison {
    /// Compares two names: `.exact` when equal after normalisation, else by the Jaro–Winkler
    /// similarity of the normalised names (≥ `veryClose` → `.veryClose`, ≥ `close` → `.close`),
    /// else `.soundsAlike` when their Soundex codes agree, else `.different`.
    /// O(|a|·|b|).
    public static func name(_ a: String?, _ b: String?, veryClose: Double = 0.92, close: Double = 0.80) -> NameLevel? {
        guard let a, let b else { return nil }
        let x = StringSimilarity.normalizeName(a), y = StringSimilarity.normalizeName(b)
        guard !x.isEmpty, !y.isEmpty else { return nil }
        return level(x, y, veryClose: veryClose, close: close)
    }

    /// Compares full names allowing given and family names to be transposed (a frequent
    /// registration error): the level is the better of comparing "given family" with
    /// "given family" and with "family given". Either part may be missing on a record; nil when
    /// both parts are missing on either record. O(L²) in the total name length L.
    public static func fullName(given1: String?, family1: String?, given2: String?, family2: String?,
                                veryClose: Double = 0.92, close: Double = 0.80) -> NameLevel? {
        func join(_ first: String?, _ second: String?) -> String {
            StringSimilarity.normalizeName([first, second].compactMap { $0 }.joined(separator: " "))
        }
        let a = join(given1, family1)
        let direct = join(given2, family2), swapped = join(family2, given2)
        guard !a.isEmpty, !direct.isEmpty else { return nil }
        let first = level(a, direct, veryClose: veryClose, close: close)
        let second = level(a, swapped, veryClose: veryClose, close: close)
        return first.rawValue <= second.rawValue ? first : second
    }

    private static func level(_ x: String, _ y: String, veryClose: Double, close: Double) -> NameLevel {
        if x == y { return .exact }
        let similarity = StringSimilarity.jaroWinkler(x, y)
        if similarity >= veryClose { return .veryClose }
        if similarity >= close { return .close }
        if let p = StringSimilarity.soundex(x), p == StringSimilarity.soundex(y) { return .soundsAlike }
        return .different
    }

    /// Compares two dates: exact, day and month swapped within the same year, same year only,
    /// or different. O(1).
    public static func date(_ a: Day?, _ b: Day?) -> DateLevel? {
        guard let a, let b else { return nil }
        if a == b { return .exact }
        let x = a.parts, y = b.parts
        guard x.year == y.year else { return .different }
        return x.month == y.day && x.day == y.month ? .dayMonthSwapped : .sameYear
    }

    /// Compares two values for equality. O(1) for most types.
    public static func exact<Value: Equatable>(_ a: Value?, _ b: Value?) -> ExactLevel? {
        guard let a, let b else { return nil }
        return a == b ? .same : .different
    }
}

/// The parameters of a Fellegi–Sunter model: λ = P(match) among the compared pairs, and per field
/// k and level l, m_k(l) = P(level l | match) and u_k(l) = P(level l | non-match).
public struct FellegiSunterModel: Sendable, Equatable {
    public let lambda: Double
    public let m: [[Double]]
    public let u: [[Double]]

    /// The number of levels of each field.
    public var levelCounts: [Int] { m.map(\.count) }

    /// Validates and stores the parameters. Throws `.outOfDomain` unless 0 < λ < 1 and every m and
    /// u lies in (0, 1) with each field's levels summing to 1 within 1e−9, and `.shapeMismatch`
    /// unless m and u have the same number of fields (at least one) and levels (at least two).
    public init(lambda: Double, m: [[Double]], u: [[Double]]) throws(StatisticsError) {
        guard lambda > 0, lambda < 1 else {
            throw StatisticsError(.outOfDomain, "λ, the share of pairs that match, must lie strictly between 0 and 1.")
        }
        guard !m.isEmpty, m.count == u.count, zip(m, u).allSatisfy({ $0.count == $1.count && $0.count >= 2 }) else {
            throw StatisticsError(.shapeMismatch, "Give m and u probabilities for the same fields, each with at least two levels.")
        }
        for probabilities in m + u {
            guard probabilities.allSatisfy({ $0 > 0 && $0 < 1 }),
                  abs(Descriptive.compensatedSum(probabilities) - 1) <= 1e-9 else {
                throw StatisticsError(.outOfDomain, "Each field's m and u probabilities must lie strictly between 0 and 1 and sum to 1.")
            }
        }
        self.lambda = lambda
        self.m = m
        self.u = u
    }

    /// Generic starting values for EM: the given λ, m_k(l) ∝ 4^(−l) (most matches agree exactly)
    /// and u_k(l) ∝ 4^l (most non-matches disagree). Throws as `init` for λ outside (0, 1) or a
    /// field with fewer than two levels.
    public static func startingValues(levelCounts: [Int], lambda: Double = 0.1) throws(StatisticsError) -> FellegiSunterModel {
        func normalised(_ weights: [Double]) -> [Double] {
            let total = weights.reduce(0, +)
            return weights.map { $0 / total }
        }
        let m = levelCounts.map { count in normalised((0..<max(count, 0)).map { Elementary.pow(4, -Double($0)) }) }
        let u = levelCounts.map { count in normalised((0..<max(count, 0)).map { Elementary.pow(4, Double($0)) }) }
        return try FellegiSunterModel(lambda: lambda, m: m, u: u)
    }

    /// The partial match weight of one field at one level, log₂(m_k(l) / u_k(l)), in bits.
    /// Throws `.shapeMismatch` for a field or level out of range. O(1).
    public func partialWeight(field: Int, level: Int) throws(StatisticsError) -> Double {
        guard m.indices.contains(field), m[field].indices.contains(level) else {
            throw StatisticsError(.shapeMismatch, "The comparison level is outside the model's fields or levels.")
        }
        return Elementary.log2(m[field][level] / u[field][level])
    }

    /// The prior weight log₂(λ / (1 − λ)), in bits.
    public var priorWeight: Double { Elementary.log2(lambda / (1 - lambda)) }

    /// Match weight (Fellegi & Sunter 1969; Splink's "match weight"), in bits:
    ///
    ///     M = log₂(λ/(1 − λ)) + Σ_k log₂(m_k(l_k) / u_k(l_k)),
    ///
    /// skipping fields whose level is nil (missing). Term-frequency adjustment (Splink; Winkler
    /// 1989): for each field k in `termFrequencies` whose level is 0 (exact), u_k(0) is replaced by
    /// the relative frequency of the agreed value, floored at 1e−6, so agreeing on a rare name
    /// counts for more than agreeing on a common one. Frequencies for fields at other levels are
    /// ignored.
    ///
    /// Throws `.shapeMismatch` when the vector has the wrong number of fields or a level out of
    /// range, and `.outOfDomain` for a frequency outside (0, 1]. O(K).
    public func matchWeight(_ levels: [Int?], termFrequencies: [Int: Double] = [:]) throws(StatisticsError) -> Double {
        try validate(levels)
        var weight = priorWeight
        for (k, level) in levels.enumerated() {
            guard let level else { continue }
            var uValue = u[k][level]
            if level == 0, let frequency = termFrequencies[k] {
                guard frequency > 0, frequency <= 1 else {
                    throw StatisticsError(.outOfDomain, "A term frequency must lie in (0, 1].")
                }
                uValue = max(frequency, 1e-6)
            }
            weight += Elementary.log2(m[k][level] / uValue)
        }
        return weight
    }

    /// Match probability p = 2^M / (1 + 2^M) for the vector's match weight M; see `matchWeight`.
    /// In [0, 1]; computed as 1 / (1 + 2^(−M)) so that large |M| gives 0 or 1, never NaN. O(K).
    public func matchProbability(_ levels: [Int?], termFrequencies: [Int: Double] = [:]) throws(StatisticsError) -> Double {
        Self.probability(fromWeight: try matchWeight(levels, termFrequencies: termFrequencies))
    }

    /// p = 2^M / (1 + 2^M), evaluated as 1 / (1 + 2^(−M)) so it saturates at 0 or 1 instead of
    /// overflowing; exact to rounding. ±∞ give 0 and 1 (weights from `matchWeight` are always
    /// finite). O(1).
    public static func probability(fromWeight weight: Double) -> Double {
        1 / (1 + Elementary.exp2(-weight))
    }

    func validate(_ levels: [Int?]) throws(StatisticsError) {
        guard levels.count == m.count else {
            throw StatisticsError(.shapeMismatch, "A comparison vector must have one entry per field of the model.")
        }
        for (k, level) in levels.enumerated() {
            if let level, !m[k].indices.contains(level) {
                throw StatisticsError(.shapeMismatch, "A comparison level is outside the range of its field.")
            }
        }
    }
}

/// Settings for `FellegiSunterModel.estimate`.
public struct EMSettings: Sendable, Equatable {
    /// Stop when no parameter (λ, any m or u) moves by more than this between iterations.
    public var tolerance: Double
    public var maxIterations: Int
    /// m, u and λ are kept in [floor, 1 − floor] (m and u then renormalised per field), so that no
    /// level gets an infinite weight from a level never seen in one class. Default 1e−6, which
    /// caps a field's partial weight at about ±20 bits.
    public var probabilityFloor: Double
    /// Keep u at the starting model's values (e.g. from `estimateU(fromRandomPairs:)`) and estimate
    /// only λ and m.
    public var fixU: Bool

    public init(tolerance: Double = 1e-6, maxIterations: Int = 1000, probabilityFloor: Double = 1e-6, fixU: Bool = false) {
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.probabilityFloor = probabilityFloor
        self.fixU = fixU
    }
}

/// The outcome of EM estimation.
public struct LinkageEstimate: Sendable, Equatable {
    public var model: FellegiSunterModel
    /// Iterations run (each one E-step and one M-step).
    public var iterations: Int
    /// Whether the tolerance was met before `maxIterations`.
    public var converged: Bool
    /// The observed-data log-likelihood Σ ln(λΠm + (1 − λ)Πu) before each iteration's M-step; EM
    /// never decreases it (up to the effect of the probability floor).
    public var logLikelihoods: [Double]
}

extension FellegiSunterModel {
    /// Estimates λ, m and u without labelled pairs by the EM algorithm for a two-class latent
    /// model (Winkler, "Using the EM Algorithm for Weight Computation in the Fellegi-Sunter Model
    /// of Record Linkage", 1988; Splink's `estimate_parameters_using_expectation_maximisation`):
    ///
    ///     E-step: p_i = λ Π_k m_k(l_ik) / (λ Π_k m_k(l_ik) + (1 − λ) Π_k u_k(l_ik))
    ///     M-step: λ = mean p_i;  m_k(l) = Σ p_i [l_ik = l] / Σ p_i [l_ik observed];
    ///             u_k(l) = Σ (1 − p_i) [l_ik = l] / Σ (1 − p_i) [l_ik observed]
    ///
    /// Missing levels are left out of both products and sums (missing at random). Products are
    /// formed in log space. Identical vectors are counted once, so the cost is O(N·K) to tabulate
    /// plus O(I·P·K) for I iterations over P distinct patterns.
    ///
    /// Like any mixture model, EM can converge to the labelling where "match" is the larger,
    /// disagreeing class; start from values where m favours agreement (`startingValues`) and check
    /// that λ is plausible. Returns nil when there are no vectors, or every level of every vector
    /// is missing. Throws `.shapeMismatch` for a vector of the wrong length or a level out of
    /// range, `.outOfDomain` for settings outside tolerance > 0, maxIterations ≥ 1,
    /// 0 < floor < 0.01.
    public static func estimate(from vectors: [[Int?]], start: FellegiSunterModel,
                                settings: EMSettings = .init()) throws(StatisticsError) -> LinkageEstimate? {
        guard settings.tolerance > 0, settings.maxIterations >= 1,
              settings.probabilityFloor > 0, settings.probabilityFloor < 0.01 else {
            throw StatisticsError(.outOfDomain, "EM needs tolerance > 0, at least one iteration and a probability floor in (0, 0.01).")
        }
        var counts: [[Int?]: Int] = [:]
        for vector in vectors {
            try start.validate(vector)
            counts[vector, default: 0] += 1
        }
        let patterns = Array(counts.keys)
        let weights = patterns.map { Double(counts[$0] ?? 0) }
        guard patterns.contains(where: { $0.contains { $0 != nil } }) else { return nil }
        let floor = settings.probabilityFloor
        let total = weights.reduce(0, +)
        var lambda = start.lambda, m = start.m, u = start.u
        var trace: [Double] = []
        var iterations = 0
        var converged = false
        while iterations < settings.maxIterations {
            iterations += 1
            // E-step.
            let logM = m.map { $0.map(Elementary.log) }, logU = u.map { $0.map(Elementary.log) }
            let logLambda = Elementary.log(lambda), logOneMinus = Elementary.log1p(-lambda)
            var posterior = [Double](repeating: 0, count: patterns.count)
            var logLikelihood = 0.0
            for (i, pattern) in patterns.enumerated() {
                var a = logLambda, b = logOneMinus
                for (k, level) in pattern.enumerated() {
                    guard let level else { continue }
                    a += logM[k][level]
                    b += logU[k][level]
                }
                posterior[i] = 1 / (1 + Elementary.exp(b - a))
                logLikelihood += weights[i] * (max(a, b) + Elementary.log1p(Elementary.exp(-abs(a - b))))
            }
            trace.append(logLikelihood)
            // M-step.
            let matchMass = zip(posterior, weights).reduce(0) { $0 + $1.0 * $1.1 }
            let newLambda = min(max(matchMass / total, floor), 1 - floor)
            var newM = m, newU = u
            for k in m.indices {
                var mCounts = [Double](repeating: 0, count: m[k].count)
                var uCounts = mCounts
                for (i, pattern) in patterns.enumerated() {
                    guard let level = pattern[k] else { continue }
                    mCounts[level] += weights[i] * posterior[i]
                    uCounts[level] += weights[i] * (1 - posterior[i])
                }
                if let updated = floored(mCounts, floor: floor) { newM[k] = updated }
                if !settings.fixU, let updated = floored(uCounts, floor: floor) { newU[k] = updated }
            }
            var change = abs(newLambda - lambda)
            for k in m.indices {
                for l in m[k].indices {
                    change = max(change, abs(newM[k][l] - m[k][l]), abs(newU[k][l] - u[k][l]))
                }
            }
            lambda = newLambda
            m = newM
            u = newU
            if change <= settings.tolerance {
                converged = true
                break
            }
        }
        let model = try FellegiSunterModel(lambda: lambda, m: m, u: u)
        return LinkageEstimate(model: model, iterations: iterations, converged: converged, logLikelihoods: trace)
    }

    /// Estimates u from comparison vectors of randomly drawn record pairs, almost all of which are
    /// non-matches (Splink's `estimate_u_using_random_sampling`): u_k(l) = the share of observed
    /// comparisons of field k at level l, floored at `floor` and renormalised.
    ///
    /// Returns nil when there are no vectors or some field is missing in every vector. Throws
    /// `.shapeMismatch` for a vector of the wrong length or a level out of range, `.outOfDomain`
    /// for a floor outside (0, 0.01). O(N·K).
    public static func estimateU(fromRandomPairs vectors: [[Int?]], levelCounts: [Int],
                                 floor: Double = 1e-6) throws(StatisticsError) -> [[Double]]? {
        guard floor > 0, floor < 0.01 else {
            throw StatisticsError(.outOfDomain, "The probability floor must lie in (0, 0.01).")
        }
        var counts = levelCounts.map { [Double](repeating: 0, count: max($0, 0)) }
        for vector in vectors {
            guard vector.count == levelCounts.count else {
                throw StatisticsError(.shapeMismatch, "A comparison vector must have one entry per field.")
            }
            for (k, level) in vector.enumerated() {
                guard let level else { continue }
                guard counts[k].indices.contains(level) else {
                    throw StatisticsError(.shapeMismatch, "A comparison level is outside the range of its field.")
                }
                counts[k][level] += 1
            }
        }
        var u: [[Double]] = []
        for fieldCounts in counts {
            guard let probabilities = floored(fieldCounts, floor: floor) else { return nil }
            u.append(probabilities)
        }
        return u
    }

    /// Counts → probabilities, each at least `floor`, renormalised to sum to 1. After
    /// renormalisation every value lies in [floor/(1 + L·floor), 1/(1 + (L − 1)·floor)] for L
    /// levels: strictly inside (0, 1).
    /// nil when all counts are zero.
    private static func floored(_ counts: [Double], floor: Double) -> [Double]? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let clamped = counts.map { max($0 / total, floor) }
        let sum = clamped.reduce(0, +)
        return clamped.map { $0 / sum }
    }
}

/// Term frequencies for the Fellegi–Sunter term-frequency adjustment.
public enum TermFrequency {
    /// The relative frequency of each distinct value: count / number of values. An empty input
    /// gives an empty table. O(n).
    public static func relativeFrequencies<Value: Hashable>(_ values: [Value]) -> [Value: Double] {
        var counts: [Value: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        let total = Double(values.count)
        return counts.mapValues { Double($0) / total }
    }
}
