import DarasaCore
import Foundation

private struct ClassInfo {
    var schoolID: SchoolID
    var yearID: Int
    var grade: Int
    var section: String
}

extension LoadRun {
    func loadOneRoster(into sink: some RecordSink) async throws {
        let dir = "oneroster/"
        guard exists(dir + "manifest.csv") || exists(dir + "users.csv") else {
            throw InputError(file: dir, problem: "no OneRoster bundle was found",
                             fix: "Put the school-management system's OneRoster 1.2 CSV export in the oneroster folder")
        }
        try await loadSessions(dir + "academicSessions.csv", into: sink)
        try await deliverCensusReturns(into: sink)
        try readOrgs(dir + "orgs.csv")
        let classes = try readClasses(dir + "classes.csv")
        let roles = try readRoles(dir + "roles.csv")
        let demographics = try readDemographics(dir + "demographics.csv")
        try await loadUsers(dir + "users.csv", roles: roles, demographics: demographics, into: sink)
        try readEnrollments(dir + "enrollments.csv", classes: classes)
        try await deliverEnrolments(dir + "enrollments.csv", into: sink)
    }

    /// schoolYear sessions with their terms → AcademicYear (holidays from calendar/holidays.csv).
    private func loadSessions(_ path: String, into sink: some RecordSink) async throws {
        let (reader, h) = try openCSV(path, required: ["sourcedId", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"])
        var r = CSVRecord()
        var yearsByID: [String: (id: Int, title: String, start: Day, end: Day, row: Int)] = [:]
        var terms: [(id: String, parent: String, start: Day, end: Day)] = []
        while try csv(path, { try reader.next(into: &r) }) {
            let row = reader.recordNumber
            let type = Field.text(r, h["type"])
            let start = try Field.isoDay(r, h["startDate"], file: path, row: row, column: "startDate")
            let end = try Field.isoDay(r, h["endDate"], file: path, row: row, column: "endDate")
            guard start <= end else {
                throw InputError(file: path, row: row, column: "endDate", problem: "the session ends before it starts",
                                 fix: "Check the startDate and endDate of this session")
            }
            switch type {
            case "schoolYear":
                let id = try Field.int(r, h["schoolYear"], file: path, row: row, column: "schoolYear")
                yearsByID[Field.text(r, h["sourcedId"])] = (id, Field.text(r, h["title"]), start, end, row)
            case "term", "semester", "gradingPeriod":
                terms.append((Field.text(r, h["sourcedId"]), Field.text(r, h["parentSourcedId"]), start, end))
            default:
                throw InputError(file: path, row: row, column: "type", problem: "\"\(String(type.prefix(20)))\" is not a session type",
                                 fix: "Use schoolYear, term, semester or gradingPeriod")
            }
        }
        var chunks = chunker("oneroster", path) { RecordBatch.academicYears($0) }
        for (key, y) in yearsByID.sorted(by: { $0.value.id < $1.value.id }) {
            let own = terms.filter { $0.parent == key }.sorted { $0.start < $1.start }
            let termList = own.isEmpty ? [Term(number: 1, start: y.start, end: y.end)]
                : own.enumerated().map { Term(number: $0.offset + 1, start: $0.element.start, end: $0.element.end) }
            let hol = holidays.filter { $0.key >= y.start && $0.key <= y.end }.sorted { $0.key < $1.key }
                .map { Holiday(day: $0.key, name: $0.value) }
            let year = AcademicYear(id: y.id, name: y.title.isEmpty ? String(y.id) : y.title, start: y.start, end: y.end,
                                    terms: termList, holidays: hol)
            years.append(year)
            if chunks.append(year, row: y.row) { try await chunks.flush(to: sink) }
        }
        try await chunks.flush(to: sink)
        delivered("academicYears", chunks.delivered)
        // Classes point at terms; terms point at their school year.
        termYear = [:]
        for (key, y) in yearsByID { termYear[key] = y.id }
        for t in terms { if let y = yearsByID[t.parent] { termYear[t.id] = y.id } }
    }

    private func readOrgs(_ path: String) throws {
        let (reader, h) = try openCSV(path, required: ["sourcedId", "type", "identifier"])
        var r = CSVRecord()
        while try csv(path, { try reader.next(into: &r) }) {
            if Field.text(r, h["type"]) == "school" {
                let code = Field.text(r, h["identifier"])
                schoolCodeByOrgID[Field.text(r, h["sourcedId"])] = code
                if schoolIDByCode[code] == nil { unresolved("oneroster: school not in any census") }
            }
        }
    }

    private func schoolID(orgSourcedID: String) -> SchoolID? {
        schoolCodeByOrgID[orgSourcedID].flatMap { schoolIDByCode[$0] }
    }

    private func readClasses(_ path: String) throws -> [String: ClassInfo] {
        let (reader, h) = try openCSV(path, required: ["sourcedId", "title", "grades", "classCode", "schoolSourcedId", "termSourcedIds"])
        var r = CSVRecord()
        var out: [String: ClassInfo] = [:]
        while try csv(path, { try reader.next(into: &r) }) {
            let row = reader.recordNumber
            guard let school = schoolID(orgSourcedID: Field.text(r, h["schoolSourcedId"])) else {
                unresolved("oneroster: class at an unknown school")
                continue
            }
            let gradeText = Field.text(r, h["grades"]).split(separator: ",").first.map(String.init) ?? ""
            guard let grade = Field.grade(gradeText) else {
                throw InputError(file: path, row: row, column: "grades", problem: "\"\(String(gradeText.prefix(20)))\" names no grade",
                                 fix: "Write the grade as a OneRoster grade code such as 03")
            }
            let code = Field.text(r, h["classCode"])
            let section = code.split(separator: "-").last.map { String($0) } ?? code
            let term = Field.text(r, h["termSourcedIds"]).split(separator: ",").first.map(String.init) ?? ""
            guard let year = termYear[term] else {
                throw InputError(file: path, row: row, column: "termSourcedIds",
                                 problem: "the class's term is not in academicSessions.csv",
                                 fix: "Export academicSessions.csv with every term the classes use")
            }
            out[Field.text(r, h["sourcedId"])] = ClassInfo(schoolID: school, yearID: year, grade: grade,
                                                           section: section.isEmpty ? "A" : section)
        }
        return out
    }

    /// userSourcedId → role ("student", "teacher", …), from roles.csv (the primary role wins).
    private func readRoles(_ path: String) throws -> [String: String] {
        let (reader, h) = try openCSV(path, required: ["userSourcedId", "roleType", "role"])
        var r = CSVRecord()
        var out: [String: String] = [:]
        while try csv(path, { try reader.next(into: &r) }) {
            let user = Field.text(r, h["userSourcedId"])
            if out[user] == nil || Field.text(r, h["roleType"]) == "primary" { out[user] = Field.text(r, h["role"]) }
        }
        return out
    }

    private struct Demographic {
        var birth: Day?
        var sex: Sex?
        var language: String?
        var functioning: Functioning
    }

    private func readDemographics(_ path: String) throws -> [String: Demographic] {
        let (reader, h) = try openCSV(path, required: ["sourcedId", "birthDate", "sex"])
        let domains: [(String, FunctioningDomain)] = [("seeing", .seeing), ("hearing", .hearing), ("walking", .walking),
                                                      ("cognition", .cognition), ("selfCare", .selfCare),
                                                      ("communication", .communication)]
        let domainColumns = domains.map { (h.column("metadata.wg.\($0.0)"), $0.1, "metadata.wg.\($0.0)") }
        let languageColumn = h.column("metadata.homeLanguage")
        let byCode = Dictionary(uniqueKeysWithValues: Difficulty.allCases.map { ($0.code, $0) })
        var r = CSVRecord()
        var out: [String: Demographic] = [:]
        while try csv(path, { try reader.next(into: &r) }) {
            let row = reader.recordNumber
            var functioning = Functioning()
            for (column, domain, name) in domainColumns {
                guard let column else { continue }
                let v = Field.text(r, column)
                guard !v.isEmpty else { continue }
                guard let d = byCode[v] else {
                    throw InputError(file: path, row: row, column: name,
                                     problem: "\"\(String(v.prefix(30)))\" is not a Washington Group answer",
                                     fix: "Use no_difficulty, some_difficulty, a_lot_of_difficulty or cannot_do_at_all")
                }
                functioning[domain] = d
            }
            let sexText = Field.text(r, h["sex"])
            out[Field.text(r, h["sourcedId"])] = Demographic(
                birth: try Field.optionalIsoDay(r, h["birthDate"], file: path, row: row, column: "birthDate"),
                sex: Field.sex(sexText), language: languageColumn.flatMap { Field.optionalText(r, $0) },
                functioning: functioning)
        }
        return out
    }

    private func loadUsers(_ path: String, roles: [String: String], demographics: [String: Demographic],
                           into sink: some RecordSink) async throws {
        let (reader, h) = try openCSV(path, required: ["sourcedId", "givenName", "familyName", "identifier"])
        var r = CSVRecord()
        var chunks = chunker("oneroster", path) { RecordBatch.learners($0) }
        var next: Int64 = 1
        while try csv(path, { try reader.next(into: &r) }) {
            let row = reader.recordNumber
            let sourcedID = Field.text(r, h["sourcedId"])
            switch roles[sourcedID] {
            case "student":
                guard learnerIDBySourcedID[sourcedID] == nil else {
                    throw InputError(file: path, row: row, column: "sourcedId", problem: "the sourcedId appears twice",
                                     fix: "Export users.csv again; each sourcedId must be unique")
                }
                let demo = demographics[sourcedID]
                guard let sex = demo?.sex else {
                    throw InputError(file: path, row: row, column: "sourcedId",
                                     problem: "the student has no sex recorded in demographics.csv",
                                     fix: "Export demographics.csv with a sex (female or male) for every student")
                }
                let id = LearnerID(next)
                next += 1
                learnerIDBySourcedID[sourcedID] = id
                let given = Field.text(r, h["givenName"]), family = Field.text(r, h["familyName"])
                learnerNames.append((given, family, sex))
                let learner = Learner(id: id, givenName: given, familyName: family, sex: sex,
                                      birthDate: demo?.birth.map { BirthDate(day: $0) }, functioning: demo?.functioning ?? Functioning(),
                                      homeLanguage: demo?.language, sourceKeys: [SourceKey(source: "oneroster", key: sourcedID)])
                if chunks.append(learner, row: row) { try await chunks.flush(to: sink) }
            case "teacher":
                let payroll = Field.text(r, h["identifier"])
                if payroll.isEmpty { unresolved("oneroster: teacher without a payroll number") } else {
                    teacherPayrollBySourcedID[sourcedID] = payroll
                }
            default:
                continue
            }
        }
        try await chunks.flush(to: sink)
        delivered("learners", chunks.delivered)
    }

    private func readEnrollments(_ path: String, classes: [String: ClassInfo]) throws {
        let (reader, h) = try openCSV(path, required: ["classSourcedId", "userSourcedId", "role", "beginDate", "endDate"])
        var r = CSVRecord()
        while try csv(path, { try reader.next(into: &r) }) {
            let row = reader.recordNumber
            guard let cls = classes[Field.text(r, h["classSourcedId"])] else {
                unresolved("oneroster: enrollment in an unknown class")
                continue
            }
            let user = Field.text(r, h["userSourcedId"])
            switch Field.text(r, h["role"]) {
            case "student":
                guard let learner = learnerIDBySourcedID[user] else {
                    unresolved("oneroster: enrollment of an unknown student")
                    continue
                }
                let begin = try Field.optionalIsoDay(r, h["beginDate"], file: path, row: row, column: "beginDate")
                let end = try Field.optionalIsoDay(r, h["endDate"], file: path, row: row, column: "endDate")
                enrolments.append((Enrolment(learnerID: learner, yearID: cls.yearID, schoolID: cls.schoolID, grade: cls.grade,
                                             section: cls.section, status: .enrolled, start: begin, end: end), row))
            case "teacher":
                teacherEnrolments.append((user, cls.yearID, cls.schoolID, cls.grade, cls.section, row))
            default:
                continue
            }
        }
    }

    /// Sets each enrolment's status from the learner's history as the data shows it, then
    /// delivers them. The status is the enrolment's outcome where the data tells it:
    /// - ended before the year's end with a later enrolment that year → transferred_out;
    ///   ended early with none → dropped_out;
    /// - ran to the year's end: re-enrolled next year one grade up → promoted, in the same grade
    ///   → repeating; not re-enrolled → completed in the final grade, else dropped_out;
    /// - in the last loaded year, still running: transferred_in if it began with a transfer
    ///   that year, else enrolled.
    /// A child with two sourcedIds has two histories here: linkage comes later.
    private func deliverEnrolments(_ path: String, into sink: some RecordSink) async throws {
        let lastYear = years.map(\.id).max() ?? Int.min
        let yearEnd = Dictionary(uniqueKeysWithValues: years.map { ($0.id, $0.end) })
        var byLearner: [LearnerID: [Int]] = [:]
        for (i, e) in enrolments.enumerated() { byLearner[e.enrolment.learnerID, default: []].append(i) }
        for (_, indices) in byLearner {
            let statuses = EnrolmentOutcomes.derive(indices.map { enrolments[$0].enrolment }, yearEnds: yearEnd, lastYear: lastYear, finalGrade: finalGrade)
            for (k, i) in indices.enumerated() { enrolments[i].enrolment.status = statuses[k] }
        }
        var chunks = chunker("oneroster", path) { RecordBatch.enrolments($0) }
        for (e, row) in enrolments { if chunks.append(e, row: row) { try await chunks.flush(to: sink) } }
        try await chunks.flush(to: sink)
        delivered("enrolments", chunks.delivered)
        enrolmentsByYear = [:]
        for (e, _) in enrolments { enrolmentsByYear[e.yearID, default: []].append(e) }
        enrolments = []
    }
}
