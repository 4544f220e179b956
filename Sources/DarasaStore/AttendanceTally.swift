import DarasaCore

/// The attendance summaries added up while a first load of registers lands, instead of by GROUP
/// BYs over the whole table afterwards: summary_attendance (school, month, grade, sex),
/// summary_learner_year (learner, school, year), and from those summary_attendance_year,
/// summary_attendance_month and the learner cube's attendance columns. The same sums as the
/// summary SQL (tests compare them after a whole country's import, on both engines).
///
/// Used only when learner_attendance was empty when the batch began and nothing else that
/// feeds these summaries changed in it (`BatchWriter.precomputedAttendance`).
///
/// Learners are held in arrays indexed by id when ids are dense (as Darasa assigns them), and
/// each learner's enrolments side by side, so that adding a row looks nothing up by hash: a
/// dictionary keyed by learner, school and year cost 2.7 s of a 200,000-learner country's
/// registers.
struct AttendanceTally: Sendable {
    struct MonthKey: Hashable { var school: Int64; var yearID: Int64; var year: Int64; var month: Int64; var grade: Int64; var female: Bool }
    struct LearnerKey: Hashable { var learner: Int64; var school: Int64; var yearID: Int64 }
    struct Sums { var n: Int64 = 0; var recorded: Int64 = 0; var present: Int64 = 0; var absent: Int64 = 0 }

    static let monthColumns = ["school_id", "year_id", "year", "month", "grade", "sex", "learners", "recorded_days", "present_days", "absent_days"]
    static let learnerYearColumns = ["learner_id", "school_id", "year_id", "recorded_days", "present_days", "absent_days"]
    static let yearColumns = ["school_id", "year_id", "grade", "sex", "learners", "recorded_days", "present_days", "absent_days"]
    static let monthTotalColumns = ["school_id", "year_id", "year", "month", "recorded_days", "present_days"]
    static let cubeCells = ["school_id", "year_id", "grade", "sex", "disability", "age", "language"]
    static let cubeSums = ["attending", "recorded_days", "present_days", "absent_days", "chronic_base", "chronically_absent"]
    /// The cube's other counts, zero in a row that only registers make (a row that exists keeps them).
    static let cubeZeros = ["learners", "enrolled", "active", "new_entrants", "repeaters", "promoted", "repeating", "dropped_out",
                            "completed", "transferred_out", "assessed"]
    static let cubeColumns = cubeCells + cubeZeros + cubeSums

    // Learners: per slot (the id itself when ids are dense, else `slotOf[id]`).
    private var dense = true
    private var slotOf: [Int64: Int] = [:]
    private var ids: [Int64] = []
    /// 0 not a stored learner, 1 male, 2 female.
    private var sex: [UInt8] = []
    private var disability: [Int64] = []
    private var birthYear: [Int64?] = []
    private var language: [Int32] = []
    private var languages: [String] = []
    // Each learner's enrolments, side by side (slot s: enrolStart[s] ..< enrolStart[s + 1]), and
    // the attendance added up against each: a learner-year is nearly always an enrolment.
    private var enrolStart: [Int32] = []
    private var enrolYear: [Int64] = []
    private var enrolSchool: [Int64] = []
    private var enrolGrade: [Int64] = []
    private var enrolSums: [Sums] = []
    /// Learner-years with registers and no enrolment (grade 0 in every summary).
    private var otherYears: [LearnerKey: Sums] = [:]
    /// The calendar year each school year starts in (for the cube's age).
    private var startYear: [Int64: Int64] = [:]
    private var months: [MonthKey: Sums] = [:]
    /// Rows of one school's month (a register file) added up by grade and sex first, then
    /// moved into `months` when the month changes: one hash per file instead of per row.
    private var bucketKey: (school: Int64, yearID: Int64, year: Int64, month: Int64)?
    private var bucket = [Sums](repeating: Sums(), count: 28)

