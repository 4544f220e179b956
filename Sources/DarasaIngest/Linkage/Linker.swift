import DarasaCore
import Foundation

/// A person as linkage sees them: the fields compared, from whichever source.
public struct LinkRecord: Sendable {
    public var given: String
    public var family: String
    public var sex: Sex?
    /// Date of birth, when the source has one.
    public var birth: Day?
    /// Year of birth when only an age is known (the age's reference year minus the age).
    public var birthYear: Int?
    public var school: Int64?
    /// The area above the school (e.g. district code): transfers stay mostly within it.
    public var area: String?
    public var grade: Int?
    public var year: Int?
    /// The days the record was on a roll (for duplicates inside one source: two records of one
    /// child are not on two rolls at once).
    public var firstDay: Day?
    public var lastDay: Day?

    // Precomputed for comparison.
    var fullName = ""
    var swappedName = ""
    var soundexGiven = ""
    var soundexFamily = ""
    var fullBytes: [UInt8] = []
    var swappedBytes: [UInt8] = []
    var soundexFull = ""
    var swappedSoundex = ""
    var ascii = true

    public init(given: String, family: String, sex: Sex? = nil, birth: Day? = nil, birthYear: Int? = nil, school: Int64? = nil,
                area: String? = nil, grade: Int? = nil, year: Int? = nil, firstDay: Day? = nil, lastDay: Day? = nil) {
        self.given = given
        self.family = family
        self.sex = sex
        self.birth = birth
        self.birthYear = birthYear
        self.school = school
        self.area = area
        self.grade = grade
        self.year = year
        self.firstDay = firstDay
        self.lastDay = lastDay
        let g = StringSimilarity.normalizeName(given), f = StringSimilarity.normalizeName(family)
        fullName = [g, f].filter { !$0.isEmpty }.joined(separator: " ")
        swappedName = [f, g].filter { !$0.isEmpty }.joined(separator: " ")
        soundexGiven = StringSimilarity.soundex(g) ?? g
        soundexFamily = StringSimilarity.soundex(f) ?? f
        fullBytes = Array(fullName.utf8)
        swappedBytes = Array(swappedName.utf8)
        ascii = fullBytes.allSatisfy { $0 < 0x80 }
        soundexFull = StringSimilarity.soundex(fullName) ?? fullName
        swappedSoundex = StringSimilarity.soundex(swappedName) ?? swappedName
    }
}

/// What linkage decided about a pair.
public enum LinkDecision: String, Sendable, Codable {
    /// Weight at or above the upper threshold (and, across sources, clearly the best candidate).
    case link
    /// Between the thresholds, or two candidates too close to call: a person decides.
    case review
}

public struct ScoredPair: Sendable, Hashable {
    /// Index into the first list (the stored records, or the single list when deduplicating).
    public var left: Int
    /// Index into the second list (or the later record, when deduplicating).
    public var right: Int
    /// Fellegi–Sunter match weight in bits.
    public var weight: Double
    /// Comparison levels: name, sex, birth, school, context (see `Linker.fields`).
    public var levels: [Int?]
    public var decision: LinkDecision
}

public struct LinkageResult: Sendable {
    /// Pairs at or above the lower threshold, with their decision.
    public var pairs: [ScoredPair]
    /// Candidate pairs compared after blocking.
    public var comparisons: Int
    public var model: FellegiSunterModel
    public var emIterations: Int
}

/// Probabilistic record linkage (Fellegi–Sunter with m and u estimated by EM on the candidate
/// pairs themselves, no labelled data; term-frequency adjustment on exact full names), after
/// blocking on several keys so that a typo in one field does not hide a pair:
///
/// 1. school + the two names' Soundex codes, order-free (so transposed names meet);
/// 2. date of birth + sex;
/// 3. school + grade + year (a class: catches spelling that changes a Soundex code);
/// 4. area + family-name Soundex + year of birth (transfers between schools of one area).
///
/// Fields compared (`fields`): full name allowing transposition (exact / JW ≥ 0.92 / ≥ 0.80 /
/// Soundex / different), sex, birth (exact / day–month swapped / same year, or ±1 year when only
/// an age is known / different), school, and a context field — across sources the grade, within
/// one source whether the two records' rolls overlap in time.
public struct Linker: Sendable {
    /// Weight (bits) at or above which a pair is linked automatically.
    public var upper: Double = 10
    /// Weight below which a pair is not linked (between: review).
    public var lower: Double = 0
    /// Across sources, the best candidate must beat the second by this many bits to be linked.
    public var margin: Double = 3

    public static let fields = ["name", "sex", "birth", "school", "context"]

