import DarasaCore

/// The summaries the indicator engine reads (never raw rows). Each measure is a column (or a
/// fixed expression over columns) of one of them; identifiers come only from the tables below,
/// so they can be written into SQL; every value is bound.
public enum CubeSource: String, Sendable, Codable, CaseIterable {
    /// `summary_learner_cube`: enrolment, flows, attendance, assessed, per learner profile.
    case learners
    /// `summary_learning_cube`: assessment results per subtask, round, mode and profile.
    case learning
    /// One value per school: teachers, visits, follow-ups (see `DarasaStore.schoolMeasures`).
    case schools
    /// `population`: school-age population by area, age and sex.
    case population

    /// The measures each source holds, and the SQL that sums to each.
    public static let measures: [CubeSource: [String: String]] = [
        .learners: Dictionary(uniqueKeysWithValues: ["learners", "enrolled", "active", "new_entrants", "repeaters", "promoted", "repeating",
                                                     "dropped_out", "completed", "transferred_out", "attending", "recorded_days",
                                                     "present_days", "absent_days", "chronic_base", "chronically_absent", "assessed"].map { ($0, $0) }),
        .learning: {
            var m = Dictionary(uniqueKeysWithValues: ["results", "scored", "zero_scores", "with_benchmark", "at_benchmark", "score_sum",
                                                      "w_results", "w_scored", "w_zero_scores", "w_with_benchmark", "w_at_benchmark",
                                                      "w_score_sum"].map { ($0, $0) })
            // Global Proficiency Framework: level 2 is "meets", the minimum proficiency level (SDG 4.1.1).
            m["at_mpl"] = "CASE WHEN proficiency >= 2 THEN scored ELSE 0 END"
            m["with_mpl"] = "CASE WHEN proficiency >= 0 THEN scored ELSE 0 END"
            m["w_at_mpl"] = "CASE WHEN proficiency >= 2 THEN w_scored ELSE 0 END"
            m["w_with_mpl"] = "CASE WHEN proficiency >= 0 THEN w_scored ELSE 0 END"
            return m
        }(),
        .schools: Dictionary(uniqueKeysWithValues: SchoolMeasure.allCases.map { ($0.rawValue, $0.rawValue) }),
        .population: ["population": "people"],
    ]

    /// The learner characteristics each source is kept by.
    public var dimensions: Set<CubeDimension> {
        switch self {
        case .learners: [.grade, .sex, .disability, .age, .language]
        case .learning: [.grade, .sex, .disability, .age, .language, .level, .proficiency, .period, .mode]
        case .schools: []
        case .population: [.sex, .age]
        }
    }

    public static func source(of measure: String) -> CubeSource? {
        allCases.first { measures[$0]?[measure] != nil }
    }
}

/// A learner characteristic a cube is kept by (school characteristics — locality, poverty,
/// ownership — and the org hierarchy join at school grain in the indicator engine).
public enum CubeDimension: String, Sendable, Codable, CaseIterable {
    case grade, sex, disability, age, language, level, proficiency, period, mode

    /// How the key reads: codes, never free text from a file.
    var sql: String {
        switch self {
        case .grade: "CAST(grade AS TEXT)"
        case .sex: "sex"
        case .disability: "CASE disability WHEN 1 THEN 'with_disability' WHEN 0 THEN 'without_disability' ELSE 'not_asked' END"
        case .age: "CASE WHEN age < 0 THEN 'unknown' ELSE CAST(age AS TEXT) END"
        case .language: "CASE WHEN language = '' THEN 'unknown' ELSE language END"
        case .level: "CAST(level AS TEXT)"
        case .proficiency: "CASE proficiency WHEN 0 THEN 'below_partially_meets' WHEN 1 THEN 'partially_meets' WHEN 2 THEN 'meets' WHEN 3 THEN 'exceeds' ELSE 'none' END"
        case .period: "CAST(period AS TEXT)"
        case .mode: "mode"
        }
    }
}

/// Which rows of a cube count: each restriction is optional; population rows take `ages` only.
public struct CubeFilter: Sendable, Hashable, Codable {
    public var grades: ClosedRange<Int>?
    public var ages: ClosedRange<Int>?
    /// Assessment subtask code (e.g. "orf").
    public var subtask: String?
    /// Instrument kind (egra, egma, aser).
    public var instrumentKind: String?
    /// Assessment mode: "sample" or "census"; nil: both.
    public var mode: String?
    /// Month of assessment, YYYYMM.
    public var period: Int?
    /// Only these schools (nil: every school). A district's dashboard reads its own schools by
    /// the summaries' primary key instead of scanning the whole country's year.
    public var schools: [Int64]?

