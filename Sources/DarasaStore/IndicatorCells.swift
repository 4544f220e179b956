import DarasaCore

/// A breakdown the summaries can be cut by.
public enum Breakdown: String, Sendable, CaseIterable, Codable {
    case none, sex, disability, grade, locality
}

/// What the summaries know per school and category: numerator, denominator and the number of
/// learners (or teachers) the figure rests on, which decides suppression.
public struct IndicatorCell: Sendable, Hashable {
    public var schoolID: SchoolID
    public var category: String
    public var numerator: Double
    public var denominator: Double
    public var base: Int
}

/// The measures the indicator engine can ask the store for, each read from a summary table.
public enum Measure: String, Sendable, CaseIterable, Codable {
    /// Learners on the roll (active enrolments). Numerator only.
    case enrolment
    /// Days present ÷ days recorded.
    case attendance
    /// Learners absent ≥ 10 % of more than 30 recorded days ÷ learners with more than 30 days.
    case chronicAbsence = "chronic_absence"
    /// Learners with at least one assessment result. Numerator only.
    case assessed
    /// Results scoring zero on a subtask ÷ scored results (EGRA "zero scores").
    case zeroScores = "zero_scores"
    /// Results at or above the grade and language benchmark ÷ results with a benchmark.
    case atBenchmark = "at_benchmark"
    /// Sum of scores ÷ scored results (e.g. mean correct words per minute).
    case meanScore = "mean_score"

    /// Pupils on the roll ÷ teachers in post during the year.
    case pupilsPerTeacher = "pupils_per_teacher"
    /// Pupils on the roll ÷ trained teachers in post during the year.
    case pupilsPerTrainedTeacher = "pupils_per_trained_teacher"
    /// Teacher days present ÷ teacher days recorded.
    case teacherAttendance = "teacher_attendance"
    /// Schools with at least one coaching or quality visit in the year ÷ schools.
    case coachingCoverage = "coaching_coverage"

    /// Measures read per assessment subtask.
    public var needsSubtask: Bool { self == .zeroScores || self == .atBenchmark || self == .meanScore }

    /// Breakdowns each summary can serve (attendance is kept by grade and sex, not disability).
    public var breakdowns: Set<Breakdown> {
        switch self {
        case .enrolment, .chronicAbsence: [.none, .sex, .disability, .grade, .locality]
        case .attendance, .assessed, .zeroScores, .atBenchmark, .meanScore: [.none, .sex, .grade, .locality]
        case .pupilsPerTeacher, .pupilsPerTrainedTeacher, .teacherAttendance, .coachingCoverage: [.none, .locality]
        }
    }
}

extension DarasaStore {
    /// Per-school cells for one measure, year and breakdown, from the summary tables only.
    /// Throws ``StoreError/Code/invalid`` for a breakdown the measure's summary does not hold.
    public func indicatorCells(_ measure: Measure, yearID: Int, by breakdown: Breakdown, subtask: String? = nil) async throws -> [IndicatorCell] {
        guard measure.breakdowns.contains(breakdown) else {
            throw StoreError(.invalid, "\(measure.rawValue) cannot be broken down by \(breakdown.rawValue); choose one of \(measure.breakdowns.map(\.rawValue).sorted().joined(separator: ", ")).")
        }
        if let schoolLevel = try await schoolLevelCells(measure, yearID: yearID, by: breakdown) { return schoolLevel }
        let category: String
        var join = ""
        switch breakdown {
        case .none: category = "'all'"
        case .sex: category = measure == .chronicAbsence ? "l.sex" : "s.sex"
        case .disability: category = measure == .chronicAbsence ? "CASE \(SummarySQL.disability) WHEN 1 THEN 'with_disability' WHEN 0 THEN 'without_disability' ELSE 'not_asked' END"
            : "CASE s.disability WHEN 1 THEN 'with_disability' WHEN 0 THEN 'without_disability' ELSE 'not_asked' END"
        case .grade: category = measure == .chronicAbsence ? "CAST(e.grade AS TEXT)" : "CAST(s.grade AS TEXT)"
        case .locality: category = "sc.locality"; join = " JOIN schools sc ON sc.id = s.school_id"
        }
        // PostgreSQL refuses a constant in GROUP BY, so the whole-school case groups by school only.
        let groupBy = breakdown == .none ? "s.school_id" : "s.school_id, \(category)"
        let sql: String
        switch measure {
        case .enrolment:
            sql = """
                SELECT s.school_id, \(category), CAST(SUM(s.active) AS BIGINT), 0, CAST(SUM(s.active) AS BIGINT)
                FROM summary_enrolment s\(join) WHERE s.year_id = ? GROUP BY \(groupBy)
                """
        case .attendance:
            sql = """
                SELECT s.school_id, \(category), CAST(SUM(s.present_days) AS BIGINT), CAST(SUM(s.recorded_days) AS BIGINT),
                       CAST(SUM(s.learners) AS BIGINT)
                FROM summary_attendance_year s\(join) WHERE s.year_id = ? GROUP BY \(groupBy)
                """
        case .assessed:
            sql = """
                SELECT s.school_id, \(category), CAST(SUM(s.learners) AS BIGINT), 0, CAST(SUM(s.learners) AS BIGINT)
                FROM summary_assessed s\(join) WHERE s.year_id = ? GROUP BY \(groupBy)
                """
        case .zeroScores, .atBenchmark, .meanScore:
            let (num, den) = switch measure {
            case .zeroScores: ("s.zero_scores", "s.scored")
            case .atBenchmark: ("s.at_benchmark", "s.with_benchmark")
            default: ("s.score_sum", "s.scored")
            }
            sql = """
                SELECT s.school_id, \(category), CAST(SUM(\(num)) AS DOUBLE PRECISION), CAST(SUM(\(den)) AS BIGINT), CAST(SUM(\(den)) AS BIGINT)
                FROM summary_learning s\(join) WHERE s.year_id = ? AND s.subtask_code = ? GROUP BY \(groupBy)
                """
            return try await cells(sql, [.int(Int64(yearID)), .text(subtask ?? "orf")])
        case .chronicAbsence:
            let localityJoin = breakdown == .locality ? " JOIN schools sc ON sc.id = s.school_id" : ""
            sql = """
                SELECT s.school_id, \(category),
                       CAST(SUM(CASE WHEN s.absent_days * 10 >= s.recorded_days THEN 1 ELSE 0 END) AS BIGINT),
                       COUNT(*), COUNT(*)
                FROM summary_learner_year s JOIN learners l ON l.id = s.learner_id\(localityJoin)
                LEFT JOIN enrolments e ON e.learner_id = s.learner_id AND e.school_id = s.school_id AND e.year_id = s.year_id
                WHERE s.year_id = ? AND s.recorded_days > 30
                GROUP BY \(groupBy)
                """
        case .pupilsPerTeacher, .pupilsPerTrainedTeacher, .teacherAttendance, .coachingCoverage:
            return []  // answered by schoolLevelCells above
        }
        return try await cells(sql, [.int(Int64(yearID))])
    }