    public init(upper: Double = 10, lower: Double = 0, margin: Double = 3) {
        self.upper = upper
        self.lower = lower
        self.margin = margin
    }

    /// Candidate pairs the EM fit sees at most (about): beyond it the fit uses the candidates
    /// of a random subset of records (all of each chosen record's candidates, so per-record
    /// proportions stay right), and every candidate is scored in a second, streaming pass. Memory
    /// stays bounded by the sample, not by the 10⁸ pairs a national roll produces.
    public var fitSample = 400_000

    /// Threads the scoring pass runs on (default: one per core). The pairs found do not depend on it.
    public var workers = Parallel.cores

    /// The distinct candidates of one record (stored index, blocking kinds), in first-seen order.
    static func candidates(of r: LinkRecord, index: [String: [Int]], below: Int? = nil, skipClass: Bool = false) -> [(Int, Set<Character>)] {
        var position: [Int: Int] = [:]
        var out: [(Int, Set<Character>)] = []
        for key in keys(r) where !(skipClass && key.hasPrefix("C")) {
            let kind = key.first ?? "S"
            for i in index[key] ?? [] where below.map({ i < $0 }) ?? true {
                if let k = position[i] { out[k].1.insert(kind); continue }
                position[i] = out.count
                out.append((i, [kind]))
            }
        }
        return out
    }

    /// Whether record j is in the fit's sample when a share `keep` of records is kept.
    static func sampled(_ j: Int, keep: Double) -> Bool {
        guard keep < 1 else { return true }
        var rng = SplitMix64(seed: UInt64(j) &* 0x2545_F491_4F6C_DD1D)
        return rng.uniform() < keep
    }

    /// Links each record of `incoming` to at most one of `stored`. `entity[i]`, when given, names
    /// the person stored record i belongs to (e.g. one learner's enrolments in several years):
    /// a person's records count as one candidate, at their best weight.
    public func link(_ incoming: [LinkRecord], to stored: [LinkRecord], entity: [Int]? = nil) throws -> LinkageResult {
        let index = Self.blockIndex(stored)
        // The sampling share from block sizes (an upper bound on distinct pairs; cheap).
        var bound = 0
        for r in incoming { for key in Self.keys(r) { bound += index[key]?.count ?? 0 } }
        let keep = bound <= fitSample ? 1 : Double(fitSample) / Double(bound)
        var total = 0
        var vectors: [[Int?]] = [], kinds: [Set<Character>] = [], sampleIncoming: [Int] = []
        for (j, r) in incoming.enumerated() where Self.sampled(j, keep: keep) {
            for (i, kind) in Self.candidates(of: r, index: index) {
                vectors.append(Self.compare(stored[i], r, withinSource: false))
                kinds.append(kind)
                sampleIncoming.append(j)
            }
        }
        var rng = SplitMix64(seed: 0x5EED)
        let random = (0..<min(200_000, stored.count * max(incoming.count, 1))).map { _ in
            Self.compare(stored[Int(rng.next() % UInt64(stored.count))], incoming[Int(rng.next() % UInt64(incoming.count))], withinSource: false)
        }
        let (model, iterations) = try Self.fit(vectors, kinds: kinds, random: random, withinSource: false, incoming: sampleIncoming)
        vectors = []
        kinds = []
        let tf = Self.nameFrequencies(stored)
        // Scored on every core, each incoming record by one worker; the parts come back in order.
        let lower = self.lower, upper = self.upper, margin = self.margin
        let parts = try Parallel.map(incoming.count, parts: workers) { range -> (pairs: [ScoredPair], compared: Int) in
            var pairs: [ScoredPair] = [], compared = 0
            for j in range {
                let r = incoming[j]
                // Per person, the best of their records.
                var perEntity: [Int: (i: Int, weight: Double, levels: [Int?])] = [:]
                for (i, _) in Self.candidates(of: r, index: index) {
                    compared += 1
                    let v = Self.compare(stored[i], r, withinSource: false)
                    let w = try model.matchWeight(v, termFrequencies: Self.tf(tf, stored[i], v))
                    let e = entity?[i] ?? i
                    if let current = perEntity[e], current.weight >= w { continue }
                    perEntity[e] = (i, w, v)
                }
                let sorted = perEntity.values.sorted { ($0.weight, -$0.i) > ($1.weight, -$1.i) }
                guard let top = sorted.first, top.weight >= lower else { continue }
                let clear = sorted.count < 2 || top.weight - sorted[1].weight >= margin
                let decision: LinkDecision = top.weight >= upper && clear ? .link : .review
                pairs.append(ScoredPair(left: top.i, right: j, weight: top.weight, levels: top.levels, decision: decision))
                if decision == .review {
                    for other in sorted.dropFirst().prefix(2) where other.weight >= lower {
                        pairs.append(ScoredPair(left: other.i, right: j, weight: other.weight, levels: other.levels, decision: .review))
                    }
                }
            }
            return (pairs, compared)
        }
        var pairs = parts.flatMap { $0.pairs }
        total += parts.reduce(0) { $0 + $1.compared }
        pairs.sort { ($0.right, -$0.weight) < ($1.right, -$1.weight) }
        return LinkageResult(pairs: pairs, comparisons: total, model: model, emIterations: iterations)
    }

