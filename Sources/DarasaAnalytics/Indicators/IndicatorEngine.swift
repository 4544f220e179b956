import DarasaCore
import Foundation
import DarasaStore

/// One cell of an indicator table: a unit and one category per breakdown, with its figure, or
/// withheld.
public struct IndicatorRow: Sendable, Hashable, Codable {
    public var unitID: Int64
    public var unitCode: String
    public var unitName: String
    /// One category per breakdown, in the table's order; empty with no breakdown.
    public var categories: [String]
    /// The categories joined by "," ("all" with no breakdown).
    public var category: String
    public var numerator: Double
    public var denominator: Double
    /// The number of learners (or schools, for school measures) the figure rests on.
    public var base: Int
    /// The figure (a count, a share 0…1, a ratio or a mean); nil when withheld or without data.
    public var value: Double?
    /// Design-based standard error and 95 % interval (sample rounds only).
    public var standardError: Double?
    public var lower: Double?
    public var upper: Double?
    /// Why the value is absent: "small_cell", "complementary" or "no_data".
    public var withheld: String?
    /// The parts of a composite figure (learning poverty: below_minimum, out_of_school;
    /// allocation: r_squared, schools).
    public var components: [String: Double]?

    public init(unitID: Int64, unitCode: String, unitName: String, categories: [String], numerator: Double, denominator: Double,
                base: Int, value: Double?, withheld: String? = nil) {
        self.unitID = unitID
        self.unitCode = unitCode
        self.unitName = unitName
        self.categories = categories
        self.category = categories.isEmpty ? "all" : categories.joined(separator: ",")
        self.numerator = numerator
        self.denominator = denominator
        self.base = base
        self.value = value
        self.withheld = withheld ?? (value == nil ? "no_data" : nil)
    }
}

/// A UIS parity index for one pair of groups in one unit (and, with a two-way breakdown, within
/// one category of the other characteristic).
public struct ParityRow: Sendable, Hashable, Codable {
    public var unitCode: String
    public var unitName: String
    public var dimension: Breakdown
    /// The other breakdowns' categories this comparison is made within.
    public var within: [String]
    public var disadvantaged: String
    public var advantaged: String
    /// PI = disadvantaged ÷ advantaged; adjusted = PI if ≤ 1, else 2 − 1/PI (UIS, SDG 4.5.1).
    public var index: Double
    public var adjusted: Double
    /// 0.97 ≤ adjusted ≤ 1.03.
    public var atParity: Bool
}

public struct IndicatorTable: Sendable, Codable {
    public var indicator: IndicatorDefinition
    public var yearID: Int
    public var yearName: String
    public var level: String
    public var depth: Int
    public var breakdowns: [Breakdown]
    public var mode: IndicatorDefinition.Mode
    public var rows: [IndicatorRow]
    public var parity: [ParityRow]
    /// Plain sentences about how to read the table (e.g. the interval, a proxy).
    public var notes: [String]
}

/// A question the engine cannot answer as asked, in one sentence for the user.
public struct IndicatorError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Forms indicator tables from the summaries: per-school sums rolled up the hierarchy to any
/// level, cut by up to three characteristics, with design-based intervals for sample rounds,
/// UIS parity indices, and small-cell suppression beyond the school tier.
public struct IndicatorEngine: Sendable {
    public let store: DarasaStore
    public var catalogue: IndicatorCatalogue
    /// Cells resting on fewer learners than this are withheld (beyond the school tier).
    public var minimumCell: Int
    public static let maximumBreakdowns = 3

    /// Lookups shared by the tables of one page or command (see `sharingLookups`).
    let memo: ContextMemo?

    public init(store: DarasaStore, catalogue: IndicatorCatalogue = .shipped, minimumCell: Int = 10) {
        self.store = store
        self.catalogue = catalogue
        self.minimumCell = minimumCell
        self.memo = nil
    }

    init(_ other: IndicatorEngine, memo: ContextMemo) {
        store = other.store
        catalogue = other.catalogue
        minimumCell = other.minimumCell
        self.memo = memo
    }

    /// The same engine, reading the org units, schools and levels of a level and scope once for
    /// all the tables it is asked for (a page of several tables), and forming a table asked twice
    /// once. Use it for one page or one command: it does not see data that lands after its
    /// first table.
    public func sharingLookups() -> IndicatorEngine { IndicatorEngine(self, memo: ContextMemo()) }

    /// Contexts already loaded, by level, scope, year and whether quintiles were needed.
    final class ContextMemo: @unchecked Sendable {
        struct Key: Hashable { var depth: Int; var scope: AccessScope; var yearID: Int; var quintiles: Bool }
        private var contexts: [Key: Context] = [:]
        private let lock = NSLock()
        func get(_ k: Key) -> Context? { lock.lock(); defer { lock.unlock() }; return contexts[k] }
        func put(_ k: Key, _ c: Context) { lock.lock(); defer { lock.unlock() }; contexts[k] = c }

        /// Tables already formed for the page, so two parts of it asking the same share one.
        struct TableKey: Hashable {
            var definition: IndicatorDefinition; var year: Int; var cut: Cut; var scope: AccessScope; var suppress: Bool; var period: Int?
            var minimumCell: Int
        }
        private var tables: [TableKey: IndicatorTable] = [:]
        func table(_ k: TableKey) -> IndicatorTable? { lock.lock(); defer { lock.unlock() }; return tables[k] }
        func put(_ k: TableKey, _ t: IndicatorTable) { lock.lock(); defer { lock.unlock() }; tables[k] = t }
    }

