import DarasaCore

/// Writes the records of one import batch inside its transaction, with provenance.
public actor BatchWriter {
    let connection: any SQLConnection
    public let batchID: Int64
    private var fileIDs: [String: Int64] = [:]
    private var nextFileID: Int64 = 0
    var years = YearLookup(years: [])
    /// Per table: whether it held no rows when this batch first merged into it (then every
    /// record of the batch is new and is inserted without staging).
    var emptyAtStart: [String: Bool] = [:]
    public internal(set) var records = 0
    public internal(set) var touchedSchools: Set<Int64> = []
    /// (school, school year) whose stored facts this batch added, changed or removed; year −1:
    /// every year (a learner's own record changed). Checked against sign-off locks.
    public internal(set) var changedSchoolYears: Set<SchoolYearKey> = []
    /// The summaries this batch's records feed (nil: all).
    public internal(set) var summaryTables: Set<String>? = []
    /// People named by attendance rows, checked against their tables before commit.
    var attendanceLearners: Set<Int64> = []
    /// Attendance summaries added up as a first load of registers lands (see `AttendanceTally`).
    var tally: AttendanceTally?
    /// The tally's learners and enrolments being read (`insertAttendance`), and the chunks
    /// waiting for them.
    var tallyLoad: Task<Void, Never>?
    var tallyBacklog: [(months: [LearnerAttendanceMonth], yearIDs: [Int64])] = []
    /// A first load's inserts not yet finished, oldest first (`insertAttendance`).
    var pendingInserts: [Task<Void, any Error>] = []
    /// PostgreSQL: whether a first load has dropped learner_attendance's key (`dropAttendanceKey`),
    /// and its name, to build it again.
    var attendanceKeyDropped = false
    var droppedAttendanceKey: String?
    var tallyValid = true
    var attendanceTeachers: Set<Int64> = []
    /// Rows this batch wrote or staged, per table (`analyzeGrownTables`).
    var rowsWritten: [String: Int] = [:]

    /// The database itself, for reads of what is committed beside the batch's own connection
    /// (nil: read through the batch's connection).
    let committed: (any SQLConnection)?

    init(connection: any SQLConnection, batchID: Int64, committed: (any SQLConnection)? = nil) {
        self.connection = connection
        self.batchID = batchID
        self.committed = committed
    }

    func loadYears() async throws {
        years = YearLookup(years: try await connection.query("SELECT id, start_date, end_date FROM academic_years ORDER BY id", []).compactMap { r in
            guard let id = r.int(0), let s = r.text(1).flatMap({ Day(iso: $0) }), let e = r.text(2).flatMap({ Day(iso: $0) }) else { return nil }
            return (Int(id), s, e)
        })
        nextFileID = (try await connection.scalarInt("SELECT COALESCE(MAX(id), 0) FROM import_files")) ?? 0
    }

    /// Writes one batch of records read from `path` of `source`; `rows[i]` is the source row of
    /// the i-th record (see `RecordSink`).
    public func write(_ batch: RecordBatch, source: String, path: String, rows: [Int], deviceID: String? = nil) async throws {
        try await finishInserts()  // one statement at a time on the connection
        let fileID = try await fileID(source: source, path: path, deviceID: deviceID)
        if case .academicYears(let ys) = batch {
            years.years += ys.map { ($0.id, $0.start, $0.end) }
        }
        for table in try RecordRows.rows(for: batch, fileID: fileID, sourceRows: rows, years: years) where !table.rows.isEmpty {
            try await connection.bulkInsert(table: table.table, columns: table.columns, rows: table.rows)
            rowsWritten[table.table, default: 0] += table.rows.count
        }
        records += batch.count
        touchedSchools.formUnion(RecordRows.touchedSchools(batch))
        noteSummaries(batch)
        switch batch {
        case .learnerAttendance(let months): attendanceLearners.formUnion(months.map(\.learnerID.rawValue))
        case .teacherAttendance(let months): attendanceTeachers.formUnion(months.map(\.teacherID.rawValue))
        default: break
        }
    }

    func noteSummaries(_ batch: RecordBatch) {
        if let needed = SummarySQL.tables(for: batch) { summaryTables?.formUnion(needed) } else { summaryTables = nil }
    }

    /// The set-wise reference check for the tables without row-level foreign keys (see Schema).
    func checkReferences() async throws {
        // Learners the tally holds were each found among the stored learners as their rows landed.
        let learnersChecked = tallyValid && tally != nil
        for (ids, table, what, fix) in [
            (learnersChecked ? [] : attendanceLearners, "learners", "learners", "load the learners (enrolment source) before their registers"),
            (attendanceTeachers, "teachers", "teachers", "load the teachers (HR source) before their attendance"),
            (touchedSchools, "schools", "schools", "load the school census before data about its schools"),
        ] where !ids.isEmpty {
            try await connection.execute("CREATE TEMP TABLE IF NOT EXISTS referenced_ids (id BIGINT PRIMARY KEY)", [])
            try await connection.execute("DELETE FROM referenced_ids", [])
            try await connection.bulkInsert(table: "referenced_ids", columns: ["id"], rows: ids.sorted().map { [.int($0)] })
            let missing = try await connection.scalarInt(
                "SELECT COUNT(*) FROM referenced_ids r WHERE NOT EXISTS (SELECT 1 FROM \(table) t WHERE t.id = r.id)", []) ?? 0
            if missing > 0 {
                throw StoreError(.invalid, "Attendance rows refer to \(missing) \(what) that are not stored; \(fix). Nothing from this import was saved.")
            }
        }
    }

    /// Each record's file, `paths[i]` being record i's: the files new to the batch are recorded
    /// with one insert (a chunk of registers names a hundred small files; one statement each
    /// was a round trip to the writer apiece).
    func fileIDs(source: String, paths: [String]) async throws -> [Int64] {
        let (ids, new) = assignFileIDs(source: source, paths: paths)
        if !new.isEmpty { try await connection.bulkInsert(table: "import_files", columns: Self.importFileColumns, rows: new) }
        return ids
    }

    static let importFileColumns = ["id", "batch_id", "source", "path", "device_id"]

    /// `fileIDs` without writing: the ids, and the import_files rows still to insert.
    func assignFileIDs(source: String, paths: [String]) -> (ids: [Int64], new: [[SQLValue]]) {
        var ids: [Int64] = []
        ids.reserveCapacity(paths.count)
        var new: [[SQLValue]] = []
        var last = ("", Int64(0))
        for p in paths {
            if p != last.0 {
                let key = source + "\u{1}" + p
                if let id = fileIDs[key] {
                    last = (p, id)
                } else {
                    nextFileID += 1
                    fileIDs[key] = nextFileID
                    new.append([.int(nextFileID), .int(batchID), .text(source), .text(p), .null])
                    last = (p, nextFileID)
                }
            }
            ids.append(last.1)
        }
        return (ids, new)
    }

    func fileID(source: String, path: String, deviceID: String?) async throws -> Int64 {
        let key = source + "\u{1}" + path
        if let id = fileIDs[key] { return id }
        nextFileID += 1
        try await connection.execute("INSERT INTO import_files (id, batch_id, source, path, device_id) VALUES (?, ?, ?, ?, ?)",
                                     .int(nextFileID), .int(batchID), .text(source), .text(path), SQLValue(deviceID))
        fileIDs[key] = nextFileID
        return nextFileID
    }
}

