import DarasaCore

/// How the records of a merge compared with what was stored, counted in source rows.
public struct MergeCounts: Sendable, Hashable, Codable {
    public var stored = 0
    public var updated = 0
    public var unchanged = 0
    public init(stored: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.stored = stored
        self.updated = updated
        self.unchanged = unchanged
    }
    public static func + (a: MergeCounts, b: MergeCounts) -> MergeCounts {
        MergeCounts(stored: a.stored + b.stored, updated: a.updated + b.updated, unchanged: a.unchanged + b.unchanged)
    }
}

/// A row an import could not take, kept with the reason and the row as it was read (so that a
/// corrected copy can be downloaded, fixed and imported again).
public struct QuarantinedRow: Sendable, Hashable {
    public var file: String
    public var row: Int
    public var column: String?
    public var value: String
    public var reason: String
    public var fix: String
    /// The file's header and the row's fields, as JSON arrays of strings.
    public var header: String
    public var raw: String
    public init(file: String, row: Int, column: String?, value: String, reason: String, fix: String, header: String, raw: String) {
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.reason = reason
        self.fix = fix
        self.header = header
        self.raw = raw
    }
}

/// The natural key of each table a mapped import merges into. Columns outside the key (and
/// outside provenance) are compared, updated in place when they differ, and their old and new
/// values written to `record_history`. Source-key tables only ever gain rows.
enum MergeKeys {
    static let keys: [String: [String]] = [
        "learners": ["id"],
        "teachers": ["id"],
        "enrolments": ["learner_id", "year_id", "school_id"],
        "teacher_postings": ["teacher_id", "school_id", "start_date"],
        "class_assignments": ["teacher_id", "year_id", "school_id", "grade", "section", "subject"],
        "learner_attendance": ["learner_id", "school_id", "year", "month"],
        "teacher_attendance": ["teacher_id", "school_id", "year", "month"],
        "org_levels": ["depth"],
        "org_units": ["id"],
        "schools": ["id"],
        "census_returns": ["school_id", "year_id"],
        "census_enrolment": ["school_id", "year_id", "grade"],
        "academic_years": ["id"],
        "terms": ["year_id", "number"],
        "holidays": ["year_id", "day"],
        "school_visits": ["id"],
        "instruments": ["id"],
        "benchmarks": ["instrument_id", "subtask_code", "grade", "language"],
        "assessment_results": ["id"],
        "visit_actions": ["visit_id", "seq"],
        "population": ["org_unit_id", "year", "age", "sex"],
        "learner_source_keys": ["source", "source_key"],
        "teacher_source_keys": ["source", "source_key"],
    ]
    static let insertOnly: Set<String> = ["learner_source_keys", "teacher_source_keys"]
    static let provenance: Set<String> = ["file_id", "src_row"]
}

extension BatchWriter {
    /// Merges records into the store by their natural keys: new ones are inserted, changed ones
    /// updated in place (with history), identical ones left alone. `weights[i]` is the number
    /// of source rows behind record i (1 for most; a month of daily marks is many), so that the
    /// counts add up to rows read. A record key must not repeat within one call.
    /// `columns`, when given, limits what is compared and updated in the primary table to those
    /// columns (a source that does not carry a field never overwrites it).
    /// `tables`, when given, limits the merge to those of the batch's tables (e.g. only the
    /// holidays of an academic-year record); the first of them is the one counted.
    /// `paths`, when given, names each record's own file (one merge can then carry many
    /// files' records: a folder of small register files is merged in large chunks).
    public func merge(_ batch: RecordBatch, source: String, path: String, rows: [Int], weights: [Int],
                      columns: Set<String>? = nil, tables only: Set<String>? = nil, paths: [String]? = nil) async throws -> MergeCounts {
        if case .learnerAttendance(let months) = batch, only == nil, try await isEmptyAtStart("learner_attendance") {
            // File ids are given here and their rows written with the records, so that nothing
            // waits for the database before the records are ready (see `insertAttendance`).
            let (ids, newFiles) = assignFileIDs(source: source, paths: [path] + (paths ?? []))
            let counts = try await insertAttendance(months, fileID: ids[0], files: paths == nil ? nil : Array(ids.dropFirst()), newFiles: newFiles,
                                                    rows: rows, total: weights.count == months.count ? weights.reduce(0, +) : months.count)
            records += batch.count
            touchedSchools.formUnion(RecordRows.touchedSchools(batch))
            noteSummaries(batch)
            attendanceLearners.formUnion(months.map(\.learnerID.rawValue))
            return counts
        }
        try await finishInserts()
        let fileID = try await fileID(source: source, path: path, deviceID: nil)
        var perRecord: [Int64]?
        if let paths { perRecord = try await fileIDs(source: source, paths: paths) }
        var counts = MergeCounts()
        if case .academicYears(let ys) = batch {
            for y in ys where !years.years.contains(where: { $0.id == y.id }) { years.years.append((y.id, y.start, y.end)) }
        }
        var tables = try RecordRows.rows(for: batch, fileID: fileID, sourceRows: rows, years: years).filter { only?.contains($0.table) ?? true }
        if let perRecord, !tables.isEmpty, let column = tables[0].columns.firstIndex(of: "file_id"), tables[0].rows.count == perRecord.count {
            for i in tables[0].rows.indices { tables[0].rows[i][column] = .int(perRecord[i]) }
        }
        for (index, table) in tables.enumerated() where !table.rows.isEmpty {
            guard let key = MergeKeys.keys[table.table] else {
                throw StoreError(.invalid, "Records of \(table.table) cannot be merged by key yet; import them with a full load.")
            }
            // Weights go with the counted table's rows; where a record makes several rows (a
            // year's holidays), each row counts once.
            let w = index == 0 && weights.count == table.rows.count ? weights : nil
            let c = try await mergeTable(table, key: key, weights: w, only: index == 0 ? columns : nil)
            if index == 0 { counts = c }
        }
        records += batch.count
        touchedSchools.formUnion(RecordRows.touchedSchools(batch))
        noteSummaries(batch)
        switch batch {
        case .learnerAttendance(let months): attendanceLearners.formUnion(months.map(\.learnerID.rawValue))
        case .teacherAttendance(let months): attendanceTeachers.formUnion(months.map(\.teacherID.rawValue))
        default: break
        }
        return counts
    }