    /// Pairs of records within one list that are the same person.
    public func deduplicate(_ records: [LinkRecord]) throws -> LinkageResult {
        let index = Self.blockIndex(records)
        // No class block: two records of one child are never in the same class in the same year.
        // The sampling share from block sizes (an upper bound on distinct pairs; cheap).
        let bound = index.reduce(0) { $0 + ($1.key.hasPrefix("C") ? 0 : $1.value.count * ($1.value.count - 1) / 2) }
        let keep = bound <= fitSample ? 1 : Double(fitSample) / Double(bound)
        var total = 0
        var vectors: [[Int?]] = [], kinds: [Set<Character>] = []
        for (j, r) in records.enumerated() where Self.sampled(j, keep: keep) {
            for (i, kind) in Self.candidates(of: r, index: index, below: j, skipClass: true) {
                vectors.append(Self.compare(records[i], r, withinSource: true))
                kinds.append(kind)
            }
        }
        var rng = SplitMix64(seed: 0x5EED)
        let random = records.count < 2 ? [] : (0..<min(200_000, records.count * records.count / 2)).map { _ in
            Self.compare(records[Int(rng.next() % UInt64(records.count))], records[Int(rng.next() % UInt64(records.count))], withinSource: true)
        }
        let (model, iterations) = try Self.fit(vectors, kinds: kinds, random: random, withinSource: true)
        vectors = []
        kinds = []
        let tf = Self.nameFrequencies(records)
        // Scored on every core; record j is compared with earlier records only, so the parts
        // (contiguous ranges of j) come back in the same order as one pass would give.
        let lower = self.lower, upper = self.upper
        let parts = try Parallel.map(records.count, parts: workers) { range -> (pairs: [ScoredPair], compared: Int) in
            var pairs: [ScoredPair] = [], compared = 0
            for j in range {
                let r = records[j]
                for (i, _) in Self.candidates(of: r, index: index, below: j, skipClass: true) {
                    compared += 1
                    let v = Self.compare(records[i], r, withinSource: true)
                    let w = try model.matchWeight(v, termFrequencies: Self.tf(tf, records[i], v))
                    guard w >= lower else { continue }
                    pairs.append(ScoredPair(left: i, right: j, weight: w, levels: v, decision: w >= upper ? .link : .review))
                }
            }
            return (pairs, compared)
        }
        let pairs = parts.flatMap { $0.pairs }
        total += parts.reduce(0) { $0 + $1.compared }
        return LinkageResult(pairs: pairs, comparisons: total, model: model, emIterations: iterations)
    }

    // MARK: Parts

    public static func keys(_ r: LinkRecord) -> [String] {
        var out: [String] = []
        if let s = r.school {
            let a = min(r.soundexGiven, r.soundexFamily), b = max(r.soundexGiven, r.soundexFamily)
            out.append("S\(s)|\(a)|\(b)")
            if let g = r.grade, let y = r.year { out.append("C\(s)|\(g)|\(y)") }
        }
        if let b = r.birth { out.append("B\(b.daysSinceEpoch)|\(r.sex?.rawValue ?? "")") }
        if let area = r.area, let y = r.birth?.year ?? r.birthYear {
            for year in (r.birth == nil ? [y - 1, y, y + 1] : [y]) { out.append("D\(area)|\(r.soundexFamily)|\(year)") }
        }
        return out
    }

    /// The keys a stored record is indexed under: an approximate year of birth was expanded to
    /// three keys on the incoming side; stored records index their own year only.
    public static func indexKeys(_ r: LinkRecord) -> [String] {
        keys(r).filter { k in !(k.hasPrefix("D") && r.birth == nil && r.birthYear.map { !k.hasSuffix("|\($0)") } == true) }
    }

    public static func blockIndex(_ records: [LinkRecord]) -> [String: [Int]] {
        var index: [String: [Int]] = [:]
        for (i, r) in records.enumerated() {
            for k in indexKeys(r) { index[k, default: []].append(i) }
        }
        return index
    }

