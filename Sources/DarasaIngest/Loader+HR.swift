import DarasaCore
import Foundation

extension LoadRun {
    /// hr/teachers.csv → teachers (with their OneRoster ids) and postings; then the OneRoster
    /// class assignments, which need the teachers.
    func loadHR(into sink: some RecordSink) async throws {
        let path = "hr/teachers.csv"
        guard exists(path) else {
            if !teacherEnrolments.isEmpty { unresolved("oneroster: class teacher without an HR record", teacherEnrolments.count) }
            return
        }
        let (reader, h) = try openCSV(path, required: ["payroll_no", "surname", "other_names", "sex", "date_of_birth",
                                                       "qualification", "trained", "subjects", "station_code", "posting_date"])
        var oneRosterByPayroll: [String: String] = [:]
        for (sourcedID, payroll) in teacherPayrollBySourcedID { oneRosterByPayroll[payroll] = sourcedID }
        var r = CSVRecord()
        var teachers = chunker("hr", path) { RecordBatch.teachers($0) }
        var postings: [(TeacherPosting, Int)] = []
        var next: Int64 = 1
        while try csv(path, { try reader.next(into: &r) }) {
            let row = reader.recordNumber
            let payroll = try Field.required(r, h["payroll_no"], file: path, row: row, column: "payroll_no")
            guard teacherIDByPayroll[payroll] == nil else {
                throw InputError(file: path, row: row, column: "payroll_no", problem: "the payroll number \(payroll) appears twice",
                                 fix: "Export the HR file again; each payroll number must be unique")
            }
            let sexText = Field.text(r, h["sex"])
            guard let sex = Field.sex(sexText) else {
                throw InputError(file: path, row: row, column: "sex", problem: "\"\(String(sexText.prefix(10)))\" is not a sex",
                                 fix: "Write F or M")
            }
            let birth = Field.text(r, h["date_of_birth"]).isEmpty ? nil
                : try Field.dmyDay(r, h["date_of_birth"], file: path, row: row, column: "date_of_birth")
            let trainedText = Field.text(r, h["trained"]).uppercased()
            guard ["Y", "N", "YES", "NO"].contains(trainedText) else {
                throw InputError(file: path, row: row, column: "trained", problem: "\"\(String(trainedText.prefix(10)))\" is not Y or N",
                                 fix: "Write Y for a trained teacher and N otherwise")
            }
            let id = TeacherID(next)
            next += 1
            teacherIDByPayroll[payroll] = id
            var keys = [SourceKey(source: "hr", key: payroll)]
            if let sourcedID = oneRosterByPayroll[payroll] { keys.append(SourceKey(source: "oneroster", key: sourcedID)) }
            let teacher = Teacher(id: id, givenName: Field.text(r, h["other_names"]), familyName: Field.text(r, h["surname"]),
                                  sex: sex, birthDate: birth, trained: trainedText.hasPrefix("Y"),
                                  qualification: Field.text(r, h["qualification"]),
                                  subjects: Field.text(r, h["subjects"]).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) },
                                  sourceKeys: keys)
            if teachers.append(teacher, row: row) { try await teachers.flush(to: sink) }
            let station = Field.text(r, h["station_code"])
            if let school = schoolIDByCode[station] {
                let start = try Field.dmyDay(r, h["posting_date"], file: path, row: row, column: "posting_date")
                postings.append((TeacherPosting(teacherID: id, schoolID: school, start: start), row))
                teacherSchool.append(school)
            } else {
                unresolved("hr: posting to an unknown school")
                teacherSchool.append(nil)
            }
        }
        try await teachers.flush(to: sink)
        delivered("teachers", teachers.delivered)
        var postingChunks = chunker("hr", path) { RecordBatch.postings($0) }
        for (p, row) in postings { if postingChunks.append(p, row: row) { try await postingChunks.flush(to: sink) } }
        try await postingChunks.flush(to: sink)
        delivered("postings", postingChunks.delivered)

        var assignments = chunker("oneroster", "oneroster/enrollments.csv") { RecordBatch.classAssignments($0) }
        for t in teacherEnrolments {
            guard let payroll = teacherPayrollBySourcedID[t.sourcedID], let teacher = teacherIDByPayroll[payroll] else {
                unresolved("oneroster: class teacher without an HR record")
                continue
            }
            let a = ClassAssignment(teacherID: teacher, yearID: t.yearID, schoolID: t.schoolID, grade: t.grade, section: t.section)
            if assignments.append(a, row: t.row) { try await assignments.flush(to: sink) }
        }
        try await assignments.flush(to: sink)
        delivered("classAssignments", assignments.delivered)
        teacherEnrolments = []
    }

    /// registers/<year>/<school>/<YYYY-MM>.csv → one LearnerAttendanceMonth per row. Files are
    /// parsed a few at a time in parallel (they are independent) and delivered in path order.
    func loadRegisters(into sink: some RecordSink) async throws {
        let base = root.appendingPathComponent("registers")
        guard let yearDirs = try? FileManager.default.contentsOfDirectory(atPath: base.path) else { return }
        var files: [String] = []
        for yearDir in yearDirs.sorted() where Int(yearDir) != nil {
            let schoolDirs = (try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent(yearDir).path)) ?? []
            for schoolDir in schoolDirs.sorted() {
                files += listFiles(root, "registers/\(yearDir)/\(schoolDir)", prefix: "", suffix: ".csv")
            }
        }
        let parser = RegisterParser(root: root, schoolIDByCode: schoolIDByCode, learnerIDBySourcedID: learnerIDBySourcedID)
        try await forEachParsed(files, parse: { try parser.parse($0) }) { path, r in
            if r.unknownSchool > 0 { unresolved("register: unknown school_code", r.unknownSchool) }
            if r.unknownLearner > 0 { unresolved("register: unknown learner_id", r.unknownLearner) }
            var chunks = chunker("register", path) { RecordBatch.learnerAttendance($0) }
            for (month, row) in zip(r.months, r.rows) where chunks.append(month, row: row) {
                try await chunks.flush(to: sink)
            }
            try await chunks.flush(to: sink)
            delivered("learnerAttendance", chunks.delivered)
        }
    }

    /// hr/teacher_attendance_<YYYY-MM>.csv (long format) → one TeacherAttendanceMonth per
    /// teacher and month, at the teacher's posting; the row is the teacher's first row that month.
    func loadTeacherAttendance(into sink: some RecordSink) async throws {
        let files = listFiles(root, "hr", prefix: "teacher_attendance_", suffix: ".csv")
        let parser = TeacherAttendanceParser(root: root, teacherIDByPayroll: teacherIDByPayroll)
        try await forEachParsed(files, parse: { try parser.parse($0) }) { path, result in
            if result.unknownPayroll > 0 { unresolved("teacher attendance: unknown payroll_no", result.unknownPayroll) }
            var chunks = chunker("hr", path) { RecordBatch.teacherAttendance($0) }
            for key in result.months.keys.sorted() {
                guard let entry = result.months[key] else { continue }
                let teacher = TeacherID(Int64(key / 1_000_000)), yearMonth = key % 1_000_000
                guard let school = teacherSchool[Int(teacher.rawValue) - 1] else {
                    unresolved("teacher attendance: teacher without a posting")
                    continue
                }
                let month = TeacherAttendanceMonth(teacherID: teacher, schoolID: school, year: yearMonth / 100,
                                                   month: yearMonth % 100, marks: entry.marks)
                if chunks.append(month, row: entry.row) { try await chunks.flush(to: sink) }
            }
            try await chunks.flush(to: sink)
            delivered("teacherAttendance", chunks.delivered)
        }
    }

    /// Parses `files` a few at a time in parallel (they are independent) and hands each result to
    /// `deliver` in the order of `files`, so IDs and batches do not depend on timing.
    func forEachParsed<R: Sendable>(_ files: [String], parse: @escaping @Sendable (String) throws -> R,
                                    deliver: (String, R) async throws -> Void) async throws {
        let window = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
        try await withThrowingTaskGroup(of: (Int, R).self) { group in
            var next = 0
            var ready: [Int: R] = [:]
            var done = 0
            while next < min(window, files.count) {
                let i = next, path = files[i]
                group.addTask { (i, try parse(path)) }
                next += 1
            }
            while let (i, result) = try await group.next() {
                ready[i] = result
                while let r = ready.removeValue(forKey: done) {
                    summary.files += 1
                    try await deliver(files[done], r)
                    done += 1
                }
                if next < files.count {
                    let j = next, path = files[j]
                    group.addTask { (j, try parse(path)) }
                    next += 1
                }
            }
        }
    }
}