    /// Whether `table` had no rows when this batch began (its merges can then only insert).
    private func isEmptyAtStart(_ table: String) async throws -> Bool {
        if let known = emptyAtStart[table] { return known }
        let empty = try await connection.query("SELECT 1 FROM \(table) LIMIT 1", []).isEmpty
        emptyAtStart[table] = empty
        return empty
    }

    /// Registers into a `learner_attendance` that was empty when the batch began (a country's
    /// first load): nothing can match, so the rows go straight in, as whole numbers end to end
    /// (`bulkInsertIntegers`), with the summaries' tally counted from the records. Same rows,
    /// checks and counts as `mergeTable`'s insert.
    ///
    /// The insert is left running (`pendingInserts`, written in order, at most two waiting) and
    /// the merge returns: the next chunk's rows are read and made ready while the database
    /// writes this one, so that the database, the slowest part, never waits for them.
    /// `finishInserts` waits for the rest and reports the first failure.
    private func insertAttendance(_ months: [LearnerAttendanceMonth], fileID: Int64, files: [Int64]?, newFiles: [[SQLValue]],
                                  rows: [Int], total: Int) async throws -> MergeCounts {
        let columns = RecordRows.attendanceColumns("learner_id")
        rowsWritten["learner_attendance", default: 0] += months.count
        var values: [Int64] = []
        values.reserveCapacity(months.count * columns.count)
        var yearIDs: [Int64] = []
        yearIDs.reserveCapacity(months.count)
        var last = SchoolYearKey(school: -1, year: -1)
        // Registers come a school's month at a time: each month's academic year is looked up once.
        var month = (year: Int.min, month: 0, id: Int64(0))
        for (i, m) in months.enumerated() {
            if m.year != month.year || m.month != month.month {
                month = (m.year, m.month, Int64(try RecordRows.yearID(m.year, m.month, years)))
            }
            try RecordRows.checkConsistent(m.year, m.month, m.marks)
            let yearID = month.id
            RecordRows.appendAttendance(m.learnerID.rawValue, m.schoolID, m.year, m.month, m.marks, yearID: yearID, to: &values)
            values.append(files.map { i < $0.count ? $0[i] : fileID } ?? fileID)
            values.append(Int64(i < rows.count ? rows[i] : 0))
            yearIDs.append(yearID)
            if m.schoolID.rawValue != last.school || Int(yearID) != last.year {
                last = SchoolYearKey(school: m.schoolID.rawValue, year: Int(yearID))
                changedSchoolYears.insert(last)
            }
        }
        await addToTally(months, yearIDs: yearIDs)
        if connection.dialect == .postgres && !attendanceKeyDropped {
            attendanceKeyDropped = true
            try await dropAttendanceKey()
        }
        // At most two chunks wait for the database (memory stays bounded).
        while pendingInserts.count >= 2 { try await pendingInserts.removeFirst().value }
        let c = connection, rowValues = values, previous = pendingInserts.last
        pendingInserts.append(Task {
            try await previous?.value
            if !newFiles.isEmpty { try await c.bulkInsert(table: "import_files", columns: Self.importFileColumns, rows: newFiles) }
            try await c.bulkInsertIntegers(table: "learner_attendance", columns: columns, values: rowValues)
        })
        return MergeCounts(stored: total)
    }

