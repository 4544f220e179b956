import DarasaCore
import DarasaStore
import DarasaTestSupport
import Foundation
import Testing

/// Sync's writes (docs/sync.md) on both engines, below HTTP: one group commit of several
/// devices' batches, duplicates across and within batches, latest-mark-wins whatever the
/// arrival order, refusals with reasons, and the summaries refreshed from the queue.
@Suite struct SyncStoreTests {
    static let teacher = SyncPermissions(username: "t1", role: .teacher, path: "/TL/",
                                         classes: [ClassRef(schoolID: TinyCountry.s1, grade: 2, section: "A")])
    static let monday = Day(year: 2025, month: 3, day: 31)!
    /// Inside the school year, after the day marked.
    static let now: Int64 = 1_743_500_000  // 2025-04-01

    func mark(_ id: String, _ learner: Int64, _ mark: AttendanceMark, at: Int64, day: Day = monday) -> SyncItem {
        .attendance(id: id, learner: learner, school: TinyCountry.s1.rawValue, day: day, mark: mark, markedAt: at)
    }

    @Test(arguments: TestEngine.available)
    func aGroupCommitStoresEachRecordOnceAndTheLatestMarkWins(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let a = SyncPush(deviceID: "tablet-a-01", batchID: "batch-a-0001", permissions: Self.teacher, items: [
            mark("rec-a-000001", 1, .absent, at: 2_000),
            mark("rec-a-000002", 2, .late, at: 2_000),
        ])
        // Device b took learner 1's register earlier (its mark is history), and repeats a's record.
        let b = SyncPush(deviceID: "tablet-b-01", batchID: "batch-b-0001", permissions: Self.teacher, items: [
            mark("rec-b-000001", 1, .present, at: 1_000),
            mark("rec-a-000001", 1, .absent, at: 2_000),
            mark("rec-b-000002", 3, .absent, at: 1_000),                                   // grade 3: not t1's class
            mark("rec-b-000003", 1, .absent, at: 1_000, day: Day(year: 2025, month: 4, day: 9)!),  // a week ahead of the server
            .invalid(id: "rec-b-000004", kind: "attendance", reason: "the mark must be present, absent, late or excused"),
        ])
        let results = try await store.applySync([a, b], now: Self.now)
        #expect(results[0].map(\.status) == [.stored, .stored])
        #expect(results[1].map(\.status) == [.stored, .duplicate, .rejected, .rejected, .rejected])
        #expect(results[1][2].reason?.contains("not in one of your classes") == true)
        #expect(results[1][3].reason?.contains("in the future") == true)
        let marks = try await store.marks(schoolID: TinyCountry.s1, day: Self.monday, learners: [LearnerID(1), LearnerID(2)])
        #expect(marks[LearnerID(1)] == .absent && marks[LearnerID(2)] == .late)
        #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM attendance_marks") == 3)
        #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM sync_records") == 6)

        // The same batches again (lost acknowledgements): nothing changes, the answers agree.
        let again = try await store.applySync([b, a], now: Self.now)
        #expect(again[0].map(\.status) == [.duplicate, .duplicate, .rejected, .rejected, .rejected])
        #expect(again[1].map(\.status) == [.duplicate, .duplicate])
        #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM attendance_marks") == 3)

        // A later correction from b arrives last and wins.
        let c = SyncPush(deviceID: "tablet-b-01", batchID: "batch-b-0002", permissions: Self.teacher, items: [mark("rec-b-000005", 1, .excused, at: 3_000)])
        _ = try await store.applySync([c], now: Self.now)
        #expect(try await store.marks(schoolID: TinyCountry.s1, day: Self.monday, learners: [LearnerID(1)])[LearnerID(1)] == .excused)

        // Summaries follow from the queue: s1 (hand-worked 117 of 123 days present) loses two of
        // its present days on 31 March — learner 1 excused, learner 2 late (late counts present).
        #expect(try await store.refreshDirtySummaries() == 1)
        #expect(try await store.refreshDirtySummaries() == 0)
        let s1 = try #require(try await store.schoolFigures(under: "/TL/", yearID: 2025).first { $0.schoolID == TinyCountry.s1 })
        #expect(s1.recordedDays == 123)
        #expect(s1.presentDays == 116)
    }

