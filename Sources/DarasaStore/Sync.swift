import DarasaCore
import Foundation

/// What a device may send on its user's behalf.
public struct SyncPermissions: Sendable, Hashable {
    public var username: String
    public var role: Role
    /// The user's area (a school's path for the school tier).
    public var path: String
    /// For teachers: the classes they teach.
    public var classes: Set<ClassRef>
    public init(username: String, role: Role, path: String, classes: Set<ClassRef>) {
        self.username = username
        self.role = role
        self.path = path
        self.classes = classes
    }
}

/// One record from a device, read from the wire (the server decodes and checks its shape;
/// the store checks it against the data and the user's scope).
public enum SyncItem: Sendable {
    /// A learner's mark on a day, taken at `markedAt` (Unix ms on the device's clock).
    case attendance(id: String, learner: Int64, school: Int64, day: Day, mark: AttendanceMark, markedAt: Int64)
    case assessment(id: String, AssessmentSubmission)
    case visit(id: String, VisitSubmission)
    /// A record whose shape was wrong: rejected with this reason, and remembered by its id.
    case invalid(id: String, kind: String, reason: String)

    public var id: String {
        switch self {
        case .attendance(let id, _, _, _, _, _), .assessment(let id, _), .visit(let id, _), .invalid(let id, _, _): id
        }
    }
    var kind: String {
        switch self {
        case .attendance: "attendance"
        case .assessment: "assessment"
        case .visit: "visit"
        case .invalid(_, let kind, _): kind
        }
    }
}

/// A timed grid, untimed items or a level placement, scored on the device; the server scores it
/// again from the raw counts (METHODS.md) and stores its own score.
public struct AssessmentSubmission: Sendable, Hashable {
    public var learner: Int64
    public var school: Int64
    public var instrument: String
    public var subtask: String
    public var day: Day
    public var assessor: String
    public var attempted: Int?
    public var incorrect: Int?
    public var secondsRemaining: Int?
    /// Items answered right (untimed subtasks).
    public var correct: Int?
    public var level: Int?
    public var responses: String?
    public init(learner: Int64, school: Int64, instrument: String, subtask: String, day: Day, assessor: String, attempted: Int? = nil,
                incorrect: Int? = nil, secondsRemaining: Int? = nil, correct: Int? = nil, level: Int? = nil, responses: String? = nil) {
        self.learner = learner
        self.school = school
        self.instrument = instrument
        self.subtask = subtask
        self.day = day
        self.assessor = assessor
        self.attempted = attempted
        self.incorrect = incorrect
        self.secondsRemaining = secondsRemaining
        self.correct = correct
        self.level = level
        self.responses = responses
    }
}

public struct VisitSubmission: Sendable, Hashable {
    public var school: Int64
    public var day: Day
    public var purpose: VisitPurpose
    public var rubric: [String: Int]
    public var notes: String
    public var followUps: [FollowUpAction]
    public init(school: Int64, day: Day, purpose: VisitPurpose, rubric: [String: Int], notes: String, followUps: [FollowUpAction]) {
        self.school = school
        self.day = day
        self.purpose = purpose
        self.rubric = rubric
        self.notes = notes
        self.followUps = followUps
    }
}

/// One device's batch.
public struct SyncPush: Sendable {
    public var deviceID: String
    public var batchID: String
    public var permissions: SyncPermissions
    public var items: [SyncItem]
    public init(deviceID: String, batchID: String, permissions: SyncPermissions, items: [SyncItem]) {
        self.deviceID = deviceID
        self.batchID = batchID
        self.permissions = permissions
        self.items = items
    }
}

/// What became of one record. `stored` and `duplicate` are acknowledgements (the device may
/// delete its copy); `rejected` says why, and a retry gets the same answer.
public struct SyncResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable { case stored, duplicate, rejected }
    public var id: String
    public var status: Status
    public var reason: String?
    public init(id: String, status: Status, reason: String? = nil) {
        self.id = id
        self.status = status
        self.reason = reason
    }
}

