import DarasaCore
import DarasaStore

/// A country small enough to work every figure out by hand. The expected values below are
/// computed in the comments, not by Darasa's code.
///
///     Testland /TL/ ─ Region R1 ─┬ District D1 ─ Zone Z1 ─ School S1 (urban)
///                                └ District D2 ─ Zone Z2 ─ School S2 (rural)
///
/// Year 2025 (6 Jan – 28 Nov). Attendance in February (20 weekdays: 3–7, 10–14, 17–21, 24–28)
/// and March (21 weekdays: 3–7, 10–14, 17–21, 24–28, 31) = 41 days.
///
/// | learner | school | grade | sex | status | attendance |
/// |---|---|---|---|---|---|
/// | L1 Amina Otieno | S1 | 2A | F | enrolled | present all 41 |
/// | L2 Baraka Mwangi | S1 | 2A | M | enrolled | absent Feb 3–7 (5) → 36/41; 5/41 = 12.2 % → chronic |
/// | L3 Chausiku Njeri | S1 | 3A | F (WG seeing "a lot") | enrolled | late Feb 10, 11; excused Feb 12 → present 40/41 |
/// | L4 Daudi Kamau | S2 | 2A | M | enrolled | absent Mar 3–6 (4) → 37/41; 9.76 % → not chronic |
/// | L5 Eshe Wanjiru | S2 | 2A | F | dropped out | Feb only: present 3–14 (10), absent 17–28 (10) → 20 days, under the 30-day floor |
///
/// S1: present 41+36+40 = 117 of 123 → 0.951219…; chronic 1; enrolment 3 (2 girls); assessed 2 (L1, L2)
/// S2: present 37+10 = 47 of 61 → 0.770491…; chronic 0; enrolment active 1 (L5 dropped out); assessed 1 (L4)
/// Teachers: S1 has T1 (class teacher 2A), T2 (3A); S2 has T3. PTR S1 = 3/2, S2 = 1/1.
public enum TinyCountry {
    public static let country = OrgUnitID(1), region = OrgUnitID(2), d1 = OrgUnitID(3), d2 = OrgUnitID(4)
    public static let z1 = OrgUnitID(5), z2 = OrgUnitID(6), s1 = SchoolID(7), s2 = SchoolID(8)
    public static let t1 = TeacherID(1), t2 = TeacherID(2), t3 = TeacherID(3)
    public static let names = ["Amina", "Otieno", "Baraka", "Mwangi", "Chausiku", "Njeri", "Daudi", "Kamau", "Eshe", "Wanjiru"]

    static func d(_ y: Int, _ m: Int, _ day: Int) -> Day { Day(year: y, month: m, day: day)! }

    public static var orgUnits: [OrgUnit] {
        [
            OrgUnit(id: country, parentID: nil, depth: 0, code: "TL", name: "Testland", path: "/TL/"),
            OrgUnit(id: region, parentID: country, depth: 1, code: "R1", name: "North Region", path: "/TL/R1/"),
            OrgUnit(id: d1, parentID: region, depth: 2, code: "D1", name: "Lake District", path: "/TL/R1/D1/"),
            OrgUnit(id: d2, parentID: region, depth: 2, code: "D2", name: "Hill District", path: "/TL/R1/D2/"),
            OrgUnit(id: z1, parentID: d1, depth: 3, code: "Z1", name: "Zone One", path: "/TL/R1/D1/Z1/"),
            OrgUnit(id: z2, parentID: d2, depth: 3, code: "Z2", name: "Zone Two", path: "/TL/R1/D2/Z2/"),
            OrgUnit(id: s1, parentID: z1, depth: 4, code: "S1", name: "Lakeside Primary", path: "/TL/R1/D1/Z1/S1/",
                    latitude: -1.2, longitude: 36.8, locality: .urban),
            OrgUnit(id: s2, parentID: z2, depth: 4, code: "S2", name: "Hilltop Primary", path: "/TL/R1/D2/Z2/S2/",
                    latitude: -0.5, longitude: 37.1, locality: .rural),
        ]
    }

    public static var schools: [School] {
        [
            School(id: s1, officialCode: "S1", name: "Lakeside Primary", ownership: .public, levelsOffered: [.primary],
                   languagesOfInstruction: ["sw", "en"], locality: .urban, latitude: -1.2, longitude: 36.8, povertyIndex: 0.2),
            School(id: s2, officialCode: "S2", name: "Hilltop Primary", ownership: .community, levelsOffered: [.primary],
                   languagesOfInstruction: ["sw"], locality: .rural, latitude: -0.5, longitude: 37.1, povertyIndex: 0.6),
        ]
    }

    public static var year: AcademicYear {
        AcademicYear(id: 2025, name: "2025", start: d(2025, 1, 6), end: d(2025, 11, 28),
                     terms: [Term(number: 1, start: d(2025, 1, 6), end: d(2025, 4, 4)),
                             Term(number: 2, start: d(2025, 5, 5), end: d(2025, 8, 1)),
                             Term(number: 3, start: d(2025, 8, 25), end: d(2025, 11, 28))],
                     holidays: [Holiday(day: d(2025, 5, 1), name: "Labour Day")])
    }

