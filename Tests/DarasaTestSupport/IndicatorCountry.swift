import DarasaCore
import DarasaStore

/// A country for the indicator engine, small enough that every figure is worked out by hand in
/// the tests (IndicatorEngineTests). Two school years, a mini primary cycle of grades 1–2 with
/// entry age 6 (the tests' catalogue says so), population by district, weighted sample results.
///
///     Equitania /EQ/ ─ R1 ─┬ D1 ─ Z1 ─ S1 (urban, poverty 0.2, public, 2 teachers)
///                          └ D2 ─ Z2 ─┬ S2 (rural, poverty 0.6, community, 2 teachers)
///                                     └ S3 (rural, poverty 0.5, public, 1 teacher)
///
/// Age is the age reached in the calendar year (year − year of birth).
///
/// | learner | sex | born | 2024 (grade, school, outcome) | 2025 (grade, school, status) |
/// |---|---|---|---|---|
/// | A1 | F | 2019 | — | 1 S1 enrolled (new, age 6) |
/// | A2 | M | 2018 | 1 S1 repeating | 1 S1 enrolled (repeater, 7) |
/// | A3 | F | 2018 | 1 S1 promoted | 2 S1 enrolled (7) |
/// | A4 | M | 2016 | 1 S1 promoted | 2 S1 enrolled (9) |
/// | A5 | F | 2016 | 2 S1 completed | — |
/// | B1 | F | 2019 | — | 1 S2 enrolled (new, 6) |
/// | B2 | F | 2017 (WG walking: cannot) | — | 1 S2 enrolled (new, 8) |
/// | B3 | M | 2018 | 2 S2 repeating (age 6) | 2 S2 enrolled (repeater, 7) |
/// | B4 | M | 2017 | 1 S2 promoted | 2 S2 dropped out 31 Mar (8) |
/// | B6 | F | 2018 | 1 S2 dropped out | — |
/// | C1 | F | 2019 | — | 1 S3 enrolled (new, 6) |
/// | C2 | M | 2018 | 1 S3 promoted | 2 S3 enrolled (7) |
///
/// Population 2025 (ages 6, 7, 8; F/M): D1 2/1, 1/2, 1/1; D2 4/1, 2/3, 2/2.
///
/// Oral reading (EGRA, Kiswahili; GPF cut-offs grade 1: 10 / 20 / 30, grade 2: 15 / 30 / 45 for
/// partially meets / meets / exceeds), 10 March 2025, sample mode:
/// A1 g1 25 (meets) w 2 · A3 g2 10 (below) w 2 · B1 g1 5 (below) w 3 · B3 g2 50 (exceeds) w 3 ·
/// C1 g1 20 (meets) w 4 · C2 g2 30 (meets) w 4; and a census round on 15 October: A2 g1 35 (exceeds).
public enum IndicatorCountry {
    public static let country = OrgUnitID(1), region = OrgUnitID(2), d1 = OrgUnitID(3), d2 = OrgUnitID(4)
    public static let z1 = OrgUnitID(5), z2 = OrgUnitID(6), s1 = SchoolID(7), s2 = SchoolID(8), s3 = SchoolID(9)

    static func d(_ y: Int, _ m: Int, _ day: Int) -> Day { Day(year: y, month: m, day: day)! }

    public static var orgUnits: [OrgUnit] {
        [
            OrgUnit(id: country, parentID: nil, depth: 0, code: "EQ", name: "Equitania", path: "/EQ/"),
            OrgUnit(id: region, parentID: country, depth: 1, code: "R1", name: "Central", path: "/EQ/R1/"),
            OrgUnit(id: d1, parentID: region, depth: 2, code: "D1", name: "Riverside", path: "/EQ/R1/D1/"),
            OrgUnit(id: d2, parentID: region, depth: 2, code: "D2", name: "Highlands", path: "/EQ/R1/D2/"),
            OrgUnit(id: z1, parentID: d1, depth: 3, code: "Z1", name: "Town", path: "/EQ/R1/D1/Z1/"),
            OrgUnit(id: z2, parentID: d2, depth: 3, code: "Z2", name: "Hills", path: "/EQ/R1/D2/Z2/"),
            OrgUnit(id: s1, parentID: z1, depth: 4, code: "S1", name: "Town Primary", path: "/EQ/R1/D1/Z1/S1/", locality: .urban),
            OrgUnit(id: s2, parentID: z2, depth: 4, code: "S2", name: "Hill Primary", path: "/EQ/R1/D2/Z2/S2/", locality: .rural),
            OrgUnit(id: s3, parentID: z2, depth: 4, code: "S3", name: "Valley Primary", path: "/EQ/R1/D2/Z2/S3/", locality: .rural),
        ]
    }