    static func compare(_ a: LinkRecord, _ b: LinkRecord, withinSource: Bool) -> [Int?] {
        var name: Int?
        if !a.fullName.isEmpty && !b.fullName.isEmpty {
            if a.ascii && b.ascii {
                name = min(byteLevel(a.fullBytes, b.fullBytes, a.soundexFull, b.soundexFull),
                           byteLevel(a.fullBytes, b.swappedBytes, a.soundexFull, b.swappedSoundex))
            } else {
                name = min(nameLevel(a.fullName, b.fullName), nameLevel(a.fullName, b.swappedName))
            }
        }
        let sex = LinkageComparison.exact(a.sex, b.sex)?.rawValue
        var birth: Int?
        if let x = a.birth, let y = b.birth {
            birth = LinkageComparison.date(x, y)?.rawValue
        } else if let x = a.birth?.year ?? a.birthYear, let y = b.birth?.year ?? b.birthYear {
            birth = abs(x - y) <= 1 ? DateLevel.sameYear.rawValue : DateLevel.different.rawValue
        }
        let school = LinkageComparison.exact(a.school, b.school)?.rawValue
        var context: Int?
        if withinSource {
            if let s1 = a.firstDay, let e1 = a.lastDay, let s2 = b.firstDay, let e2 = b.lastDay {
                let overlap = min(e1, e2) - max(s1, s2)
                context = overlap > 30 ? 1 : 0
            }
        } else if let g1 = a.grade, let g2 = b.grade {
            context = g1 == g2 ? 0 : 1
        }
        return [name, sex, birth, school, context]
    }

    static func byteLevel(_ x: [UInt8], _ y: [UInt8], _ sx: String, _ sy: String) -> Int {
        if x == y { return NameLevel.exact.rawValue }
        let s = ByteJaroWinkler.similarity(x, y)
        if s >= 0.92 { return NameLevel.veryClose.rawValue }
        if s >= 0.80 { return NameLevel.close.rawValue }
        return sx == sy ? NameLevel.soundsAlike.rawValue : NameLevel.different.rawValue
    }

    static func nameLevel(_ x: String, _ y: String) -> Int {
        if x == y { return NameLevel.exact.rawValue }
        let s = StringSimilarity.jaroWinkler(x, y)
        if s >= 0.92 { return NameLevel.veryClose.rawValue }
        if s >= 0.80 { return NameLevel.close.rawValue }
        if let p = StringSimilarity.soundex(x), p == StringSimilarity.soundex(y) { return NameLevel.soundsAlike.rawValue }
        return NameLevel.different.rawValue
    }

    static let levelCounts = [NameLevel.allCases.count, 2, DateLevel.allCases.count, 2, 2]

    /// Fields each blocking key fixes, or makes agree far more often than among random pairs
    /// (classmates share a birth year and a grade): 0 name, 1 sex, 2 birth, 3 school, 4 context.
    static func masked(_ kind: Character) -> Set<Int> {
        switch kind {
        case "S": [0, 3]
        case "C": [2, 3, 4]
        case "B": [1, 2]
        default: [0, 2]  // D: area + family-name code + birth year
        }
    }