    public static var learners: [Learner] {
        [
            Learner(id: LearnerID(1), givenName: "Amina", familyName: "Otieno", sex: .female, birthDate: BirthDate(day: d(2017, 3, 14)),
                    functioning: Functioning(seeing: .noDifficulty, hearing: .noDifficulty), homeLanguage: "sw",
                    sourceKeys: [SourceKey(source: "oneroster", key: "stu-1")]),
            Learner(id: LearnerID(2), givenName: "Baraka", familyName: "Mwangi", sex: .male, birthDate: BirthDate(day: d(2017, 7, 1), precision: .yearOnly),
                    homeLanguage: "sw", sourceKeys: [SourceKey(source: "oneroster", key: "stu-2")]),
            Learner(id: LearnerID(3), givenName: "Chausiku", familyName: "Njeri", sex: .female, birthDate: BirthDate(day: d(2016, 1, 20)),
                    functioning: Functioning(seeing: .aLot), homeLanguage: "ki", sourceKeys: [SourceKey(source: "oneroster", key: "stu-3")]),
            Learner(id: LearnerID(4), givenName: "Daudi", familyName: "Kamau", sex: .male, birthDate: nil, homeLanguage: nil,
                    sourceKeys: [SourceKey(source: "oneroster", key: "stu-4")]),
            Learner(id: LearnerID(5), givenName: "Eshe", familyName: "Wanjiru", sex: .female, birthDate: BirthDate(day: d(2016, 11, 2)),
                    homeLanguage: "sw", sourceKeys: [SourceKey(source: "oneroster", key: "stu-5")]),
        ]
    }

    public static var enrolments: [Enrolment] {
        [
            Enrolment(learnerID: LearnerID(1), yearID: 2025, schoolID: s1, grade: 2, section: "A", status: .enrolled),
            Enrolment(learnerID: LearnerID(2), yearID: 2025, schoolID: s1, grade: 2, section: "A", status: .enrolled),
            Enrolment(learnerID: LearnerID(3), yearID: 2025, schoolID: s1, grade: 3, section: "A", status: .enrolled),
            Enrolment(learnerID: LearnerID(4), yearID: 2025, schoolID: s2, grade: 2, section: "A", status: .enrolled),
            Enrolment(learnerID: LearnerID(5), yearID: 2025, schoolID: s2, grade: 2, section: "A", status: .droppedOut, end: d(2025, 2, 28)),
        ]
    }

    static func month(_ year: Int, _ month: Int, _ days: [Int], _ mark: AttendanceMark, _ into: inout MonthMarks) {
        for day in days { into.set(mark, day: day) }
    }

    static let feb = [3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 17, 18, 19, 20, 21, 24, 25, 26, 27, 28]
    static let mar = [3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 17, 18, 19, 20, 21, 24, 25, 26, 27, 28, 31]

    public static var attendance: [LearnerAttendanceMonth] {
        func marks(_ present: [Int], _ other: [(Int, AttendanceMark)] = []) -> MonthMarks {
            var m = MonthMarks()
            for day in present { m.set(.present, day: day) }
            for (day, mark) in other { m.set(mark, day: day) }
            return m
        }
        let l2feb = marks(feb, [3, 4, 5, 6, 7].map { ($0, .absent) })
        let l3feb = marks(feb, [(10, .late), (11, .late), (12, .excused)])
        let l4mar = marks(mar, [3, 4, 5, 6].map { ($0, .absent) })
        let l5feb = marks(feb, [17, 18, 19, 20, 21, 24, 25, 26, 27, 28].map { ($0, .absent) })
        return [
            LearnerAttendanceMonth(learnerID: LearnerID(1), schoolID: s1, year: 2025, month: 2, marks: marks(feb)),
            LearnerAttendanceMonth(learnerID: LearnerID(1), schoolID: s1, year: 2025, month: 3, marks: marks(mar)),
            LearnerAttendanceMonth(learnerID: LearnerID(2), schoolID: s1, year: 2025, month: 2, marks: l2feb),
            LearnerAttendanceMonth(learnerID: LearnerID(2), schoolID: s1, year: 2025, month: 3, marks: marks(mar)),
            LearnerAttendanceMonth(learnerID: LearnerID(3), schoolID: s1, year: 2025, month: 2, marks: l3feb),
            LearnerAttendanceMonth(learnerID: LearnerID(3), schoolID: s1, year: 2025, month: 3, marks: marks(mar)),
            LearnerAttendanceMonth(learnerID: LearnerID(4), schoolID: s2, year: 2025, month: 2, marks: marks(feb)),
            LearnerAttendanceMonth(learnerID: LearnerID(4), schoolID: s2, year: 2025, month: 3, marks: l4mar),
            LearnerAttendanceMonth(learnerID: LearnerID(5), schoolID: s2, year: 2025, month: 2, marks: l5feb),
        ]
    }