extension DarasaStore {
    /// Applies the batches of several devices in one transaction (group commit: one durable
    /// commit acknowledges them all), record by record: a record already stored (by its id) is a
    /// duplicate and changes nothing; a malformed one, or one about a learner or school outside
    /// the user's scope, is rejected with its reason and remembered, so a replay gets the same
    /// answer; the others land. Conflict rules (docs/sync.md): attendance — the latest mark for a
    /// learner and day (by the time it was taken) is in force, every mark is kept in
    /// `attendance_marks`; assessments and visits — append-only. The schools touched are queued
    /// for the background summary refresh (`refreshDirtySummaries`). Returns one result per
    /// record, per push, in order.
    public func applySync(_ pushes: [SyncPush], now: Int64 = Clock.now(), reference: SyncReference? = nil) async throws -> [[SyncResult]] {
        let reference = if let reference { reference } else { try await syncReference() }
        let t0 = ContinuousClock.now
        return try await database.transaction { conn in
            let t1 = ContinuousClock.now
            let out = try await Self.applySync(pushes, conn: conn, now: now, lookup: reference.lookup, schoolDays: reference.schoolDays,
                                               instruments: reference.instruments)
            if Self.timings {
                FileHandle.standardError.write(Data("sync commit: \(pushes.count) pushes, \(pushes.reduce(0) { $0 + $1.items.count }) records; waited for the writer \(t1 - t0), applied in \(ContinuousClock.now - t1)\n".utf8))
            }
            return out
        }
    }

    /// What every sync check reads and that changes only with a census or instrument import: the
    /// calendar and the instruments. The server keeps it for a few seconds between commits.
    public func syncReference() async throws -> SyncReference {
        let calendar = try await self.calendar()
        return SyncReference(lookup: YearLookup(years: calendar.map { ($0.id, $0.start, $0.end) }), schoolDays: Set(calendar.flatMap(\.schoolDays)),
                             instruments: try await instruments())
    }

    static func inList(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }

    static func applySync(_ pushes: [SyncPush], conn: any SQLConnection, now: Int64, lookup: YearLookup, schoolDays: Set<Day>,
                          instruments: [String: Instrument]) async throws -> [[SyncResult]] {
        // 1. Duplicates: ids stored before, or repeated within this group.
        let ids = pushes.flatMap { $0.items.map(\.id) }
        var known: [String: (status: String, reason: String?)] = [:]
        for part in stride(from: 0, to: ids.count, by: chunk) {
            let slice = Array(ids[part..<min(ids.count, part + chunk)])
            for r in try await conn.query("SELECT record_id, status, reason FROM sync_records WHERE record_id IN (\(inList(slice.count)))",
                                          slice.map { .text($0) }) {
                known[r.text(0) ?? ""] = (r.text(1) ?? "stored", r.text(2))
            }
        }
        // 2. What the checks need: the learners' enrolments and the schools' paths.
        var learnerIDs: Set<Int64> = [], schoolIDs: Set<Int64> = [], yearIDs: Set<Int> = []
        for p in pushes {
            for item in p.items {
                switch item {
                case .attendance(_, let l, let s, let day, _, _):
                    learnerIDs.insert(l); schoolIDs.insert(s)
                    if let y = lookup.yearID(for: day) { yearIDs.insert(y) }
                case .assessment(_, let a):
                    learnerIDs.insert(a.learner); schoolIDs.insert(a.school)
                    if let y = lookup.yearID(for: a.day) { yearIDs.insert(y) }
                case .visit(_, let v): schoolIDs.insert(v.school)
                case .invalid: break
                }
            }
        }
        struct Stay: Hashable { var learner: Int64; var school: Int64; var year: Int }
        var stays: [Stay: (grade: Int, section: String, status: String)] = [:]
        // Only the school years the records fall in: a learner's enrolments in other years cannot
        // make a record valid, and reading them made this the commit's slowest read.
        let learnerList = yearIDs.isEmpty ? [] : learnerIDs.sorted(), years = yearIDs.sorted().map { SQLValue.int(Int64($0)) }
        for part in stride(from: 0, to: learnerList.count, by: chunk) {
            let slice = Array(learnerList[part..<min(learnerList.count, part + chunk)])
            for r in try await conn.query("""
                SELECT learner_id, school_id, year_id, grade, section, status FROM enrolments
                WHERE learner_id IN (\(inList(slice.count))) AND year_id IN (\(inList(years.count)))
                """, slice.map { .int($0) } + years) {
                stays[Stay(learner: r.int(0) ?? 0, school: r.int(1) ?? 0, year: Int(r.int(2) ?? 0))] = (Int(r.int(3) ?? 0), r.text(4) ?? "", r.text(5) ?? "")
            }
        }
        var paths: [Int64: String] = [:]
        let schoolList = schoolIDs.sorted()
        for part in stride(from: 0, to: schoolList.count, by: chunk) {
            let slice = Array(schoolList[part..<min(schoolList.count, part + chunk)])
            for r in try await conn.query("SELECT s.id, o.path FROM schools s JOIN org_units o ON o.id = s.id WHERE s.id IN (\(inList(slice.count)))",
                                          slice.map { .int($0) }) { paths[r.int(0) ?? 0] = r.text(1) }
        }
        let today = Day(daysSinceEpoch: Int32(now / 86_400))

        // 3. Each record checked.
        func learnerProblem(_ p: SyncPermissions, learner: Int64, school: Int64, day: Day) -> String? {
            guard let path = paths[school] else { return "school \(school) is not known to Darasa" }
            guard path.hasPrefix(p.path) else { return "school \(school) is outside your area" }
            guard let year = lookup.yearID(for: day) else { return "\(day.iso) is outside every school year" }
            guard let stay = stays[Stay(learner: learner, school: school, year: year)] else {
                return "learner \(learner) is not on the roll of this school in \(year); the roster has changed — sync to update it"
            }
            if p.role == .teacher, !p.classes.contains(ClassRef(schoolID: SchoolID(school), grade: stay.grade, section: stay.section)) {
                return "learner \(learner) is not in one of your classes (grade \(stay.grade) \(stay.section)); the roster has changed — sync to update it"
            }
            guard p.role.seesLearnerNames else { return "records about learners are taken at the school, by its teachers and head teacher" }
            return nil
        }
        var results: [[SyncResult]] = []
        var seen: Set<String> = []
        var accepted: [(push: Int, item: SyncItem)] = []
        var rejectedRows: [[SQLValue]] = []
        for (pi, p) in pushes.enumerated() {
            var out: [SyncResult] = []
            for item in p.items {
                let id = item.id
                if let k = known[id] {
                    out.append(k.status == "rejected" ? SyncResult(id: id, status: .rejected, reason: k.reason)
                               : SyncResult(id: id, status: .duplicate, reason: "already stored (this record was sent before)"))
                    continue
                }
                guard seen.insert(id).inserted else {
                    out.append(SyncResult(id: id, status: .duplicate, reason: "sent twice in this batch; stored once"))
                    continue
                }
                var problem: String?
                switch item {
                case .invalid(_, _, let reason): problem = reason
                case .attendance(_, let learner, let school, let day, _, _):
                    if day > today.adding(days: 1) { problem = "\(day.iso) is in the future" } else if !schoolDays.contains(day) {
                        problem = "\(day.iso) is not a school day in the calendar"
                    } else { problem = learnerProblem(p.permissions, learner: learner, school: school, day: day) }
                case .assessment(_, let a):
                    problem = a.day > today.adding(days: 1) ? "\(a.day.iso) is in the future"
                        : learnerProblem(p.permissions, learner: a.learner, school: a.school, day: a.day) ?? assessmentProblem(a, instruments)
                case .visit(_, let v):
                    if v.day > today.adding(days: 1) { problem = "\(v.day.iso) is in the future" } else if let path = paths[v.school] {
                        if !path.hasPrefix(p.permissions.path) { problem = "school \(v.school) is outside your area" }
                        else if p.permissions.role == .teacher { problem = "visits are recorded by coaches, officers and head teachers" }
                        else if v.rubric.values.contains(where: { !(1...4).contains($0) }) { problem = "rubric scores run from 1 to 4" }
                        else if v.followUps.contains(where: { ($0.due.map { $0 < v.day } ?? false) }) { problem = "a follow-up is due before the visit" }
                    } else { problem = "school \(v.school) is not known to Darasa" }
                }
                if let problem {
                    out.append(SyncResult(id: id, status: .rejected, reason: problem))
                    rejectedRows.append([.text(id), .text(p.deviceID), .text(p.batchID), .text(p.permissions.username), .text(item.kind), .int(now),
                                         .text("rejected"), .text(problem), .null])
                } else {
                    out.append(SyncResult(id: id, status: .stored))
                    accepted.append((pi, item))
                }
            }
            results.append(out)
        }
        // 4. Writes: provenance, the records, the marks in force, the queue for summaries.
        var storedRows = rejectedRows
        if !accepted.isEmpty {
            let batchID = (try await conn.scalarInt("SELECT COALESCE(MAX(id), 0) + 1 FROM import_batches")) ?? 1
            try await conn.execute("""
                INSERT INTO import_batches (id, source, description, user_name, started_at, finished_at, status, records, mapping, rows_read, rows_stored)
                VALUES (?, 'app-sync', ?, ?, ?, ?, 'committed', ?, 'sync', ?, ?)
                """, .int(batchID), .text("sync of \(pushes.count) device batches"), .text(pushes.map(\.permissions.username).first ?? "app"),
                .int(now), .int(now), .int(Int64(accepted.count)), .int(Int64(ids.count)), .int(Int64(accepted.count)))
            var fileIDs: [Int: Int64] = [:]
            var nextFile = (try await conn.scalarInt("SELECT COALESCE(MAX(id), 0) FROM import_files")) ?? 0
            var fileRows: [[SQLValue]] = []
            for pi in Set(accepted.map(\.push)).sorted() {
                nextFile += 1
                fileIDs[pi] = nextFile
                fileRows.append([.int(nextFile), .int(batchID), .text("app"), .text("device:\(pushes[pi].deviceID)/batch:\(pushes[pi].batchID)"), .text(pushes[pi].deviceID)])
            }
            try await conn.bulkInsert(table: "import_files", columns: ["id", "batch_id", "source", "path", "device_id"], rows: fileRows)
            var dirty: [Int64: SummaryQueueEntry] = [:]
            var marks: [(learner: Int64, school: Int64, day: Day, mark: AttendanceMark, at: Int64, id: String, file: Int64, user: String)] = []
            var nextResult = (try await conn.scalarInt("SELECT COALESCE(MAX(id), 0) FROM assessment_results")) ?? 0
            var nextVisit = (try await conn.scalarInt("SELECT COALESCE(MAX(id), 0) FROM school_visits")) ?? 0
            var resultRows: [[SQLValue]] = [], visitRows: [[SQLValue]] = [], actionRows: [[SQLValue]] = [], keyRows: [[SQLValue]] = []
            for (pi, item) in accepted {
                let p = pushes[pi], file = fileIDs[pi] ?? 0
                var school: Int64?
                switch item {
                case .attendance(let id, let learner, let s, let day, let mark, let at):
                    marks.append((learner, s, day, mark, at, id, file, p.permissions.username))
                    school = s
                    dirty[s, default: SummaryQueueEntry()].add(year: lookup.yearID(for: day), group: .attendance)
                case .assessment(let id, let a):
                    nextResult += 1
                    let scored = score(a, instruments)
                    let year = lookup.yearID(for: a.day) ?? 0
                    let grade = stays[Stay(learner: a.learner, school: a.school, year: year)]?.grade ?? 0
                    resultRows.append([.int(nextResult), .int(a.learner), .int(a.school), .int(scored.instrument), .text(a.subtask), .int(Int64(year)),
                                       .int(Int64(grade)), .text(a.day.iso), .text(a.assessor), .text("census"), .double(1), SQLValue(a.attempted),
                                       SQLValue(a.incorrect), SQLValue(a.secondsRemaining), SQLValue(scored.score), SQLValue(a.level), SQLValue(a.responses),
                                       .int(file), .int(Int64(resultRows.count + 1))])
                    keyRows.append([.text("assessment_results"), .text("app"), .text(id), .int(nextResult)])
                    school = a.school
                    dirty[a.school, default: SummaryQueueEntry()].add(year: year, group: .learning)
                case .visit(let id, let v):
                    nextVisit += 1
                    let rubric = (try? JSONText.encode(v.rubric)) ?? "{}"
                    visitRows.append([.int(nextVisit), .int(v.school), .text(p.permissions.username), .text(v.day.iso), .text(v.purpose.rawValue),
                                      .text(rubric), .text(v.notes), .int(file), .int(Int64(visitRows.count + 1))])
                    for (k, a) in v.followUps.enumerated() {
                        actionRows.append([.int(nextVisit), .int(Int64(k + 1)), .text(a.description), SQLValue(a.due?.iso), .text(a.status.rawValue)])
                    }
                    keyRows.append([.text("school_visits"), .text("app"), .text(id), .int(nextVisit)])
                    school = v.school
                case .invalid: break
                }
                storedRows.append([.text(item.id), .text(p.deviceID), .text(p.batchID), .text(p.permissions.username), .text(item.kind), .int(now),
                                   .text("stored"), .null, SQLValue(school)])
            }
            if !resultRows.isEmpty {
                try await conn.bulkInsert(table: "assessment_results", columns: ["id", "learner_id", "school_id", "instrument_id", "subtask_code", "year_id",
                    "grade", "assessed_on", "assessor", "mode", "weight", "attempted", "incorrect", "seconds_remaining", "score", "level", "responses",
                    "file_id", "src_row"], rows: resultRows)
            }
            if !visitRows.isEmpty {
                try await conn.bulkInsert(table: "school_visits", columns: ["id", "school_id", "visitor", "visited_on", "purpose", "rubric", "notes",
                                                                          "file_id", "src_row"], rows: visitRows)
                if !actionRows.isEmpty {
                    try await conn.bulkInsert(table: "visit_actions", columns: ["visit_id", "seq", "description", "due_on", "status"], rows: actionRows)
                }
            }
            if !keyRows.isEmpty { try await conn.bulkInsert(table: "record_keys", columns: ["table_name", "source", "source_key", "record_id"], rows: keyRows) }
            if !marks.isEmpty { try await applyMarks(marks, conn: conn, lookup: lookup) }
            try await Self.queueSummaries(dirty, conn: conn)
        }
        if !storedRows.isEmpty {
            try await conn.bulkInsert(table: "sync_records", columns: ["record_id", "device_id", "batch_id", "user_name", "kind", "received_at",
                                                                     "status", "reason", "school_id"], rows: storedRows)
        }
        // One audit entry per device batch, written together (one statement for the group).
        let at = Clock.now()
        try await conn.bulkInsert(table: "audit_log", columns: ["at", "actor", "action", "target", "detail"], rows: zip(pushes, results).map { p, r in
            let stored = r.filter { $0.status == .stored }.count, rejected = r.filter { $0.status == .rejected }.count
            return [.int(at), .text(p.permissions.username), .text("sync.push"), .text("device:\(p.deviceID)"),
                    .text("batch=\(p.batchID) stored=\(stored) duplicate=\(r.count - stored - rejected) rejected=\(rejected)")]
        })
        return results
    }