/// Rebuilds the summary tables for a set of schools from the base tables. Engine-neutral SQL.
enum SummarySQL {
    /// Washington Group cut-off: any domain at "a lot of difficulty" (3) or worse; 2 = not asked.
    static let disability = """
        CASE WHEN l.wg_seeing IS NULL AND l.wg_hearing IS NULL AND l.wg_walking IS NULL AND l.wg_cognition IS NULL
                  AND l.wg_self_care IS NULL AND l.wg_communication IS NULL THEN 2
             WHEN COALESCE(l.wg_seeing, 0) >= 3 OR COALESCE(l.wg_hearing, 0) >= 3 OR COALESCE(l.wg_walking, 0) >= 3
                  OR COALESCE(l.wg_cognition, 0) >= 3 OR COALESCE(l.wg_self_care, 0) >= 3
                  OR COALESCE(l.wg_communication, 0) >= 3 THEN 1
             ELSE 0 END
        """

    static let allTables: Set<String> = ["summary_enrolment", "summary_attendance", "summary_learner_year", "summary_assessed",
                                         "summary_teacher_attendance", "summary_learning", "summary_attendance_year",
                                         "summary_school_year", "summary_attendance_month", "summary_learner_cube",
                                         "summary_learning_cube"]

    /// The summaries a register feeds (`tables(for: .learnerAttendance)`).
    static let attendanceTables: Set<String> = tables(for: .learnerAttendance([])) ?? []