    /// Migration 0016 fills `latest_mark_at` from the marks kept; after it, a mark older than the
    /// month's latest still loses (it is looked up in the history), on both engines.
    @Test(arguments: TestEngine.available)
    func theMonthsLatestMarkIsFilledFromTheHistory(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let friday = Day(year: 2025, month: 3, day: 28)!
        _ = try await store.applySync([SyncPush(deviceID: "tablet-a-01", batchID: "batch-a-0001", permissions: Self.teacher, items: [
            mark("rec-a-000001", 1, .absent, at: 2_000), mark("rec-a-000002", 1, .late, at: 4_000, day: friday), mark("rec-a-000003", 2, .late, at: 1_500),
        ])], now: Self.now)
        let latest = "SELECT latest_mark_at FROM learner_attendance WHERE learner_id = ? AND year = 2025 AND month = 3"
        #expect(try await store.database.scalarInt(latest, [.int(1)]) == 4_000)
        // As a database from before the column: every month at 0, then the migration's fill.
        try await store.database.execute("UPDATE learner_attendance SET latest_mark_at = 0", [])
        let fill = try #require(Schema.migrations.first { $0.name == "0016_attendance_latest_mark" }?.statements.last)
        try await store.database.execute(fill, [])
        #expect(try await store.database.scalarInt(latest, [.int(1)]) == 4_000)
        #expect(try await store.database.scalarInt(latest, [.int(2)]) == 1_500)
        #expect(try await store.database.scalarInt(latest, [.int(3)]) == 0)
        _ = try await store.applySync([SyncPush(deviceID: "tablet-b-01", batchID: "batch-b-0001", permissions: Self.teacher, items: [
            mark("rec-b-000001", 1, .present, at: 1_000), mark("rec-b-000002", 2, .present, at: 1_600),
        ])], now: Self.now)
        let marks = try await store.marks(schoolID: TinyCountry.s1, day: Self.monday, learners: [LearnerID(1), LearnerID(2)])
        #expect(marks[LearnerID(1)] == .absent)
        #expect(marks[LearnerID(2)] == .present)
        #expect(try await store.database.scalarInt(latest, [.int(1)]) == 4_000)
        #expect(try await store.database.scalarInt(latest, [.int(2)]) == 1_600)
    }