    /// Why a submitted result cannot be right, or nil.
    static func assessmentProblem(_ a: AssessmentSubmission, _ instruments: [String: Instrument]) -> String? {
        guard let instrument = instruments[a.instrument] else { return "no instrument has the code \(a.instrument); sync to update the instruments" }
        guard let task = instrument.subtasks.first(where: { $0.code == a.subtask }) else { return "\(a.instrument) has no subtask \(a.subtask)" }
        switch task.kind {
        case .timedGrid:
            guard let attempted = a.attempted, let incorrect = a.incorrect, let left = a.secondsRemaining else {
                return "a timed grid needs attempted, incorrect and seconds remaining"
            }
            let limit = task.timeLimitSeconds ?? 60
            guard (0...task.itemCount).contains(attempted) else { return "attempted \(attempted) is outside 0…\(task.itemCount) items" }
            guard (0...attempted).contains(incorrect) else { return "incorrect \(incorrect) is more than the \(attempted) attempted" }
            guard (0..<limit).contains(left) || (left == limit && attempted == 0) else { return "seconds remaining \(left) is outside 0…\(limit)" }
        case .untimed:
            guard let correct = a.correct, (0...task.itemCount).contains(correct) else { return "correct answers must be 0…\(task.itemCount)" }
        case .level:
            guard let level = a.level, (0..<max(1, task.levels.count)).contains(level) else { return "the level must be one of the \(task.levels.count) levels" }
        }
        return nil
    }