    /// The summaries that depend on a kind of record (nil: all of them — learners and enrolments
    /// feed every summary through sex, grade and disability).
    static func tables(for batch: RecordBatch) -> Set<String>? {
        switch batch {
        case .teacherAttendance: ["summary_teacher_attendance"]
        case .learnerAttendance: ["summary_attendance", "summary_learner_year", "summary_attendance_year", "summary_attendance_month",
                                  "summary_school_year", "summary_learner_cube"]
        case .assessmentResults: ["summary_assessed", "summary_learning", "summary_school_year", "summary_learner_cube", "summary_learning_cube"]
        case .postings, .classAssignments, .visits, .instruments, .teachers, .censusReturns, .orgLevels, .orgUnits, .schools, .academicYears,
             .population: []
        default: nil
        }
    }

    /// Runs one statement of a refresh; with DARASA_TIMINGS=1 its time goes to stderr, named by
    /// the statement's first words (which table it writes).
    static func timed(_ conn: any SQLConnection, _ sql: String, _ arguments: [SQLValue]) async throws {
        try await timed(sql.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(3).joined(separator: " ")) {
            try await conn.execute(sql, arguments)
        }
    }

    static func timed(_ label: String, _ body: () async throws -> Void) async throws {
        guard DarasaStore.timings else { return try await body() }
        let t0 = ContinuousClock.now
        try await body()
        DarasaStore.note("summary \(label): \(ContinuousClock.now - t0)")
    }