    public static var schools: [School] {
        [
            School(id: s1, officialCode: "S1", name: "Town Primary", ownership: .public, levelsOffered: [.primary],
                   languagesOfInstruction: ["swa"], locality: .urban, povertyIndex: 0.2),
            School(id: s2, officialCode: "S2", name: "Hill Primary", ownership: .community, levelsOffered: [.primary],
                   languagesOfInstruction: ["swa"], locality: .rural, povertyIndex: 0.6),
            School(id: s3, officialCode: "S3", name: "Valley Primary", ownership: .public, levelsOffered: [.primary],
                   languagesOfInstruction: ["swa"], locality: .rural, povertyIndex: 0.5),
        ]
    }

    public static var years: [AcademicYear] {
        [2024, 2025].map { y in
            AcademicYear(id: y, name: String(y), start: d(y, 1, 6), end: d(y, 11, 28),
                         terms: [Term(number: 1, start: d(y, 1, 6), end: d(y, 4, 4)), Term(number: 2, start: d(y, 5, 5), end: d(y, 8, 1)),
                                 Term(number: 3, start: d(y, 8, 25), end: d(y, 11, 28))], holidays: [])
        }
    }

    static func learner(_ id: Int64, _ name: String, _ sex: Sex, _ born: Int, language: String, _ f: Functioning = Functioning()) -> Learner {
        Learner(id: LearnerID(id), givenName: name, familyName: "Test", sex: sex, birthDate: BirthDate(day: d(born, 6, 1)), functioning: f,
                homeLanguage: language, sourceKeys: [SourceKey(source: "oneroster", key: "stu-\(name)")])
    }

    public static var learners: [Learner] {
        [
            learner(1, "A1", .female, 2019, language: "swa", Functioning(seeing: .noDifficulty, hearing: .noDifficulty)),
            learner(2, "A2", .male, 2018, language: "swa"), learner(3, "A3", .female, 2018, language: "swa"),
            learner(4, "A4", .male, 2016, language: "swa"), learner(5, "A5", .female, 2016, language: "swa"),
            learner(6, "B1", .female, 2019, language: "luo"), learner(7, "B2", .female, 2017, language: "luo", Functioning(walking: .cannot)),
            learner(8, "B3", .male, 2018, language: "luo"), learner(9, "B4", .male, 2017, language: "luo"),
            learner(10, "B6", .female, 2018, language: "luo"),
            learner(11, "C1", .female, 2019, language: "luo"), learner(12, "C2", .male, 2018, language: "luo"),
        ]
    }

    static func e(_ l: Int64, _ y: Int, _ s: SchoolID, _ g: Int, _ status: EnrolmentStatus, end: Day? = nil) -> Enrolment {
        Enrolment(learnerID: LearnerID(l), yearID: y, schoolID: s, grade: g, section: "A", status: status, start: d(y, 1, 6), end: end)
    }

    public static var enrolments: [Enrolment] {
        [
            e(2, 2024, s1, 1, .repeating), e(3, 2024, s1, 1, .promoted), e(4, 2024, s1, 1, .promoted), e(5, 2024, s1, 2, .completed),
            e(8, 2024, s2, 2, .repeating), e(9, 2024, s2, 1, .promoted), e(10, 2024, s2, 1, .droppedOut, end: d(2024, 6, 30)),
            e(12, 2024, s3, 1, .promoted),
            e(1, 2025, s1, 1, .enrolled), e(2, 2025, s1, 1, .enrolled), e(3, 2025, s1, 2, .enrolled), e(4, 2025, s1, 2, .enrolled),
            e(6, 2025, s2, 1, .enrolled), e(7, 2025, s2, 1, .enrolled), e(8, 2025, s2, 2, .enrolled),
            e(9, 2025, s2, 2, .droppedOut, end: d(2025, 3, 31)),
            e(11, 2025, s3, 1, .enrolled), e(12, 2025, s3, 2, .enrolled),
        ]
    }

    public static var population: [PopulationCount] {
        let rows: [(OrgUnitID, Int, Int, Int)] = [(d1, 6, 2, 1), (d1, 7, 1, 2), (d1, 8, 1, 1), (d2, 6, 4, 1), (d2, 7, 2, 3), (d2, 8, 2, 2)]
        return rows.flatMap { unit, age, f, m in
            [PopulationCount(orgUnitID: unit, year: 2025, age: age, sex: .female, count: f),
             PopulationCount(orgUnitID: unit, year: 2025, age: age, sex: .male, count: m)]
        }
    }

    public static var teachers: [Teacher] {
        (1...5).map { Teacher(id: TeacherID(Int64($0)), givenName: "T\($0)", familyName: "Teacher", sex: $0 % 2 == 0 ? .male : .female,
                              trained: $0 != 2, qualification: "P1", subjects: [], sourceKeys: [SourceKey(source: "hr", key: "PAY-\($0)")]) }
    }

