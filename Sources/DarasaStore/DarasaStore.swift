import DarasaCore
import Foundation

/// Darasa's storage: one facade over either engine. All SQL lives here (engine-neutral), so the
/// two engines cannot drift apart; engines only execute it. The server depends on this type and
/// never on an engine.
public final class DarasaStore: Sendable {
    /// DARASA_TIMINGS=1: imports, sync commits and summary refreshes write their times to stderr
    /// (operations.md). Read once, not on every commit.
    static let timings = ProcessInfo.processInfo.environment["DARASA_TIMINGS"] == "1"

    /// One line of DARASA_TIMINGS output.
    static func note(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    public let database: any SQLDatabase
    public var dialect: SQLDialect { database.dialect }

    public init(database: any SQLDatabase) {
        self.database = database
    }

    public func close() async { await database.close() }

    // MARK: Schema

    /// Applies every migration not yet applied, each in its own transaction. Returns the names
    /// applied now (empty when the schema was current).
    @discardableResult
    public func migrate() async throws -> [String] {
        try await database.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        let done = Set(try await appliedMigrations())
        var applied: [String] = []
        var rebuild = false
        for migration in Schema.migrations where !done.contains(migration.name) {
            let dialect = database.dialect
            try await database.transaction { conn in
                for statement in migration.sql(for: dialect) { try await conn.execute(statement, []) }
                try await conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                                       .text(migration.name), .int(Clock.now()))
            }
            rebuild = rebuild || (migration.rebuildsSummaries && !done.isEmpty)
            applied.append(migration.name)
        }
        // Once every table exists (a rebuild fills all summaries, including later migrations' ones).
        if rebuild {
            try await database.transaction { conn in
                let schools = Set(try await conn.query("SELECT id FROM schools", []).compactMap { $0.int(0) })
                try await SummarySQL.refresh(schools: schools, on: conn)
            }
        }
        return applied
    }

    /// Rebuilds every summary of every school from the base tables with the summary SQL (the
    /// reference the incremental paths are tested against; also a repair tool).
    public func rebuildSummaries() async throws {
        try await database.transaction { conn in
            let schools = Set(try await conn.query("SELECT id FROM schools", []).compactMap { $0.int(0) })
            try await SummarySQL.refresh(schools: schools, on: conn)
        }
    }

    public func appliedMigrations() async throws -> [String] {
        try await database.query("SELECT name FROM schema_migrations ORDER BY name", []).compactMap { $0.text(0) }
    }

    // MARK: Settings and demo data

    public func setting(_ key: String) async throws -> String? {
        try await database.query("SELECT value FROM settings WHERE key = ?", .text(key)).first?.text(0)
    }

    public func setSetting(_ key: String, _ value: String) async throws {
        try await database.transaction { conn in
            try await conn.execute("DELETE FROM settings WHERE key = ?", .text(key))
            try await conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", .text(key), .text(value))
        }
    }

    /// True when no org unit, user or import exists yet.
    public func isEmpty() async throws -> Bool {
        let n = try await database.scalarInt("SELECT (SELECT COUNT(*) FROM org_units) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM import_batches)")
        return (n ?? 0) == 0
    }

    /// Tables in dependency order (children first) for erasing.
    static let dataTables = [
        "quality_findings", "quality_checks", "quality_runs", "signoffs",
        "daily_teacher_counts", "daily_counts", "sms_messages", "school_phones", "summary_dirty", "attendance_marks", "sync_records",
        "planned_visits", "record_history", "quarantine", "link_candidates", "record_keys", "summary_learning_cube", "summary_learner_cube", "population", "summary_attendance_month", "summary_school_year", "summary_attendance_year", "summary_learning", "benchmarks", "summary_teacher_attendance", "summary_assessed", "summary_learner_year", "summary_attendance", "summary_enrolment",
        "audit_log", "sessions", "users",
        "visit_actions", "school_visits", "assessment_results", "instruments",
        "teacher_attendance", "learner_attendance", "class_assignments", "teacher_postings", "teacher_source_keys", "teachers",
        "enrolments", "learner_source_keys", "learners", "census_enrolment", "census_returns",
        "holidays", "terms", "academic_years", "schools", "org_units", "org_levels", "import_files", "import_batches", "settings",
    ]

    /// Erases all data so a demo can be loaded again. Refuses (``StoreError/Code/notEmpty``) unless
    /// the database is empty or was itself created by `darasa demo`, so a real deployment's data
    /// can never be wiped by running the demo against it.
    public func eraseDemoData() async throws {
        if try await isEmpty() { return }
        guard try await setting("mode") == "demo" else {
            throw StoreError(.notEmpty, "This database already holds data that was not made by the demo; the demo will not overwrite it. Point --database or --data-dir somewhere new.")
        }
        try await database.transaction { conn in
            if conn.dialect == .postgres {
                // One TRUNCATE of every table: DELETE checks each import file against the rows
                // deleted before it in the same transaction (no index on file_id, dead rows not
                // yet vacuumed) and took 17 minutes once sync had stored thousands of batches.
                try await conn.execute("TRUNCATE \(Self.dataTables.joined(separator: ", "))", [])
            } else {
                for table in Self.dataTables { try await conn.execute("DELETE FROM \(table)", []) }
            }
        }
    }

