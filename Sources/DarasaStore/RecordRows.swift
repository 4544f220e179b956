import DarasaCore

/// Rows for one table, produced from a batch of domain records.
struct TableRows {
    var table: String
    var columns: [String]
    var rows: [[SQLValue]]
}

/// What the writer needs to turn calendar dates into academic years.
public struct YearLookup: Sendable {
    public var years: [(id: Int, start: Day, end: Day)]

    public init(years: [(id: Int, start: Day, end: Day)]) { self.years = years }

    public func yearID(for day: Day) -> Int? {
        years.first { $0.start <= day && day <= $0.end }?.id
    }
    /// The academic year a calendar month belongs to: the one containing most of its days
    /// (first its 15th, then its 1st).
    public func yearID(year: Int, month: Int) -> Int? {
        guard let mid = Day(year: year, month: month, day: 15), let first = Day(year: year, month: month, day: 1) else { return nil }
        return yearID(for: mid) ?? yearID(for: first)
    }
}

/// Maps domain records to table rows: the one place that knows which column holds which field.
enum RecordRows {
    static func provenance(_ fileID: Int64, _ row: Int) -> [SQLValue] { [.int(fileID), .int(Int64(row))] }

    static func rows(for batch: RecordBatch, fileID: Int64, sourceRows: [Int], years: YearLookup) throws -> [TableRows] {
        func p(_ i: Int) -> [SQLValue] { provenance(fileID, i < sourceRows.count ? sourceRows[i] : 0) }
        switch batch {
        case .orgLevels(let levels):
            return [TableRows(table: "org_levels", columns: ["depth", "name"],
                              rows: levels.map { [.int(Int64($0.depth)), .text($0.name)] })]
        case .orgUnits(let units):
            return [TableRows(table: "org_units",
                columns: ["id", "parent_id", "depth", "code", "name", "path", "latitude", "longitude", "locality", "file_id", "src_row"],
                rows: units.enumerated().map { i, u in
                    [.int(u.id.rawValue), SQLValue(u.parentID?.rawValue), .int(Int64(u.depth)), .text(u.code), .text(u.name),
                     .text(u.path), SQLValue(u.latitude), SQLValue(u.longitude), SQLValue(u.locality?.rawValue)] + p(i)
                })]
        case .schools(let schools):
            return [TableRows(table: "schools",
                columns: ["id", "official_code", "name", "ownership", "levels_offered", "languages", "locality",
                          "latitude", "longitude", "poverty_index", "file_id", "src_row"],
                rows: schools.enumerated().map { i, s in
                    [.int(s.id.rawValue), .text(s.officialCode), .text(s.name), .text(s.ownership.rawValue),
                     .text(s.levelsOffered.map(\.rawValue).joined(separator: ",")),
                     .text(s.languagesOfInstruction.joined(separator: ",")), .text(s.locality.rawValue),
                     SQLValue(s.latitude), SQLValue(s.longitude), SQLValue(s.povertyIndex)] + p(i)
                })]
        case .academicYears(let years):
            return [
                TableRows(table: "academic_years", columns: ["id", "name", "start_date", "end_date"],
                          rows: years.map { [.int(Int64($0.id)), .text($0.name), .text($0.start.iso), .text($0.end.iso)] }),
                TableRows(table: "terms", columns: ["year_id", "number", "start_date", "end_date"],
                          rows: years.flatMap { y in y.terms.map { [.int(Int64(y.id)), .int(Int64($0.number)), .text($0.start.iso), .text($0.end.iso)] } }),
                TableRows(table: "holidays", columns: ["year_id", "day", "name"],
                          rows: years.flatMap { y in y.holidays.map { [.int(Int64(y.id)), .text($0.day.iso), .text($0.name)] } }),
            ]
        case .censusReturns(let returns):
            return [
                TableRows(table: "census_returns",
                    columns: ["school_id", "year_id", "submitted_on", "teachers_female", "teachers_male", "teachers_trained",
                              "classrooms", "latrines", "has_water", "has_electricity", "file_id", "src_row"],
                    rows: returns.enumerated().map { i, r in
                        [.int(r.schoolID.rawValue), .int(Int64(r.yearID)), SQLValue(r.submittedOn?.iso), SQLValue(r.teachersFemale),
                         SQLValue(r.teachersMale), SQLValue(r.teachersTrained), SQLValue(r.classrooms), SQLValue(r.latrines),
                         SQLValue(r.hasWater), SQLValue(r.hasElectricity)] + p(i)
                    }),
                TableRows(table: "census_enrolment",
                    columns: ["school_id", "year_id", "grade", "female", "male", "total", "file_id", "src_row"],
                    rows: returns.enumerated().flatMap { i, r in
                        r.enrolment.map { g in
                            [.int(r.schoolID.rawValue), .int(Int64(r.yearID)), .int(Int64(g.grade)), SQLValue(g.female),
                             SQLValue(g.male), SQLValue(g.total)] + p(i)
                        }
                    }),
            ]
        case .learners(let learners):
            return [
                TableRows(table: "learners",
                    columns: ["id", "given_name", "family_name", "sex", "birth_date", "birth_precision", "wg_seeing",
                              "wg_hearing", "wg_walking", "wg_cognition", "wg_self_care", "wg_communication",
                              "home_language", "file_id", "src_row"],
                    rows: learners.enumerated().map { i, l in
                        let f = l.functioning
                        return [.int(l.id.rawValue), .text(l.givenName), .text(l.familyName), .text(l.sex.rawValue),
                                SQLValue(l.birthDate?.day.iso), SQLValue(l.birthDate?.precision.rawValue),
                                SQLValue(f.seeing?.rawValue), SQLValue(f.hearing?.rawValue), SQLValue(f.walking?.rawValue),
                                SQLValue(f.cognition?.rawValue), SQLValue(f.selfCare?.rawValue), SQLValue(f.communication?.rawValue),
                                SQLValue(l.homeLanguage)] + p(i)
                    }),
                TableRows(table: "learner_source_keys", columns: ["source", "source_key", "learner_id"],
                    rows: learners.flatMap { l in l.sourceKeys.map { [.text($0.source), .text($0.key), .int(l.id.rawValue)] } }),
            ]
        case .enrolments(let enrolments):
            return [TableRows(table: "enrolments",
                columns: ["learner_id", "year_id", "school_id", "grade", "section", "status", "start_date", "end_date", "file_id", "src_row"],
                rows: enrolments.enumerated().map { i, e in
                    [.int(e.learnerID.rawValue), .int(Int64(e.yearID)), .int(e.schoolID.rawValue), .int(Int64(e.grade)),
                     .text(e.section), .text(e.status.rawValue), SQLValue(e.start?.iso), SQLValue(e.end?.iso)] + p(i)
                })]
        case .teachers(let teachers):
            return [
                TableRows(table: "teachers",
                    columns: ["id", "given_name", "family_name", "sex", "birth_date", "trained", "qualification", "subjects", "file_id", "src_row"],
                    rows: teachers.enumerated().map { i, t in
                        [.int(t.id.rawValue), .text(t.givenName), .text(t.familyName), .text(t.sex.rawValue), SQLValue(t.birthDate?.iso),
                         .int(t.trained ? 1 : 0), .text(t.qualification), .text(t.subjects.joined(separator: ","))] + p(i)
                    }),
                TableRows(table: "teacher_source_keys", columns: ["source", "source_key", "teacher_id"],
                    rows: teachers.flatMap { t in t.sourceKeys.map { [.text($0.source), .text($0.key), .int(t.id.rawValue)] } }),
            ]
        case .postings(let postings):
            return [TableRows(table: "teacher_postings",
                columns: ["teacher_id", "school_id", "start_date", "end_date", "file_id", "src_row"],
                rows: postings.enumerated().map { i, x in
                    [.int(x.teacherID.rawValue), .int(x.schoolID.rawValue), .text(x.start.iso), SQLValue(x.end?.iso)] + p(i)
                })]
        case .classAssignments(let assignments):
            return [TableRows(table: "class_assignments",
                columns: ["teacher_id", "year_id", "school_id", "grade", "section", "subject", "file_id", "src_row"],
                rows: assignments.enumerated().map { i, a in
                    [.int(a.teacherID.rawValue), .int(Int64(a.yearID)), .int(a.schoolID.rawValue), .int(Int64(a.grade)),
                     .text(a.section), .text(a.subject ?? "")] + p(i)
                })]
        case .learnerAttendance(let months):
            return [TableRows(table: "learner_attendance", columns: attendanceColumns("learner_id"),
                rows: try months.enumerated().map { i, m in
                    try attendanceRow(m.learnerID.rawValue, m.schoolID, m.year, m.month, m.marks, years) + p(i)
                })]
        case .teacherAttendance(let months):
            return [TableRows(table: "teacher_attendance", columns: attendanceColumns("teacher_id"),
                rows: try months.enumerated().map { i, m in
                    try attendanceRow(m.teacherID.rawValue, m.schoolID, m.year, m.month, m.marks, years) + p(i)
                })]
        case .instruments(let instruments):
            return [
                TableRows(table: "instruments",
                    columns: ["id", "code", "name", "kind", "language", "grades", "definition", "file_id", "src_row"],
                    rows: try instruments.enumerated().map { i, x in
                        [.int(x.id.rawValue), .text(x.code), .text(x.name), .text(x.kind.rawValue), .text(x.language),
                         .text(x.grades.map(String.init).joined(separator: ",")), .text(try JSONText.encode(x.subtasks))] + p(i)
                    }),
                TableRows(table: "benchmarks", columns: ["instrument_id", "subtask_code", "grade", "language", "threshold",
                                                         "partially_min", "mpl", "exceeds_min"],
                    rows: instruments.flatMap { x in
                        x.subtasks.flatMap { t in
                            // one threshold per grade and language; a repeated pair keeps the first
                            var seen = Set<String>()
                            return t.benchmarks.compactMap { b -> [SQLValue]? in
                                guard seen.insert("\(b.grade)|\(b.language)").inserted else { return nil }
                                // The Global Proficiency Framework cut-offs; without them the benchmark is the minimum level.
                                func cut(_ level: ProficiencyLevel) -> Double? { b.levelCutoffs.first { $0.level == level }?.minimum }
                                return [.int(x.id.rawValue), .text(t.code), .int(Int64(b.grade)), .text(b.language), .double(b.threshold),
                                        SQLValue(cut(.partiallyMeets)), .double(cut(.meets) ?? b.threshold), SQLValue(cut(.exceeds))]
                            }
                        }
                    }),
            ]
        case .assessmentResults(let results):
            return [TableRows(table: "assessment_results",
                columns: ["id", "learner_id", "school_id", "instrument_id", "subtask_code", "year_id", "grade", "assessed_on",
                          "assessor", "mode", "weight", "attempted", "incorrect", "seconds_remaining", "score", "level",
                          "responses", "file_id", "src_row"],
                rows: try results.enumerated().map { i, r in
                    guard let yearID = years.yearID(for: r.date) else {
                        throw StoreError(.invalid, "An assessment dated \(r.date.iso) falls outside every academic year loaded; load the school calendar for that year first.")
                    }
                    return [.int(r.id.rawValue), .int(r.learnerID.rawValue), .int(r.schoolID.rawValue), .int(r.instrumentID.rawValue),
                            .text(r.subtaskCode), .int(Int64(yearID)), .int(Int64(r.grade)), .text(r.date.iso), .text(r.assessor),
                            .text(r.mode.rawValue), .double(r.weight), SQLValue(r.attempted), SQLValue(r.incorrect),
                            SQLValue(r.secondsRemaining), SQLValue(r.score), SQLValue(r.level), SQLValue(r.responses)] + p(i)
                })]
        case .population(let counts):
            return [TableRows(table: "population", columns: ["org_unit_id", "year", "age", "sex", "people", "file_id", "src_row"],
                rows: counts.enumerated().map { i, c in
                    [.int(c.orgUnitID.rawValue), .int(Int64(c.year)), .int(Int64(c.age)), .text(c.sex.rawValue), .int(Int64(c.count))] + p(i)
                })]
        case .visits(let visits):
            return [
                TableRows(table: "school_visits",
                    columns: ["id", "school_id", "visitor", "visited_on", "purpose", "rubric", "notes", "file_id", "src_row"],
                    rows: try visits.enumerated().map { i, v in
                        [.int(v.id.rawValue), .int(v.schoolID.rawValue), .text(v.visitor), .text(v.date.iso),
                         .text(v.purpose.rawValue), .text(try JSONText.encode(v.rubric)), .text(v.notes)] + p(i)
                    }),
                TableRows(table: "visit_actions", columns: ["visit_id", "seq", "description", "due_on", "status"],
                    rows: visits.flatMap { v in
                        v.actions.enumerated().map { k, a in
                            [.int(v.id.rawValue), .int(Int64(k + 1)), .text(a.description), SQLValue(a.due?.iso), .text(a.status.rawValue)]
                        }
                    }),
            ]
        }
    }