    public static var instrument: Instrument {
        func b(_ g: Int, _ p: Double, _ m: Double, _ x: Double) -> Benchmark {
            Benchmark(grade: g, language: "swa", threshold: m, levelCutoffs: [LevelCutoff(minimum: 0, level: .belowPartiallyMeets),
                      LevelCutoff(minimum: p, level: .partiallyMeets), LevelCutoff(minimum: m, level: .meets), LevelCutoff(minimum: x, level: .exceeds)])
        }
        return Instrument(id: InstrumentID(1), code: "EGRA-SWA", name: "EGRA Kiswahili", kind: .egra, language: "swa", grades: [1, 2],
                          subtasks: [Subtask(code: "orf", name: "Oral reading fluency", kind: .timedGrid, itemCount: 60, timeLimitSeconds: 60,
                                             firstLineLength: 10, benchmarks: [b(1, 10, 20, 30), b(2, 15, 30, 45)])])
    }

    public static var results: [AssessmentResult] {
        let sample: [(Int64, Int64, SchoolID, Int, Double, Double)] = [
            (1, 1, s1, 1, 25, 2), (2, 3, s1, 2, 10, 2), (3, 6, s2, 1, 5, 3), (4, 8, s2, 2, 50, 3), (5, 11, s3, 1, 20, 4), (6, 12, s3, 2, 30, 4),
        ]
        return sample.map { id, l, s, g, score, w in
            AssessmentResult(id: AssessmentID(id), learnerID: LearnerID(l), schoolID: s, instrumentID: InstrumentID(1), subtaskCode: "orf",
                             grade: g, date: d(2025, 3, 10), assessor: "X", mode: .sample, weight: w, score: score)
        } + [AssessmentResult(id: AssessmentID(7), learnerID: LearnerID(2), schoolID: s1, instrumentID: InstrumentID(1), subtaskCode: "orf",
                              grade: 1, date: d(2025, 10, 15), assessor: "Y", mode: .census, weight: 1, score: 35)]
    }

    @discardableResult
    public static func load(into store: DarasaStore) async throws -> BatchReport {
        try await store.importBatch(source: "test", description: "indicator country", user: "test") { w in
            try await w.write(.orgLevels(OrgLevel.standard), source: "test", path: "levels", rows: [])
            try await w.write(.orgUnits(orgUnits), source: "census", path: "census.xlsx", rows: Array(1...9))
            try await w.write(.schools(schools), source: "census", path: "census.xlsx", rows: [7, 8, 9])
            try await w.write(.academicYears(years), source: "calendar", path: "calendar.json", rows: [1, 2])
            try await w.write(.learners(learners), source: "oneroster", path: "users.csv", rows: Array(2...13))
            try await w.write(.enrolments(enrolments), source: "oneroster", path: "enrollments.csv", rows: Array(2...19))
            try await w.write(.population(population), source: "statistics", path: "population_2025.csv", rows: Array(2...13))
            try await w.write(.teachers(teachers), source: "hr", path: "teachers.csv", rows: Array(2...6))
            try await w.write(.postings([
                TeacherPosting(teacherID: TeacherID(1), schoolID: s1, start: d(2020, 1, 6)), TeacherPosting(teacherID: TeacherID(2), schoolID: s1, start: d(2020, 1, 6)),
                TeacherPosting(teacherID: TeacherID(3), schoolID: s2, start: d(2020, 1, 6)), TeacherPosting(teacherID: TeacherID(4), schoolID: s2, start: d(2020, 1, 6)),
                TeacherPosting(teacherID: TeacherID(5), schoolID: s3, start: d(2020, 1, 6)),
            ]), source: "hr", path: "teachers.csv", rows: Array(2...6))
            try await w.write(.classAssignments([
                ClassAssignment(teacherID: TeacherID(1), yearID: 2025, schoolID: s1, grade: 1, section: "A"),
                ClassAssignment(teacherID: TeacherID(2), yearID: 2025, schoolID: s1, grade: 2, section: "A"),
                ClassAssignment(teacherID: TeacherID(3), yearID: 2025, schoolID: s2, grade: 1, section: "A"),
                ClassAssignment(teacherID: TeacherID(4), yearID: 2025, schoolID: s2, grade: 2, section: "A"),
                ClassAssignment(teacherID: TeacherID(5), yearID: 2025, schoolID: s3, grade: 1, section: "A"),
            ]), source: "oneroster", path: "classes.csv", rows: Array(2...6))
            try await w.write(.instruments([instrument]), source: "assessment", path: "instruments.json", rows: [1])
            try await w.write(.assessmentResults(results), source: "assessment", path: "egra_2025.csv", rows: Array(2...8))
        }
    }
}