    // MARK: Imports

    /// Runs `body` as one import batch in one transaction: everything it writes lands, with
    /// summaries refreshed for the schools it touched, or nothing does.
    public func importBatch(source: String, description: String, user: String?,
                            _ body: @Sendable (BatchWriter) async throws -> Void) async throws -> BatchReport {
        let started = Clock.now()
        let report = try await database.transaction { conn in
            let batchID = (try await conn.scalarInt("SELECT COALESCE(MAX(id), 0) + 1 FROM import_batches")) ?? 1
            try await conn.execute("""
                INSERT INTO import_batches (id, source, description, user_name, started_at, status)
                VALUES (?, ?, ?, ?, ?, 'running')
                """, .int(batchID), .text(source), .text(description), SQLValue(user), .int(started))
            // SQLite's readers read beside the batch (BatchWriter.addToTally).
            let writer = BatchWriter(connection: conn, batchID: batchID, committed: conn.dialect == .sqlite ? database : nil)
            try await writer.loadYears()
            let clock = ContinuousClock()
            let t0 = clock.now
            do {
                try await body(writer)
            } catch {
                await writer.abandonInserts()
                throw error
            }
            try await writer.finishFirstLoad()
            try await writer.checkReferences()
            let (records, touched, summaries) = await (writer.records, writer.touchedSchools, writer.summaryTables)
            let precomputed = await writer.precomputedAttendance()
            let t1 = clock.now
            try await writer.analyzeGrownTables(skip: precomputed != nil ? ["learner_attendance"] : [])
            try await SummarySQL.refresh(schools: touched, tables: summaries, precomputed: precomputed, on: conn)
            if Self.timings {
                FileHandle.standardError.write(Data("import batch \(batchID): records \(t1 - t0), summaries \(clock.now - t1)\n".utf8))
            }
            try await conn.execute("UPDATE import_batches SET status = 'committed', finished_at = ?, records = ? WHERE id = ?",
                                   .int(Clock.now()), .int(Int64(records)), .int(batchID))
            try await Self.audit(conn, actor: user ?? source, action: "import", target: "batch:\(batchID)",
                                 detail: "source=\(source) records=\(records) schools=\(touched.count)")
            return BatchReport(batchID: BatchID(batchID), records: records, schoolsTouched: touched.count)
        }
        return report
    }

    // MARK: Reading

    public func latestYearID() async throws -> Int? {
        if let year = try await database.scalarInt("SELECT MAX(year_id) FROM summary_enrolment") { return Int(year) }
        return try await database.scalarInt("SELECT MAX(id) FROM academic_years").map { Int($0) }
    }

    public func academicYears() async throws -> [(id: Int, name: String)] {
        try await database.query("SELECT id, name FROM academic_years ORDER BY id", []).map { (Int($0.int(0)!), $0.text(1) ?? "") }
    }

    public func orgLevels() async throws -> [OrgLevel] {
        try await database.query("SELECT depth, name FROM org_levels ORDER BY depth", []).map {
            OrgLevel(depth: Int($0.int(0) ?? 0), name: $0.text(1) ?? "")
        }
    }

    static let orgUnitColumns = "id, parent_id, depth, code, name, path, latitude, longitude, locality"

    static func orgUnit(_ r: SQLRow) -> OrgUnit {
        OrgUnit(id: OrgUnitID(r.int(0)!), parentID: r.int(1).map { OrgUnitID($0) }, depth: Int(r.int(2) ?? 0),
                code: r.text(3) ?? "", name: r.text(4) ?? "", path: r.text(5) ?? "/",
                latitude: r.double(6), longitude: r.double(7), locality: r.text(8).flatMap(Locality.init(rawValue:)))
    }

    public func orgUnit(id: OrgUnitID) async throws -> OrgUnit? {
        try await database.query("SELECT \(Self.orgUnitColumns) FROM org_units WHERE id = ?", .int(id.rawValue)).first.map(Self.orgUnit)
    }

    public func orgUnit(code: String, depth: Int) async throws -> OrgUnit? {
        try await database.query("SELECT \(Self.orgUnitColumns) FROM org_units WHERE code = ? AND depth = ? ORDER BY id",
                                 .text(code), .int(Int64(depth))).first.map(Self.orgUnit)
    }