    /// Rebuilds `tables` (default: every summary) for the schools, from the base tables.
    /// With `year`, only that school year's rows (sync touches one year; the others are unchanged).
    static func refresh(schools: Set<Int64>, tables: Set<String>? = nil, year: Int? = nil, precomputed: AttendanceTally? = nil,
                        on conn: any SQLConnection) async throws {
        guard !schools.isEmpty else { return }
        let want = tables ?? allTables
        guard !want.isEmpty else { return }
        // A few schools (sync refreshes one at a time) are written into the statements as a list
        // of integers, so both planners search the school index; PostgreSQL plans a subquery on
        // a temporary table it has no statistics for as a scan of the whole table (4 s a school
        // at 20,000 learners). Many schools go through a temporary table, analysed on PostgreSQL.
        let touched: String
        if schools.count <= 64 {
            touched = "(" + schools.sorted().map(String.init).joined(separator: ", ") + ")"
        } else {
            try await conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched_schools (id BIGINT PRIMARY KEY)", [])
            try await timed(conn, "DELETE FROM touched_schools", [])
            try await conn.bulkInsert(table: "touched_schools", columns: ["id"], rows: schools.sorted().map { [.int($0)] })
            if conn.dialect == .postgres { try await timed(conn, "ANALYZE touched_schools", []) }
            touched = "(SELECT id FROM touched_schools)"
        }
        // " AND <alias>year_id = N" when one year is refreshed (an integer, never user text).
        func inYear(_ alias: String = "") -> String { year.map { " AND \(alias)year_id = \($0)" } ?? "" }
        // Only registers changed: the learner cube keeps its rows and has its attendance columns
        // added up again (`learnerCubeAttendance`); its other columns come from enrolments and
        // assessments, which did not change.
        let cubeAttendanceOnly = want.contains("summary_learner_cube") && want.isSubset(of: attendanceTables)
        for table in ["summary_enrolment", "summary_attendance", "summary_learner_year", "summary_assessed",
                      "summary_teacher_attendance", "summary_learning", "summary_attendance_year", "summary_school_year",
                      "summary_attendance_month", "summary_learner_cube", "summary_learning_cube"] where want.contains(table) {
            if table == "summary_learner_cube" && cubeAttendanceOnly { continue }
            try await timed(conn, "DELETE FROM \(table) WHERE school_id IN \(touched)\(inYear())", [])
        }
        if want.contains("summary_enrolment") { try await timed(conn, """
            INSERT INTO summary_enrolment (school_id, year_id, grade, sex, disability, learners, active, dropped_out)
            SELECT e.school_id, e.year_id, e.grade, l.sex, \(disability), COUNT(*),
                   SUM(CASE WHEN e.status IN ('dropped_out', 'transferred_out') THEN 0 ELSE 1 END),
                   SUM(CASE WHEN e.status = 'dropped_out' THEN 1 ELSE 0 END)
            FROM enrolments e JOIN learners l ON l.id = e.learner_id
            WHERE e.school_id IN \(touched)\(inYear("e."))
            GROUP BY e.school_id, e.year_id, e.grade, l.sex, \(disability)
            """, []) }
        // What a first load of registers added up as it landed (`AttendanceTally`) goes in as rows.
        let tallied = precomputed != nil && want.contains("summary_attendance") && want.contains("summary_learner_year")
        // The cube's cells are added up beside the statements before them (0.4 s of CPU for a
        // 200,000-learner country, while the database writes the other summaries).
        let cubeTally = tallied && cubeAttendanceOnly ? precomputed : nil
        async let cubeCells: [[SQLValue]] = cubeTally?.cubeRows() ?? []
        if let precomputed, tallied {
            try await timed("tally into summary_attendance") {
                try await conn.bulkInsert(table: "summary_attendance", columns: AttendanceTally.monthColumns, rows: precomputed.monthRows())
            }
            try await timed("tally into summary_learner_year") {
                try await conn.bulkInsertIntegers(table: "summary_learner_year", columns: AttendanceTally.learnerYearColumns,
                                                  values: precomputed.learnerYearValues())
            }
        } else {
        if want.contains("summary_attendance") { try await timed(conn, """
            INSERT INTO summary_attendance (school_id, year_id, year, month, grade, sex, learners, recorded_days, present_days, absent_days)
            SELECT a.school_id, a.year_id, a.year, a.month, COALESCE(e.grade, 0), l.sex, COUNT(*),
                   SUM(a.recorded_days), SUM(a.present_days), SUM(a.absent_days)
            FROM learner_attendance a JOIN learners l ON l.id = a.learner_id
            LEFT JOIN enrolments e ON e.learner_id = a.learner_id AND e.year_id = a.year_id AND e.school_id = a.school_id
            WHERE a.school_id IN \(touched)\(inYear("a."))
            GROUP BY a.school_id, a.year_id, a.year, a.month, COALESCE(e.grade, 0), l.sex
            """, []) }
        if want.contains("summary_learner_year") { try await timed(conn, """
            INSERT INTO summary_learner_year (learner_id, school_id, year_id, recorded_days, present_days, absent_days)
            SELECT learner_id, school_id, year_id, SUM(recorded_days), SUM(present_days), SUM(absent_days)
            FROM learner_attendance WHERE school_id IN \(touched)\(inYear())
            GROUP BY learner_id, school_id, year_id
            """, []) }
        }
        if want.contains("summary_assessed") { try await timed(conn, """
            INSERT INTO summary_assessed (school_id, year_id, grade, sex, learners)
            SELECT r.school_id, r.year_id, r.grade, l.sex, COUNT(DISTINCT r.learner_id)
            FROM assessment_results r JOIN learners l ON l.id = r.learner_id
            WHERE r.school_id IN \(touched)\(inYear("r."))
            GROUP BY r.school_id, r.year_id, r.grade, l.sex
            """, []) }
        if let precomputed, tallied, want.contains("summary_attendance_year") {
            try await timed("tally into summary_attendance_year") {
                try await conn.bulkInsert(table: "summary_attendance_year", columns: AttendanceTally.yearColumns, rows: precomputed.yearRows())
            }
        } else if want.contains("summary_attendance_year") { try await timed(conn, """
            INSERT INTO summary_attendance_year (school_id, year_id, grade, sex, learners, recorded_days, present_days, absent_days)
            SELECT y.school_id, y.year_id, COALESCE(e.grade, 0), l.sex, COUNT(*), SUM(y.recorded_days), SUM(y.present_days), SUM(y.absent_days)
            FROM summary_learner_year y JOIN learners l ON l.id = y.learner_id
            LEFT JOIN enrolments e ON e.learner_id = y.learner_id AND e.year_id = y.year_id AND e.school_id = y.school_id
            WHERE y.school_id IN \(touched)\(inYear("y."))
            GROUP BY y.school_id, y.year_id, COALESCE(e.grade, 0), l.sex
            """, []) }
        if let precomputed, tallied, want.contains("summary_attendance_month") {
            try await timed("tally into summary_attendance_month") {
                try await conn.bulkInsertIntegers(table: "summary_attendance_month", columns: AttendanceTally.monthTotalColumns,
                                                  values: precomputed.monthTotalValues())
            }
        } else if want.contains("summary_attendance_month") { try await timed(conn, """
            INSERT INTO summary_attendance_month (school_id, year_id, year, month, recorded_days, present_days)
            SELECT school_id, year_id, year, month, SUM(recorded_days), SUM(present_days)
            FROM summary_attendance WHERE school_id IN \(touched)\(inYear())
            GROUP BY school_id, year_id, year, month
            """, []) }
        // One row per school and year for every year the school has enrolments or registers.
        if want.contains("summary_school_year") { try await timed(conn, """
            INSERT INTO summary_school_year (school_id, year_id, enrolment, enrolment_female, recorded_days, present_days,
                                             learners_with_attendance, chronically_absent, learners_assessed)
            SELECT k.school_id, k.year_id,
                   COALESCE((SELECT SUM(active) FROM summary_enrolment s WHERE s.school_id = k.school_id AND s.year_id = k.year_id), 0),
                   COALESCE((SELECT SUM(active) FROM summary_enrolment s WHERE s.school_id = k.school_id AND s.year_id = k.year_id AND s.sex = 'female'), 0),
                   COALESCE((SELECT SUM(recorded_days) FROM summary_attendance_year a WHERE a.school_id = k.school_id AND a.year_id = k.year_id), 0),
                   COALESCE((SELECT SUM(present_days) FROM summary_attendance_year a WHERE a.school_id = k.school_id AND a.year_id = k.year_id), 0),
                   COALESCE((SELECT SUM(learners) FROM summary_attendance_year a WHERE a.school_id = k.school_id AND a.year_id = k.year_id), 0),
                   (SELECT COUNT(*) FROM summary_learner_year y WHERE y.school_id = k.school_id AND y.year_id = k.year_id
                      AND y.recorded_days > 30 AND y.absent_days * 10 >= y.recorded_days),
                   COALESCE((SELECT SUM(learners) FROM summary_assessed s WHERE s.school_id = k.school_id AND s.year_id = k.year_id), 0)
            FROM (SELECT school_id, year_id FROM summary_enrolment WHERE school_id IN \(touched)\(inYear())
                  UNION SELECT school_id, year_id FROM summary_learner_year WHERE school_id IN \(touched)\(inYear())) k
            """, []) }
        if want.contains("summary_learning") { try await timed(conn, """
            INSERT INTO summary_learning (school_id, year_id, instrument_id, subtask_code, grade, sex, results, scored,
                                          zero_scores, with_benchmark, at_benchmark, score_sum)
            SELECT r.school_id, r.year_id, r.instrument_id, r.subtask_code, r.grade, l.sex, COUNT(*), COUNT(r.score),
                   SUM(CASE WHEN r.score = 0 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN r.score IS NOT NULL AND b.threshold IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN r.score >= b.threshold THEN 1 ELSE 0 END),
                   COALESCE(SUM(r.score), 0)
            FROM assessment_results r JOIN learners l ON l.id = r.learner_id JOIN instruments i ON i.id = r.instrument_id
            LEFT JOIN benchmarks b ON b.instrument_id = r.instrument_id AND b.subtask_code = r.subtask_code
                                  AND b.grade = r.grade AND b.language = i.language
            WHERE r.school_id IN \(touched)\(inYear("r."))
            GROUP BY r.school_id, r.year_id, r.instrument_id, r.subtask_code, r.grade, l.sex
            """, []) }
        if cubeAttendanceOnly, tallied {
            let statements = learnerCubeAttendance(touched, year: inYear)
            for statement in statements.dropLast() { try await timed(conn, statement, []) }
            let waited = ContinuousClock.now
            let rows = await cubeCells
            if DarasaStore.timings { DarasaStore.note("summary tally: waited for the learner cube's cells: \(ContinuousClock.now - waited)") }
            try await timed("tally into summary_learner_cube") {
                try await conn.bulkUpsert(table: "summary_learner_cube", columns: AttendanceTally.cubeColumns,
                                          conflict: AttendanceTally.cubeCells, update: AttendanceTally.cubeSums, rows: rows)
            }
        } else if cubeAttendanceOnly {
            for statement in learnerCubeAttendance(touched, year: inYear) { try await timed(conn, statement, []) }
        } else if want.contains("summary_learner_cube") { try await timed(conn, learnerCube(touched, year: inYear()), []) }
        if want.contains("summary_learning_cube") { try await timed(conn, learningCube(touched, year: inYear("r.")), []) }
        if want.contains("summary_teacher_attendance") { try await timed(conn, """
            INSERT INTO summary_teacher_attendance (school_id, year_id, teachers, recorded_days, present_days)
            SELECT school_id, year_id, COUNT(DISTINCT teacher_id), SUM(recorded_days), SUM(present_days)
            FROM teacher_attendance WHERE school_id IN \(touched)\(inYear())
            GROUP BY school_id, year_id
            """, []) }
    }
}

