import DarasaCore

/// What a OneRoster 1.2 bulk export of one area and school year holds, read in one place.
/// Names are in it: only the school tier (and administrators) may ask for it.
public struct RosterExtract: Sendable {
    public struct Student: Sendable {
        public var learner: Learner
        /// The identifier to export: the key the school-management system gave the learner, else Darasa's own.
        public var sourcedID: String
    }
    public struct Staff: Sendable {
        public var teacher: Teacher
        public var sourcedID: String
        /// The school of the teacher's posting during the year (their primary org).
        public var schoolID: Int64?
    }
    public var year: AcademicYear
    /// The area's units and every unit above them (a school needs its district and country).
    public var orgs: [OrgUnit]
    public var schoolIDs: Set<Int64>
    public var students: [Student]
    public var enrolments: [Enrolment]
    public var teachers: [Staff]
    public var assignments: [ClassAssignment]
}

extension DarasaStore {
    /// Everything a OneRoster export of the schools under `path` needs for one school year.
    /// A learner's sourcedId is their key in `source` (the system the roster came from) when
    /// they have one, so that the school-management system recognises its own records.
    public func rosterExtract(underPath path: String, yearID: Int, source: String = "oneroster") async throws -> RosterExtract? {
        guard let year = try await calendar().first(where: { $0.id == yearID }) else { return nil }
        let prefix = SQLValue.text(path + "%")
        let y = SQLValue.int(Int64(yearID))
        let under = try await database.query("SELECT \(Self.orgUnitColumns) FROM org_units WHERE path LIKE ? ORDER BY path", [prefix]).map(Self.orgUnit)
        let parts = path.split(separator: "/")
        var above: [OrgUnit] = []
        for i in 0..<max(0, parts.count - 1) {
            let p = "/" + parts.prefix(i + 1).joined(separator: "/") + "/"
            above += try await database.query("SELECT \(Self.orgUnitColumns) FROM org_units WHERE path = ?", .text(p)).map(Self.orgUnit)
        }
        let schoolIDs = Set(try await database.query("SELECT s.id FROM schools s JOIN org_units o ON o.id = s.id WHERE o.path LIKE ?", [prefix])
            .compactMap { $0.int(0) })
        let inArea = "school_id IN (SELECT s.id FROM schools s JOIN org_units o ON o.id = s.id WHERE o.path LIKE ?)"
        let enrolments = try await database.query("""
            SELECT learner_id, year_id, school_id, grade, section, status, start_date, end_date FROM enrolments
            WHERE year_id = ? AND \(inArea) ORDER BY school_id, grade, section, learner_id
            """, [y, prefix]).compactMap { r -> Enrolment? in
            guard let l = r.int(0), let s = r.int(2), let status = r.text(5).flatMap(EnrolmentStatus.init(rawValue:)) else { return nil }
            return Enrolment(learnerID: LearnerID(l), yearID: yearID, schoolID: SchoolID(s), grade: Int(r.int(3) ?? 0), section: r.text(4) ?? "",
                             status: status, start: r.text(6).flatMap { Day(iso: $0) }, end: r.text(7).flatMap { Day(iso: $0) })
        }
        let students = try await database.query("""
            SELECT l.id, l.given_name, l.family_name, l.sex, l.birth_date, l.birth_precision, l.wg_seeing, l.wg_hearing, l.wg_walking,
                   l.wg_cognition, l.wg_self_care, l.wg_communication, l.home_language,
                   (SELECT MIN(k.source_key) FROM learner_source_keys k WHERE k.learner_id = l.id AND k.source = ?)
            FROM learners l WHERE l.id IN (SELECT learner_id FROM enrolments WHERE year_id = ? AND \(inArea))
            ORDER BY l.id
            """, [.text(source), y, prefix]).compactMap { r -> RosterExtract.Student? in
            guard let id = r.int(0), let sex = r.text(3).flatMap(Sex.init(rawValue:)) else { return nil }
            var f = Functioning()
            for (i, d) in FunctioningDomain.allCases.enumerated() { f[d] = r.int(6 + i).flatMap { Difficulty(rawValue: Int($0)) } }
            let birth = r.text(4).flatMap { Day(iso: $0) }.map {
                BirthDate(day: $0, precision: r.text(5).flatMap(DatePrecision.init(rawValue:)) ?? .exact)
            }
            let learner = Learner(id: LearnerID(id), givenName: r.text(1) ?? "", familyName: r.text(2) ?? "", sex: sex, birthDate: birth,
                                  functioning: f, homeLanguage: r.text(12))
            return RosterExtract.Student(learner: learner, sourcedID: r.text(13) ?? "darasa-learner-\(id)")
        }
        let assignments = try await database.query("""
            SELECT teacher_id, school_id, grade, section, subject FROM class_assignments WHERE year_id = ? AND \(inArea)
            ORDER BY school_id, grade, section, teacher_id
            """, [y, prefix]).compactMap { r -> ClassAssignment? in
            guard let t = r.int(0), let s = r.int(1) else { return nil }
            let subject = r.text(4) ?? ""
            return ClassAssignment(teacherID: TeacherID(t), yearID: yearID, schoolID: SchoolID(s), grade: Int(r.int(2) ?? 0),
                                   section: r.text(3) ?? "", subject: subject.isEmpty ? nil : subject)
        }
        let teachers = try await database.query("""
            SELECT t.id, t.given_name, t.family_name, t.sex, t.trained, t.qualification, t.subjects,
                   (SELECT MIN(k.source_key) FROM teacher_source_keys k WHERE k.teacher_id = t.id),
                   (SELECT MIN(p.school_id) FROM teacher_postings p WHERE p.teacher_id = t.id AND p.start_date <= ?
                      AND (p.end_date IS NULL OR p.end_date >= ?) AND p.\(inArea))
            FROM teachers t
            WHERE t.id IN (SELECT teacher_id FROM class_assignments WHERE year_id = ? AND \(inArea))
               OR t.id IN (SELECT teacher_id FROM teacher_postings WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?) AND \(inArea))
            ORDER BY t.id
            """, [.text(year.end.iso), .text(year.start.iso), prefix, y, prefix, .text(year.end.iso), .text(year.start.iso), prefix])
            .compactMap { r -> RosterExtract.Staff? in
                guard let id = r.int(0), let sex = r.text(3).flatMap(Sex.init(rawValue:)) else { return nil }
                let t = Teacher(id: TeacherID(id), givenName: r.text(1) ?? "", familyName: r.text(2) ?? "", sex: sex, trained: r.int(4) == 1,
                                qualification: r.text(5) ?? "", subjects: (r.text(6) ?? "").split(separator: ",").map(String.init))
                return RosterExtract.Staff(teacher: t, sourcedID: r.text(7) ?? "darasa-teacher-\(id)", schoolID: r.int(8))
            }
        return RosterExtract(year: year, orgs: above + under, schoolIDs: schoolIDs, students: students, enrolments: enrolments,
                             teachers: teachers, assignments: assignments)
    }
}