    /// The server's own score (fluency for a timed grid, METHODS.md; correct answers; level).
    static func score(_ a: AssessmentSubmission, _ instruments: [String: Instrument]) -> (instrument: Int64, score: Double?) {
        guard let instrument = instruments[a.instrument], let task = instrument.subtasks.first(where: { $0.code == a.subtask }) else { return (0, nil) }
        switch task.kind {
        case .timedGrid:
            if a.attempted == 0 { return (instrument.id.rawValue, 0) }
            let s = EGRA.fluency(attempted: a.attempted ?? 0, incorrect: a.incorrect ?? 0, secondsRemaining: a.secondsRemaining ?? 0,
                                 timeLimit: task.timeLimitSeconds ?? 60)
            return (instrument.id.rawValue, s.map { ($0 * 10).rounded() / 10 })
        case .untimed: return (instrument.id.rawValue, a.correct.map(Double.init))
        case .level: return (instrument.id.rawValue, a.level.map(Double.init))
        }
    }

    /// Keeps every mark and puts the latest for each learner and day into the month bitmaps.
    /// Rows per statement for `IN (…)` lists: few statements per commit (each is a trip to the
    /// writer), well inside both engines' limits on bound values (SQLite 32,766; PostgreSQL
    /// 65,535). Measured on PostgreSQL too: chunks of 500 made its sync commits slower, not faster.
    static let chunk = 5_000
    /// A month row as sync writes it: the register's columns and the time of its latest mark.
    static let monthColumns = RecordRows.attendanceColumns("learner_id") + ["latest_mark_at"]
    /// What an upsert of a stored month row changes: the marks, their counts, provenance and latest mark.
    static let monthUpdate = monthColumns.filter { !["learner_id", "school_id", "year_id", "year", "month"].contains($0) }