/// Parses one check-in export into per-teacher months; holds its own lookup table, so files
/// parse in parallel.
struct TeacherAttendanceParser: Sendable {
    struct Result: Sendable {
        /// Key: teacher ID × 1,000,000 + year × 100 + month → the marks and the first row.
        var months: [Int: (marks: MonthMarks, row: Int)] = [:]
        var unknownPayroll = 0
    }
    let root: URL
    let teacherIDByPayroll: [String: TeacherID]
    static let statuses: [String: AttendanceMark] = ["IN": .present, "PRESENT": .present, "LATE": .late,
                                                     "ABSENT": .absent, "LEAVE": .excused, "EXCUSED": .excused]

    func parse(_ path: String) throws -> Result {
        var out = Result()
        let inBytes = Array("IN".utf8), lateBytes = Array("LATE".utf8), absentBytes = Array("ABSENT".utf8),
            leaveBytes = Array("LEAVE".utf8)
        let (reader, h) = try openCSVFile(root: root, path: path, required: ["payroll_no", "date", "status"])
        var r = CSVRecord()
        let payrollColumn = h["payroll_no"], dateColumn = h["date"], statusColumn = h["status"]
        while try csvErrors(path, { try reader.next(into: &r) }) {
            let row = reader.recordNumber
            guard let teacher = teacherIDByPayroll[Field.text(r, payrollColumn)] else {
                out.unknownPayroll += 1
                continue
            }
            guard let parts = r.isoDate(dateColumn), let day = Day(year: parts.year, month: parts.month, day: parts.day) else {
                _ = try Field.isoDay(r, dateColumn, file: path, row: row, column: "date")
                continue
            }
            let mark: AttendanceMark
            if r.equals(statusColumn, inBytes) { mark = .present } else if r.equals(statusColumn, lateBytes) { mark = .late }
            else if r.equals(statusColumn, absentBytes) { mark = .absent } else if r.equals(statusColumn, leaveBytes) { mark = .excused }
            else {
                let statusText = Field.text(r, statusColumn).uppercased()
                guard let m = TeacherAttendanceParser.statuses[statusText] else {
                    throw InputError(file: path, row: row, column: "status",
                                     problem: "\"\(String(statusText.prefix(10)))\" is not a check-in status",
                                     fix: "Use IN, LATE, ABSENT or LEAVE")
                }
                mark = m
            }
            let key = Int(teacher.rawValue) * 1_000_000 + parts.year * 100 + parts.month
            if out.months[key] == nil { out.months[key] = (MonthMarks(), row) }
            out.months[key]?.marks.set(mark, day: day.dayOfMonth)
        }
        return out
    }
}