extension SummarySQL {
    /// Age as EMIS forms count it: the age a learner reaches in the calendar year the school
    /// year starts in (year of start − year of birth), so that a birth year alone is enough and
    /// population projections by single year of age match; −1 when unknown or outside 0…99.
    static let age = """
        CASE WHEN l.birth_date IS NULL THEN -1
             WHEN CAST(substr(y.start_date, 1, 4) AS INTEGER) - CAST(substr(l.birth_date, 1, 4) AS INTEGER) NOT BETWEEN 0 AND 99 THEN -1
             ELSE CAST(substr(y.start_date, 1, 4) AS INTEGER) - CAST(substr(l.birth_date, 1, 4) AS INTEGER) END
        """

    /// One row per school, year and learner profile (grade, sex, disability, age, home
    /// language) over every learner with an enrolment, a register or an assessment there that
    /// year: how many stayed, how the year ended for them (the enrolment status is the year's
    /// outcome), whether they were in the same grade the year before (repeaters), attendance
    /// days and chronic absence (over 30 recorded days, absent on 10 % or more), and whether
    /// they were assessed. Reads summary_learner_year, so it runs after it.
    static func learnerCube(_ touched: String, year: String = "") -> String {
        """
        INSERT INTO summary_learner_cube (school_id, year_id, grade, sex, disability, age, language, learners, enrolled, active,
                                          new_entrants, repeaters, promoted, repeating, dropped_out, completed, transferred_out,
                                          attending, recorded_days, present_days, absent_days, chronic_base, chronically_absent, assessed)
        SELECT x.school_id, x.year_id, x.grade, l.sex, \(disability), \(age), COALESCE(l.home_language, ''),
               SUM(x.listed), SUM(x.enrolled), SUM(x.active),
               SUM(CASE WHEN x.enrolled = 1 AND x.repeater = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN x.enrolled = 1 THEN x.repeater ELSE 0 END),
               SUM(CASE WHEN x.status = 'promoted' THEN 1 ELSE 0 END), SUM(CASE WHEN x.status = 'repeating' THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.status = 'dropped_out' THEN 1 ELSE 0 END), SUM(CASE WHEN x.status = 'completed' THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.status = 'transferred_out' THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.recorded_days > 0 THEN 1 ELSE 0 END), SUM(x.recorded_days), SUM(x.present_days), SUM(x.absent_days),
               SUM(CASE WHEN x.recorded_days > 30 THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.recorded_days > 30 AND x.absent_days * 10 >= x.recorded_days THEN 1 ELSE 0 END),
               SUM(x.assessed)
        FROM (
            SELECT k.learner_id, k.school_id, k.year_id, COALESCE(e.grade, 0) AS grade, e.status,
                   CASE WHEN e.learner_id IS NULL THEN 0 ELSE 1 END AS listed,
                   CASE WHEN e.learner_id IS NULL OR e.status = 'transferred_out' THEN 0 ELSE 1 END AS enrolled,
                   CASE WHEN e.learner_id IS NULL OR e.status IN ('dropped_out', 'transferred_out') THEN 0 ELSE 1 END AS active,
                   CASE WHEN e.learner_id IS NOT NULL AND EXISTS (SELECT 1 FROM enrolments p WHERE p.learner_id = e.learner_id
                        AND p.year_id = e.year_id - 1 AND p.grade = e.grade) THEN 1 ELSE 0 END AS repeater,
                   COALESCE(a.recorded_days, 0) AS recorded_days, COALESCE(a.present_days, 0) AS present_days,
                   COALESCE(a.absent_days, 0) AS absent_days,
                   CASE WHEN r.learner_id IS NULL THEN 0 ELSE 1 END AS assessed
            FROM (SELECT learner_id, school_id, year_id FROM enrolments WHERE school_id IN \(touched)\(year)
                  UNION SELECT learner_id, school_id, year_id FROM summary_learner_year WHERE school_id IN \(touched)\(year)
                  UNION SELECT learner_id, school_id, year_id FROM assessment_results WHERE school_id IN \(touched)\(year)) k
            LEFT JOIN enrolments e ON e.learner_id = k.learner_id AND e.school_id = k.school_id AND e.year_id = k.year_id
            LEFT JOIN summary_learner_year a ON a.learner_id = k.learner_id AND a.school_id = k.school_id AND a.year_id = k.year_id
            LEFT JOIN (SELECT DISTINCT learner_id, school_id, year_id FROM assessment_results WHERE school_id IN \(touched)\(year)) r
                   ON r.learner_id = k.learner_id AND r.school_id = k.school_id AND r.year_id = k.year_id
        ) x
        JOIN learners l ON l.id = x.learner_id JOIN academic_years y ON y.id = x.year_id
        GROUP BY x.school_id, x.year_id, x.grade, l.sex, \(disability), \(age), COALESCE(l.home_language, '')
        """
    }