    func context(depth: Int, scope: AccessScope, yearID: Int, needsQuintiles: Bool) async throws -> Context {
        let key = ContextMemo.Key(depth: depth, scope: scope, yearID: yearID, quintiles: needsQuintiles)
        if let memo, let c = memo.get(key) { return c }
        let c = try await Context.load(store: store, depth: depth, scope: scope, yearID: yearID, needsQuintiles: needsQuintiles)
        memo?.put(key, c)
        return c
    }

    /// The characteristics an indicator can be cut by: those every source it reads is kept by.
    public func breakdowns(for d: IndicatorDefinition) -> Set<Breakdown> {
        switch d.method {
        case .survival: return [.sex, .disability, .language, .locality, .povertyQuintile, .ownership]
        case .allocationConsistency: return [.locality, .ownership, .povertyQuintile]
        case .learningPoverty:
            let parts = [d.proficiency, d.outOfSchool].compactMap { $0.flatMap(catalogue.named) }
            return parts.map { breakdowns(for: $0) }.reduce(Set(Breakdown.allCases)) { $0.intersection($1) }
        case .ratio, .complement, .distribution:
            var out = d.terms.map { Breakdown.supported(by: $0.source) }.reduce(Set(Breakdown.allCases)) { $0.intersection($1) }
            if let over = d.over { out.remove(over) }
            return out
        }
    }

    /// The school year a table shows by default.
    public func defaultYear(for d: IndicatorDefinition) async throws -> Int? {
        switch d.year {
        case .outcomes: try await store.latestYearWithOutcomes()
        case .latest: try await store.latestYearID()
        }
    }

    /// `d` for every unit at `depth` inside `scope`, cut by `breakdowns`. With `suppress`, small
    /// cells are withheld with complementary suppression (see `suppress`). `mode` overrides the
    /// indicator's assessment mode; `period` (YYYYMM) keeps one month's assessment round.
    /// Throws `IndicatorError` for a breakdown the indicator's sources are not kept by, or a
    /// level below the one its population figures are given for.
    public func table(_ d: IndicatorDefinition, yearID: Int? = nil, depth: Int, by breakdowns: [Breakdown] = [], scope: AccessScope,
                      suppress: Bool, mode: IndicatorDefinition.Mode? = nil, period: Int? = nil) async throws -> IndicatorTable {
        let (d, year) = try await prepare(d, yearID: yearID, breakdowns: [breakdowns], mode: mode)
        let key = ContextMemo.TableKey(definition: d, year: year, cut: Cut(depth: depth, by: breakdowns), scope: scope, suppress: suppress, period: period,
                                          minimumCell: minimumCell)
        if let memo, let t = memo.table(key) { return t }
        let context = try await self.context(depth: depth, scope: scope, yearID: year, needsQuintiles: breakdowns.contains(.povertyQuintile))
        var rows: [IndicatorRow]
        var notes: [String] = []
        switch d.method {
        case .ratio, .complement, .distribution:
            rows = try await ratioRows(d, context, breakdowns, period: period, notes: &notes)
        case .survival:
            rows = try await survivalRows(d, context, breakdowns)
        case .allocationConsistency:
            rows = try await allocationRows(d, context, breakdowns)
        case .learningPoverty:
            rows = try await learningPovertyRows(d, context, breakdowns, notes: &notes)
        }
        let t = finish(d, year: year, context: context, rows: rows, breakdowns: breakdowns, suppress: suppress, notes: notes)
        memo?.put(key, t)
        return t
    }

    /// One level and breakdown of an indicator, for `tables`.
    public struct Cut: Sendable, Hashable {
        public var depth: Int
        public var by: [Breakdown]
        public init(depth: Int, by: [Breakdown] = []) {
            self.depth = depth
            self.by = by
        }
    }