    static func applyMarks(_ marks: [(learner: Int64, school: Int64, day: Day, mark: AttendanceMark, at: Int64, id: String, file: Int64, user: String)],
                           conn: any SQLConnection, lookup: YearLookup) async throws {
        struct DayKey: Hashable { var learner: Int64; var school: Int64; var day: Day }
        struct MonthKey: Hashable { var learner: Int64; var school: Int64; var year: Int; var month: Int }
        // Every mark is kept, whether it wins or not.
        try await conn.bulkInsert(table: "attendance_marks", columns: ["learner_id", "school_id", "day", "mark", "marked_at", "user_name", "record_id"],
                                  rows: marks.map { [.int($0.learner), .int($0.school), .text($0.day.iso), .text($0.mark.rawValue), .int($0.at), .text($0.user), .text($0.id)] })
        // The latest of this group's marks for each learner and day.
        var winners: [DayKey: (mark: AttendanceMark, at: Int64, id: String, file: Int64)] = [:]
        for m in marks {
            let k = DayKey(learner: m.learner, school: m.school, day: m.day)
            if let w = winners[k], (w.at, w.id) >= (m.at, m.id) { continue }
            winners[k] = (m.mark, m.at, m.id, m.file)
        }
        // The months stored already for those learners.
        let monthKeys = Set(winners.keys.map { MonthKey(learner: $0.learner, school: $0.school, year: $0.day.year, month: $0.day.month) })
        var stored: [MonthKey: (marks: MonthMarks, latest: Int64)] = [:]
        // By school and month, as the month rows are keyed (school, year, month, learner).
        struct SchoolMonth: Hashable { var school: Int64; var year: Int; var month: Int }
        for (sm, group) in Dictionary(grouping: monthKeys, by: { SchoolMonth(school: $0.school, year: $0.year, month: $0.month) }) {
            let ls = Set(group.map(\.learner)).sorted()
            for part in stride(from: 0, to: ls.count, by: chunk) {
                let slice = Array(ls[part..<min(ls.count, part + chunk)])
                for r in try await conn.query("""
                    SELECT learner_id, school_id, present, absent, late, excused, latest_mark_at FROM learner_attendance
                    WHERE school_id = ? AND year = ? AND month = ? AND learner_id IN (\(inList(slice.count)))
                    """, [.int(sm.school), .int(Int64(sm.year)), .int(Int64(sm.month))] + slice.map { .int($0) }) {
                    let k = MonthKey(learner: r.int(0) ?? 0, school: r.int(1) ?? 0, year: sm.year, month: sm.month)
                    guard monthKeys.contains(k) else { continue }
                    stored[k] = (MonthMarks(present: UInt32(r.int(2) ?? 0), absent: UInt32(r.int(3) ?? 0), late: UInt32(r.int(4) ?? 0),
                                            excused: UInt32(r.int(5) ?? 0)), r.int(6) ?? 0)
                }
            }
        }
        // A day already marked in the register may have a later mark than these, but only if the
        // month's latest synced mark is not earlier than this one: only those days are looked up
        // in the history. A day not yet in the register has no earlier mark, and a mark later
        // than every mark kept for its month (`latest_mark_at`) beats them all.
        let contested = winners.filter { k, w in
            guard let s = stored[MonthKey(learner: k.learner, school: k.school, year: k.day.year, month: k.day.month)],
                  s.marks.mark(day: k.day.dayOfMonth) != nil else { return false }
            return w.at <= s.latest
        }.map(\.key)
        // Looked up by the whole key (learner, school, day), one seek each: by learner and a list of
        // days, each learner's every mark was read (4–5 ms a commit at 10,000 devices).
        // In the history's key order (school, day, learner): the seeks walk its pages forwards.
        let keys = contested.sorted { ($0.school, $0.day, $0.learner) < ($1.school, $1.day, $1.learner) }
        for part in stride(from: 0, to: keys.count, by: chunk / 3) {
            let slice = keys[part..<min(keys.count, part + chunk / 3)]
            for r in try await conn.query("""
                SELECT m.learner_id, m.school_id, m.day, m.marked_at, m.record_id
                FROM (VALUES \(Array(repeating: "(?, ?, ?)", count: slice.count).joined(separator: ", "))) k
                JOIN attendance_marks m ON m.learner_id = k.column1 AND m.school_id = k.column2 AND m.day = k.column3
                """, slice.flatMap { [SQLValue.int($0.learner), .int($0.school), .text($0.day.iso)] }) {
                guard let l = r.int(0), let s = r.int(1), let d = r.text(2).flatMap({ Day(iso: $0) }), let at = r.int(3) else { continue }
                let k = DayKey(learner: l, school: s, day: d), id = r.text(4) ?? ""
                // The group's own marks were written above: a winner meets itself here.
                if let w = winners[k], (w.at, w.id) < (at, id) { winners[k] = nil }
            }
        }
        guard !winners.isEmpty else { return }
        var months: [MonthKey: (marks: MonthMarks, file: Int64, latest: Int64)] = [:]
        for (k, w) in winners {
            let mk = MonthKey(learner: k.learner, school: k.school, year: k.day.year, month: k.day.month)
            var entry = months[mk] ?? (MonthMarks(), w.file, 0)
            entry.marks.set(w.mark, day: k.day.dayOfMonth)
            entry.latest = max(entry.latest, w.at)
            months[mk] = entry
        }
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(months.count)
        for (k, entry) in months.sorted(by: { ($0.key.learner, $0.key.year, $0.key.month) < ($1.key.learner, $1.key.year, $1.key.month) }) {
            let old = stored[k]
            var merged = old?.marks ?? MonthMarks()
            for d in 1...31 {
                guard let mark = entry.marks.mark(day: d) else { continue }
                merged.set(nil, day: d)
                merged.set(mark, day: d)
            }
            guard let yearID = lookup.yearID(year: k.year, month: k.month) else { continue }
            rows.append([.int(k.learner), .int(k.school), .int(Int64(yearID)), .int(Int64(k.year)), .int(Int64(k.month)),
                         .int(Int64(merged.present)), .int(Int64(merged.absent)), .int(Int64(merged.late)), .int(Int64(merged.excused)),
                         .int(Int64(merged.recordedDays)), .int(Int64(merged.presentDays)), .int(Int64(merged.absentDays)), .int(entry.file), .int(0),
                         .int(max(old?.latest ?? 0, entry.latest))])
        }
        // Months stored already are updated in place, new ones inserted: one statement for all.
        // (Marks that lost to the history are at or before the stored latest, so the month's
        // latest stays an upper bound of every kept mark.) The school year is left as it is: it
        // follows from the key's year and month, and setting it, even to the same value, made
        // SQLite rewrite the row's entry in the index by school and year.
        try await conn.bulkUpsert(table: "learner_attendance", columns: monthColumns, conflict: ["learner_id", "school_id", "year", "month"],
                                  update: Self.monthUpdate, rows: rows)
    }