    /// Adds a chunk to the tally. Its learners and enrolments are read once, at the first chunk:
    /// on SQLite from what is committed, by a reader beside the batch's connection (`committed`),
    /// while the inserts begin (a batch whose tally is used changed neither,
    /// `precomputedAttendance`; through the batch's connection the read held the first insert
    /// back 0.65 s), chunks waiting in `tallyBacklog` until it is done.
    private func addToTally(_ months: [LearnerAttendanceMonth], yearIDs: [Int64]) async {
        guard tallyValid else { return }
        if tally != nil {
            if tally?.add(months, yearIDs: yearIDs) != true { tallyValid = false; tally = nil }
            return
        }
        tallyBacklog.append((months, yearIDs))
        guard tallyLoad == nil else { return }
        guard let committed else {
            // Without a reader beside the batch (PostgreSQL: its pool could be held by as many
            // batches, each waiting for a second connection), through the batch's connection
            // before its first insert.
            tallyArrived(try? await AttendanceTally.load(connection))
            return
        }
        tallyLoad = Task {
            let loaded = try? await AttendanceTally.load(committed)
            self.tallyArrived(loaded)
        }
    }

    private func tallyArrived(_ loaded: AttendanceTally?) {
        guard tallyValid, var t = loaded else { tallyValid = false; tally = nil; tallyBacklog = []; return }
        for chunk in tallyBacklog where !t.add(chunk.months, yearIDs: chunk.yearIDs) {
            tallyValid = false
            tally = nil
            tallyBacklog = []
            return
        }
        tallyBacklog = []
        tally = t
    }

    /// Waits for a first load's inserts still running (`insertAttendance`); throws the first
    /// failure. Runs before anything reads what they write: the reference check, the summaries.
    public func finishInserts() async throws {
        while !pendingInserts.isEmpty { try await pendingInserts.removeFirst().value }
    }

    /// PostgreSQL, first load: learner_attendance's primary key is dropped, the rows copied in
    /// without it and the key built once at the end (`finishFirstLoad`), as PostgreSQL's own
    /// advice for bulk loads has it: 6.55 M rows took 15.6 s to copy into the keyed table, and
    /// 8.3 s without the key plus 4.0 s to build it. Inside the batch's transaction, so a failed
    /// import leaves the key as it was; the table is locked until the commit (it was empty).
    /// The key's columns are migration 0019's.
    private func dropAttendanceKey() async throws {
        try await finishInserts()
        let name = try await connection.query("""
            SELECT conname FROM pg_constraint WHERE conrelid = CAST('learner_attendance' AS regclass) AND contype = 'p'
            """, []).first?.text(0)
        guard let name, !name.isEmpty, name.utf8.allSatisfy({ $0 == 95 || (48...57).contains($0) || (97...122).contains($0) }) else { return }
        try await connection.execute("ALTER TABLE learner_attendance DROP CONSTRAINT \(name)", [])
        droppedAttendanceKey = name
    }

    /// Waits for a first load's inserts (`finishInserts`) and builds the key dropped for it.
    public func finishFirstLoad() async throws {
        let t0 = ContinuousClock.now
        try await finishInserts()
        await tallyLoad?.value
        let t1 = ContinuousClock.now
        if let name = droppedAttendanceKey {
            droppedAttendanceKey = nil
            try await connection.execute("ALTER TABLE learner_attendance ADD CONSTRAINT \(name) PRIMARY KEY (school_id, year, month, learner_id)", [])
        }
        if DarasaStore.timings { DarasaStore.note("import batch \(batchID): last inserts \(t1 - t0), key built \(ContinuousClock.now - t1)") }
    }

    /// PostgreSQL: brings the planner's row counts up to date for the tables this batch grew by
    /// at least 10,000 rows and by at least half what the statistics last counted, before the
    /// summaries are computed from them in the same transaction (autovacuum only sees a batch
    /// once it commits). A table last analysed while nearly empty (after `eraseDemoData`, or
    /// holding a pilot's few schools) is otherwise planned as empty: the learner cube's insert
    /// over 620,000 new enrolments ran as nested loops for over 7 minutes instead of seconds.
    /// `skip`: tables the refresh will not read (a first load's registers, summed by the tally).
    public func analyzeGrownTables(skip: Set<String> = []) async throws {
        guard connection.dialect == .postgres else { return }
        for (table, written) in rowsWritten.sorted(by: { $0.key < $1.key }) where written >= 10_000 && !skip.contains(table) {
            // Table names here are the store's own (`RecordRows`, never user text).
            let counted = try await connection.query("SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE oid = CAST(? AS regclass)",
                                                     [.text(table)]).first?.int(0) ?? -1
            guard counted < 0 || Int64(written) * 2 >= counted else { continue }
            try await SummarySQL.timed(connection, "ANALYZE \(table)", [])
        }
    }

