import DarasaCore

/// A coaching plan entry: a school an officer intends to visit on a day.
public struct PlannedVisit: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable { case planned, cancelled }
    public var id: Int64
    public var schoolID: Int64
    public var schoolName: String
    public var plannedOn: Day
    public var officer: String
    /// Why (the need reasons when it was planned, as codes).
    public var reason: String
    public var status: Status
    /// A visit to the school recorded on or after the planned day (within 14 days): the plan was kept.
    public var visitedOn: Day?
}

extension DarasaStore {
    /// The school's latest visits, newest first, with their follow-up actions.
    public func recentVisits(schoolID: Int64, limit: Int = 3) async throws -> [SchoolVisit] {
        let rows = try await database.query("""
            SELECT id, school_id, visitor, visited_on, purpose, rubric, notes FROM school_visits WHERE school_id = ?
            ORDER BY visited_on DESC, id DESC LIMIT ?
            """, .int(schoolID), .int(Int64(limit)))
        var out: [SchoolVisit] = []
        for r in rows {
            guard let id = r.int(0), let day = r.text(3).flatMap({ Day(iso: $0) }) else { continue }
            let actions = try await database.query("SELECT description, due_on, status FROM visit_actions WHERE visit_id = ? ORDER BY seq", .int(id)).map {
                FollowUpAction(description: $0.text(0) ?? "", due: $0.text(1).flatMap { Day(iso: $0) },
                               status: ActionStatus(rawValue: $0.text(2) ?? "") ?? .open)
            }
            out.append(SchoolVisit(id: VisitID(id), schoolID: SchoolID(schoolID), visitor: r.text(2) ?? "", date: day,
                                   purpose: VisitPurpose(rawValue: r.text(4) ?? "") ?? .coaching,
                                   rubric: (try? JSONText.decode([String: Int].self, r.text(5) ?? "{}")) ?? [:], notes: r.text(6) ?? "", actions: actions))
        }
        return out
    }

    /// Open follow-up actions of the school's visits, soonest due first.
    public func openFollowUps(schoolID: Int64) async throws -> [(action: String, due: Day?, agreedOn: Day?)] {
        try await database.query("""
            SELECT a.description, a.due_on, v.visited_on FROM visit_actions a JOIN school_visits v ON v.id = a.visit_id
            WHERE v.school_id = ? AND a.status = 'open' ORDER BY a.due_on, v.visited_on
            """, .int(schoolID)).map { ($0.text(0) ?? "", $0.text(1).flatMap { Day(iso: $0) }, $0.text(2).flatMap { Day(iso: $0) }) }
    }

    /// The school's assessment rounds (school year, month YYYYMM), oldest first.
    public func assessmentRounds(schoolID: Int64) async throws -> [(yearID: Int, period: Int)] {
        try await database.query("SELECT DISTINCT year_id, period FROM summary_learning_cube WHERE school_id = ? ORDER BY year_id, period",
                                 .int(schoolID)).compactMap { r in
            guard let y = r.int(0), let p = r.int(1) else { return nil }
            return (Int(y), Int(p))
        }
    }

    /// For each learner, absences on the school's last `days` school days with a mark in the
    /// register (absent or excused, as chronic absence counts them), and how many days that was.
    public func recentAbsences(schoolID: Int64, learners: [LearnerID], days: Int = 10) async throws -> (days: [Day], absent: [LearnerID: Int]) {
        guard !learners.isEmpty else { return ([], [:]) }
        let ids = Set(learners.map(\.rawValue))
        let months = try await database.query("""
            SELECT DISTINCT year, month FROM learner_attendance WHERE school_id = ? ORDER BY year DESC, month DESC LIMIT 3
            """, .int(schoolID)).compactMap { r -> (Int, Int)? in r.int(0).flatMap { y in r.int(1).map { (Int(y), Int($0)) } } }
        guard let oldest = months.last else { return ([], [:]) }
        var marks: [(LearnerID, Int, Int, MonthMarks)] = []
        for r in try await database.query("""
            SELECT learner_id, year, month, present, absent, late, excused FROM learner_attendance
            WHERE school_id = ? AND (year > ? OR (year = ? AND month >= ?))
            """, .int(schoolID), .int(Int64(oldest.0)), .int(Int64(oldest.0)), .int(Int64(oldest.1))) {
            guard let l = r.int(0), ids.contains(l) else { continue }
            let m = MonthMarks(present: UInt32(r.int(3) ?? 0), absent: UInt32(r.int(4) ?? 0), late: UInt32(r.int(5) ?? 0), excused: UInt32(r.int(6) ?? 0))
            marks.append((LearnerID(l), Int(r.int(1) ?? 0), Int(r.int(2) ?? 0), m))
        }
        // The class's school days: days on which anyone has a mark, the latest `days` of them.
        var recorded: Set<Day> = []
        for (_, y, m, marks) in marks {
            for d in 1...31 where marks.mark(day: d) != nil { if let day = Day(year: y, month: m, day: d) { recorded.insert(day) } }
        }
        let last = Array(recorded.sorted().suffix(days))
        let chosen = Set(last)
        var absent: [LearnerID: Int] = [:]
        for (l, y, m, marks) in marks {
            for d in 1...31 {
                guard let day = Day(year: y, month: m, day: d), chosen.contains(day), let mark = marks.mark(day: d) else { continue }
                if mark == .absent || mark == .excused { absent[l, default: 0] += 1 }
            }
        }
        return (last, absent)
    }

