import Foundation

/// What to generate. The same spec (including `seed`) always gives byte-identical files.
public struct CountrySpec: Sendable, Equatable, Codable {
    /// Learners enrolled in primary (grades 1–8) in the first year. Later years add a grade-1
    /// intake each year, so the number of distinct learners over all years is larger.
    public var learners: Int
    public var seed: UInt64
    /// Academic years (calendar years, January–November), in order.
    public var years: [Int]
    public var countryCode: String
    public var countryName: String
    /// Years for which monthly class registers are written (nil = all years). Registers are by
    /// far the largest source; benchmarks may narrow this.
    public var registerYears: [Int]?
    /// Years for which the teacher check-in system exports daily attendance (nil = all years).
    public var teacherAttendanceYears: [Int]?
    public var defects: DefectRates

    public init(learners: Int, seed: UInt64, years: [Int] = [2023, 2024, 2025], countryCode: String = "XD",
                countryName: String = "Darasa (synthetic)", registerYears: [Int]? = nil,
                teacherAttendanceYears: [Int]? = nil, defects: DefectRates = .default) {
        self.learners = learners
        self.seed = seed
        self.years = years
        self.countryCode = countryCode
        self.countryName = countryName
        self.registerYears = registerYears
        self.teacherAttendanceYears = teacherAttendanceYears
        self.defects = defects
    }
}

/// How often each kind of defect is injected. Each rate applies to its own unit (see the
/// comments and docs/synthetic-country.md); every injected defect is listed in truth/defects.csv.
public struct DefectRates: Sendable, Equatable, Codable {
    /// Per learner with a later enrolment: the school-management system opens a second record
    /// (new sourcedId) for the same child, usually at a transfer, otherwise at a new school year.
    public var duplicateLearner: Double
    /// Per assessment row: one letter of the given or family name is misspelled.
    public var misspelledName: Double
    /// Per assessment row: given and family names are swapped.
    public var transposedName: Double
    /// Per birth date (OneRoster demographics and HR) whose day is 1–12 and differs from the month:
    /// day and month are swapped.
    public var dayMonthSwap: Double
    /// Per learner demographics record: a birth date that makes the age impossible for the grade.
    public var impossibleAge: Double
    /// Per school and year: the census return is missing from the workbook.
    public var missingCensus: Double
    /// Per school and year (of those submitted): the return arrives after the deadline.
    public var lateCensus: Double
    /// Per school and month with school days: the register file for that month is missing.
    public var missingRegisterMonth: Double
    /// Per assessment row: one raw count is out of range (attempted > items, incorrect > attempted,
    /// or seconds remaining outside 0…60).
    public var outOfRangeScore: Double
    /// Per school and year of census: enrolment is inflated (×1.5–3) in one or more grades.
    public var enrolmentSpike: Double
    /// Per school and year of census: the teacher counts differ from the HR postings.
    public var teacherCountMismatch: Double

    public init(duplicateLearner: Double = 0.02, misspelledName: Double = 0.04, transposedName: Double = 0.02,
                dayMonthSwap: Double = 0.03, impossibleAge: Double = 0.005, missingCensus: Double = 0.03,
                lateCensus: Double = 0.10, missingRegisterMonth: Double = 0.02, outOfRangeScore: Double = 0.01,
                enrolmentSpike: Double = 0.02, teacherCountMismatch: Double = 0.05) {
        self.duplicateLearner = duplicateLearner
        self.misspelledName = misspelledName
        self.transposedName = transposedName
        self.dayMonthSwap = dayMonthSwap
        self.impossibleAge = impossibleAge
        self.missingCensus = missingCensus
        self.lateCensus = lateCensus
        self.missingRegisterMonth = missingRegisterMonth
        self.outOfRangeScore = outOfRangeScore
        self.enrolmentSpike = enrolmentSpike
        self.teacherCountMismatch = teacherCountMismatch
    }