    public static var teachers: [Teacher] {
        [
            Teacher(id: t1, givenName: "Grace", familyName: "Achieng", sex: .female, trained: true, qualification: "P1", subjects: ["literacy"],
                    sourceKeys: [SourceKey(source: "hr", key: "PAY-001")]),
            Teacher(id: t2, givenName: "Hassan", familyName: "Ali", sex: .male, trained: false, qualification: "none", subjects: ["maths"],
                    sourceKeys: [SourceKey(source: "hr", key: "PAY-002")]),
            Teacher(id: t3, givenName: "Imani", familyName: "Chebet", sex: .female, trained: true, qualification: "Diploma", subjects: ["literacy", "maths"],
                    sourceKeys: [SourceKey(source: "hr", key: "PAY-003")]),
        ]
    }

    public static var instrument: Instrument {
        Instrument(id: InstrumentID(1), code: "EGRA-SW-G2", name: "EGRA Kiswahili Grade 2", kind: .egra, language: "sw", grades: [2, 3],
                   subtasks: [Subtask(code: "orf", name: "Oral reading fluency", kind: .timedGrid, itemCount: 60, timeLimitSeconds: 60,
                                      firstLineLength: 10, benchmarks: [Benchmark(grade: 2, language: "sw", threshold: 45)])])
    }

    public static var results: [AssessmentResult] {
        [
            AssessmentResult(id: AssessmentID(1), learnerID: LearnerID(1), schoolID: s1, instrumentID: InstrumentID(1), subtaskCode: "orf",
                             grade: 2, date: d(2025, 3, 12), assessor: "A. Assessor", mode: .census, attempted: 52, incorrect: 7,
                             secondsRemaining: 20, score: 67.5),
            AssessmentResult(id: AssessmentID(2), learnerID: LearnerID(2), schoolID: s1, instrumentID: InstrumentID(1), subtaskCode: "orf",
                             grade: 2, date: d(2025, 3, 12), assessor: "A. Assessor", mode: .census, attempted: 10, incorrect: 10,
                             secondsRemaining: 50, score: 0, responses: "0000000000"),
            AssessmentResult(id: AssessmentID(3), learnerID: LearnerID(4), schoolID: s2, instrumentID: InstrumentID(1), subtaskCode: "orf",
                             grade: 2, date: d(2025, 3, 13), assessor: "B. Assessor", mode: .census, attempted: 30, incorrect: 3,
                             secondsRemaining: 0, score: 27),
        ]
    }

    /// Loads everything in one import batch.
    @discardableResult
    public static func load(into store: DarasaStore) async throws -> BatchReport {
        try await store.importBatch(source: "test", description: "tiny country", user: "test") { w in
            try await w.write(.orgLevels(OrgLevel.standard), source: "test", path: "levels", rows: [])
            try await w.write(.orgUnits(orgUnits), source: "census", path: "census.xlsx", rows: Array(1...8))
            try await w.write(.schools(schools), source: "census", path: "census.xlsx", rows: [7, 8])
            try await w.write(.academicYears([year]), source: "calendar", path: "calendar.json", rows: [1])
            try await w.write(.learners(learners), source: "oneroster", path: "users.csv", rows: [2, 3, 4, 5, 6])
            try await w.write(.enrolments(enrolments), source: "oneroster", path: "enrollments.csv", rows: [2, 3, 4, 5, 6])
            try await w.write(.teachers(teachers), source: "hr", path: "teachers.csv", rows: [2, 3, 4])
            try await w.write(.postings([
                TeacherPosting(teacherID: t1, schoolID: s1, start: d(2020, 1, 6)),
                TeacherPosting(teacherID: t2, schoolID: s1, start: d(2022, 1, 6)),
                TeacherPosting(teacherID: t3, schoolID: s2, start: d(2019, 1, 7)),
                TeacherPosting(teacherID: t3, schoolID: s1, start: d(2015, 1, 5), end: d(2018, 12, 1)),
            ]), source: "hr", path: "teachers.csv", rows: [2, 3, 4, 4])
            try await w.write(.classAssignments([
                ClassAssignment(teacherID: t1, yearID: 2025, schoolID: s1, grade: 2, section: "A"),
                ClassAssignment(teacherID: t2, yearID: 2025, schoolID: s1, grade: 3, section: "A"),
                ClassAssignment(teacherID: t3, yearID: 2025, schoolID: s2, grade: 2, section: "A"),
            ]), source: "oneroster", path: "classes.csv", rows: [2, 3, 4])
            try await w.write(.learnerAttendance(attendance), source: "register", path: "registers/2025", rows: Array(1...9))
            try await w.write(.instruments([instrument]), source: "assessment", path: "instruments.json", rows: [1])
            try await w.write(.assessmentResults(results), source: "assessment", path: "egra_2025.csv", rows: [2, 3, 4])
            try await w.write(.visits([
                SchoolVisit(id: VisitID(1), schoolID: s1, visitor: "Coach Zawadi", date: d(2025, 3, 10), purpose: .coaching,
                            rubric: ["lesson_plan": 3, "grouping": 2], notes: "Good reading corner.",
                            actions: [FollowUpAction(description: "Group Grade 2 by reading level", due: d(2025, 3, 24), status: .open)]),
            ]), source: "visits", path: "visits_2025.json", rows: [1])
        }
    }
}
