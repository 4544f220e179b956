import DarasaCore
import DarasaStore
import DarasaTestSupport
import Foundation
import Testing

/// The store contract: every test runs on SQLite and on a real PostgreSQL server.
@Suite struct StoreContractTests {
    @Test func postgresIsAvailableWhenRequired() {
        // scripts/test.sh sets DARASA_REQUIRE_POSTGRES=1; then skipping PostgreSQL would hide half the contract.
        if TestEngine.postgresRequired {
            #expect(TestEngine.postgresURL != nil, "DARASA_TEST_POSTGRES_URL must name a server when DARASA_REQUIRE_POSTGRES=1")
        }
    }

    @Test(arguments: TestEngine.available)
    func migrationsApplyOnceAndAreRecorded(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        // Given a migrated store, when migrating again, then nothing more is applied.
        #expect(try await store.migrate().isEmpty)
        #expect(try await store.appliedMigrations() == Schema.migrations.map(\.name))
        #expect(try await store.isEmpty())
    }

    /// Whole numbers laid end to end land as the rows they make, extremes included, inside a
    /// transaction (the engine's own path) and outside one (the generic one over `bulkInsert`).
    @Test(arguments: TestEngine.available)
    func integerRowsLandExactly(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        let values: [Int64] = [0, 1, -1, Int64.max, Int64.min, 1_234_567_890_123, -987_654_321, 10, 100]
        try await store.database.execute("CREATE TABLE int_rows (n BIGINT, a BIGINT, b BIGINT, c BIGINT)", [])
        try await store.database.transaction { c in
            try await c.bulkInsertIntegers(table: "int_rows", columns: ["n", "a", "b", "c"], values: [1] + values[0..<3] + [2] + values[3..<6] + [3] + values[6..<9])
        }
        // Outside a transaction, with the columns in another order.
        try await store.database.bulkInsertIntegers(table: "int_rows", columns: ["c", "b", "a", "n"], values: [-1, 1, 0, 4, 9, 8, 7, 5])
        let rows = try await store.database.query("SELECT a, b, c FROM int_rows ORDER BY n", []).map { r in (0..<3).map { r.int($0) } }
        #expect(rows == [[0, 1, -1], [Int64.max, Int64.min, 1_234_567_890_123], [-987_654_321, 10, 100], [0, 1, -1], [7, 8, 9]])
        try await store.database.execute("DROP TABLE int_rows", [])
    }

    /// A batch that grows a table by 10,000 rows or more has PostgreSQL's statistics brought up
    /// to date before its summaries are computed in the same transaction: a table last analysed
    /// empty (after the demo's data was erased) was otherwise planned as empty, and the learner
    /// cube's insert over 620,000 new enrolments ran for over 7 minutes. SQLite keeps no
    /// statistics unless asked (none are made).
    @Test(arguments: TestEngine.available)
    func aBatchThatGrowsATableHasItsStatisticsCountedBeforeItsSummaries(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        func counted() async throws -> Int64? {
            try await store.database.query("SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE oid = CAST('learners' AS regclass)", []).first?.int(0)
        }
        if engine == .postgres {
            try await store.database.execute("ANALYZE learners", [])
            #expect(try await counted() == 0, "analysed empty, as after an erase")
        }
        let many = (1...12_000).map { i in
            Learner(id: LearnerID(Int64(i)), givenName: "Given\(i)", familyName: "Family\(i % 97)", sex: i % 2 == 0 ? .female : .male,
                    birthDate: nil, homeLanguage: nil)
        }
        _ = try await store.importBatch(source: "oneroster", description: "many learners", user: "test") { w in
            try await w.write(.learners(many), source: "oneroster", path: "users.csv", rows: Array(2...12_001))
        }
        #expect(try await store.count("learners") == 12_000)
        if engine == .postgres {
            let n = try #require(try await counted())
            #expect(n >= 11_000 && n <= 13_000, "statistics count \(n) learners")
        } else {
            #expect(try await store.database.query("SELECT name FROM sqlite_master WHERE name LIKE 'sqlite_stat%'", []).isEmpty)
        }
    }