    /// Waits for them without reporting, when the batch stops on another error: the transaction
    /// must not roll back under a running statement.
    public func abandonInserts() async {
        while !pendingInserts.isEmpty { _ = await pendingInserts.removeFirst().result }
    }

    private func mergeTable(_ t: TableRows, key: [String], weights: [Int]?, only: Set<String>?) async throws -> MergeCounts {
        let c = connection
        let total = weights?.reduce(0, +) ?? t.rows.count
        rowsWritten[t.table, default: 0] += t.rows.count
        _ = try await isEmptyAtStart(t.table)
        let schoolColumn = t.columns.firstIndex(of: "school_id"), yearColumn = t.columns.firstIndex(of: "year_id")
        if t.table == "learner_attendance" {
            if emptyAtStart[t.table] == true, tallyValid {
                if tally == nil { tally = try await AttendanceTally.load(c) }
                if tally?.add(t) != true { tallyValid = false; tally = nil }
            } else {
                tallyValid = false
                tally = nil
            }
        }
        if emptyAtStart[t.table] == true {
            try await c.bulkInsert(table: t.table, columns: t.columns, rows: t.rows)
            if let schoolColumn, let yearColumn {
                var last = SchoolYearKey(school: -1, year: -1)
                for r in t.rows {
                    if case .int(let s) = r[schoolColumn], case .int(let y) = r[yearColumn], s != last.school || Int(y) != last.year {
                        last = SchoolYearKey(school: s, year: Int(y))
                        changedSchoolYears.insert(last)
                    }
                }
            }
            return MergeCounts(stored: total)
        }
        let stage = "stage_" + t.table
        let cols = t.columns
        let compare = cols.filter { !key.contains($0) && !MergeKeys.provenance.contains($0) && (only?.contains($0) ?? true) }
        try await c.execute("DROP TABLE IF EXISTS \(stage)", [])
        try await c.execute("CREATE TEMP TABLE \(stage) AS SELECT \(cols.joined(separator: ", ")), CAST(0 AS BIGINT) AS w_ FROM \(t.table) WHERE 1 = 0", [])
        try await c.bulkInsert(table: stage, columns: cols + ["w_"], rows: t.rows.enumerated().map { i, r in r + [.int(Int64(weights?[i] ?? 1))] })
        let on = key.map { "t.\($0) = s.\($0)" }.joined(separator: " AND ")
        let differs = compare.isEmpty || MergeKeys.insertOnly.contains(t.table) ? "1 = 0"
            : compare.map { "t.\($0) IS DISTINCT FROM s.\($0)" }.joined(separator: " OR ")
        let row = try await c.query("""
            SELECT CAST(COALESCE(SUM(CASE WHEN t.\(key[0]) IS NULL THEN s.w_ ELSE 0 END), 0) AS BIGINT),
                   CAST(COALESCE(SUM(CASE WHEN t.\(key[0]) IS NOT NULL AND (\(differs)) THEN s.w_ ELSE 0 END), 0) AS BIGINT),
                   CAST(COALESCE(SUM(CASE WHEN t.\(key[0]) IS NOT NULL AND (\(differs)) THEN 1 ELSE 0 END), 0) AS BIGINT)
            FROM \(stage) s LEFT JOIN \(t.table) t ON \(on)
            """, []).first
        let fresh = Int(row?.int(0) ?? 0), changedRows = Int(row?.int(1) ?? 0), changedRecords = row?.int(2) ?? 0
        if (fresh > 0 || changedRecords > 0) && schoolColumn != nil && yearColumn == nil {
            // Postings: a change at a school touches every year of it.
            for r in try await c.query("""
                SELECT DISTINCT s.school_id FROM \(stage) s LEFT JOIN \(t.table) t ON \(on) WHERE t.\(key[0]) IS NULL OR (\(differs))
                """, []) {
                changedSchoolYears.insert(SchoolYearKey(school: r.int(0) ?? 0, year: -1))
            }
        }
        if changedRecords > 0 && t.table == "teachers" {
            // A changed teacher (sex, training) moves the figures of the schools they are posted to.
            for r in try await c.query("""
                SELECT DISTINCT p.school_id FROM teacher_postings p JOIN \(stage) s ON s.id = p.teacher_id JOIN teachers t ON t.id = s.id WHERE \(differs)
                """, []) {
                changedSchoolYears.insert(SchoolYearKey(school: r.int(0) ?? 0, year: -1))
            }
        }
        if (fresh > 0 || changedRecords > 0) && schoolColumn != nil && yearColumn != nil {
            for r in try await c.query("""
                SELECT DISTINCT s.school_id, s.year_id FROM \(stage) s LEFT JOIN \(t.table) t ON \(on) WHERE t.\(key[0]) IS NULL OR (\(differs))
                """, []) {
                changedSchoolYears.insert(SchoolYearKey(school: r.int(0) ?? 0, year: Int(r.int(1) ?? 0)))
            }
        }
        if changedRecords > 0 {
            let keyText = key.map { "CAST(s.\($0) AS TEXT)" }.joined(separator: " || '/' || ")
            for col in compare {
                try await c.execute("""
                    INSERT INTO record_history (batch_id, table_name, record_key, column_name, old_value, new_value)
                    SELECT ?, ?, \(keyText), ?, CAST(t.\(col) AS TEXT), CAST(s.\(col) AS TEXT)
                    FROM \(stage) s JOIN \(t.table) t ON \(on) WHERE t.\(col) IS DISTINCT FROM s.\(col)
                    """, [.int(batchID), .text(t.table), .text(col)])
            }
            if t.table == "learners" {
                // A corrected learner (sex, birth date, functioning) moves figures in every school
                // they are enrolled at: those schools' summaries are rebuilt with the batch.
                let schools = try await c.query("""
                    SELECT DISTINCT e.school_id FROM enrolments e JOIN \(stage) s ON s.id = e.learner_id JOIN learners t ON t.id = s.id
                    WHERE \(differs)
                    """, [])
                touchedSchools.formUnion(schools.compactMap { $0.int(0) })
                changedSchoolYears.formUnion(schools.compactMap { $0.int(0) }.map { SchoolYearKey(school: $0, year: -1) })
                summaryTables = nil
            }
            let sets = (compare + cols.filter { MergeKeys.provenance.contains($0) }).map { "\($0) = s.\($0)" }.joined(separator: ", ")
            let target = t.table
            try await c.execute("""
                UPDATE \(target) SET \(sets) FROM \(stage) s
                WHERE \(key.map { "\(target).\($0) = s.\($0)" }.joined(separator: " AND "))
                  AND (\(compare.map { "\(target).\($0) IS DISTINCT FROM s.\($0)" }.joined(separator: " OR ")))
                """, [])
        }
        if fresh > 0 {
            try await c.execute("""
                INSERT INTO \(t.table) (\(cols.joined(separator: ", ")))
                SELECT \(cols.map { "s.\($0)" }.joined(separator: ", ")) FROM \(stage) s
                WHERE NOT EXISTS (SELECT 1 FROM \(t.table) t WHERE \(on))
                """, [])
        }
        try await c.execute("DROP TABLE \(stage)", [])
        return MergeCounts(stored: fresh, updated: changedRows, unchanged: total - fresh - changedRows)
    }