    public static let `default` = DefectRates()
    /// No defects at all: every source agrees with the truth.
    public static let none = DefectRates(duplicateLearner: 0, misspelledName: 0, transposedName: 0, dayMonthSwap: 0,
                                         impossibleAge: 0, missingCensus: 0, lateCensus: 0, missingRegisterMonth: 0,
                                         outOfRangeScore: 0, enrolmentSpike: 0, teacherCountMismatch: 0)
}

/// The kinds of defect the generator injects (the `type` column of truth/defects.csv).
public enum DefectType: String, Sendable, CaseIterable, Codable {
    case duplicateLearner = "duplicate_learner"
    case misspelledName = "misspelled_name"
    case transposedName = "transposed_name"
    case dayMonthSwap = "day_month_swap"
    case impossibleAge = "impossible_age"
    case missingCensus = "missing_census"
    case lateCensus = "late_census"
    case missingRegisterMonth = "missing_register_month"
    case outOfRangeScore = "out_of_range_score"
    case enrolmentSpike = "enrolment_spike"
    case teacherCountMismatch = "teacher_count_mismatch"
}

/// What was generated. Written as truth/summary.json too.
public struct GenerationSummary: Sendable, Equatable, Codable {
    public var seed: UInt64
    public var years: [Int]
    public var regions: Int
    public var districts: Int
    public var zones: Int
    public var schools: Int
    /// Distinct children (true identities) enrolled in any year.
    public var learners: Int
    /// Student records in the school-management system (OneRoster users), duplicates included.
    public var learnerRecords: Int
    /// Student enrolments (OneRoster enrollments with role student).
    public var enrolments: Int
    public var teachers: Int
    /// Teacher class assignments (OneRoster enrollments with role teacher).
    public var classAssignments: Int
    public var classes: Int
    public var registerRows: Int
    public var teacherAttendanceRows: Int
    /// Rows of the EGRA exports (one per learner and instrument).
    public var egraRows: Int
    public var aserRows: Int
    public var visits: Int
    public var censusReturns: Int
    /// Files written outside truth/.
    public var files: Int
    /// Data rows written outside truth/ (header rows not counted; XLSX rows counted per sheet).
    public var rows: Int
    /// Files per source folder ("census", "hr", "oneroster", "registers", "assessments", "visits", "calendar").
    public var filesBySource: [String: Int]
    /// Injected defects per `DefectType` raw value (every type present, zero included).
    public var defects: [String: Int]
    /// True outcomes over all learner-years, per outcome (promoted, repeated, transferred, dropped_out, completed).
    public var outcomes: [String: Int]

    public init(seed: UInt64, years: [Int]) {
        self.seed = seed
        self.years = years
        regions = 0; districts = 0; zones = 0; schools = 0; learners = 0; learnerRecords = 0; enrolments = 0
        teachers = 0; classAssignments = 0; classes = 0; registerRows = 0; teacherAttendanceRows = 0; egraRows = 0
        aserRows = 0; visits = 0; censusReturns = 0; files = 0; rows = 0
        filesBySource = [:]
        defects = Dictionary(uniqueKeysWithValues: DefectType.allCases.map { ($0.rawValue, 0) })
        outcomes = [:]
    }
}

extension GenerationSummary: CustomStringConvertible {
    /// One line for a terminal, e.g. "77 schools, 25975 learners (26324 SMS records), 2560 files, 1104436 rows, 1032 defects".
    public var description: String {
        "\(schools) schools, \(learners) learners (\(learnerRecords) SMS records), \(teachers) teachers, "
            + "\(files) files, \(rows) rows, \(defects.values.reduce(0, +)) defects"
    }
}

/// Why generation could not run, in one sentence with a fix.
public struct GenerationError: Error, Sendable, CustomStringConvertible {
    public var problem: String
    public var fix: String
    public init(problem: String, fix: String) {
        self.problem = problem
        self.fix = fix
    }
    public var description: String { "\(problem). \(fix)" }
}