    static func load(_ c: any SQLConnection) async throws -> AttendanceTally {
        var t = AttendanceTally()
        let learners = try await c.query("""
            SELECT l.id, l.sex, \(SummarySQL.disability),
                   CASE WHEN l.birth_date IS NULL THEN NULL ELSE CAST(substr(l.birth_date, 1, 4) AS INTEGER) END,
                   COALESCE(l.home_language, '')
            FROM learners l
            """, [])
        let maxID = learners.reduce(Int64(-1)) { max($0, $1.int(0) ?? -1) }
        t.dense = maxID < Int64(learners.count) * 4 + 1024 && learners.allSatisfy { ($0.int(0) ?? -1) >= 0 }
        let slots = t.dense ? Int(maxID + 1) : learners.count
        t.ids = t.dense ? Array(0..<Int64(slots)) : []
        t.sex = Array(repeating: 0, count: slots)
        t.disability = Array(repeating: 0, count: slots)
        t.birthYear = Array(repeating: nil, count: slots)
        t.language = Array(repeating: 0, count: slots)
        var languageIndex: [String: Int32] = [:]
        for r in learners {
            guard let id = r.int(0) else { continue }
            let s: Int
            if t.dense { s = Int(id) } else { s = t.ids.count; t.ids.append(id); t.slotOf[id] = s }
            t.sex[s] = r.text(1) == "female" ? 2 : 1
            t.disability[s] = r.int(2) ?? 0
            t.birthYear[s] = r.int(3)
            let lang = r.text(4) ?? ""
            if let k = languageIndex[lang] { t.language[s] = k } else {
                let k = Int32(t.languages.count)
                t.languages.append(lang)
                languageIndex[lang] = k
                t.language[s] = k
            }
        }
        var bySlot: [[(year: Int64, school: Int64, grade: Int64)]] = Array(repeating: [], count: slots)
        for r in try await c.query("SELECT learner_id, year_id, school_id, grade FROM enrolments", []) {
            guard let s = t.slot(r.int(0) ?? -1) else { continue }
            bySlot[s].append((r.int(1) ?? 0, r.int(2) ?? 0, r.int(3) ?? 0))
        }
        t.enrolStart.reserveCapacity(slots + 1)
        for list in bySlot {
            t.enrolStart.append(Int32(t.enrolYear.count))
            for e in list {
                t.enrolYear.append(e.year)
                t.enrolSchool.append(e.school)
                t.enrolGrade.append(e.grade)
            }
        }
        t.enrolStart.append(Int32(t.enrolYear.count))
        t.enrolSums = Array(repeating: Sums(), count: t.enrolYear.count)
        for r in try await c.query("SELECT id, CAST(substr(start_date, 1, 4) AS INTEGER) FROM academic_years", []) {
            if let id = r.int(0), let y = r.int(1) { t.startYear[id] = y }
        }
        return t
    }

    private func slot(_ id: Int64) -> Int? {
        if dense { return id >= 0 && id < Int64(sex.count) ? Int(id) : nil }
        return slotOf[id]
    }

    /// Adds learner_attendance rows (as RecordRows makes them); false when a row's learner is
    /// unknown (the reference check will refuse the batch anyway).
    mutating func add(_ t: TableRows) -> Bool {
        guard let l = t.columns.firstIndex(of: "learner_id"), let s = t.columns.firstIndex(of: "school_id"),
              let y = t.columns.firstIndex(of: "year_id"), let yr = t.columns.firstIndex(of: "year"), let m = t.columns.firstIndex(of: "month"),
              let rd = t.columns.firstIndex(of: "recorded_days"), let pd = t.columns.firstIndex(of: "present_days"),
              let ad = t.columns.firstIndex(of: "absent_days") else { return false }
        func int(_ v: SQLValue) -> Int64 { if case .int(let x) = v { return x }; return 0 }
        for row in t.rows {
            guard add(learner: int(row[l]), school: int(row[s]), yearID: int(row[y]), year: int(row[yr]), month: int(row[m]),
                      recorded: int(row[rd]), present: int(row[pd]), absent: int(row[ad])) else { return false }
        }
        return true
    }

    /// Adds learner-months, `yearIDs[i]` being month i's academic year.
    mutating func add(_ a: [LearnerAttendanceMonth], yearIDs: [Int64]) -> Bool {
        for (i, x) in a.enumerated() where i < yearIDs.count {
            guard add(learner: x.learnerID.rawValue, school: x.schoolID.rawValue, yearID: yearIDs[i], year: Int64(x.year), month: Int64(x.month),
                      recorded: Int64(x.marks.recordedDays), present: Int64(x.marks.presentDays), absent: Int64(x.marks.absentDays)) else { return false }
        }
        return a.count == yearIDs.count
    }