    /// Rows go in many to a statement on SQLite (64, and the rest in a shorter one); whatever the
    /// count, every row lands once with its own values, NULLs and text included.
    @Test(arguments: TestEngine.available)
    func manyRowsLandOnceEachWhateverTheirCount(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await store.database.execute("CREATE TABLE many_rows (n BIGINT PRIMARY KEY, t TEXT, x DOUBLE PRECISION, m BIGINT)", [])
        for count in [1, 63, 64, 65, 150] {
            try await store.database.execute("DELETE FROM many_rows", [])
            let rows: [[SQLValue]] = (0..<count).map { (i: Int) -> [SQLValue] in
                let text: SQLValue = i % 7 == 0 ? .null : .text("t\(i)\t'\"é")
                return [.int(Int64(i)), text, .double(Double(i) / 4), .int(Int64(-i))]
            }
            try await store.database.transaction { c in try await c.bulkInsert(table: "many_rows", columns: ["n", "t", "x", "m"], rows: rows) }
            let back = try await store.database.query("SELECT n, t, x, m FROM many_rows ORDER BY n", [])
            #expect(back.count == count)
            #expect(back.map { $0.values } == rows, "\(count) rows")
            try await store.database.execute("DELETE FROM many_rows", [])
            try await store.database.transaction { c in
                try await c.bulkInsertIntegers(table: "many_rows", columns: ["m", "n"], values: (0..<count).flatMap { [Int64($0) * 3, Int64($0)] })
            }
            let ints = try await store.database.query("SELECT n, m FROM many_rows ORDER BY n", []).map { [$0.int(0), $0.int(1)] }
            #expect(ints == (0..<count).map { [Int64($0), Int64($0) * 3] }, "\(count) integer rows")
        }
        try await store.database.execute("DROP TABLE many_rows", [])
    }

    /// An upsert of a few rows and one of many (staged through a temporary table on SQLite from
    /// 10,000 rows) update the rows whose key exists, leave the columns not named, and insert the rest.
    @Test(arguments: TestEngine.available)
    func upsertsUpdateWhatExistsAndInsertTheRestAtAnySize(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await store.database.execute("CREATE TABLE upsert_rows (a BIGINT NOT NULL, b TEXT NOT NULL, kept BIGINT NOT NULL, v BIGINT NOT NULL, PRIMARY KEY (a, b))", [])
        for count in [10, 12_000] {
            try await store.database.execute("DELETE FROM upsert_rows", [])
            // Given every even key stored with v = -1
            try await store.database.bulkInsert(table: "upsert_rows", columns: ["a", "b", "kept", "v"],
                                                rows: stride(from: 0, to: count, by: 2).map { [.int(Int64($0)), .text("k"), .int(7), .int(-1)] })
            // When every key is upserted (in reverse order) with v = a
            try await store.database.transaction { c in
                try await c.bulkUpsert(table: "upsert_rows", columns: ["a", "b", "kept", "v"], conflict: ["a", "b"], update: ["v"],
                                       rows: (0..<count).reversed().map { [.int(Int64($0)), .text("k"), .int(0), .int(Int64($0))] })
            }
            // Then every key is there once with v = a; the stored rows kept their other column
            let back = try await store.database.query("SELECT a, kept, v FROM upsert_rows ORDER BY a", []).map { [$0.int(0), $0.int(1), $0.int(2)] }
            let expected: [[Int64?]] = (0..<count).map { (a: Int) -> [Int64?] in [Int64(a), a % 2 == 0 ? 7 : 0, Int64(a)] }
            #expect(back == expected, "\(count) rows")
        }
        try await store.database.execute("DROP TABLE upsert_rows", [])
    }

    @Test(arguments: TestEngine.available)
    func summariesMatchHandWorkedFigures(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        let report = try await TinyCountry.load(into: store)
        #expect(report.schoolsTouched == 2)

        let figures = try await store.schoolFigures(under: "/TL/", yearID: 2025)
        try #require(figures.count == 2)
        let s1 = try #require(figures.first { $0.schoolID == TinyCountry.s1 })
        let s2 = try #require(figures.first { $0.schoolID == TinyCountry.s2 })
        // Hand-worked in TinyCountry's doc comment.
        #expect(s1.enrolment == 3 && s1.enrolmentFemale == 2)
        #expect(s1.presentDays == 117 && s1.recordedDays == 123)
        #expect(abs((s1.attendanceRate ?? 0) - 117.0 / 123.0) < 1e-12)
        #expect(s1.chronicallyAbsent == 1 && s1.learnersWithAttendance == 3)
        #expect(s1.learnersAssessed == 2)
        #expect(s1.teachers == 2)  // T3's old posting at S1 ended in 2018
        #expect(s1.lastVisit == Day(year: 2025, month: 3, day: 10))
        #expect(s2.enrolment == 1 && s2.enrolmentFemale == 0)  // L5 dropped out
        #expect(s2.presentDays == 47 && s2.recordedDays == 61)
        #expect(s2.chronicallyAbsent == 0)  // L4 at 9.76 %; L5 under the 30-day floor
        #expect(s2.learnersAssessed == 1)
        #expect(s2.lastVisit == nil)
    }