    static func attendanceColumns(_ person: String) -> [String] {
        [person, "school_id", "year_id", "year", "month", "present", "absent", "late", "excused",
         "recorded_days", "present_days", "absent_days", "file_id", "src_row"]
    }

    /// The academic year a month of attendance falls in, or the error that refuses it.
    static func yearID(_ year: Int, _ month: Int, _ years: YearLookup) throws -> Int {
        guard let yearID = years.yearID(year: year, month: month) else {
            throw StoreError(.invalid, "Attendance for \(year)-\(month < 10 ? "0" : "")\(month) falls outside every academic year loaded; load the school calendar for that year first.")
        }
        return yearID
    }

    static func checkConsistent(_ year: Int, _ month: Int, _ m: MonthMarks) throws {
        guard m.isConsistent else {
            throw StoreError(.invalid, "An attendance record for \(year)-\(month) has two marks on the same day; each day takes one of present, absent, late or excused.")
        }
    }

    /// One month of attendance, checked, as the table's columns before provenance (the first
    /// twelve of `attendanceColumns`) appended to `out`; returns the month's academic year. The
    /// one place that layout is spelled: `attendanceRow` and a first load's whole numbers use it.
    @discardableResult
    static func appendAttendance(_ person: Int64, _ school: SchoolID, _ year: Int, _ month: Int, _ m: MonthMarks,
                                 _ years: YearLookup, to out: inout [Int64]) throws -> Int64 {
        let yearID = Int64(try yearID(year, month, years))
        try checkConsistent(year, month, m)
        appendAttendance(person, school, year, month, m, yearID: yearID, to: &out)
        return yearID
    }