    private mutating func add(learner: Int64, school: Int64, yearID: Int64, year: Int64, month: Int64,
                              recorded: Int64, present: Int64, absent: Int64) -> Bool {
        guard let s = slot(learner), sex[s] != 0 else { return false }
        var grade: Int64 = 0
        var enrolment = -1
        for k in Int(enrolStart[s])..<Int(enrolStart[s + 1]) where enrolYear[k] == yearID && enrolSchool[k] == school {
            enrolment = k
            grade = enrolGrade[k]
            break
        }
        if enrolment >= 0 {
            Self.count(&enrolSums[enrolment], recorded, present, absent)
        } else {
            Self.count(&otherYears[LearnerKey(learner: learner, school: school, yearID: yearID), default: Sums()], recorded, present, absent)
        }
        let female = sex[s] == 2
        guard (0...13).contains(grade) else {
            Self.count(&months[MonthKey(school: school, yearID: yearID, year: year, month: month, grade: grade, female: female), default: Sums()],
                       recorded, present, absent)
            return true
        }
        if let b = bucketKey, b.school != school || b.yearID != yearID || b.year != year || b.month != month { emptyBucket() }
        bucketKey = (school, yearID, year, month)
        Self.count(&bucket[Int(grade) * 2 + (female ? 1 : 0)], recorded, present, absent)
        return true
    }

    private static func count(_ v: inout Sums, _ r: Int64, _ p: Int64, _ a: Int64) {
        v.n += 1; v.recorded += r; v.present += p; v.absent += a
    }

    private mutating func emptyBucket() {
        guard let b = bucketKey else { return }
        for i in bucket.indices where bucket[i].n > 0 {
            let key = MonthKey(school: b.school, yearID: b.yearID, year: b.year, month: b.month, grade: Int64(i / 2), female: i % 2 == 1)
            months[key, default: Sums()].n += bucket[i].n
            months[key]!.recorded += bucket[i].recorded
            months[key]!.present += bucket[i].present
            months[key]!.absent += bucket[i].absent
            bucket[i] = Sums()
        }
        bucketKey = nil
    }

    /// Moves what is still being added up into place; call before reading the rows.
    mutating func finish() { emptyBucket() }

    /// Every learner-year with registers: (learner, school, year, grade, slot, sums), grade 0
    /// when it has no enrolment.
    private func learnerYears() -> [(key: LearnerKey, grade: Int64, slot: Int, sums: Sums)] {
        var out: [(key: LearnerKey, grade: Int64, slot: Int, sums: Sums)] = []
        out.reserveCapacity(enrolSums.count + otherYears.count)
        for s in 0..<(enrolStart.count - 1) {
            for k in Int(enrolStart[s])..<Int(enrolStart[s + 1]) where enrolSums[k].n > 0 {
                out.append((LearnerKey(learner: ids[s], school: enrolSchool[k], yearID: enrolYear[k]), enrolGrade[k], s, enrolSums[k]))
            }
        }
        for (key, sums) in otherYears { out.append((key, 0, slot(key.learner) ?? 0, sums)) }
        return out
    }

    private static func sex(_ female: Bool) -> SQLValue { .text(female ? "female" : "male") }

    /// summary_attendance's rows (`monthColumns`).
    func monthRows() -> [[SQLValue]] {
        precondition(bucketKey == nil, "finish() first")
        return months.sorted { ($0.key.school, $0.key.yearID, $0.key.year, $0.key.month, $0.key.grade) < ($1.key.school, $1.key.yearID, $1.key.year, $1.key.month, $1.key.grade) }
            .map { k, v in [.int(k.school), .int(k.yearID), .int(k.year), .int(k.month), .int(k.grade), Self.sex(k.female),
                            .int(v.n), .int(v.recorded), .int(v.present), .int(v.absent)] }
    }

    /// summary_learner_year's rows (`learnerYearColumns`), as whole numbers end to end.
    func learnerYearValues() -> [Int64] {
        var out: [Int64] = []
        let rows = learnerYears().sorted { ($0.key.learner, $0.key.school, $0.key.yearID) < ($1.key.learner, $1.key.school, $1.key.yearID) }
        out.reserveCapacity(rows.count * 6)
        for r in rows { out += [r.key.learner, r.key.school, r.key.yearID, r.sums.recorded, r.sums.present, r.sums.absent] }
        return out
    }

    /// summary_attendance_year's rows (`yearColumns`): learner-years by school, year, grade and sex.
    func yearRows() -> [[SQLValue]] {
        struct Key: Hashable { var school: Int64; var yearID: Int64; var grade: Int64; var female: Bool }
        var cells: [Key: Sums] = [:]
        for r in learnerYears() {
            let key = Key(school: r.key.school, yearID: r.key.yearID, grade: r.grade, female: sex[r.slot] == 2)
            Self.count(&cells[key, default: Sums()], r.sums.recorded, r.sums.present, r.sums.absent)
        }
        return cells.sorted { ($0.key.school, $0.key.yearID, $0.key.grade, $0.key.female ? 1 : 0) < ($1.key.school, $1.key.yearID, $1.key.grade, $1.key.female ? 1 : 0) }
            .map { k, v in [.int(k.school), .int(k.yearID), .int(k.grade), Self.sex(k.female), .int(v.n), .int(v.recorded), .int(v.present), .int(v.absent)] }
    }