    public init(grades: ClosedRange<Int>? = nil, ages: ClosedRange<Int>? = nil, subtask: String? = nil, instrumentKind: String? = nil,
                mode: String? = nil, period: Int? = nil) {
        self.grades = grades
        self.ages = ages
        self.subtask = subtask
        self.instrumentKind = instrumentKind
        self.mode = mode
        self.period = period
    }
}

/// Sums of some measures for one school (or, for population, one org unit) and one combination
/// of keys.
public struct CubeCell: Sendable, Hashable {
    /// A school id; for population rows the org unit the figures are given for.
    public var unitID: Int64
    public var keys: [String]
    public var values: [Double]
}

/// The per-school measures that are not learner counts.
public enum SchoolMeasure: String, Sendable, CaseIterable, Codable {
    /// 1 per school (for shares of schools).
    case schools
    /// Teachers posted at any time during the school year; and of them, trained.
    case teachers, trained_teachers
    /// Teacher days recorded and present (including late) in the daily check-in.
    case teacher_recorded_days, teacher_present_days
    /// 1 when the school had a coaching or quality visit in the year / in the chosen term.
    case visited, visited_term
    /// Follow-up actions agreed at visits that fell due in the year by the reference day, and of
    /// them those marked done.
    case followups_due, followups_done
}

/// What the engine needs to know of each school to roll it up and cut it by school traits.
public struct SchoolAttributes: Sendable, Hashable {
    public var schoolID: Int64
    public var path: String
    public var locality: String?
    public var ownership: String
    public var povertyIndex: Double?
    public var latitude: Double?
    public var longitude: Double?
}

extension DarasaStore {
    /// Sums `measures` of a learner or learning cube for one school year, per school and per
    /// combination of `dimensions`, over the rows `filter` lets through. Throws
    /// ``StoreError/Code/invalid`` for a measure or dimension the source does not hold.
    public func cubeCells(_ source: CubeSource, yearID: Int, measures: [String], by dimensions: [CubeDimension],
                          filter: CubeFilter = CubeFilter()) async throws -> [CubeCell] {
        guard source == .learners || source == .learning else {
            throw StoreError(.invalid, "Only the learner and learning summaries are read as cubes.")
        }
        let known = CubeSource.measures[source] ?? [:]
        let sums = try measures.map { m -> String in
            guard let expression = known[m] else {
                throw StoreError(.invalid, "\(m) is not a measure of the \(source.rawValue) summary; choose one of \(known.keys.sorted().joined(separator: ", ")).")
            }
            return "CAST(SUM(\(expression)) AS DOUBLE PRECISION)"
        }
        for d in dimensions where !source.dimensions.contains(d) {
            throw StoreError(.invalid, "The \(source.rawValue) summary is not kept by \(d.rawValue).")
        }
        let table = source == .learners ? "summary_learner_cube" : "summary_learning_cube"
        // With a school list the primary key (school first) is the way in; `+year_id` keeps the
        // planner off the year index, which would read the whole country's year.
        var conditions = [filter.schools == nil ? "year_id = ?" : "+year_id = ?"]
        var arguments: [SQLValue] = [.int(Int64(yearID))]
        if let g = filter.grades {
            conditions.append("grade BETWEEN ? AND ?")
            arguments += [.int(Int64(g.lowerBound)), .int(Int64(g.upperBound))]
        }
        if let a = filter.ages {
            conditions.append("age BETWEEN ? AND ?")
            arguments += [.int(Int64(a.lowerBound)), .int(Int64(a.upperBound))]
        }
        if let schools = filter.schools {
            // Integers written into the SQL (never text from a request): one statement whatever the count.
            conditions.append("school_id IN (\(schools.isEmpty ? "NULL" : schools.sorted().map(String.init).joined(separator: ", ")))")
        }
        if source == .learning {
            if let s = filter.subtask { conditions.append("subtask_code = ?"); arguments.append(.text(s)) }
            if let k = filter.instrumentKind {
                conditions.append("instrument_id IN (SELECT id FROM instruments WHERE kind = ?)")
                arguments.append(.text(k))
            }
            if let m = filter.mode { conditions.append("mode = ?"); arguments.append(.text(m)) }
            if let p = filter.period { conditions.append("period = ?"); arguments.append(.int(Int64(p))) }
        }
        let keys = dimensions.map(\.sql)
        let select = (["school_id"] + keys + sums).joined(separator: ", ")
        let group = (["school_id"] + keys).joined(separator: ", ")
        let sql = "SELECT \(select) FROM \(table) WHERE \(conditions.joined(separator: " AND ")) GROUP BY \(group)"
        let width = dimensions.count
        return try await database.query(sql, arguments).compactMap { r in
            guard let school = r.int(0) else { return nil }
            return CubeCell(unitID: school, keys: (0..<width).map { r.text(1 + $0) ?? "unknown" },
                            values: measures.indices.map { r.double(1 + width + $0) ?? 0 })
        }
    }