    // MARK: Coaching plans

    /// Planned visits to schools under `path` from `from` on (and those before it not yet kept).
    public func plannedVisits(under path: String, from: Day) async throws -> [PlannedVisit] {
        try await database.query("""
            SELECT p.id, p.school_id, s.name, p.planned_on, p.officer, p.reason, p.status,
                   (SELECT MIN(v.visited_on) FROM school_visits v WHERE v.school_id = p.school_id AND v.visited_on >= p.planned_on
                      AND v.visited_on <= ?)
            FROM planned_visits p JOIN schools s ON s.id = p.school_id JOIN org_units o ON o.id = p.school_id
            WHERE o.path LIKE ? AND p.status = 'planned' AND p.planned_on >= ?
            ORDER BY p.planned_on, s.name
            """, .text(from.adding(days: 365).iso), .text(path + "%"), .text(from.adding(days: -60).iso)).compactMap { r in
            guard let id = r.int(0), let school = r.int(1), let day = r.text(3).flatMap({ Day(iso: $0) }) else { return nil }
            let visited = r.text(7).flatMap { Day(iso: $0) }.flatMap { $0 - day <= 14 ? $0 : nil }
            return PlannedVisit(id: id, schoolID: school, schoolName: r.text(2) ?? "", plannedOn: day, officer: r.text(4) ?? "",
                                reason: r.text(5) ?? "", status: .planned, visitedOn: visited)
        }
    }

    /// Records planned visits (audited as one plan).
    public func planVisits(_ visits: [(schoolID: Int64, day: Day, reason: String)], officer: String) async throws {
        guard !visits.isEmpty else { return }
        try await database.transaction { conn in
            for v in visits {
                try await conn.execute("""
                    INSERT INTO planned_visits (school_id, planned_on, officer, reason, status, created_at) VALUES (?, ?, ?, ?, 'planned', ?)
                    """, .int(v.schoolID), .text(v.day.iso), .text(officer), .text(v.reason), .int(Clock.now()))
            }
            try await Self.audit(conn, actor: officer, action: "visits.plan", target: "schools:\(visits.count)",
                                 detail: visits.map { "\($0.schoolID)@\($0.day.iso)" }.joined(separator: ","))
        }
    }

    /// Cancels a planned visit under `path`; false when there is none.
    public func cancelPlannedVisit(id: Int64, under path: String, officer: String) async throws -> Bool {
        try await database.transaction { conn in
            guard let row = try await conn.query("""
                SELECT p.school_id FROM planned_visits p JOIN org_units o ON o.id = p.school_id WHERE p.id = ? AND o.path LIKE ? AND p.status = 'planned'
                """, .int(id), .text(path + "%")).first, let school = row.int(0) else { return false }
            try await conn.execute("UPDATE planned_visits SET status = 'cancelled' WHERE id = ?", .int(id))
            try await Self.audit(conn, actor: officer, action: "visits.cancel", target: "school:\(school)", detail: "plan \(id)")
            return true
        }
    }

    /// Sets the language the web app speaks to a user.
    public func setLanguage(userID: UserID, code: String) async throws {
        try await database.execute("UPDATE users SET language = ? WHERE id = ?", .text(code), .int(userID.rawValue))
    }
}