    /// Measures whose unit is the school (teachers, visits): one cell per school.
    private func schoolLevelCells(_ measure: Measure, yearID: Int, by breakdown: Breakdown) async throws -> [IndicatorCell]? {
        let category = breakdown == .locality ? "s.locality" : "'all'"
        let postedDuringYear = """
            tp.start_date <= (SELECT end_date FROM academic_years WHERE id = ?)
            AND (tp.end_date IS NULL OR tp.end_date >= (SELECT start_date FROM academic_years WHERE id = ?))
            """
        let y = SQLValue.int(Int64(yearID))
        switch measure {
        case .pupilsPerTeacher, .pupilsPerTrainedTeacher:
            let trained = measure == .pupilsPerTrainedTeacher ? " AND t.trained = 1" : ""
            return try await cells("""
                SELECT s.id, \(category), COALESCE(e.active, 0), COALESCE(p.teachers, 0), COALESCE(e.active, 0)
                FROM schools s
                LEFT JOIN (SELECT school_id, SUM(active) AS active FROM summary_enrolment WHERE year_id = ? GROUP BY school_id) e ON e.school_id = s.id
                LEFT JOIN (SELECT tp.school_id, COUNT(DISTINCT tp.teacher_id) AS teachers FROM teacher_postings tp
                           JOIN teachers t ON t.id = tp.teacher_id WHERE \(postedDuringYear)\(trained)
                           GROUP BY tp.school_id) p ON p.school_id = s.id
                """, [y, y, y])
        case .teacherAttendance:
            return try await cells("""
                SELECT s.id, \(category), CAST(SUM(a.present_days) AS BIGINT), CAST(SUM(a.recorded_days) AS BIGINT), CAST(SUM(a.teachers) AS BIGINT)
                FROM summary_teacher_attendance a JOIN schools s ON s.id = a.school_id WHERE a.year_id = ?
                GROUP BY s.id\(breakdown == .locality ? ", s.locality" : "")
                """, [y])
        case .coachingCoverage:
            return try await cells("""
                SELECT s.id, \(category),
                       CASE WHEN EXISTS (SELECT 1 FROM school_visits v WHERE v.school_id = s.id
                            AND v.visited_on BETWEEN (SELECT start_date FROM academic_years WHERE id = ?) AND (SELECT end_date FROM academic_years WHERE id = ?))
                            THEN 1 ELSE 0 END, 1, 1
                FROM schools s
                """, [y, y])
        default:
            return nil
        }
    }

    private func cells(_ sql: String, _ arguments: [SQLValue]) async throws -> [IndicatorCell] {
        try await database.query(sql, arguments).compactMap { r in
            guard let school = r.int(0) else { return nil }
            return IndicatorCell(schoolID: SchoolID(school), category: r.text(1) ?? "unknown", numerator: r.double(2) ?? 0,
                                 denominator: r.double(3) ?? 0, base: Int(r.int(4) ?? 0))
        }
    }

    /// Every school with its materialised path, for rolling school cells up the hierarchy.
    public func schoolPaths() async throws -> [SchoolID: String] {
        var out: [SchoolID: String] = [:]
        for r in try await database.query("SELECT o.id, o.path FROM org_units o JOIN schools s ON s.id = o.id", []) {
            if let id = r.int(0), let path = r.text(1) { out[SchoolID(id)] = path }
        }
        return out
    }

    /// Org units at one depth of the hierarchy.
    public func orgUnits(depth: Int) async throws -> [OrgUnit] {
        try await database.query("SELECT \(Self.orgUnitColumns) FROM org_units WHERE depth = ? ORDER BY path", .int(Int64(depth))).map(Self.orgUnit)
    }
}