    /// Puts schools on the summary queue, merged with what is queued for them already. Each
    /// entry is written anew with a fresh `seq`, so a refresh that read the old entry does not
    /// take the new one off the queue (below).
    static func queueSummaries(_ entries: [Int64: SummaryQueueEntry], conn: any SQLConnection) async throws {
        let schools = entries.keys.sorted()
        for part in stride(from: 0, to: schools.count, by: 400) {
            let slice = Array(schools[part..<min(schools.count, part + 400)])
            var merged: [Int64: SummaryQueueEntry] = [:]
            for s in slice { merged[s] = entries[s] }
            let queued = try await conn.query("SELECT school_id, year_id, tables FROM summary_dirty WHERE school_id IN (\(inList(slice.count)))",
                                              slice.map { .int($0) })
            for r in queued {
                guard let s = r.int(0) else { continue }
                merged[s, default: SummaryQueueEntry()].merge(SummaryQueueEntry(stored: r.int(1).map(Int.init), tables: r.text(2) ?? "all"))
            }
            if !queued.isEmpty {
                try await conn.execute("DELETE FROM summary_dirty WHERE school_id IN (\(inList(slice.count)))", slice.map { .int($0) })
            }
            try await conn.bulkInsert(table: "summary_dirty", columns: ["school_id", "year_id", "tables", "seq"], rows: slice.map { s in
                let e = merged[s] ?? SummaryQueueEntry()
                return [.int(s), SQLValue(e.singleYear.map(Int64.init)), .text(e.storedTables), .int(Int64.random(in: 1...Int64.max))]
            })
        }
    }