    /// Population figures for the calendar year a school year starts in, per org unit they are
    /// given for and per combination of `dimensions` (sex, age), over `ages`.
    public func populationCells(yearID: Int, by dimensions: [CubeDimension], ages: ClosedRange<Int>?) async throws -> [CubeCell] {
        for d in dimensions where !CubeSource.population.dimensions.contains(d) {
            throw StoreError(.invalid, "Population figures are kept by sex and age only, not by \(d.rawValue).")
        }
        var conditions = ["year = (SELECT CAST(substr(start_date, 1, 4) AS INTEGER) FROM academic_years WHERE id = ?)"]
        var arguments: [SQLValue] = [.int(Int64(yearID))]
        if let a = ages {
            conditions.append("age BETWEEN ? AND ?")
            arguments += [.int(Int64(a.lowerBound)), .int(Int64(a.upperBound))]
        }
        let keys = dimensions.map { $0 == .age ? "CAST(age AS TEXT)" : "sex" }
        let select = (["org_unit_id"] + keys + ["CAST(SUM(people) AS DOUBLE PRECISION)"]).joined(separator: ", ")
        let group = (["org_unit_id"] + keys).joined(separator: ", ")
        return try await database.query("SELECT \(select) FROM population WHERE \(conditions.joined(separator: " AND ")) GROUP BY \(group)",
                                        arguments).compactMap { r in
            guard let unit = r.int(0) else { return nil }
            return CubeCell(unitID: unit, keys: dimensions.indices.map { r.text(1 + $0) ?? "unknown" },
                            values: [r.double(1 + dimensions.count) ?? 0])
        }
    }

    /// The org units population figures are given for, with their depth and path.
    public func populationAreas() async throws -> [Int64: (depth: Int, path: String)] {
        var out: [Int64: (depth: Int, path: String)] = [:]
        for r in try await database.query("""
            SELECT o.id, o.depth, o.path FROM org_units o WHERE o.id IN (SELECT DISTINCT org_unit_id FROM population)
            """, []) {
            if let id = r.int(0), let depth = r.int(1), let path = r.text(2) { out[id] = (Int(depth), path) }
        }
        return out
    }

    /// Whether any population figures are loaded.
    public func hasPopulation() async throws -> Bool {
        (try await database.scalarInt("SELECT COUNT(*) FROM (SELECT 1 FROM population LIMIT 1) p") ?? 0) > 0
    }

    /// Every school's place in the hierarchy and the traits indicators are cut by.
    /// Every school's traits, or those under the org path `under` ("/XD/R01/D003/").
    public func schoolAttributes(under: String? = nil) async throws -> [Int64: SchoolAttributes] {
        var out: [Int64: SchoolAttributes] = [:]
        for r in try await database.query("""
            SELECT s.id, o.path, s.locality, s.ownership, s.poverty_index, s.latitude, s.longitude
            FROM schools s JOIN org_units o ON o.id = s.id\(under == nil ? "" : " WHERE substr(o.path, 1, CAST(? AS INTEGER)) = ?")
            """, under.map { [.int(Int64($0.count)), .text($0)] } ?? []) {
            guard let id = r.int(0), let path = r.text(1) else { continue }
            out[id] = SchoolAttributes(schoolID: id, path: path, locality: r.text(2), ownership: r.text(3) ?? "public",
                                       povertyIndex: r.double(4), latitude: r.double(5), longitude: r.double(6))
        }
        return out
    }