    /// The same indicator at several levels and breakdowns of one scope (a page that shows each
    /// school beside its area, in total and by sex), each table exactly as `table` forms it.
    /// A ratio read from learner, assessment or school summaries is summed once, per school, by
    /// every breakdown the cuts name, and each cut is rolled up from those sums; other
    /// indicators (survival, allocation, learning poverty, population ratios) are formed one
    /// table at a time.
    public func tables(_ d: IndicatorDefinition, yearID: Int? = nil, cuts: [Cut], scope: AccessScope, suppress: Bool,
                       mode: IndicatorDefinition.Mode? = nil, period: Int? = nil) async throws -> [IndicatorTable] {
        let (d, year) = try await prepare(d, yearID: yearID, breakdowns: cuts.map(\.by), mode: mode)
        func key(_ c: Cut) -> ContextMemo.TableKey {
            ContextMemo.TableKey(definition: d, year: year, cut: c, scope: scope, suppress: suppress, period: period, minimumCell: minimumCell)
        }
        if let memo {
            let known = cuts.compactMap { memo.table(key($0)) }
            if known.count == cuts.count { return known }
        }
        var union: [Breakdown] = []
        for c in cuts { for b in c.by where !union.contains(b) { union.append(b) } }
        let rollsUp = cuts.count > 1 && union.count <= Self.maximumBreakdowns
            && [.ratio, .complement, .distribution].contains(d.method) && d.terms.allSatisfy { $0.source != .population }
        let quintiles = union.contains(.povertyQuintile)
        func oneByOne() async throws -> [IndicatorTable] {
            var out: [IndicatorTable] = []
            for c in cuts {
                out.append(try await table(d, yearID: year, depth: c.depth, by: c.by, scope: scope, suppress: suppress, period: period))
            }
            return out
        }
        guard rollsUp, let finest = cuts.map(\.depth).max() else { return try await oneByOne() }
        let base = try await context(depth: finest, scope: scope, yearID: year, needsQuintiles: quintiles)
        var contexts: [Context] = []
        for c in cuts {
            let ctx = try await context(depth: c.depth, scope: scope, yearID: year, needsQuintiles: quintiles)
            // A ragged hierarchy (a school above the finest level) is formed table by table.
            guard ctx.unitOfSchool.keys.allSatisfy({ base.unitOfSchool[$0] != nil }) else { return try await oneByOne() }
            contexts.append(ctx)
        }
        let over = d.over.map { [$0] } ?? []
        let sums = try await ratioSums(d, base, union + over, period: period)
        var out: [IndicatorTable] = []
        for (c, ctx) in zip(cuts, contexts) {
            // Each cut keeps its own breakdowns (in its order) and the indicator's `over` last.
            let pick = c.by.map { union.firstIndex(of: $0)! } + (d.over == nil ? [] : [union.count])
            func rekey(_ m: [CellKey: [Int64: Double]]) -> [CellKey: [Int64: Double]] {
                var r: [CellKey: [Int64: Double]] = [:]
                for (k, schools) in m {
                    let categories = pick.map { k.categories[$0] }
                    for (school, x) in schools {
                        guard let u = ctx.unitOfSchool[school] else { continue }
                        r[CellKey(unit: u, categories: categories), default: [:]][school, default: 0] += x
                    }
                }
                return r
            }
            let num = rekey(sums.num)
            var s = RatioSums(num: num, den: d.method == .distribution ? Self.levelTotals(num) : rekey(sums.den),
                              base: sums.baseIsNumerator ? num : rekey(sums.base), baseIsNumerator: sums.baseIsNumerator)
            if sums.baseIsDenominator { s.base = s.den }
            var notes: [String] = []
            let rows = try await ratioRows(d, ctx, s, notes: &notes)
            let t = finish(d, year: year, context: ctx, rows: rows, breakdowns: c.by, suppress: suppress, notes: notes)
            memo?.put(key(c), t)
            out.append(t)
        }
        return out
    }

    /// Checks a request's breakdowns and mode; the definition as asked and its school year.
    func prepare(_ d: IndicatorDefinition, yearID: Int?, breakdowns cuts: [[Breakdown]],
                 mode: IndicatorDefinition.Mode?) async throws -> (IndicatorDefinition, Int) {
        let allowed = self.breakdowns(for: d)
        for breakdowns in cuts {
            guard breakdowns.count <= Self.maximumBreakdowns else {
                throw IndicatorError("An indicator can be cut by up to \(Self.maximumBreakdowns) characteristics at a time; choose fewer.")
            }
            guard Set(breakdowns).count == breakdowns.count else { throw IndicatorError("Each characteristic can be chosen once.") }
            for b in breakdowns where !allowed.contains(b) {
                throw IndicatorError("\(d.id) cannot be broken down by \(b.rawValue); choose from \(allowed.map(\.rawValue).sorted().joined(separator: ", ")).")
            }
        }
        var d = d
        if let mode {
            guard mode == d.mode || d.terms.contains(where: { $0.source == .learning }) else {
                throw IndicatorError("\(d.id) reads no assessment results, so it has no mode to choose.")
            }
            d.mode = mode
        }
        var chosenYear = yearID
        if chosenYear == nil { chosenYear = try await defaultYear(for: d) }
        guard let year = chosenYear else {
            throw IndicatorError(d.year == .outcomes ? "\(d.id) needs two consecutive school years loaded (a year's outcomes show in the next)."
                                 : "No school year is loaded yet.")
        }
        return (d, year)
    }

    /// Rows in the level's order, suppressed if asked, with parity: the table as shown.
    func finish(_ d: IndicatorDefinition, year: Int, context: Context, rows: [IndicatorRow], breakdowns: [Breakdown], suppress: Bool,
                notes: [String]) -> IndicatorTable {
        var rows = rows
        rows.sort { a, b in
            let pa = context.unitIndex[a.unitID] ?? 0, pb = context.unitIndex[b.unitID] ?? 0
            return pa != pb ? pa < pb : Self.categoryOrder(a.categories, b.categories)
        }
        if suppress && d.restsOnLearners {
            rows = Self.suppress(rows, minimum: minimumCell, breakdowns: breakdowns.count + (d.over == nil ? 0 : 1), parentOf: context.parentOf)
        }
        let all = breakdowns + (d.over.map { [$0] } ?? [])
        return IndicatorTable(indicator: d, yearID: year, yearName: context.yearName, level: context.levelName, depth: context.depth,
                              breakdowns: all, mode: d.mode, rows: rows, parity: d.unit == .count ? [] : Self.parity(rows, all), notes: notes)
    }

    /// The same table for every school year with data (oldest first), for trends and gaps over time.
    public func trend(_ d: IndicatorDefinition, depth: Int, by breakdowns: [Breakdown] = [], scope: AccessScope, suppress: Bool,
                      mode: IndicatorDefinition.Mode? = nil) async throws -> [IndicatorTable] {
        var years = try await store.yearsWithData()
        if d.year == .outcomes, let last = try await store.latestYearWithOutcomes() { years = years.filter { $0 <= last } }
        var out: [IndicatorTable] = []
        for y in years {
            out.append(try await table(d, yearID: y, depth: depth, by: breakdowns, scope: scope, suppress: suppress, mode: mode))
        }
        return out
    }