    @Test(arguments: TestEngine.available)
    func scopeByPathSeesOnlyItsSchools(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let d1 = try await store.schoolFigures(under: "/TL/R1/D1/", yearID: 2025)
        #expect(d1.map(\.schoolID) == [TinyCountry.s1])
        // "/TL/R1/D" is not a unit: a prefix of two districts' codes must not match either by accident
        #expect(try await store.schoolFigures(under: "/TL/R1/D1/Z2/", yearID: 2025).isEmpty)
        let d1Unit = try #require(try await store.orgUnit(id: TinyCountry.d1))
        let school = try #require(try await store.orgUnit(id: TinyCountry.s1))
        #expect(try await store.ancestor(of: school, depth: 2) == d1Unit.id)
        // ordered by name: "Hill District" (D2) before "Lake District" (D1)
        #expect(try await store.children(of: TinyCountry.region).map(\.code) == ["D2", "D1"])
    }

    @Test(arguments: TestEngine.available)
    func rosterIsFilteredToATeachersClasses(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let classes = try await store.classes(teacherID: TinyCountry.t1, yearID: 2025)
        #expect(classes == [ClassRef(schoolID: TinyCountry.s1, grade: 2, section: "A")])
        let roster = try await store.learnerRoster(schoolID: TinyCountry.s1, yearID: 2025, classes: classes)
        // ordered by grade, section, family name: Mwangi before Otieno
        #expect(roster.map(\.givenName) == ["Baraka", "Amina"])
        let baraka = try #require(roster.first { $0.givenName == "Baraka" })
        #expect(baraka.absentDays == 5 && baraka.recordedDays == 41 && baraka.presentDays == 36)
        #expect(try await store.learnerRoster(schoolID: TinyCountry.s1, yearID: 2025).count == 3)
    }

    @Test(arguments: TestEngine.available)
    func provenanceRecordsSourceFileAndRow(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let rows = try await store.database.query("""
            SELECT f.source, f.path, l.src_row, b.status, b.records FROM learners l
            JOIN import_files f ON f.id = l.file_id JOIN import_batches b ON b.id = f.batch_id WHERE l.id = 3
            """, [])
        let r = try #require(rows.first)
        #expect(r.text(0) == "oneroster" && r.text(1) == "users.csv" && r.int(2) == 4)
        #expect(r.text(3) == "committed")
        // and the import itself is in the audit log, with who ran it
        let entry = try #require(try await store.auditLog().first { $0.action == "import" })
        #expect(entry.actor == "test" && entry.target == "batch:1" && entry.detail.contains("source=test"))
    }