    /// Removes the records of `batch` (matched by their natural key; other columns are ignored)
    /// that are stored, keeping each removed row in the record history. Returns how many were
    /// removed; records not stored are left as they are. Enrolments and class assignments only:
    /// people and schools are never removed by an import.
    public func delete(_ batch: RecordBatch, source: String, path: String) async throws -> Int {
        try await finishInserts()  // one statement at a time on the connection
        let fileID = try await fileID(source: source, path: path, deviceID: nil)
        let tables = try RecordRows.rows(for: batch, fileID: fileID, sourceRows: Array(repeating: 0, count: batch.count), years: years)
        guard let t = tables.first, !t.rows.isEmpty else { return 0 }
        guard ["enrolments", "class_assignments"].contains(t.table), let key = MergeKeys.keys[t.table] else {
            throw StoreError(.invalid, "Records of \(t.table) are not removed by an import.")
        }
        let c = connection
        let stage = "stage_delete_" + t.table
        let keyIndexes = key.map { t.columns.firstIndex(of: $0)! }
        try await c.execute("DROP TABLE IF EXISTS \(stage)", [])
        try await c.execute("CREATE TEMP TABLE \(stage) AS SELECT \(key.joined(separator: ", ")) FROM \(t.table) WHERE 1 = 0", [])
        try await c.bulkInsert(table: stage, columns: key, rows: t.rows.map { r in keyIndexes.map { r[$0] } })
        let on = key.map { "t.\($0) = s.\($0)" }.joined(separator: " AND ")
        let keyText = key.map { "CAST(s.\($0) AS TEXT)" }.joined(separator: " || '/' || ")
        let found = try await c.scalarInt("SELECT COUNT(*) FROM \(stage) s JOIN \(t.table) t ON \(on)", []) ?? 0
        if found > 0 {
            let described = t.table == "enrolments"
                ? "'grade ' || CAST(t.grade AS TEXT) || t.section || ', ' || t.status"
                : "'grade ' || CAST(t.grade AS TEXT) || t.section || COALESCE(', ' || t.subject, '')"
            try await c.execute("""
                INSERT INTO record_history (batch_id, table_name, record_key, column_name, old_value, new_value)
                SELECT ?, ?, \(keyText), '(removed)', \(described), NULL FROM \(stage) s JOIN \(t.table) t ON \(on)
                """, [.int(batchID), .text(t.table)])
            let schools = try await c.query("SELECT DISTINCT t.school_id FROM \(stage) s JOIN \(t.table) t ON \(on)", [])
            touchedSchools.formUnion(schools.compactMap { $0.int(0) })
            for r in try await c.query("SELECT DISTINCT t.school_id, t.year_id FROM \(stage) s JOIN \(t.table) t ON \(on)", []) {
                changedSchoolYears.insert(SchoolYearKey(school: r.int(0) ?? 0, year: Int(r.int(1) ?? 0)))
            }
            try await c.execute("""
                DELETE FROM \(t.table) WHERE EXISTS (SELECT 1 FROM \(stage) s WHERE \(key.map { "\(t.table).\($0) = s.\($0)" }.joined(separator: " AND ")))
                """, [])
            noteSummaries(batch)
        }
        try await c.execute("DROP TABLE \(stage)", [])
        return Int(found)
    }