    // MARK: The units and schools of one request

    struct Context: Sendable {
        var yearID: Int
        var yearName: String
        var depth: Int
        var levelName: String
        var units: [OrgUnit]
        var unitIndex: [Int64: Int]
        var parentOf: [Int64: Int64]
        /// School (or org unit, for population) id → the index of its unit at `depth`.
        var unitOfSchool: [Int64: Int]
        var unitOfArea: [Int64: Int]
        var deepestPopulation: Int?
        var schools: [Int64: SchoolAttributes]
        var quintile: [Int64: String]
        var system: EducationSystem = EducationSystem()
        /// The request covers part of the country (its schools are read by the summaries' key).
        var scoped = false

        static func load(store: DarasaStore, depth: Int, scope: AccessScope, yearID: Int, needsQuintiles: Bool) async throws -> Context {
            // Below the country only the scope's own units and schools are read (poverty
            // quintiles still rank every school of the country).
            let scoped = scope.orgPath.split(separator: "/").count > 1
            let units = try await store.orgUnits(depth: depth, under: scoped ? scope.orgPath : nil).filter { scope.covers(path: $0.path) }
            let levelName = try await store.orgLevels().first { $0.depth == depth }?.name ?? "level \(depth)"
            let yearName = try await store.academicYears().first { $0.id == yearID }?.name ?? String(yearID)
            var byPath: [String: Int] = [:]
            for (i, u) in units.enumerated() { byPath[u.path] = i }
            func unit(at path: String) -> Int? {
                let parts = path.split(separator: "/")
                guard parts.count > depth else { return nil }
                return byPath["/" + parts.prefix(depth + 1).joined(separator: "/") + "/"]
            }
            let schools = try await store.schoolAttributes(under: scoped && !needsQuintiles ? scope.orgPath : nil)
            var unitOfSchool: [Int64: Int] = [:]
            for (id, s) in schools { if let u = unit(at: s.path) { unitOfSchool[id] = u } }
            // Population is given for areas: an area rolls up to the unit above it at `depth`.
            var unitOfArea: [Int64: Int] = [:]
            var deepest: Int?
            for (id, area) in try await store.populationAreas() {
                deepest = max(deepest ?? area.depth, area.depth)
                if area.depth >= depth, let u = unit(at: area.path) { unitOfArea[id] = u }
            }
            var quintile: [Int64: String] = [:]
            if needsQuintiles {
                let active = try await store.cubeCells(.learners, yearID: yearID, measures: ["active"], by: [])
                quintile = Self.quintiles(schools: schools, learners: Dictionary(active.map { ($0.unitID, $0.values[0]) }, uniquingKeysWith: +))
            }
            return Context(yearID: yearID, yearName: yearName, depth: depth, levelName: levelName, units: units,
                           unitIndex: Dictionary(uniqueKeysWithValues: units.enumerated().map { ($1.id.rawValue, $0) }),
                           parentOf: Dictionary(units.compactMap { u in u.parentID.map { (u.id.rawValue, $0.rawValue) } }, uniquingKeysWith: { a, _ in a }),
                           unitOfSchool: unitOfSchool, unitOfArea: unitOfArea, deepestPopulation: deepest, schools: schools, quintile: quintile,
                           scoped: scoped)
        }

        /// Poverty quintiles of learners: schools sorted poorest first (highest poverty index),
        /// each placed in the fifth of the country's learners its first learner falls in. Schools
        /// without an index are "unknown".
        static func quintiles(schools: [Int64: SchoolAttributes], learners: [Int64: Double]) -> [Int64: String] {
            let ranked = schools.values.filter { $0.povertyIndex != nil }
                .sorted { ($0.povertyIndex!, $1.schoolID) > ($1.povertyIndex!, $0.schoolID) }
            let total = ranked.reduce(0) { $0 + (learners[$1.schoolID] ?? 0) }
            var out: [Int64: String] = [:]
            var before = 0.0
            for s in ranked {
                let q = total > 0 ? min(5, Int(before / total * 5) + 1) : 3
                out[s.schoolID] = "q\(q)"
                before += learners[s.schoolID] ?? 0
            }
            return out
        }

        func schoolTrait(_ d: Breakdown, _ school: Int64) -> String {
            switch d {
            case .locality: schools[school]?.locality ?? "unknown"
            case .ownership: schools[school]?.ownership ?? "unknown"
            case .povertyQuintile: quintile[school] ?? "unknown"
            default: "unknown"
            }
        }
    }

    /// Cube dimensions to ask for so that `breakdowns` can be formed, deduplicated in order.
    static func cubeDimensions(_ breakdowns: [Breakdown]) -> [CubeDimension] {
        var out: [CubeDimension] = []
        for b in breakdowns { for c in b.cubeDimensions where !out.contains(c) { out.append(c) } }
        return out
    }

