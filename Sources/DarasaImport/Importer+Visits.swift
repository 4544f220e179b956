import DarasaCore
import DarasaIngest
import DarasaStore
import Foundation

/// Class assignments and school visits.
extension ImportRun {
    func takeClassAssignment(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        if let a = classAssignment(m, r, row: row, file: file, &problems) { assignments.append((a, row)) }
    }

    /// A row's class assignment (teacher, school, year, grade, section, subject), once per import;
    /// nil with the problems noted.
    func classAssignment(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) -> ClassAssignment? {
        let teacher = person("teacher", m, r, &problems)
        let school = self.school(m, r, &problems)
        let year = m.int("year", r, &problems)
        let grade = m.int("grade", r, &problems)
        let section = m.string("section", r, &problems) ?? ""
        let subject = m.string("subject", r, &problems)
        guard problems.isEmpty, let teacher, let school, let year, let grade else { return nil }
        if repeated("K\(teacher)/\(year)/\(school)/\(grade)/\(section)/\(subject ?? "")", what: "this teacher's class \(grade)\(section) in \(year)",
                    file: file, row: row, column: m.column(of: "teacher"), value: "", &problems) { return nil }
        return ClassAssignment(teacherID: TeacherID(teacher), yearID: year, schoolID: SchoolID(school), grade: grade, section: section, subject: subject)
    }

    struct JSONScore: Decodable { var criterion: String; var score: Int }
    struct JSONFollowUp: Decodable {
        var action: String?
        var description: String?
        var dueDate: String?
        var due: String?
        var status: String?
    }

    func takeVisit(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let key = m.string("source_key", r, &problems)
        let school = self.school(m, r, &problems)
        let date = m.day("date", r, &problems)
        let purpose = m.string("purpose", r, &problems).flatMap(VisitPurpose.init(rawValue:))
        let visitor = m.string("visitor", r, &problems)
        let visitorName = m.string("visitor_name", r, &problems)
        let notes = m.string("notes", r, &problems) ?? ""
        var rubric: [String: Int] = [:]
        if let text = m.string("rubric", r, &problems) {
            let data = Data(text.utf8)
            if let list = try? JSONDecoder().decode([JSONScore].self, from: data) {
                for s in list { rubric[s.criterion] = s.score }
            } else if let map = try? JSONDecoder().decode([String: Int].self, from: data) {
                rubric = map
            } else {
                problems.append(RowProblem(column: m.column(of: "rubric"), value: String(text.prefix(60)), reason: "the rubric is not a list of criteria and scores",
                                           fix: "Give it as [{\"criterion\": \"…\", \"score\": 3}]"))
            }
            for (c, v) in rubric where !(1...4).contains(v) {
                problems.append(RowProblem(column: m.column(of: "rubric"), value: "\(v)", reason: "the score \(v) for \(c.prefix(40)) is outside 1–4", fix: "Score each criterion from 1 to 4"))
            }
        }
        var actions: [FollowUpAction] = []
        if let text = m.string("follow_ups", r, &problems) {
            if let list = try? JSONDecoder().decode([JSONFollowUp].self, from: Data(text.utf8)) {
                for f in list {
                    let due = (f.dueDate ?? f.due).flatMap { $0.isEmpty ? nil : $0 }
                    let day = due.flatMap { Day(iso: $0) }
                    if due != nil && day == nil {
                        problems.append(RowProblem(column: m.column(of: "follow_ups"), value: due ?? "", reason: "a follow-up's due date is not written as YYYY-MM-DD", fix: "Write it as e.g. 2024-03-15"))
                    }
                    guard let status = ActionStatus(rawValue: f.status ?? "open") else {
                        problems.append(RowProblem(column: m.column(of: "follow_ups"), value: f.status ?? "", reason: "\"\(f.status ?? "")\" is not a follow-up status", fix: "Use open, done or dropped"))
                        continue
                    }
                    actions.append(FollowUpAction(description: f.action ?? f.description ?? "", due: day, status: status))
                }
            } else {
                problems.append(RowProblem(column: m.column(of: "follow_ups"), value: String(text.prefix(60)), reason: "the follow-ups are not a list of actions",
                                           fix: "Give them as [{\"action\": \"…\", \"dueDate\": \"2024-03-15\", \"status\": \"open\"}]"))
            }
        }
        guard problems.isEmpty, let key, let school, let date, let purpose, let visitor else { return }
        if repeated("V" + key, what: "the visit \(key.prefix(40))", file: file, row: row, column: m.column(of: "source_key"), value: key, &problems) { return }
        let id: Int64
        if let existing = ownKeys[key] { id = existing } else {
            nextID += 1
            id = nextID
            ownKeys[key] = id
            newKeys.append((key, id))
        }
        visits.append((SchoolVisit(id: VisitID(id), schoolID: SchoolID(school), visitor: visitorName.map { "\($0) (\(visitor))" } ?? visitor,
                                   date: date, purpose: purpose, rubric: rubric, notes: notes, actions: actions), row))
    }

    func flushVisitsAndClasses(path: String) async throws {
        if !assignments.isEmpty {
            counts = counts + (try await writer.merge(.classAssignments(assignments.map(\.0)), source: mapping.source, path: path,
                                                      rows: assignments.map(\.1), weights: assignments.map { _ in 1 }))
            assignments.removeAll(keepingCapacity: true)
        }
        if !visits.isEmpty {
            counts = counts + (try await writer.merge(.visits(visits.map(\.0)), source: mapping.source, path: path,
                                                      rows: visits.map(\.1), weights: visits.map { _ in 1 }))
            try await writer.addRecordKeys(table: "school_visits", source: mapping.source, newKeys)
            newKeys.removeAll(keepingCapacity: true)
            visits.removeAll(keepingCapacity: true)
        }
    }
}