    /// Sign-offs in force that this batch's changes fall under, for data of `domain` (census,
    /// enrolment, attendance, assessment, teachers), as sentences; empty when nothing is locked.
    public func signedOffChanges(domain: String) async throws -> [String] {
        try await finishInserts()  // one statement at a time on the connection
        guard !changedSchoolYears.isEmpty else { return [] }
        let rows = try await connection.query("""
            SELECT o.name, o.path, s.year_id, s.level, s.actor FROM signoffs s JOIN org_units o ON o.id = s.org_unit_id
            WHERE s.id IN (SELECT MAX(id) FROM signoffs GROUP BY org_unit_id, domain, year_id) AND s.status = 'approved' AND s.domain = ?
            """, [.text(domain)])
        guard !rows.isEmpty else { return [] }
        let schools = Set(changedSchoolYears.map(\.school)).sorted()
        var paths: [Int64: String] = [:]
        for part in stride(from: 0, to: schools.count, by: 500) {
            let ids = schools[part..<min(schools.count, part + 500)]
            for r in try await connection.query("SELECT id, path FROM org_units WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))", ids.map { .int($0) }) {
                paths[r.int(0) ?? 0] = r.text(1)
            }
        }
        var out: [String] = []
        for r in rows {
            let lockPath = r.text(1) ?? "", year = Int(r.int(2) ?? 0)
            let hit = changedSchoolYears.contains { k in (k.year == year || k.year == -1) && (paths[k.school] ?? "").hasPrefix(lockPath) }
            if hit { out.append("\(domain) \(year) for \(r.text(0) ?? "") (approved at \(r.text(3) ?? "") level by \(r.text(4) ?? ""))") }
        }
        return out
    }

    /// Keeps rows the import could not take.
    public func quarantine(_ rows: [QuarantinedRow]) async throws {
        try await finishInserts()  // one statement at a time on the connection
        guard !rows.isEmpty else { return }
        try await connection.bulkInsert(table: "quarantine",
            columns: ["batch_id", "file", "src_row", "column_name", "value", "reason", "fix", "header", "raw"],
            rows: rows.map { [.int(batchID), .text($0.file), .int(Int64($0.row)), SQLValue($0.column), .text($0.value),
                              .text($0.reason), .text($0.fix), .text($0.header), .text($0.raw)] })
    }

    /// Writes the batch's row counts (read = stored + updated + unchanged + quarantined).
    /// The attendance summaries added up during the batch, when they are the whole story: the
    /// registers were a first load and nothing else that feeds the summaries changed.
    func precomputedAttendance() async -> AttendanceTally? {
        await tallyLoad?.value
        guard tallyValid, tally != nil, let tables = summaryTables,
              tables.isSubset(of: SummarySQL.tables(for: .learnerAttendance([])) ?? []) else { return nil }
        tally?.finish()
        return tally
    }

    public func report(mapping: String, read: Int, counts: MergeCounts, quarantined: Int, skipped: Int, deleted: Int = 0) async throws {
        try await finishInserts()  // one statement at a time on the connection
        try await connection.execute("""
            UPDATE import_batches SET mapping = ?, rows_read = ?, rows_stored = ?, rows_updated = ?, rows_unchanged = ?,
              rows_quarantined = ?, rows_skipped = ?, rows_deleted = ? WHERE id = ?
            """, [.text(mapping), .int(Int64(read)), .int(Int64(counts.stored)), .int(Int64(counts.updated)),
                  .int(Int64(counts.unchanged)), .int(Int64(quarantined)), .int(Int64(skipped)), .int(Int64(deleted)), .int(batchID)])
    }

