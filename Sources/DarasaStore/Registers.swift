import DarasaCore

/// One learner's mark on one day, as a teacher takes it (web form, offline app, SMS).
public struct DayMark: Sendable, Hashable, Codable {
    public var learnerID: LearnerID
    public var day: Day
    public var mark: AttendanceMark
    public init(learnerID: LearnerID, day: Day, mark: AttendanceMark) {
        self.learnerID = learnerID
        self.day = day
        self.mark = mark
    }
}

extension DarasaStore {
    /// The marks stored for these learners at a school on one day.
    public func marks(schoolID: SchoolID, day: Day, learners: [LearnerID]) async throws -> [LearnerID: AttendanceMark] {
        guard !learners.isEmpty else { return [:] }
        let ids = Set(learners.map(\.rawValue))
        var out: [LearnerID: AttendanceMark] = [:]
        for r in try await database.query("""
            SELECT learner_id, present, absent, late, excused FROM learner_attendance WHERE school_id = ? AND year = ? AND month = ?
            """, .int(schoolID.rawValue), .int(Int64(day.year)), .int(Int64(day.month))) {
            guard let l = r.int(0), ids.contains(l) else { continue }
            let m = MonthMarks(present: UInt32(r.int(1) ?? 0), absent: UInt32(r.int(2) ?? 0), late: UInt32(r.int(3) ?? 0), excused: UInt32(r.int(4) ?? 0))
            if let mark = m.mark(day: day.dayOfMonth) { out[LearnerID(l)] = mark }
        }
        return out
    }

    /// Records a register taken at a school: each mark replaces the day's earlier mark (the old
    /// and new month bitmaps go to record_history with the batch, so who changed what and when is
    /// kept), as one batch with `source` as provenance (e.g. "web-register", "app"), in one
    /// transaction with the school's attendance summaries. Refused whole (`StoreError.locked`)
    /// when the school's attendance for that year is approved, naming the approval.
    @discardableResult
    public func recordMarks(schoolID: SchoolID, marks: [DayMark], user: String, source: String, deviceID: String? = nil) async throws -> MergeCounts {
        guard !marks.isEmpty else { return MergeCounts() }
        struct MonthKey: Hashable { var learner: Int64; var year: Int; var month: Int }
        var touched: [MonthKey: MonthMarks] = [:]
        for (month, group) in Dictionary(grouping: marks, by: { $0.day.year * 100 + $0.day.month }) {
            let year = month / 100, m = month % 100
            let ids = Set(group.map(\.learnerID.rawValue))
            for r in try await database.query("""
                SELECT learner_id, present, absent, late, excused FROM learner_attendance WHERE school_id = ? AND year = ? AND month = ?
                """, .int(schoolID.rawValue), .int(Int64(year)), .int(Int64(m))) {
                guard let l = r.int(0), ids.contains(l) else { continue }
                touched[MonthKey(learner: l, year: year, month: m)] = MonthMarks(present: UInt32(r.int(1) ?? 0), absent: UInt32(r.int(2) ?? 0),
                                                                                 late: UInt32(r.int(3) ?? 0), excused: UInt32(r.int(4) ?? 0))
            }
        }
        for mark in marks {
            let key = MonthKey(learner: mark.learnerID.rawValue, year: mark.day.year, month: mark.day.month)
            var m = touched[key] ?? MonthMarks()
            m.set(nil, day: mark.day.dayOfMonth)
            m.set(mark.mark, day: mark.day.dayOfMonth)
            touched[key] = m
        }
        let months = touched.sorted { ($0.key.learner, $0.key.year, $0.key.month) < ($1.key.learner, $1.key.year, $1.key.month) }.map {
            LearnerAttendanceMonth(learnerID: LearnerID($0.key.learner), schoolID: schoolID, year: $0.key.year, month: $0.key.month, marks: $0.value)
        }
        let report = try await importBatch(source: source, description: "register of \(marks.count) marks", user: user) { w in
            let c = try await w.merge(.learnerAttendance(months), source: source, path: deviceID.map { "device:\($0)" } ?? "register",
                                      rows: months.indices.map { $0 + 1 }, weights: months.map { _ in 1 })
            // Every mark is kept with the time it was taken, so a device's older mark synced later does not undo it.
            let at = Clock.now() * 1000
            try await w.connection.bulkInsert(table: "attendance_marks", columns: ["learner_id", "school_id", "day", "mark", "marked_at", "user_name", "record_id"],
                                              rows: marks.map { [.int($0.learnerID.rawValue), .int(schoolID.rawValue), .text($0.day.iso), .text($0.mark.rawValue),
                                                                 .int(at), .text(user), .text("\(source):\(w.batchID):\($0.learnerID.rawValue):\($0.day.iso)")] })
            let locked = try await w.signedOffChanges(domain: "attendance")
            if !locked.isEmpty {
                throw StoreError(.locked, "This register would change attendance that has been approved: \(locked.prefix(2).joined(separator: "; ")). Ask for the approval to be withdrawn (with a reason) first; nothing was saved.")
            }
            try await w.report(mapping: source, read: months.count, counts: c, quarantined: 0, skipped: 0)
        }
        let row = try await database.query("SELECT rows_stored, rows_updated, rows_unchanged FROM import_batches WHERE id = ?", .int(report.batchID.rawValue)).first
        return MergeCounts(stored: Int(row?.int(0) ?? 0), updated: Int(row?.int(1) ?? 0), unchanged: Int(row?.int(2) ?? 0))
    }
}