    /// The per-school measures of one school year, for every school (absent values are 0).
    /// `term` bounds `visited_term`; `asOf` is the reference day for follow-ups falling due
    /// (those due after it are not yet expected); both default to the year's own dates.
    public func schoolMeasures(yearID: Int, term: ClosedRange<Day>? = nil, asOf: Day? = nil) async throws -> [Int64: [SchoolMeasure: Double]] {
        guard let year = try await calendar().first(where: { $0.id == yearID }) else { return [:] }
        let term = term ?? (year.terms.last.map { $0.start...$0.end } ?? year.start...year.end)
        let asOf = asOf.map { min($0, year.end) } ?? year.end
        let y = SQLValue.int(Int64(yearID)), start = SQLValue.text(year.start.iso), end = SQLValue.text(year.end.iso)
        var out: [Int64: [SchoolMeasure: Double]] = [:]
        for r in try await database.query("SELECT id FROM schools", []) {
            if let id = r.int(0) { out[id] = [.schools: 1] }
        }
        func add(_ sql: String, _ args: [SQLValue], _ measures: [SchoolMeasure]) async throws {
            for r in try await database.query(sql, args) {
                guard let id = r.int(0), out[id] != nil else { continue }
                for (i, m) in measures.enumerated() { out[id]![m] = r.double(1 + i) ?? 0 }
            }
        }
        try await add("""
            SELECT tp.school_id, COUNT(DISTINCT tp.teacher_id), COUNT(DISTINCT CASE WHEN t.trained = 1 THEN tp.teacher_id END)
            FROM teacher_postings tp JOIN teachers t ON t.id = tp.teacher_id
            WHERE tp.start_date <= ? AND (tp.end_date IS NULL OR tp.end_date >= ?)
            GROUP BY tp.school_id
            """, [end, start], [.teachers, .trained_teachers])
        try await add("""
            SELECT school_id, CAST(SUM(recorded_days) AS DOUBLE PRECISION), CAST(SUM(present_days) AS DOUBLE PRECISION)
            FROM summary_teacher_attendance WHERE year_id = ? GROUP BY school_id
            """,
                      [y], [.teacher_recorded_days, .teacher_present_days])
        try await add("""
            SELECT school_id, MAX(CASE WHEN visited_on BETWEEN ? AND ? THEN 1 ELSE 0 END), MAX(CASE WHEN visited_on BETWEEN ? AND ? THEN 1 ELSE 0 END)
            FROM school_visits GROUP BY school_id
            """, [start, end, .text(term.lowerBound.iso), .text(term.upperBound.iso)], [.visited, .visited_term])
        try await add("""
            SELECT v.school_id, COUNT(*), SUM(CASE WHEN a.status = 'done' THEN 1 ELSE 0 END)
            FROM visit_actions a JOIN school_visits v ON v.id = a.visit_id
            WHERE a.due_on BETWEEN ? AND ? AND a.status <> 'dropped'
            GROUP BY v.school_id
            """, [start, .text(asOf.iso)], [.followups_due, .followups_done])
        return out
    }

    /// The school years with their terms and holidays, oldest first.
    public func calendar() async throws -> [AcademicYear] {
        var terms: [Int: [Term]] = [:]
        for r in try await database.query("SELECT year_id, number, start_date, end_date FROM terms ORDER BY year_id, number", []) {
            guard let y = r.int(0), let n = r.int(1), let s = r.text(2).flatMap({ Day(iso: $0) }), let e = r.text(3).flatMap({ Day(iso: $0) }) else { continue }
            terms[Int(y), default: []].append(Term(number: Int(n), start: s, end: e))
        }
        var holidays: [Int: [Holiday]] = [:]
        for r in try await database.query("SELECT year_id, day, name FROM holidays ORDER BY year_id, day", []) {
            guard let y = r.int(0), let d = r.text(1).flatMap({ Day(iso: $0) }) else { continue }
            holidays[Int(y), default: []].append(Holiday(day: d, name: r.text(2) ?? ""))
        }
        return try await database.query("SELECT id, name, start_date, end_date FROM academic_years ORDER BY id", []).compactMap { r in
            guard let id = r.int(0), let s = r.text(2).flatMap({ Day(iso: $0) }), let e = r.text(3).flatMap({ Day(iso: $0) }) else { return nil }
            return AcademicYear(id: Int(id), name: r.text(1) ?? String(id), start: s, end: e, terms: terms[Int(id)] ?? [], holidays: holidays[Int(id)] ?? [])
        }
    }

    /// School years that have learner summaries, oldest first.
    public func yearsWithData() async throws -> [Int] {
        try await database.query("SELECT DISTINCT year_id FROM summary_learner_cube ORDER BY year_id", []).compactMap { $0.int(0).map(Int.init) }
    }

    /// The latest school year whose enrolments carry an outcome (promoted, repeating, …), i.e.
    /// whose next year is loaded: flow indicators default to it.
    public func latestYearWithOutcomes() async throws -> Int? {
        try await database.scalarInt("""
            SELECT MAX(year_id) FROM summary_learner_cube WHERE promoted + repeating + completed > 0
            """).map(Int.init)
    }
}