    // MARK: Lookups inside the batch's transaction

    /// School code → school ID, for every school stored.
    public func schoolIDsByCode() async throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for r in try await connection.query("SELECT id, official_code FROM schools", []) {
            if let id = r.int(0), let code = r.text(1) { out[code] = id }
        }
        return out
    }

    /// Org unit code → org unit ID, for every unit (codes are unique within a level; where two
    /// levels share a code the higher unit wins: figures given for areas are rarely per school).
    public func orgUnitIDsByCode() async throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for r in try await connection.query("SELECT id, code FROM org_units ORDER BY depth DESC", []) {
            if let id = r.int(0), let code = r.text(1) { out[code] = id }
        }
        return out
    }

    public enum Person: String, Sendable { case learner, teacher }

    /// A source's keys → the person they identify.
    public func sourceKeys(_ person: Person, source: String) async throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for r in try await connection.query("SELECT source_key, \(person.rawValue)_id FROM \(person.rawValue)_source_keys WHERE source = ?", [.text(source)]) {
            if let k = r.text(0), let id = r.int(1) { out[k] = id }
        }
        return out
    }

    /// Some of a source's keys → the person they identify (keys not stored are left out).
    public func sourceKeys(_ person: Person, source: String, keys: [String]) async throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for part in stride(from: 0, to: keys.count, by: 500) {
            let slice = Array(keys[part..<min(keys.count, part + 500)])
            let marks = slice.map { _ in "?" }.joined(separator: ", ")
            for r in try await connection.query("SELECT source_key, \(person.rawValue)_id FROM \(person.rawValue)_source_keys WHERE source = ? AND source_key IN (\(marks))",
                                                [.text(source)] + slice.map { .text($0) }) {
                if let k = r.text(0), let id = r.int(1) { out[k] = id }
            }
        }
        return out
    }

    /// The largest ID in use in `learners` or `teachers` (new records are numbered after it).
    public func maxID(_ person: Person) async throws -> Int64 {
        try await connection.scalarInt("SELECT COALESCE(MAX(id), 0) FROM \(person.rawValue)s", []) ?? 0
    }

    /// Each teacher's postings (school, start, end), for placing check-ins at a school.
    public func postings() async throws -> [Int64: [(school: Int64, start: Day, end: Day?)]] {
        var out: [Int64: [(Int64, Day, Day?)]] = [:]
        for r in try await connection.query("SELECT teacher_id, school_id, start_date, end_date FROM teacher_postings ORDER BY teacher_id, start_date", []) {
            guard let t = r.int(0), let s = r.int(1), let start = r.text(2).flatMap({ Day(iso: $0) }) else { continue }
            out[t, default: []].append((s, start, r.text(3).flatMap { Day(iso: $0) }))
        }
        return out
    }

    /// Keys a source gave records of `table` (see migration 0008) → record IDs.
    public func recordKeys(table: String, source: String) async throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for r in try await connection.query("SELECT source_key, record_id FROM record_keys WHERE table_name = ? AND source = ?", [.text(table), .text(source)]) {
            if let k = r.text(0), let id = r.int(1) { out[k] = id }
        }
        return out
    }

    public func addRecordKeys(table: String, source: String, _ keys: [(key: String, id: Int64)]) async throws {
        guard !keys.isEmpty else { return }
        try await connection.bulkInsert(table: "record_keys", columns: ["table_name", "source", "source_key", "record_id"],
                                        rows: keys.map { [.text(table), .text(source), .text($0.key), .int($0.id)] })
    }

    /// The largest surrogate ID in a table with one (school_visits, assessment_results, instruments).
    public func maxID(table: String) async throws -> Int64 {
        guard ["school_visits", "assessment_results", "instruments"].contains(table) else {
            throw StoreError(.invalid, "maxID(table:) does not know the table \(table).")
        }
        return try await connection.scalarInt("SELECT COALESCE(MAX(id), 0) FROM \(table)", []) ?? 0
    }

    /// The instruments stored, by code.
    public func instruments() async throws -> [String: Instrument] {
        try await DarasaStore.instruments(on: connection)
    }

    /// Each school's parent unit code (the area linkage blocks transfers within).
    public func schoolAreas() async throws -> [Int64: String] {
        var out: [Int64: String] = [:]
        for r in try await connection.query("SELECT s.id, p.code FROM schools s JOIN org_units o ON o.id = s.id JOIN org_units p ON p.id = o.parent_id", []) {
            if let id = r.int(0), let c = r.text(1) { out[id] = c }
        }
        return out
    }

    /// Learner pairs already proposed as duplicates (in either order of discovery), as [a, b].
    public func duplicatePairs() async throws -> Set<[Int64]> {
        Set(try await connection.query("SELECT learner_id, other_id FROM link_candidates WHERE kind = 'duplicate'", []).compactMap { r in
            guard let a = r.int(0), let b = r.int(1) else { return nil }
            return [a, b]
        })
    }

    /// Every org unit: path → (id, depth).
    public func orgUnitsByPath() async throws -> [String: (id: Int64, depth: Int)] {
        var out: [String: (Int64, Int)] = [:]
        for r in try await connection.query("SELECT id, path, depth FROM org_units", []) {
            if let id = r.int(0), let p = r.text(1) { out[p] = (id, Int(r.int(2) ?? 0)) }
        }
        return out
    }

    public func maxOrgUnitID() async throws -> Int64 {
        try await connection.scalarInt("SELECT COALESCE(MAX(id), 0) FROM org_units", []) ?? 0
    }

    /// The academic years stored (IDs, e.g. 2024).
    public func yearIDs() -> Set<Int> { Set(years.years.map(\.id)) }

    /// The academic years loaded, to place days and months in a year.
    public func calendar() -> YearLookup { years }

    /// The academic year a calendar month belongs to, if any is loaded.
    public func yearID(year: Int, month: Int) -> Int? { years.yearID(year: year, month: month) }
}