    /// The category of `b` for a cell with cube `keys` (in `cube` order) at `school`.
    func category(_ b: Breakdown, keys: [String], cube: [CubeDimension], school: Int64, _ context: Context) -> String {
        if b.isSchoolTrait { return context.schoolTrait(b, school) }
        func key(_ c: CubeDimension) -> String { cube.firstIndex(of: c).map { keys[$0] } ?? "unknown" }
        if b == .ageGroup {
            guard let age = Int(key(.age)), let grade = Int(key(.grade)), grade >= 1 else { return "unknown" }
            let over = age - catalogue.system.officialAge(grade: grade)
            return over < 0 ? "under_age" : over == 0 ? "official_age" : over == 1 ? "over_age_1" : "over_age_2_plus"
        }
        return key(b.cubeDimensions[0])
    }

    struct CellKey: Hashable { var unit: Int; var categories: [String] }

    /// A term's sums per cell and, within each, per school (per area for population).
    /// Sample rounds are weighted unless `weighted` is false (suppression counts people).
    func sums(_ term: IndicatorTerm, _ d: IndicatorDefinition, _ context: Context, _ breakdowns: [Breakdown], period: Int?,
              weighted: Bool = true) async throws -> [CellKey: [Int64: Double]] {
        try await sums([(term, weighted)], d, context, breakdowns, period: period)[0]
    }

    /// The same for several terms at once: terms that read the same summary with the same
    /// filters are summed in one query (a dashboard's numerator, denominator and base).
    func sums(_ terms: [(term: IndicatorTerm, weighted: Bool)], _ d: IndicatorDefinition, _ context: Context, _ breakdowns: [Breakdown],
              period: Int?) async throws -> [[CellKey: [Int64: Double]]] {
        let system = catalogue.system
        var out = [[CellKey: [Int64: Double]]](repeating: [:], count: terms.count)
        struct Request: Hashable { var source: CubeSource; var filter: CubeFilter }
        var grouped: [Request: [(index: Int, measures: [String])]] = [:]
        var order: [Request] = []
        for (i, (term, weighted)) in terms.enumerated() {
            var filter = CubeFilter(grades: term.grades.flatMap(system.grades), ages: term.ages.flatMap(system.ages),
                                    subtask: term.subtask, instrumentKind: term.instrumentKind)
            // Below the country, read only the schools in scope (up to a few thousand: a region).
            if context.scoped && context.unitOfSchool.count <= 5_000 {
                filter.schools = Array(context.unitOfSchool.keys)  // cubeCells writes them sorted
            }
            switch term.source {
            case .learners, .learning:
                var measures = term.measures
                if term.source == .learning {
                    filter.mode = d.mode == .any ? nil : d.mode.rawValue
                    filter.period = period
                    if d.mode == .sample && weighted { measures = measures.map { "w_" + $0 } }
                }
                let key = Request(source: term.source, filter: filter)
                if grouped[key] == nil { order.append(key) }
                grouped[key, default: []].append((i, measures))
            case .schools:
                for (school, values) in try await store.schoolMeasures(yearID: context.yearID) {
                    guard let u = context.unitOfSchool[school] else { continue }
                    let total = term.measures.reduce(0.0) { $0 + (SchoolMeasure(rawValue: $1).flatMap { values[$0] } ?? 0) }
                    let key = CellKey(unit: u, categories: breakdowns.map { context.schoolTrait($0, school) })
                    out[i][key, default: [:]][school, default: 0] += total
                }
            case .population:
                if let deepest = context.deepestPopulation, context.depth > deepest {
                    let level = try await store.orgLevels().first { $0.depth == deepest }?.name ?? "level \(deepest)"
                    throw IndicatorError("\(d.id) divides by population figures, which are given down to the \(level) level; choose level \(deepest) or above.")
                }
                let dims = breakdowns.flatMap(\.cubeDimensions)
                for cell in try await store.populationCells(yearID: context.yearID, by: dims, ages: filter.ages) {
                    guard let u = context.unitOfArea[cell.unitID] else { continue }
                    out[i][CellKey(unit: u, categories: cell.keys), default: [:]][cell.unitID, default: 0] += cell.values[0]
                }
            }
        }
        let cube = Self.cubeDimensions(breakdowns)
        for request in order {
            let parts = grouped[request]!
            var columns: [String] = []
            var slices: [(index: Int, range: Range<Int>)] = []
            for p in parts {
                slices.append((p.index, columns.count..<(columns.count + p.measures.count)))
                columns += p.measures
            }
            for cell in try await store.cubeCells(request.source, yearID: context.yearID, measures: columns, by: cube, filter: request.filter) {
                guard let u = context.unitOfSchool[cell.unitID] else { continue }
                let key = CellKey(unit: u, categories: breakdowns.map { category($0, keys: cell.keys, cube: cube, school: cell.unitID, context) })
                for (i, range) in slices {
                    out[i][key, default: [:]][cell.unitID, default: 0] += cell.values[range].reduce(0, +)
                }
            }
        }
        return out
    }

    /// A ratio's numerator, denominator and base sums per cell and school.
    struct RatioSums {
        var num: [CellKey: [Int64: Double]]
        var den: [CellKey: [Int64: Double]]
        var base: [CellKey: [Int64: Double]]
        var baseIsNumerator = false
        var baseIsDenominator = false
    }

    /// A distribution's denominator: each cell's total over its last category (the levels).
    static func levelTotals(_ num: [CellKey: [Int64: Double]]) -> [CellKey: [Int64: Double]] {
        var den: [CellKey: [Int64: Double]] = [:]
        for (k, v) in num {
            let whole = CellKey(unit: k.unit, categories: Array(k.categories.dropLast()))
            for (school, x) in v { den[whole, default: [:]][school, default: 0] += x }
        }
        return den
    }

