import DarasaCore

extension DarasaStore {
    /// The instruments stored, by code.
    public func instruments() async throws -> [String: Instrument] { try await Self.instruments(on: database) }

    static func instruments(on connection: any SQLConnection) async throws -> [String: Instrument] {
        var out: [String: Instrument] = [:]
        for r in try await connection.query("SELECT id, code, name, kind, language, grades, definition FROM instruments", []) {
            guard let id = r.int(0), let code = r.text(1), let kind = r.text(3).flatMap(InstrumentKind.init(rawValue:)),
                  let subtasks = try? JSONText.decode([Subtask].self, r.text(6) ?? "[]") else { continue }
            out[code] = Instrument(id: InstrumentID(id), code: code, name: r.text(2) ?? code, kind: kind, language: r.text(4) ?? "",
                                   grades: (r.text(5) ?? "").split(separator: ",").compactMap { Int($0) }, subtasks: subtasks)
        }
        return out
    }

    /// The org unit with this code at the shallowest level (codes are unique within a level).
    public func orgUnit(code: String) async throws -> OrgUnit? {
        try await database.query("SELECT \(Self.orgUnitColumns) FROM org_units WHERE code = ? ORDER BY depth, id", .text(code)).first.map(Self.orgUnit)
    }

    /// The unit above `unit` at `depth` (0 = the country), found through the materialised path.
    public func ancestor(of unit: OrgUnit, depth: Int) async throws -> OrgUnitID? {
        let codes = unit.path.split(separator: "/")
        guard depth >= 0, depth < codes.count else { return nil }
        let path = "/" + codes.prefix(depth + 1).joined(separator: "/") + "/"
        return try await database.query("SELECT id FROM org_units WHERE path = ?", .text(path)).first?.int(0).map { OrgUnitID($0) }
    }

    public func teacherID(source: String, key: String) async throws -> TeacherID? {
        try await database.query("SELECT teacher_id FROM teacher_source_keys WHERE source = ? AND source_key = ?",
                                 .text(source), .text(key)).first?.int(0).map { TeacherID($0) }
    }

    /// A school for the demo accounts: among schools with grade-3 assessment results (where both
    /// reading fluency and reading levels are measured), preferring one with pairs awaiting
    /// identity review (so the demo head teacher has some to decide), the one with the most
    /// grade-3 class teachers, and its first grade-3 teacher — so the demo teacher's class has
    /// levels to group.
    public func demoSchool(yearID: Int) async throws -> (school: SchoolID, teacher: TeacherID)? {
        var row = try await database.query("""
            SELECT c.school_id, MIN(c.teacher_id), COUNT(DISTINCT c.teacher_id) AS n
            FROM class_assignments c
            WHERE c.year_id = ? AND c.grade = 3 AND c.school_id IN (SELECT school_id FROM assessment_results
                WHERE year_id = ? AND grade = 3 AND subtask_code = 'reading' AND level IS NOT NULL)
            GROUP BY c.school_id
            ORDER BY CASE WHEN EXISTS (SELECT 1 FROM link_candidates k WHERE k.school_id = c.school_id AND k.status = 'review') THEN 1 ELSE 0 END DESC,
                     n DESC, c.school_id LIMIT 1
            """, .int(Int64(yearID)), .int(Int64(yearID))).first
        if row == nil {  // no level test in grade 3: any school with assessment results
            row = try await database.query("""
                SELECT c.school_id, MIN(c.teacher_id) FROM class_assignments c
                WHERE c.year_id = ? AND c.school_id IN (SELECT school_id FROM summary_assessed WHERE year_id = ? AND grade = c.grade)
                GROUP BY c.school_id ORDER BY c.school_id LIMIT 1
                """, .int(Int64(yearID)), .int(Int64(yearID))).first
        }
        if row == nil {
            row = try await database.query("""
                SELECT school_id, MIN(teacher_id) FROM class_assignments WHERE year_id = ? GROUP BY school_id ORDER BY school_id LIMIT 1
                """, .int(Int64(yearID))).first
        }
        guard let r = row, let school = r.int(0), let teacher = r.int(1) else { return nil }
        return (SchoolID(school), TeacherID(teacher))
    }
}