extension BatchWriter {
    /// Every enrolment of these learners (for deriving outcomes across years and sources).
    public func enrolmentHistory(learners: Set<Int64>) async throws -> [(enrolment: Enrolment, person: Int64)] {
        guard !learners.isEmpty else { return [] }
        let c = connection
        try await c.execute("DROP TABLE IF EXISTS wanted_learners", [])
        try await c.execute("CREATE TEMP TABLE wanted_learners (id BIGINT PRIMARY KEY)", [])
        try await c.bulkInsert(table: "wanted_learners", columns: ["id"], rows: learners.sorted().map { [.int($0)] })
        // Every record of the wanted learners' persons (a plain join: an OR of two IN-subqueries
        // made PostgreSQL scan for minutes at 200,000 learners).
        try await c.execute("DROP TABLE IF EXISTS wanted_persons", [])
        try await c.execute("""
            CREATE TEMP TABLE wanted_persons AS
            SELECT DISTINCT COALESCE(x.person_id, x.id) AS person FROM learners x JOIN wanted_learners w ON w.id = x.id
            """, [])
        let rows = try await c.query("""
            SELECT e.learner_id, e.year_id, e.school_id, e.grade, e.section, e.status, e.start_date, e.end_date, COALESCE(l.person_id, l.id)
            FROM enrolments e JOIN learners l ON l.id = e.learner_id JOIN wanted_persons p ON p.person = COALESCE(l.person_id, l.id)
            """, [])
        try await c.execute("DROP TABLE wanted_learners", [])
        try await c.execute("DROP TABLE wanted_persons", [])
        return rows.compactMap { r in
            guard let l = r.int(0), let y = r.int(1), let s = r.int(2), let g = r.int(3) else { return nil }
            return (Enrolment(learnerID: LearnerID(l), yearID: Int(y), schoolID: SchoolID(s), grade: Int(g), section: r.text(4) ?? "",
                              status: r.text(5).flatMap(EnrolmentStatus.init(rawValue:)) ?? .enrolled,
                              start: r.text(6).flatMap { Day(iso: $0) }, end: r.text(7).flatMap { Day(iso: $0) }), r.int(8) ?? l)
        }
    }

    /// Sets derived statuses (no history: they follow from the records, which have their own).
    public func setEnrolmentStatuses(_ changed: [Enrolment]) async throws {
        guard !changed.isEmpty else { return }
        let c = connection
        try await c.execute("DROP TABLE IF EXISTS stage_status", [])
        try await c.execute("CREATE TEMP TABLE stage_status (learner_id BIGINT, year_id INTEGER, school_id BIGINT, status TEXT)", [])
        try await c.bulkInsert(table: "stage_status", columns: ["learner_id", "year_id", "school_id", "status"],
                               rows: changed.map { [.int($0.learnerID.rawValue), .int(Int64($0.yearID)), .int($0.schoolID.rawValue), .text($0.status.rawValue)] })
        try await c.execute("""
            UPDATE enrolments SET status = s.status FROM stage_status s
            WHERE enrolments.learner_id = s.learner_id AND enrolments.year_id = s.year_id AND enrolments.school_id = s.school_id
            """, [])
        try await c.execute("DROP TABLE stage_status", [])
        touchedSchools.formUnion(changed.map(\.schoolID.rawValue))
        summaryTables = nil
    }
}