    public func rootOrgUnit() async throws -> OrgUnit? {
        try await database.query("SELECT \(Self.orgUnitColumns) FROM org_units WHERE parent_id IS NULL ORDER BY id", []).first.map(Self.orgUnit)
    }

    public func children(of id: OrgUnitID) async throws -> [OrgUnit] {
        try await database.query("SELECT \(Self.orgUnitColumns) FROM org_units WHERE parent_id = ? ORDER BY name", .int(id.rawValue)).map(Self.orgUnit)
    }

    /// Figures for every school under `path` in a year, from the summaries (no raw-row scans).
    public func schoolFigures(under path: String, yearID: Int) async throws -> [SchoolFigures] {
        let inScope = "SELECT id FROM org_units WHERE substr(path, 1, CAST(? AS INTEGER)) = ?"
        let scopeArgs: [SQLValue] = [.int(Int64(path.count)), .text(path)]
        let y = SQLValue.int(Int64(yearID))
        var figures: [Int64: SchoolFigures] = [:]
        for r in try await database.query("""
            SELECT o.id, o.path, s.official_code, s.name, s.locality FROM org_units o JOIN schools s ON s.id = o.id
            WHERE substr(o.path, 1, CAST(? AS INTEGER)) = ? ORDER BY o.path
            """, scopeArgs) {
            let id = r.int(0)!
            figures[id] = SchoolFigures(schoolID: SchoolID(id), path: r.text(1) ?? "", code: r.text(2) ?? "", name: r.text(3) ?? "",
                                        locality: r.text(4).flatMap(Locality.init(rawValue:)))
        }
        for r in try await database.query("""
            SELECT school_id, enrolment, enrolment_female, present_days, recorded_days, learners_with_attendance,
                   chronically_absent, learners_assessed
            FROM summary_school_year WHERE year_id = ? AND school_id IN (\(inScope))
            """, [y] + scopeArgs) {
            guard let id = r.int(0), var f = figures[id] else { continue }
            f.enrolment = Int(r.int(1) ?? 0)
            f.enrolmentFemale = Int(r.int(2) ?? 0)
            f.presentDays = Int(r.int(3) ?? 0)
            f.recordedDays = Int(r.int(4) ?? 0)
            f.learnersWithAttendance = Int(r.int(5) ?? 0)
            f.chronicallyAbsent = Int(r.int(6) ?? 0)
            f.learnersAssessed = Int(r.int(7) ?? 0)
            figures[id] = f
        }
        for r in try await database.query("""
            SELECT school_id, COUNT(DISTINCT teacher_id) FROM teacher_postings
            WHERE end_date IS NULL AND school_id IN (\(inScope)) GROUP BY school_id
            """, scopeArgs) {
            figures[r.int(0)!]?.teachers = Int(r.int(1) ?? 0)
        }
        for r in try await database.query("""
            SELECT school_id, MAX(visited_on) FROM school_visits WHERE school_id IN (\(inScope)) GROUP BY school_id
            """, scopeArgs) {
            figures[r.int(0)!]?.lastVisit = r.text(1).flatMap { Day(iso: $0) }
        }
        return figures.values.sorted { $0.path < $1.path }
    }

    /// The classes a teacher teaches in a year.
    public func classes(teacherID: TeacherID, yearID: Int) async throws -> [ClassRef] {
        try await database.query("""
            SELECT DISTINCT school_id, grade, section FROM class_assignments WHERE teacher_id = ? AND year_id = ?
            ORDER BY grade, section
            """, .int(teacherID.rawValue), .int(Int64(yearID))).map {
            ClassRef(schoolID: SchoolID($0.int(0)!), grade: Int($0.int(1)!), section: $0.text(2) ?? "")
        }
    }

    /// Learners enrolled at a school in a year, with names: for the school tier only. With
    /// `classes`, only learners in those classes.
    public func learnerRoster(schoolID: SchoolID, yearID: Int, classes: [ClassRef]? = nil) async throws -> [RosterEntry] {
        let rows = try await database.query("""
            SELECT l.id, l.given_name, l.family_name, l.sex, e.grade, e.section, e.status,
                   y.recorded_days, y.present_days, y.absent_days
            FROM enrolments e JOIN learners l ON l.id = e.learner_id
            LEFT JOIN summary_learner_year y ON y.learner_id = e.learner_id AND y.school_id = e.school_id AND y.year_id = e.year_id
            WHERE e.school_id = ? AND e.year_id = ?
            ORDER BY e.grade, e.section, l.family_name, l.given_name, l.id
            """, .int(schoolID.rawValue), .int(Int64(yearID)))
        let allowed = classes.map { Set($0.map { "\($0.grade)|\($0.section)" }) }
        return rows.compactMap { r in
            let grade = Int(r.int(4) ?? 0), section = r.text(5) ?? ""
            if let allowed, !allowed.contains("\(grade)|\(section)") { return nil }
            return RosterEntry(learnerID: LearnerID(r.int(0)!), givenName: r.text(1) ?? "", familyName: r.text(2) ?? "",
                               sex: Sex(rawValue: r.text(3) ?? "") ?? .female, grade: grade, section: section,
                               status: EnrolmentStatus(rawValue: r.text(6) ?? "") ?? .enrolled,
                               recordedDays: Int(r.int(7) ?? 0), presentDays: Int(r.int(8) ?? 0), absentDays: Int(r.int(9) ?? 0))
        }
    }