    /// `appendAttendance` with the month's academic year already looked up (and the marks
    /// already checked with `checkConsistent`).
    static func appendAttendance(_ person: Int64, _ school: SchoolID, _ year: Int, _ month: Int, _ m: MonthMarks,
                                 yearID: Int64, to out: inout [Int64]) {
        out.append(person); out.append(school.rawValue); out.append(yearID); out.append(Int64(year)); out.append(Int64(month))
        out.append(Int64(m.present)); out.append(Int64(m.absent)); out.append(Int64(m.late)); out.append(Int64(m.excused))
        out.append(Int64(m.recordedDays)); out.append(Int64(m.presentDays)); out.append(Int64(m.absentDays))
    }

    static func attendanceRow(_ person: Int64, _ school: SchoolID, _ year: Int, _ month: Int, _ m: MonthMarks,
                              _ years: YearLookup) throws -> [SQLValue] {
        var values: [Int64] = []
        values.reserveCapacity(12)
        try appendAttendance(person, school, year, month, m, years, to: &values)
        return values.map { .int($0) }
    }

    /// The schools whose summaries a batch changes.
    static func touchedSchools(_ batch: RecordBatch) -> Set<Int64> {
        switch batch {
        case .enrolments(let a): Set(a.map(\.schoolID.rawValue))
        case .learnerAttendance(let a): Set(a.map(\.schoolID.rawValue))
        case .teacherAttendance(let a): Set(a.map(\.schoolID.rawValue))
        case .assessmentResults(let a): Set(a.map(\.schoolID.rawValue))
        default: []
        }
    }
}