    /// Refreshes the summaries of the schools sync has touched since the last refresh (the
    /// background refresher calls it every few seconds; a crash leaves the queue in the table,
    /// so nothing is missed). One school per transaction, only the year and the summaries its
    /// records feed, so that pushes wait at most one school's refresh for the writer. An entry
    /// is taken off the queue only if no push has queued the school again meanwhile (its `seq`
    /// is unchanged); otherwise the school is refreshed again next time. Returns how many
    /// schools were refreshed. `giveWay` is asked before each school; when it says yes the pass
    /// stops there and the rest stay queued (the server's refresher gives way to pushes).
    @discardableResult
    public func refreshDirtySummaries(limit: Int = 200, giveWay: @Sendable () -> Bool = { false }) async throws -> Int {
        let entries = try await database.query("SELECT school_id, year_id, tables, seq FROM summary_dirty ORDER BY school_id LIMIT ?", .int(Int64(limit)))
        var refreshed = 0
        for r in entries {
            guard !giveWay() else { break }
            guard let school = r.int(0), let seq = r.int(3) else { continue }
            let entry = SummaryQueueEntry(stored: r.int(1).map(Int.init), tables: r.text(2) ?? "all")
            let t0 = ContinuousClock.now
            try await database.transaction { conn in
                try await SummarySQL.refresh(schools: [school], tables: entry.summaryTables, year: entry.singleYear, on: conn)
                try await conn.execute("DELETE FROM summary_dirty WHERE school_id = ? AND seq = ?", .int(school), .int(seq))
            }
            if Self.timings {
                FileHandle.standardError.write(Data("summary refresh: school \(school) \(ContinuousClock.now - t0)\n".utf8))
            }
            refreshed += 1
        }
        return refreshed
    }

    /// How many schools wait on the summary queue.
    public func summariesWaiting() async throws -> Int {
        Int(try await database.scalarInt("SELECT COUNT(*) FROM summary_dirty") ?? 0)
    }
}

/// What the summary queue holds for a school: the school year touched (nil: more than one, or
/// unknown — refresh them all) and which groups of summaries the records feed.
public struct SyncReference: Sendable {
    public let lookup: YearLookup
    public let schoolDays: Set<Day>
    public let instruments: [String: Instrument]
}

public struct SummaryQueueEntry: Sendable, Hashable {
    public enum Group: String, Sendable, CaseIterable { case attendance, learning }
    var years: Set<Int> = []
    var anyYear = false
    var groups: Set<Group> = []
    var all = false

    init() {}

    /// From a stored row: `tables` is "all" or groups joined by commas; `year_id` NULL is every year.
    init(stored year: Int?, tables: String) {
        if let year { years = [year] } else { anyYear = true }
        if tables == "all" { all = true } else { groups = Set(tables.split(separator: ",").compactMap { Group(rawValue: String($0)) }) }
    }

    mutating func add(year: Int?, group: Group) {
        if let year { years.insert(year) } else { anyYear = true }
        groups.insert(group)
    }

    mutating func merge(_ o: SummaryQueueEntry) {
        years.formUnion(o.years)
        anyYear = anyYear || o.anyYear
        groups.formUnion(o.groups)
        all = all || o.all
    }

    var singleYear: Int? { !anyYear && years.count == 1 ? years.first : nil }
    var storedTables: String { all || groups.isEmpty ? "all" : groups.map(\.rawValue).sorted().joined(separator: ",") }
    /// The summary tables to rebuild (nil: all of them).
    var summaryTables: Set<String>? {
        guard !all, !groups.isEmpty else { return nil }
        var t: Set<String> = []
        if groups.contains(.attendance) { t.formUnion(SummarySQL.tables(for: .learnerAttendance([])) ?? []) }
        if groups.contains(.learning) { t.formUnion(SummarySQL.tables(for: .assessmentResults([])) ?? []) }
        return t
    }
}