    @Test(arguments: TestEngine.available)
    func aFailingImportLeavesNothingBehind(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let before = try await store.count("learners")
        // When a batch writes a new learner and then a duplicate, the whole batch is rolled back.
        await #expect(throws: StoreError.self) {
            try await store.importBatch(source: "test", description: "bad", user: nil) { w in
                let extra = Learner(id: LearnerID(99), givenName: "New", familyName: "Child", sex: .male, birthDate: nil, homeLanguage: nil)
                try await w.write(.learners([extra]), source: "oneroster", path: "users.csv", rows: [7])
                try await w.write(.learners([TinyCountry.learners[0]]), source: "oneroster", path: "users.csv", rows: [8])
            }
        }
        #expect(try await store.count("learners") == before)
        #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM import_batches WHERE status <> 'committed'") == 0)
        // and the store still works afterwards
        #expect(try await store.schoolFigures(under: "/TL/", yearID: 2025).count == 2)
    }

    @Test(arguments: TestEngine.available)
    func conflictErrorsNameTheConstraintButNoValues(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        do {
            try await store.importBatch(source: "test", description: "dup", user: nil) { w in
                try await w.write(.learners([TinyCountry.learners[0]]), source: "oneroster", path: "users.csv", rows: [2])
            }
            Issue.record("a duplicate learner must be refused")
        } catch let error as StoreError {
            #expect(error.code == .conflict)
            #expect(!error.message.contains("Amina"))
            #expect(!error.message.contains("INSERT"))
        }
    }

    @Test(arguments: TestEngine.available)
    func attendanceOutsideTheCalendarIsRefusedWithAReason(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        do {
            try await store.importBatch(source: "test", description: "bad month", user: nil) { w in
                try await w.write(.learnerAttendance([LearnerAttendanceMonth(learnerID: LearnerID(1), schoolID: TinyCountry.s1,
                                                                            year: 2031, month: 2, marks: MonthMarks(present: 1))]),
                                  source: "register", path: "r.csv", rows: [2])
            }
            Issue.record("attendance outside every academic year must be refused")
        } catch let error as StoreError {
            #expect(error.message.contains("2031-02"))
            #expect(error.message.contains("calendar"))
        }
    }

    @Test(arguments: TestEngine.available)
    func attendanceForAnUnknownLearnerIsRefusedWholeBatch(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let before = try await store.count("learner_attendance")
        do {
            try await store.importBatch(source: "test", description: "orphan", user: nil) { w in
                var m = MonthMarks()
                m.set(.present, day: 3)
                try await w.write(.learnerAttendance([
                    LearnerAttendanceMonth(learnerID: LearnerID(1), schoolID: TinyCountry.s1, year: 2025, month: 4, marks: m),
                    LearnerAttendanceMonth(learnerID: LearnerID(404), schoolID: TinyCountry.s1, year: 2025, month: 4, marks: m),
                ]), source: "register", path: "r.csv", rows: [2, 3])
            }
            Issue.record("attendance for a learner who is not stored must be refused")
        } catch let error as StoreError {
            #expect(error.message.contains("1 learners that are not stored"))
        }
        #expect(try await store.count("learner_attendance") == before)
    }

    @Test(arguments: TestEngine.available)
    func accountsSessionsAndAudit(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let id = try await store.createUser(username: "amina", displayName: "Amina", passwordHash: "$2b$10$x", role: .districtOfficer,
                                            orgUnitID: TinyCountry.d1, actor: "test")
        await #expect(throws: StoreError.self) {
            try await store.createUser(username: "amina", displayName: "Other", passwordHash: "h", role: .teacher,
                                       orgUnitID: TinyCountry.s1, actor: "test")
        }
        let user = try #require(try await store.user(named: "amina"))
        #expect(user.id == id && user.role == .districtOfficer && user.orgUnitID == TinyCountry.d1)

        try await store.createSession(tokenHash: "live", userID: id, csrfToken: "c1", expiresAt: 2_000)
        try await store.createSession(tokenHash: "old", userID: id, csrfToken: "c2", expiresAt: 1_000)
        #expect(try await store.session(tokenHash: "live", now: 1_500)?.user.username == "amina")
        #expect(try await store.session(tokenHash: "old", now: 1_500) == nil)
        try await store.deleteSession(tokenHash: "live")
        #expect(try await store.session(tokenHash: "live", now: 1_500) == nil)

        let log = try await store.auditLog()
        #expect(log.first?.action == "user.create" && log.first?.target == "user:amina")
    }

    @Test(arguments: TestEngine.available)
    func aMigrationThatAddsASummaryFillsItForDataAlreadyStored(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        // Given a database from before 0005 and 0006 (their tables dropped, their records removed)…
        for table in ["summary_attendance_month", "summary_school_year", "summary_attendance_year"] {
            try await store.database.execute("DROP TABLE \(table)", [])
        }
        try await store.database.execute("DELETE FROM schema_migrations WHERE name IN ('0005_year_rollups', '0006_month_rollup')", [])
        // …when it is migrated over both, the new summaries hold the figures of the data already there.
        #expect(try await store.migrate() == ["0005_year_rollups", "0006_month_rollup"])
        #expect(try await store.schoolFigures(under: "/TL/", yearID: 2025).first { $0.schoolID == TinyCountry.s1 }?.presentDays == 117)
        let months = try await store.monthlyAttendance(under: "/TL/", yearID: 2025)
        #expect(months.map(\.month) == [2, 3])
        // February: S1 54 of 60 (see TinyCountry), S2 Daudi 20 + Eshe 10 of 40 → 84 of 100
        #expect(months.first?.presentDays == 84 && months.first?.recordedDays == 100)
    }

    @Test(arguments: TestEngine.available)
    func demoEraseRefusesRealData(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        await #expect(throws: StoreError.self) { try await store.eraseDemoData() }
        #expect(try await store.count("learners") == 5)
        try await store.setSetting("mode", "demo")
        try await store.eraseDemoData()
        #expect(try await store.isEmpty())
    }
}