    func ratioRows(_ d: IndicatorDefinition, _ context: Context, _ breakdowns: [Breakdown], period: Int?,
                   notes: inout [String]) async throws -> [IndicatorRow] {
        let all = breakdowns + (d.over.map { [$0] } ?? [])
        return try await ratioRows(d, context, ratioSums(d, context, all, period: period), notes: &notes)
    }

    /// `all` is the breakdowns with the indicator's `over` last.
    func ratioSums(_ d: IndicatorDefinition, _ context: Context, _ all: [Breakdown], period: Int?) async throws -> RatioSums {
        guard let numeratorTerm = d.numerator else { return RatioSums(num: [:], den: [:], base: [:]) }
        // What suppression counts: people, unweighted.
        let baseTerm = d.base ?? (d.unit == .count || d.denominator == nil || [.population, .schools].contains(d.denominator!.source)
                                  ? numeratorTerm : d.denominator!)
        let baseIsNumerator = d.mode != .sample && d.method != .distribution && baseTerm == numeratorTerm
        let baseIsDenominator = d.mode != .sample && d.method != .distribution && baseTerm == d.denominator
        // Numerator, denominator and base together: one query per summary they read.
        var wanted: [(term: IndicatorTerm, weighted: Bool)] = [(numeratorTerm, true)]
        let denominatorTerm = d.method == .distribution ? nil : d.denominator
        if let t = denominatorTerm { wanted.append((t, true)) }
        if !baseIsNumerator && !baseIsDenominator { wanted.append((baseTerm, false)) }
        let got = try await sums(wanted, d, context, all, period: period)
        let num = got[0]
        let den: [CellKey: [Int64: Double]] = d.method == .distribution ? Self.levelTotals(num) : denominatorTerm != nil ? got[1] : [:]
        return RatioSums(num: num, den: den, base: baseIsNumerator ? num : baseIsDenominator ? den : got[got.count - 1],
                         baseIsNumerator: baseIsNumerator, baseIsDenominator: baseIsDenominator)
    }

