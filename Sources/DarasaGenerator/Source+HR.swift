import DarasaCore
import Foundation

extension CountryWriter {
    /// hr/teachers.csv: the teacher HR/payroll export, with its own payroll numbers.
    func writeHR() throws {
        let file = "hr/teachers.csv"
        var rng = Rng(seed: spec.seed, stream: "hr")
        let out = try ledger.open(file)
        out.bytes.append("payroll_no,surname,other_names,sex,date_of_birth,qualification,trained,subjects,station_code,posting_date,employment_status\n")
        for (i, t) in world.teachers.enumerated() {
            var birth = t.birth
            if birth.dayOfMonth <= 12 && birth.dayOfMonth != birth.month && rng.chance(spec.defects.dayMonthSwap) {
                let p = birth.parts
                let swapped = SchoolYearCalendar.day(p.year, p.day, p.month)
                try logDefect(.dayMonthSwap, source: "hr", file: file, row: i + 2, column: "date_of_birth",
                              key: t.payroll, original: dmy(birth), injected: dmy(swapped))
                birth = swapped
            }
            var line = CSVLineBuilder()
            line.field(t.payroll)
            line.field(names.family[t.family].uppercased())
            line.field(names.given[t.given])
            line.field(t.female ? "F" : "M")
            line.field(dmy(birth))
            line.field(t.qualification)
            line.field(t.trained ? "Y" : "N")
            line.field(t.subjects.joined(separator: ";"))
            line.field(world.schools[t.school].code)
            line.field(dmy(t.postingStart))
            line.field("Active")
            out.bytes.append(contentsOf: line.finish())
        }
        try out.close()
        ledger.record(source: "hr", rows: world.teachers.count)
    }

    /// hr/teacher_attendance_<YYYY-MM>.csv: daily check-ins, long format, by date then payroll number.
    func writeTeacherAttendance() throws {
        let years = spec.teacherAttendanceYears ?? spec.years
        var total = 0
        // Teachers in payroll order, so rows come out sorted within a day.
        let order = world.teachers.indices.sorted { world.teachers[$0].payroll < world.teachers[$1].payroll }
        for (yi, cal) in pop.calendars.enumerated() where years.contains(cal.id) {
            var rng = Rng(seed: spec.seed, stream: "teacher-attendance", index: yi)
            let days = pop.schoolDays[yi]
            var month = 0
            var out: BufferedFile?
            var rows = 0
            for day in days {
                if day.month != month {
                    if let o = out { try o.close(); ledger.record(source: "hr", rows: rows); total += rows; rows = 0 }
                    month = day.month
                    let o = try ledger.open("hr/teacher_attendance_\(cal.id)-\(pad2(month)).csv")
                    o.bytes.append("payroll_no,date,status\n")
                    out = o
                }
                guard let o = out else { continue }
                let dateBytes = Array(day.iso.utf8)
                let seasonal = CountryWriter.monthAbsenceShift[day.month]
                for t in order {
                    let teacher = world.teachers[t]
                    guard teacher.postingStart <= day else { continue }
                    let p = logistic(teacher.absenceLogit + seasonal * 0.5 + (day.weekday == 5 ? 0.3 : 0))
                    let status: String
                    if rng.uniform() < p { status = rng.chance(0.3) ? "LEAVE" : "ABSENT" } else { status = rng.chance(0.12) ? "LATE" : "IN" }
                    o.bytes.append(contentsOf: teacher.payroll.utf8)
                    o.bytes.append(UInt8(ascii: ","))
                    o.bytes.append(contentsOf: dateBytes)
                    o.bytes.append(UInt8(ascii: ","))
                    o.bytes.append(contentsOf: status.utf8)
                    o.bytes.append(10)
                    rows += 1
                }
                try o.flushIfNeeded()
            }
            if let o = out { try o.close(); ledger.record(source: "hr", rows: rows); total += rows }
        }
        summary.teacherAttendanceRows = total
    }

    /// Extra absence (logit) by month: long rains, harvest and the end of the year.
    static let monthAbsenceShift: [Double] = [0, 0.1, 0.0, 0.2, 0.35, 0.25, 0.1, 0.15, 0.0, 0.1, 0.3, 0.5, 0]
}