    /// summary_attendance_month's rows (`monthTotalColumns`), as whole numbers end to end.
    func monthTotalValues() -> [Int64] {
        precondition(bucketKey == nil, "finish() first")
        struct Key: Hashable, Comparable {
            var school: Int64; var yearID: Int64; var year: Int64; var month: Int64
            static func < (a: Key, b: Key) -> Bool { (a.school, a.yearID, a.year, a.month) < (b.school, b.yearID, b.year, b.month) }
        }
        var cells: [Key: (recorded: Int64, present: Int64)] = [:]
        for (k, v) in months {
            let key = Key(school: k.school, yearID: k.yearID, year: k.year, month: k.month)
            cells[key, default: (0, 0)].recorded += v.recorded
            cells[key]!.present += v.present
        }
        var out: [Int64] = []
        for (k, v) in cells.sorted(by: { $0.key < $1.key }) { out += [k.school, k.yearID, k.year, k.month, v.recorded, v.present] }
        return out
    }

    /// The learner cube's attendance columns (`cubeColumns`: its cells, zeros, the sums), as
    /// `SummarySQL.learnerCubeAttendance` adds them up from summary_learner_year: by school,
    /// year, grade, sex, disability, age and home language; chronic absence over 30 recorded days
    /// with absences on 10 % or more. Learner-years of a year not in the calendar are left out,
    /// as the SQL's join leaves them. In the cube's key order.
    func cubeRows() -> [[SQLValue]] {
        struct Key: Hashable { var school: Int64; var yearID: Int64; var grade: Int64; var female: Bool; var disability: Int64; var age: Int64; var language: Int32 }
        struct Cell { var attending: Int64 = 0, recorded: Int64 = 0, present: Int64 = 0, absent: Int64 = 0, base: Int64 = 0, chronic: Int64 = 0 }
        var cells: [Key: Cell] = [:]
        func update(_ c: inout Cell, _ body: (inout Cell) -> Void) { body(&c) }
        for r in learnerYears() {
            guard let start = startYear[r.key.yearID] else { continue }
            var age: Int64 = -1
            if let birth = birthYear[r.slot], (0...99).contains(start - birth) { age = start - birth }
            let key = Key(school: r.key.school, yearID: r.key.yearID, grade: r.grade, female: sex[r.slot] == 2,
                          disability: disability[r.slot], age: age, language: language[r.slot])
            let chronicBase = r.sums.recorded > 30
            // Updated in place: one hash per learner-year.
            update(&cells[key, default: Cell()]) { c in
                c.attending += r.sums.recorded > 0 ? 1 : 0
                c.recorded += r.sums.recorded
                c.present += r.sums.present
                c.absent += r.sums.absent
                c.base += chronicBase ? 1 : 0
                c.chronic += chronicBase && r.sums.absent * 10 >= r.sums.recorded ? 1 : 0
            }
        }
        // In the cube's key order (female before male, as the text sorts), so that the upsert
        // visits the cube's pages in turn.
        let ordered = cells.sorted { a, b in
            (a.key.school, a.key.yearID, a.key.grade, a.key.female ? 0 : 1, a.key.disability, a.key.age)
                < (b.key.school, b.key.yearID, b.key.grade, b.key.female ? 0 : 1, b.key.disability, b.key.age)
                || ((a.key.school, a.key.yearID, a.key.grade, a.key.female ? 0 : 1, a.key.disability, a.key.age)
                    == (b.key.school, b.key.yearID, b.key.grade, b.key.female ? 0 : 1, b.key.disability, b.key.age)
                    && languages[Int(a.key.language)] < languages[Int(b.key.language)])
        }
        return ordered.map { k, v in
            [.int(k.school), .int(k.yearID), .int(k.grade), Self.sex(k.female), .int(k.disability), .int(k.age),
             .text(languages[Int(k.language)])] + Self.cubeZeros.map { _ in .int(0) }
                + [.int(v.attending), .int(v.recorded), .int(v.present), .int(v.absent), .int(v.base), .int(v.chronic)]
        }
    }
}