    /// The learner cube's attendance columns added up again from `summary_learner_year`, when
    /// only registers changed; the rest of each row (enrolment, flows, assessed) stays. The same
    /// rows as `learnerCube` gives, without its union of three sources and its look-up of last
    /// year's grade for every enrolment: a row with no enrolled and no assessed learner exists
    /// only through registers, so it goes and the upsert writes it again if it still has some;
    /// the other rows have their attendance set to zero and then added up. Runs after
    /// `summary_learner_year`. `year(alias)`: " AND <alias>year_id = N", or "" for every year.
    static func learnerCubeAttendance(_ touched: String, year: (String) -> String) -> [String] {
        let cells = "school_id, year_id, grade, sex, disability, age, language"
        let sums = ["attending", "recorded_days", "present_days", "absent_days", "chronic_base", "chronically_absent"]
        return [
            "DELETE FROM summary_learner_cube WHERE school_id IN \(touched)\(year("")) AND learners = 0 AND assessed = 0",
            // Rows already at zero (all of them, before a first load of registers) are not written.
            """
            UPDATE summary_learner_cube SET \(sums.map { "\($0) = 0" }.joined(separator: ", "))
            WHERE school_id IN \(touched)\(year("")) AND (\(sums.map { "\($0) <> 0" }.joined(separator: " OR ")))
            """,
            """
            INSERT INTO summary_learner_cube (\(cells), learners, enrolled, active, new_entrants, repeaters, promoted, repeating,
                                              dropped_out, completed, transferred_out, \(sums.joined(separator: ", ")), assessed)
            SELECT a.school_id, a.year_id, COALESCE(e.grade, 0), l.sex, \(disability), \(age), COALESCE(l.home_language, ''),
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                   SUM(CASE WHEN a.recorded_days > 0 THEN 1 ELSE 0 END), SUM(a.recorded_days), SUM(a.present_days), SUM(a.absent_days),
                   SUM(CASE WHEN a.recorded_days > 30 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN a.recorded_days > 30 AND a.absent_days * 10 >= a.recorded_days THEN 1 ELSE 0 END), 0
            FROM summary_learner_year a JOIN learners l ON l.id = a.learner_id JOIN academic_years y ON y.id = a.year_id
            LEFT JOIN enrolments e ON e.learner_id = a.learner_id AND e.school_id = a.school_id AND e.year_id = a.year_id
            WHERE a.school_id IN \(touched)\(year("a."))
            GROUP BY a.school_id, a.year_id, COALESCE(e.grade, 0), l.sex, \(disability), \(age), COALESCE(l.home_language, '')
            ON CONFLICT (\(cells)) DO UPDATE SET \(sums.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
            """,
        ]
    }