    func ratioRows(_ d: IndicatorDefinition, _ context: Context, _ sums: RatioSums, notes: inout [String]) async throws -> [IndicatorRow] {
        guard let numeratorTerm = d.numerator else { return [] }
        let num = sums.num, den = sums.den, baseSums = sums.base
        let sample = d.mode == .sample && numeratorTerm.source == .learning
        if sample {
            notes.append("Estimates from the sample rounds, weighted to the population, with 95 % intervals from design-based standard errors clustered by school (t with schools − 1 degrees of freedom).")
        } else if d.terms.contains(where: { $0.source == .learning }) {
            notes.append(d.mode == .census ? "From census rounds (every child in the grades assessed); n is the number of results." : "Every result counts once, unweighted; n is the number of results.")
        }
        // Every cell with either side; a count or a distribution has cells where its numerator does.
        let keys = d.unit == .count || d.method == .distribution ? Set(num.keys) : Set(num.keys).union(den.keys)
        let levelNames = d.over == .level ? try await levelNames(subtask: numeratorTerm.subtask) : [:]
        var rows: [IndicatorRow] = []
        for key in keys {
            let unit = context.units[key.unit]
            let n = num[key]?.values.reduce(0, +) ?? 0
            let b = Int((baseSums[key]?.values.reduce(0, +) ?? 0).rounded())
            var categories = key.categories
            if d.over == .level, let last = categories.last { categories[categories.count - 1] = levelNames[last] ?? last }
            let denKey = d.method == .distribution ? CellKey(unit: key.unit, categories: Array(key.categories.dropLast())) : key
            let dd = d.unit == .count ? 0 : (den[denKey]?.values.reduce(0, +) ?? 0)
            var value: Double?
            switch d.unit {
            case .count: value = n
            default: value = dd > 0 ? n / dd : nil
            }
            if d.method == .complement, let v = value { value = max(0, 1 - v) }
            var row = IndicatorRow(unitID: unit.id.rawValue, unitCode: unit.code, unitName: unit.name, categories: categories,
                                   numerator: n, denominator: dd, base: b, value: value)
            if sample, value != nil, let numerators = num[key], let denominators = den[denKey] {
                let schools = Set(numerators.keys).union(denominators.keys)
                let totals = schools.map { (y: numerators[$0] ?? 0, x: denominators[$0] ?? 0) }
                if let e = try? Survey.ratio(clusterTotals: totals, design: .clusterSample, clipToUnit: d.unit == .share),
                   let se = e.standardError, let ci = e.confidenceInterval {
                    row.standardError = se
                    if d.method == .complement {
                        row.lower = max(0, 1 - ci.upperBound)
                        row.upper = min(1, 1 - ci.lowerBound)
                    } else {
                        row.lower = ci.lowerBound
                        row.upper = ci.upperBound
                    }
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Level index → name for a level subtask (from the first instrument that has it).
    func levelNames(subtask: String?) async throws -> [String: String] {
        for instrument in try await store.instruments().values.sorted(by: { $0.code < $1.code }) {
            if let s = instrument.subtasks.first(where: { $0.code == subtask && !$0.levels.isEmpty }) {
                return Dictionary(uniqueKeysWithValues: s.levels.enumerated().map { (String($0.offset), $0.element) })
            }
        }
        return [:]
    }

    // MARK: Survival

    func survivalRows(_ d: IndicatorDefinition, _ context: Context, _ breakdowns: [Breakdown]) async throws -> [IndicatorRow] {
        guard let span = d.grades, let grades = catalogue.system.grades(span) else { return [] }
        let cube = Self.cubeDimensions(breakdowns) + [.grade]
        struct Key: Hashable { var unit: Int; var categories: [String] }
        func load(_ year: Int, _ measures: [String]) async throws -> [Key: [Int: [Double]]] {
            var out: [Key: [Int: [Double]]] = [:]
            for cell in try await store.cubeCells(.learners, yearID: year, measures: measures, by: cube, filter: CubeFilter(grades: grades)) {
                guard let u = context.unitOfSchool[cell.unitID], let g = Int(cell.keys.last ?? "") else { continue }
                let k = Key(unit: u, categories: breakdowns.map { category($0, keys: cell.keys, cube: cube, school: cell.unitID, context) })
                var v = out[k, default: [:]][g] ?? Array(repeating: 0, count: measures.count)
                for i in v.indices { v[i] += cell.values[i] }
                out[k, default: [:]][g] = v
            }
            return out
        }
        var rows: [IndicatorRow] = []
        switch d.rates ?? .reconstructedCohort {
        case .learnerFlows:
            let flows = try await load(context.yearID, ["promoted", "repeating", "dropped_out", "completed", "enrolled"])
            for (k, byGrade) in flows {
                var rates: [Int: GradeFlow] = [:]
                for (g, v) in byGrade { rates[g] = LearnerFlows.rates(promoted: v[0], repeating: v[1], droppedOut: v[2], completed: v[3]) }
                rows.append(survivalRow(k.unit, k.categories, rates, grades, base: byGrade.values.reduce(0) { $0 + $1[4] }, context))
            }
        case .reconstructedCohort:
            let now = try await load(context.yearID, ["enrolled", "completed"])
            let next = try await load(context.yearID + 1, ["enrolled", "repeaters"])
            for (k, byGrade) in now {
                let following = next[k] ?? [:]
                let rates = ReconstructedCohort.rates(grades: grades, enrolment: byGrade.mapValues { $0[0] },
                                                      nextEnrolment: following.mapValues { $0[0] }, nextRepeaters: following.mapValues { $0[1] },
                                                      graduates: byGrade[grades.upperBound]?[1])
                rows.append(survivalRow(k.unit, k.categories, rates, grades, base: byGrade.values.reduce(0) { $0 + $1[0] }, context))
            }
        }
        return rows
    }

    func survivalRow(_ unit: Int, _ categories: [String], _ rates: [Int: GradeFlow], _ grades: ClosedRange<Int>, base: Double,
                     _ context: Context) -> IndicatorRow {
        let u = context.units[unit]
        let s = ReconstructedCohort.survival(to: grades.upperBound, from: grades.lowerBound, rates: rates).map { min(1, max(0, $0)) }
        var row = IndicatorRow(unitID: u.id.rawValue, unitCode: u.code, unitName: u.name, categories: categories, numerator: 0, denominator: 0,
                               base: Int(base.rounded()), value: s)
        row.components = Dictionary(uniqueKeysWithValues: rates.flatMap { g, f in
            [("promotion_grade_\(g)", f.promotion), ("repetition_grade_\(g)", f.repetition), ("dropout_grade_\(g)", f.dropout)]
        })
        return row
    }

    // MARK: Teacher allocation

    func allocationRows(_ d: IndicatorDefinition, _ context: Context, _ breakdowns: [Breakdown]) async throws -> [IndicatorRow] {
        let pupils = Dictionary(try await store.cubeCells(.learners, yearID: context.yearID, measures: ["active"], by: []).map { ($0.unitID, $0.values[0]) },
                                uniquingKeysWith: +)
        let measures = try await store.schoolMeasures(yearID: context.yearID)
        struct Key: Hashable { var unit: Int; var categories: [String] }
        var groups: [Key: [(Double, Double)]] = [:]
        for (school, values) in measures {
            guard let u = context.unitOfSchool[school], let p = pupils[school], p > 0, let t = values[.teachers] else { continue }
            groups[Key(unit: u, categories: breakdowns.map { context.schoolTrait($0, school) }), default: []].append((p, t))
        }
        return groups.map { k, pairs in
            let u = context.units[k.unit]
            let fit = TeacherAllocation.consistency(pupils: pairs.map(\.0), teachers: pairs.map(\.1))
            var row = IndicatorRow(unitID: u.id.rawValue, unitCode: u.code, unitName: u.name, categories: k.categories,
                                   numerator: 0, denominator: 0, base: pairs.count, value: fit?.randomness)
            if let fit { row.components = ["r_squared": fit.rSquared, "schools": Double(fit.schools)] }
            return row
        }
    }

    // MARK: Learning poverty

    func learningPovertyRows(_ d: IndicatorDefinition, _ context: Context, _ breakdowns: [Breakdown],
                             notes: inout [String]) async throws -> [IndicatorRow] {
        guard let p = d.proficiency.flatMap(catalogue.named), let o = d.outOfSchool.flatMap(catalogue.named) else { return [] }
        var ignored: [String] = []
        let proficient = try await ratioRows(p, context, breakdowns, period: nil, notes: &ignored)
        let out = try await ratioRows(o, context, breakdowns, period: nil, notes: &ignored)
        let oos = Dictionary(out.map { ("\($0.unitID)|\($0.category)", $0.value) }, uniquingKeysWith: { a, _ in a })
        notes.append("LP = BMP × (1 − OoS) + OoS, with BMP from \(p.title) and OoS from \(o.title).")
        return proficient.map { r in
            var row = r
            row.numerator = 0
            row.denominator = 0
            row.standardError = nil
            row.lower = nil
            row.upper = nil
            if let share = r.value, let outOfSchool = oos["\(r.unitID)|\(r.category)"] ?? nil {
                row.value = LearningPoverty.rate(belowMinimumShare: 1 - share, outOfSchoolShare: outOfSchool)
                row.components = ["below_minimum": 1 - share, "out_of_school": outOfSchool]
                row.withheld = nil
            } else {
                row.value = nil
                row.withheld = "no_data"
            }
            return row
        }
    }

    // MARK: Suppression, parity, order

    /// Primary, then complementary suppression (beyond the school tier). A cell resting on 1 to
    /// `minimum` − 1 learners is withheld ("small_cell"). Then, wherever a withheld cell could be
    /// recovered by subtraction from a total — within a unit along any one breakdown (the other
    /// categories fixed), or across sibling units under one parent for the same categories —
    /// a line that holds exactly one withheld cell gets its smallest shown cell withheld too
    /// ("complementary"); repeated until no line has exactly one. A withheld cell keeps nothing
    /// that could reveal it. O(rows × lines) per pass.
    public static func suppress(_ rows: [IndicatorRow], minimum: Int, breakdowns: Int, parentOf: [Int64: Int64] = [:]) -> [IndicatorRow] {
        var out = rows
        for i in out.indices where out[i].base > 0 && out[i].base < minimum { out[i].withheld = "small_cell" }
        var lines: [[Int]] = []
        for p in 0..<breakdowns {
            var byLine: [String: [Int]] = [:]
            for (i, r) in out.enumerated() {
                var other = r.categories
                if p < other.count { other.remove(at: p) }
                byLine["\(r.unitID)|\(other.joined(separator: "\u{1}"))", default: []].append(i)
            }
            lines += byLine.values
        }
        if !parentOf.isEmpty {
            var byParent: [String: [Int]] = [:]
            for (i, r) in out.enumerated() {
                guard let parent = parentOf[r.unitID] else { continue }
                byParent["\(parent)|\(r.category)", default: []].append(i)
            }
            lines += byParent.values
        }
        func withheld(_ i: Int) -> Bool { out[i].withheld == "small_cell" || out[i].withheld == "complementary" }
        var changed = true
        while changed {
            changed = false
            for line in lines where line.filter(withheld).count == 1 {
                if let next = line.filter({ !withheld($0) && out[$0].base > 0 }).min(by: { (out[$0].base, $0) < (out[$1].base, $1) }) {
                    out[next].withheld = "complementary"
                    changed = true
                }
            }
        }
        for i in out.indices where withheld(i) {
            out[i].value = nil
            out[i].numerator = 0
            out[i].denominator = 0
            out[i].base = 0
            out[i].standardError = nil
            out[i].lower = nil
            out[i].upper = nil
            out[i].components = nil
        }
        return out
    }

    /// UIS adjusted parity indices for every characteristic with a (disadvantaged, advantaged)
    /// pair, in each unit and within each category of the other breakdowns.
    static func parity(_ rows: [IndicatorRow], _ breakdowns: [Breakdown]) -> [ParityRow] {
        var out: [ParityRow] = []
        for (p, dim) in breakdowns.enumerated() {
            guard let pair = dim.parityPair else { continue }
            var groups: [String: [IndicatorRow]] = [:]
            for r in rows where r.categories.count == breakdowns.count {
                var other = r.categories
                other.remove(at: p)
                groups["\(r.unitID)|\(other.joined(separator: "\u{1}"))", default: []].append(r)
            }
            for (_, group) in groups {
                guard let a = group.first(where: { $0.categories[p] == pair.disadvantaged })?.value,
                      let b = group.first(where: { $0.categories[p] == pair.advantaged })?.value,
                      let pi = Parity.index(disadvantaged: a, advantaged: b), let pia = Parity.adjusted(disadvantaged: a, advantaged: b) else { continue }
                var within = group[0].categories
                within.remove(at: p)
                out.append(ParityRow(unitCode: group[0].unitCode, unitName: group[0].unitName, dimension: dim, within: within,
                                     disadvantaged: pair.disadvantaged, advantaged: pair.advantaged, index: pi, adjusted: pia,
                                     atParity: Parity.isWithinParity(pia)))
            }
        }
        return out.sorted { ($0.unitCode, $0.dimension.rawValue, $0.within.joined()) < ($1.unitCode, $1.dimension.rawValue, $1.within.joined()) }
    }

    static let namedOrder = ["below_partially_meets", "partially_meets", "meets", "exceeds", "none",
                             "under_age", "official_age", "over_age_1", "over_age_2_plus",
                             "female", "male", "with_disability", "without_disability", "not_asked", "urban", "rural",
                             "public", "private", "community", "q1", "q2", "q3", "q4", "q5"]

    /// Categories in reading order: numbers by value, known codes in their natural order,
    /// "unknown" last, the rest alphabetically.
    static func categoryOrder(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            if x == "unknown" { return false }
            if y == "unknown" { return true }
            if let i = Int(x), let j = Int(y) { return i < j }
            let ix = namedOrder.firstIndex(of: x), iy = namedOrder.firstIndex(of: y)
            if let ix, let iy { return ix < iy }
            return x < y
        }
        return a.count < b.count
    }
}