    /// Migration 0017 moves sync's two tables into their primary key's B-tree on SQLite (`WITHOUT
    /// ROWID`; on PostgreSQL it is recorded and runs nothing): a database migrated over it keeps
    /// every record and mark, and the key still holds.
    @Test(arguments: TestEngine.available)
    func theSyncTablesKeepTheirRowsWhenStoredInKeyOrder(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let push = SyncPush(deviceID: "tablet-a-01", batchID: "batch-a-0001", permissions: Self.teacher, items: [
            mark("rec-a-000001", 1, .absent, at: 2_000), mark("rec-a-000002", 2, .late, at: 2_000),
        ])
        _ = try await store.applySync([push], now: Self.now)
        try await store.database.execute("DELETE FROM schema_migrations WHERE name = '0017_sync_tables_clustered'", [])
        #expect(try await store.migrate() == ["0017_sync_tables_clustered"])
        #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM sync_records") == 2)
        #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM attendance_marks WHERE marked_at = 2000") == 2)
        if engine == .sqlite {
            let ddl = try await store.database.query("SELECT sql FROM sqlite_master WHERE name IN ('sync_records', 'attendance_marks')", [])
            #expect(ddl.count == 2 && ddl.allSatisfy { $0.text(0)?.hasSuffix("WITHOUT ROWID") == true })
        }
        // A replay is still a duplicate (the key on record_id survived the move).
        #expect(try await store.applySync([push], now: Self.now)[0].map(\.status) == [.duplicate, .duplicate])
        await #expect(throws: StoreError.self) {
            try await store.database.execute("INSERT INTO sync_records (record_id, device_id, batch_id, user_name, kind, received_at, status) VALUES ('rec-a-000001', 'x', 'y', 'z', 'attendance', 0, 'stored')", [])
        }
    }

    /// Migration 0018 keys the marks' history by school, day and learner (a pushed register's
    /// marks side by side) and drops sync_records' unread index by device: a database migrated
    /// over it keeps every mark, and latest-mark-wins still finds the history by its key.
    @Test(arguments: TestEngine.available)
    func theMarksHistoryKeepsItsRowsWhenKeyedByClassDay(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let push = SyncPush(deviceID: "tablet-a-01", batchID: "batch-a-0001", permissions: Self.teacher, items: [
            mark("rec-a-000001", 1, .absent, at: 2_000), mark("rec-a-000002", 2, .late, at: 2_000),
        ])
        _ = try await store.applySync([push], now: Self.now)
        // The layout before 0018: keyed by learner first, with the index by device.
        for statement in [
            """
            CREATE TABLE attendance_marks_old (
              learner_id BIGINT NOT NULL, school_id BIGINT NOT NULL, day TEXT NOT NULL, mark TEXT NOT NULL,
              marked_at BIGINT NOT NULL, user_name TEXT NOT NULL, record_id TEXT NOT NULL,
              PRIMARY KEY (learner_id, school_id, day, record_id))
            """,
            "INSERT INTO attendance_marks_old SELECT learner_id, school_id, day, mark, marked_at, user_name, record_id FROM attendance_marks",
            "DROP TABLE attendance_marks",
            "ALTER TABLE attendance_marks_old RENAME TO attendance_marks",
            "CREATE INDEX sync_records_device ON sync_records (device_id, batch_id)",
            "DELETE FROM schema_migrations WHERE name = '0018_attendance_marks_by_class_day'",
        ] { try await store.database.execute(statement, []) }
        #expect(try await store.migrate() == ["0018_attendance_marks_by_class_day"])
        #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM attendance_marks WHERE marked_at = 2000") == 2)
        let layout = engine == .sqlite
            ? "SELECT sql FROM sqlite_master WHERE name = 'attendance_marks' OR name = 'sync_records_device'"
            : "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND (tablename = 'attendance_marks' OR indexname = 'sync_records_device')"
        let ddl = try await store.database.query(layout, []).compactMap { $0.text(0) }
        #expect(ddl.count == 1)
        #expect(ddl.first?.contains("(school_id, day, learner_id, record_id)") == true)
        if engine == .sqlite { #expect(ddl.first?.hasSuffix("WITHOUT ROWID") == true) }
        // A replay is a duplicate; an earlier mark from another device loses to the history; a later one wins.
        #expect(try await store.applySync([push], now: Self.now)[0].map(\.status) == [.duplicate, .duplicate])
        let other = SyncPush(deviceID: "tablet-b-01", batchID: "batch-b-0001", permissions: Self.teacher, items: [
            mark("rec-b-000001", 1, .present, at: 1_000), mark("rec-b-000002", 2, .present, at: 3_000),
        ])
        #expect(try await store.applySync([other], now: Self.now)[0].map(\.status) == [.stored, .stored])
        let marks = try await store.marks(schoolID: TinyCountry.s1, day: Self.monday, learners: [LearnerID(1), LearnerID(2)])
        #expect(marks[LearnerID(1)] == .absent)
        #expect(marks[LearnerID(2)] == .present)
    }

    /// Migration 0019 keys the learners' month rows by school, year, month and learner (as
    /// registers arrive) and drops the (school, year) index the key now covers: a database
    /// migrated over it keeps every month row, and a later mark still updates its month in place.
    @Test(arguments: TestEngine.available)
    func monthRowsKeepTheirValuesWhenKeyedBySchool(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let push = SyncPush(deviceID: "tablet-a-01", batchID: "batch-a-0001", permissions: Self.teacher, items: [
            mark("rec-a-000001", 1, .absent, at: 2_000), mark("rec-a-000002", 2, .late, at: 2_000),
        ])
        _ = try await store.applySync([push], now: Self.now)
        let fingerprint = """
            SELECT COUNT(*), CAST(SUM(learner_id * 7 + school_id * 11 + year_id * 13 + year * 17 + month * 19 + present * 23 + absent * 29
                   + late * 31 + excused * 37 + recorded_days * 41 + present_days * 43 + absent_days * 47 + latest_mark_at) AS BIGINT)
            FROM learner_attendance
            """
        let before = try await store.database.query(fingerprint, []).first.map { [$0.int(0) ?? 0, $0.int(1) ?? 0] } ?? []
        #expect(before.count == 2 && before[0] > 0)
        // The layout before 0019: keyed by learner first, with the index by school and year.
        for statement in [
            """
            CREATE TABLE learner_attendance_old (
              learner_id BIGINT NOT NULL, school_id BIGINT NOT NULL, year_id INTEGER NOT NULL, year INTEGER NOT NULL,
              month INTEGER NOT NULL, present BIGINT NOT NULL, absent BIGINT NOT NULL, late BIGINT NOT NULL, excused BIGINT NOT NULL,
              recorded_days INTEGER NOT NULL, present_days INTEGER NOT NULL, absent_days INTEGER NOT NULL, file_id BIGINT, src_row INTEGER,
              latest_mark_at BIGINT NOT NULL DEFAULT 0,
              PRIMARY KEY (learner_id, school_id, year, month))
            """,
            "INSERT INTO learner_attendance_old SELECT learner_id, school_id, year_id, year, month, present, absent, late, excused, recorded_days, present_days, absent_days, file_id, src_row, latest_mark_at FROM learner_attendance",
            "DROP TABLE learner_attendance",
            "ALTER TABLE learner_attendance_old RENAME TO learner_attendance",
            "CREATE INDEX learner_attendance_school ON learner_attendance (school_id, year_id)",
            "DELETE FROM schema_migrations WHERE name = '0019_learner_attendance_by_school'",
        ] { try await store.database.execute(statement, []) }
        #expect(try await store.migrate() == ["0019_learner_attendance_by_school"])
        let after = try await store.database.query(fingerprint, []).first.map { [$0.int(0) ?? 0, $0.int(1) ?? 0] } ?? []
        #expect(after == before)
        let layout = engine == .sqlite
            ? "SELECT sql FROM sqlite_master WHERE tbl_name = 'learner_attendance' AND sql IS NOT NULL"
            : "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'learner_attendance'"
        let ddl = try await store.database.query(layout, []).compactMap { $0.text(0) }
        #expect(ddl.count == 1)
        if engine == .sqlite {
            #expect(ddl.first?.contains("PRIMARY KEY (school_id, year, month, learner_id)") == true)
            #expect(ddl.first?.hasSuffix("WITHOUT ROWID") == true)
        } else {
            #expect(ddl.first?.contains("(school_id, year, month, learner_id)") == true)
        }
        // A later mark updates the month row in place (the upsert finds it by the new key); an earlier one loses.
        let later = SyncPush(deviceID: "tablet-b-01", batchID: "batch-b-0001", permissions: Self.teacher, items: [
            mark("rec-b-000001", 1, .present, at: 3_000), mark("rec-b-000002", 2, .present, at: 1_000),
        ])
        #expect(try await store.applySync([later], now: Self.now)[0].map(\.status) == [.stored, .stored])
        #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM learner_attendance") == before[0])
        let marks = try await store.marks(schoolID: TinyCountry.s1, day: Self.monday, learners: [LearnerID(1), LearnerID(2)])
        #expect(marks[LearnerID(1)] == .present)
        #expect(marks[LearnerID(2)] == .late)
    }

    /// The server runs its commits on the writer's own thread (`DedicatedThreadExecutor`), where
    /// SQLite's statements run right there rather than through GRDB's queue: the same pushes get
    /// the same answers and leave the same rows, and a transaction that fails there leaves nothing.
    @Test(arguments: TestEngine.available)
    func aCommitOnTheWritersThreadStoresWhatItStoresAnywhere(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let writer = DedicatedThreadExecutor(name: "darasa-test-writer")
        let a = SyncPush(deviceID: "tablet-a-01", batchID: "batch-a-0001", permissions: Self.teacher, items: [
            mark("rec-a-000001", 1, .absent, at: 2_000), mark("rec-a-000002", 2, .late, at: 2_000),
        ])
        let first = try await Task(executorPreference: writer) { try await store.applySync([a], now: Self.now) }.value
        #expect(first[0].map(\.status) == [.stored, .stored])
        #expect(try await store.applySync([a], now: Self.now)[0].map(\.status) == [.duplicate, .duplicate])
        let marks = try await store.marks(schoolID: TinyCountry.s1, day: Self.monday, learners: [LearnerID(1), LearnerID(2)])
        #expect(marks[LearnerID(1)] == .absent)
        #expect(marks[LearnerID(2)] == .late)
        #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM sync_records") == 2)
        await #expect(throws: StoreError.self) {
            try await Task(executorPreference: writer) {
                try await store.database.transaction { conn in
                    try await conn.execute("INSERT INTO summary_dirty (school_id, tables, seq) VALUES (999999, 'all', 1)", [])
                    try await conn.execute("INSERT INTO no_such_table VALUES (1)", [])
                }
            }.value
        }
        #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM summary_dirty WHERE school_id = 999999") == 0)
        // The writer still works after the failure.
        let b = SyncPush(deviceID: "tablet-a-01", batchID: "batch-a-0002", permissions: Self.teacher, items: [mark("rec-a-000003", 1, .present, at: 3_000)])
        #expect(try await Task(executorPreference: writer) { try await store.applySync([b], now: Self.now) }.value[0].map(\.status) == [.stored])
    }
}