    /// One row per school, year, month of assessment, instrument, subtask, mode, learner profile,
    /// level (ASER, −1 none) and Global Proficiency Framework level (−1 none, 0 below partially
    /// meets, 1 partially meets, 2 meets = minimum proficiency, 3 exceeds), with counts and their
    /// sampling-weighted sums: per-school weighted totals are what a design-based standard error
    /// clustered by school needs (`Survey.ratio`).
    static func learningCube(_ touched: String, year: String = "") -> String {
        let proficiency = """
            CASE WHEN r.score IS NULL OR b.mpl IS NULL THEN -1 WHEN b.exceeds_min IS NOT NULL AND r.score >= b.exceeds_min THEN 3
                 WHEN r.score >= b.mpl THEN 2 WHEN b.partially_min IS NOT NULL AND r.score >= b.partially_min THEN 1 ELSE 0 END
            """
        let period = "CAST(substr(r.assessed_on, 1, 4) AS INTEGER) * 100 + CAST(substr(r.assessed_on, 6, 2) AS INTEGER)"
        return """
        INSERT INTO summary_learning_cube (school_id, year_id, period, instrument_id, subtask_code, mode, grade, sex, disability, age,
                                           language, level, proficiency, results, scored, zero_scores, with_benchmark, at_benchmark,
                                           score_sum, w_results, w_scored, w_zero_scores, w_with_benchmark, w_at_benchmark, w_score_sum)
        SELECT r.school_id, r.year_id, \(period), r.instrument_id, r.subtask_code, r.mode, r.grade, l.sex, \(disability), \(age),
               COALESCE(l.home_language, ''), COALESCE(r.level, -1), \(proficiency),
               COUNT(*), COUNT(r.score), SUM(CASE WHEN r.score = 0 THEN 1 ELSE 0 END),
               SUM(CASE WHEN r.score IS NOT NULL AND b.threshold IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN r.score >= b.threshold THEN 1 ELSE 0 END), COALESCE(SUM(r.score), 0),
               SUM(r.weight), SUM(CASE WHEN r.score IS NOT NULL THEN r.weight ELSE 0 END),
               SUM(CASE WHEN r.score = 0 THEN r.weight ELSE 0 END),
               SUM(CASE WHEN r.score IS NOT NULL AND b.threshold IS NOT NULL THEN r.weight ELSE 0 END),
               SUM(CASE WHEN r.score >= b.threshold THEN r.weight ELSE 0 END), COALESCE(SUM(r.weight * r.score), 0)
        FROM assessment_results r JOIN learners l ON l.id = r.learner_id JOIN instruments i ON i.id = r.instrument_id
        JOIN academic_years y ON y.id = r.year_id
        LEFT JOIN benchmarks b ON b.instrument_id = r.instrument_id AND b.subtask_code = r.subtask_code
                              AND b.grade = r.grade AND b.language = i.language
        WHERE r.school_id IN \(touched)\(year)
        GROUP BY r.school_id, r.year_id, \(period), r.instrument_id, r.subtask_code, r.mode, r.grade, l.sex, \(disability), \(age),
                 COALESCE(l.home_language, ''), COALESCE(r.level, -1), \(proficiency)
        """
    }
}

public struct SchoolYearKey: Hashable, Sendable {
    public var school: Int64
    public var year: Int
}