    /// Learners with at least one assessment result in the year, among `learners`.
    public func assessedLearners(schoolID: SchoolID, yearID: Int) async throws -> Set<LearnerID> {
        Set(try await database.query("SELECT DISTINCT learner_id FROM assessment_results WHERE school_id = ? AND year_id = ?",
                                     .int(schoolID.rawValue), .int(Int64(yearID))).map { LearnerID($0.int(0)!) })
    }

    public func count(_ table: String) async throws -> Int {
        precondition(Self.dataTables.contains(table), "count() takes a known table name")
        return Int(try await database.scalarInt("SELECT COUNT(*) FROM \(table)") ?? 0)
    }
}

public struct BatchReport: Sendable, Codable, Hashable {
    public var batchID: BatchID
    public var records: Int
    public var schoolsTouched: Int
}

/// A school's figures for one year, all from summaries.
public struct SchoolFigures: Sendable, Codable, Hashable {
    public var schoolID: SchoolID
    public var path: String
    public var code: String
    public var name: String
    public var locality: Locality?
    public var enrolment = 0
    public var enrolmentFemale = 0
    public var presentDays = 0
    public var recordedDays = 0
    public var learnersWithAttendance = 0
    public var chronicallyAbsent = 0
    public var learnersAssessed = 0
    public var teachers = 0
    public var lastVisit: Day?

    public var attendanceRate: Double? { Attendance.rate(presentDays: presentDays, recordedDays: recordedDays) }
    public var pupilTeacherRatio: Double? { teachers > 0 ? Double(enrolment) / Double(teachers) : nil }
}

public struct RosterEntry: Sendable, Codable, Hashable {
    public var learnerID: LearnerID
    public var givenName: String
    public var familyName: String
    public var sex: Sex
    public var grade: Int
    public var section: String
    public var status: EnrolmentStatus
    public var recordedDays: Int
    public var presentDays: Int
    public var absentDays: Int
    public var attendanceRate: Double? { Attendance.rate(presentDays: presentDays, recordedDays: recordedDays) }
}

/// Wall-clock seconds; one place so tests can reason about it.
public enum Clock {
    public static func now() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }
}

/// Days present and recorded in one calendar month.
public struct MonthAttendance: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var presentDays: Int
    public var recordedDays: Int
    public var rate: Double? { Attendance.rate(presentDays: presentDays, recordedDays: recordedDays) }
}

extension DarasaStore {
    /// Attendance by month for the schools under `path` (from the summary), or for the learners of
    /// `classes` at one school (from the month rows of those learners only).
    public func monthlyAttendance(under path: String, yearID: Int, classes: [ClassRef]? = nil) async throws -> [MonthAttendance] {
        let rows: [SQLRow]
        if let classes, let school = classes.first?.schoolID {
            let pairs = classes.map { "(e.grade = \($0.grade) AND e.section = ?)" }.joined(separator: " OR ")
            rows = try await database.query("""
                SELECT a.year, a.month, CAST(SUM(a.present_days) AS BIGINT), CAST(SUM(a.recorded_days) AS BIGINT)
                FROM learner_attendance a JOIN enrolments e ON e.learner_id = a.learner_id AND e.school_id = a.school_id AND e.year_id = a.year_id
                WHERE a.school_id = ? AND a.year_id = ? AND (\(pairs))
                GROUP BY a.year, a.month ORDER BY a.year, a.month
                """, [.int(school.rawValue), .int(Int64(yearID))] + classes.map { .text($0.section) })
        } else {
            rows = try await database.query("""
                SELECT year, month, CAST(SUM(present_days) AS BIGINT), CAST(SUM(recorded_days) AS BIGINT)
                FROM summary_attendance_month WHERE year_id = ? AND school_id IN (SELECT id FROM org_units WHERE substr(path, 1, CAST(? AS INTEGER)) = ?)
                GROUP BY year, month ORDER BY year, month
                """, .int(Int64(yearID)), .int(Int64(path.count)), .text(path))
        }
        return rows.map { MonthAttendance(year: Int($0.int(0) ?? 0), month: Int($0.int(1) ?? 0),
                                          presentDays: Int($0.int(2) ?? 0), recordedDays: Int($0.int(3) ?? 0)) }
    }
}