/// Parses one register file; holds copies of the lookup tables, so files parse in parallel.
struct RegisterParser: Sendable {
    struct Result: Sendable {
        var months: [LearnerAttendanceMonth] = []
        var rows: [Int] = []
        var unknownSchool = 0
        var unknownLearner = 0
    }
    let root: URL
    let schoolIDByCode: [String: SchoolID]
    let learnerIDBySourcedID: [String: LearnerID]
    static let dayColumns = (1...31).map { "d" + ($0 < 10 ? "0\($0)" : "\($0)") }

    func parse(_ path: String) throws -> Result {
        var out = Result()
        let dayColumns = RegisterParser.dayColumns
        let name = path.split(separator: "/").last.map { String($0.dropLast(4)) } ?? ""
        let parts = name.split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else {
            throw InputError(file: path, problem: "the file name is not a month written as YYYY-MM.csv",
                             fix: "Name each register file by its month, e.g. 2024-03.csv")
        }
        let length = Day.daysIn(month: month, year: year)
        let (reader, h) = try openCSVFile(root: root, path: path, required: ["school_code", "grade", "section", "learner_id"] + dayColumns)
        let dayIndex = dayColumns.map { h[$0] }
        var r = CSVRecord()
        var lastCode: [UInt8] = []
        var lastSchool: SchoolID?
        let codeColumn = h["school_code"], idColumn = h["learner_id"]
        while try csvErrors(path, { try reader.next(into: &r) }) {
            let row = reader.recordNumber
            // Rows of one file share a school: compare bytes before building a String.
            if lastSchool == nil || !r.equals(codeColumn, lastCode) {
                let code = Field.text(r, codeColumn)
                lastCode = Array(code.utf8)
                lastSchool = schoolIDByCode[code]
            }
            guard let school = lastSchool else { out.unknownSchool += 1; continue }
            guard let learner = learnerIDBySourcedID[Field.text(r, idColumn)] else {
                out.unknownLearner += 1
                continue
            }
            // Bit masks of the days with each mark; `bad` is the first day with another value.
            let (present, absent, late, excused, bad) = r.withUnsafeFields { bytes, ends in
                dayIndex.withUnsafeBufferPointer { columns -> (UInt32, UInt32, UInt32, UInt32, Int) in
                    var p: UInt32 = 0, a: UInt32 = 0, l: UInt32 = 0, e: UInt32 = 0
                    var d = 0
                    while d < 31 {
                        let c = columns[d]
                        if c < ends.count {
                            let start = c == 0 ? 0 : ends[c - 1], end = ends[c]
                            if end > start {
                                let bit = UInt32(1) << UInt32(d)
                                guard end - start == 1, d < length else { return (p, a, l, e, d) }
                                switch bytes[start] | 0x20 {  // lower case
                                case 0x70: p |= bit  // p
                                case 0x61: a |= bit  // a
                                case 0x6C: l |= bit  // l
                                case 0x65: e |= bit  // e
                                default: return (p, a, l, e, d)
                                }
                            }
                        }
                        d += 1
                    }
                    return (p, a, l, e, -1)
                }
            }
            if bad >= 0 {
                let value = Field.text(r, dayIndex[bad])
                if bad >= length && ["P", "A", "L", "E"].contains(value.uppercased()) {
                    throw InputError(file: path, row: row, column: dayColumns[bad],
                                     problem: "a mark on day \(bad + 1) of a month with \(length) days",
                                     fix: "Leave days that do not exist in the month blank")
                }
                throw InputError(file: path, row: row, column: dayColumns[bad],
                                 problem: "\"\(String(value.prefix(10)))\" is not an attendance mark",
                                 fix: "Use P (present), A (absent), L (late), E (excused) or leave the day blank")
            }
            let marks = MonthMarks(present: present, absent: absent, late: late, excused: excused)
            let month = LearnerAttendanceMonth(learnerID: learner, schoolID: school, year: year, month: month, marks: marks)
            out.months.append(month)
            out.rows.append(row)
        }
        return out
    }
}