    /// Estimates the model without labelled pairs, after Splink:
    /// 1. u from random record pairs (nearly all non-matches);
    /// 2. m by EM with u held fixed, run separately on the pairs of each blocking key with the
    ///    fields that key fixes left out (on those pairs they agree by construction, and EM would
    ///    take "same class" or "same birthday" for the match class); each field's m comes from
    ///    the run that left the most other fields in (the best-identified mixture);
    /// 3. m floored at 0.5 % and renormalised (no single disagreement vetoes a link), then λ,
    ///    the share of matches among all candidate pairs, by EM with m and u fixed.
    ///
    /// Across sources, the class block (school + grade + year) holds at most one true match per
    /// incoming record, so its share of matches is known (incoming records ÷ pairs) and the
    /// name's m follows in closed form from the pairs' name levels: m = (p − (1 − λ)·u) / λ.
    static func fit(_ vectors: [[Int?]], kinds: [Set<Character>], random: [[Int?]], withinSource: Bool,
                    incoming: [Int]? = nil) throws -> (FellegiSunterModel, Int) {
        let start = try FellegiSunterModel.startingValues(levelCounts: levelCounts, lambda: 0.01)
        guard !vectors.isEmpty, let u = try FellegiSunterModel.estimateU(fromRandomPairs: random.isEmpty ? vectors : random, levelCounts: levelCounts)
                ?? FellegiSunterModel.estimateU(fromRandomPairs: vectors, levelCounts: levelCounts) else { return (start, 0) }
        var chosen: [[Double]?] = Array(repeating: nil, count: levelCounts.count)
        var quality = [Int](repeating: -1, count: levelCounts.count)
        var iterations = 0
        if let incoming, !withinSource {
            let inClass = kinds.indices.filter { kinds[$0].contains("C") && vectors[$0][0] != nil }
            let people = Set(inClass.map { incoming[$0] }).count
            if inClass.count >= 20, people > 0 {
                let lambda = min(Double(people) / Double(inClass.count), 0.5)
                var p = [Double](repeating: 0, count: levelCounts[0])
                for i in inClass { p[vectors[i][0]!] += 1 / Double(inClass.count) }
                let raw = p.enumerated().map { max($0.element - (1 - lambda) * u[0][$0.offset], 0) / lambda }
                if raw.reduce(0, +) > 0 {
                    chosen[0] = raw.map { $0 / raw.reduce(0, +) }
                    quality[0] = Int.max
                }
            }
        }
        for kind in kinds.reduce(into: Set<Character>(), { $0.formUnion($1) }).sorted() {
            // Sex is left out of every run: half of all pairs agree on it, so EM readily takes
            // "same sex" for the match class. Its m comes from the final step below.
            let mask = masked(kind).union([1])
            let subset = zip(vectors, kinds).filter { $0.1.contains(kind) }.map { v in v.0.enumerated().map { mask.contains($0.offset) ? nil : $0.element } }
            let observed = levelCounts.indices.filter { k in !mask.contains(k) && subset.contains { $0[k] != nil } }
            // One field alone is enough only for the name (five levels, far from u among matches).
            guard observed.count >= 2 || observed == [0], subset.count >= 20 else { continue }
            let seed = try FellegiSunterModel(lambda: 0.01, m: start.m, u: u)
            guard let fit = try FellegiSunterModel.estimate(from: subset, start: seed, settings: EMSettings(fixU: true)),
                  fit.model.lambda < 0.5 else { continue }
            iterations += fit.iterations
            for k in observed where observed.count * 1_000_000 + subset.count > quality[k] {
                quality[k] = observed.count * 1_000_000 + subset.count
                chosen[k] = fit.model.m[k]
            }
        }
        let floor = 0.005
        func floored(_ x: [Double]) -> [Double] {
            let raw = x.map { max($0, floor) }
            let sum = raw.reduce(0, +)
            return raw.map { $0 / sum }
        }
        var m = levelCounts.indices.map { floored(chosen[$0] ?? start.m[$0]) }
        // Fields no run estimated (sex, or any the blocks never left free): one M-step with the
        // match probabilities of a model that leaves them out.
        let missing = levelCounts.indices.filter { chosen[$0] == nil }
        if !missing.isEmpty {
            let partial = try FellegiSunterModel(lambda: 0.01, m: m, u: u)
            var sums = levelCounts.map { [Double](repeating: 0, count: $0) }
            var totals = [Double](repeating: 0, count: levelCounts.count)
            for v in vectors {
                let p = try partial.matchProbability(v.enumerated().map { missing.contains($0.offset) ? nil : $0.element })
                for k in missing { if let l = v[k] { sums[k][l] += p; totals[k] += p } }
            }
            for k in missing where totals[k] > 0 { m[k] = floored(sums[k].map { $0 / totals[k] }) }
        }
        var model = try FellegiSunterModel(lambda: 0.01, m: m, u: u)
        var patterns: [[Int?]: Double] = [:]
        for v in vectors { patterns[v, default: 0] += 1 }
        var ratios: [(n: Double, r: Double)] = []
        for (v, n) in patterns { ratios.append((n, Foundation.exp2(try model.matchWeight(v) - model.priorWeight))) }
        var lambda = 0.01
        for _ in 0..<500 {
            let next = min(max(ratios.reduce(0.0) { $0 + $1.n * lambda * $1.r / (lambda * $1.r + 1 - lambda) } / Double(vectors.count), 1e-6), 0.5)
            if abs(next - lambda) < 1e-10 { lambda = next; break }
            lambda = next
        }
        model = try FellegiSunterModel(lambda: lambda, m: m, u: u)
        return (model, iterations)
    }

    static func nameFrequencies(_ records: [LinkRecord]) -> [String: Double] {
        TermFrequency.relativeFrequencies(records.map(\.fullName))
    }

    static func tf(_ table: [String: Double], _ r: LinkRecord, _ levels: [Int?]) -> [Int: Double] {
        guard levels[0] == NameLevel.exact.rawValue, let f = table[r.fullName] else { return [:] }
        return [0: f]
    }
}
