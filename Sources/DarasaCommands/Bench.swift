import ArgumentParser
import DarasaCore
import DarasaStore
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Darasa's own paths and print JSON (compare with bench/ scripts for other tools).",
        subcommands: [BenchStore.self, BenchLink.self, BenchIngest.self, BenchQuality.self, BenchSync.self, BenchIndicators.self])
}

/// Bulk-loads learner-month attendance rows into an empty database, the largest table and the
/// path every import of registers takes: one transaction, summaries refreshed at the end.
struct BenchStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store",
        abstract: "Bulk-load N learner-month attendance rows (plus their learners) and report rows per second.")

    @OptionGroup var store: StoreOptions

    @Option(help: "Learners; each gets 10 months of attendance rows.")
    var learners: Int = 100_000

    @Flag(help: "Print JSON only.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let db = try await store.open()
            do {
                try await db.migrate()
                try await db.eraseDemoData()
                try await db.setSetting("mode", "demo")
                let result = try await benchAttendanceLoad(db, learners: learners)
                let out: [String: Any] = [
                    "benchmark": "store.attendance_load", "engine": db.dialect.rawValue, "learners": learners,
                    "attendance_rows": result.rows, "day_marks": result.dayMarks,
                    "seconds": result.seconds, "rows_per_second": Double(result.rows) / result.seconds,
                    "day_marks_per_second": Double(result.dayMarks) / result.seconds,
                    "summary_refresh_included": true,
                ]
                let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                try await db.eraseDemoData()
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }
}

func benchAttendanceLoad(_ db: DarasaStore, learners: Int) async throws -> (rows: Int, dayMarks: Int, seconds: Double) {
    let schoolsCount = max(1, learners / 400)
    let d = { (y: Int, m: Int, day: Int) in Day(year: y, month: m, day: day)! }
    let year = AcademicYear(id: 2025, name: "2025", start: d(2025, 1, 6), end: d(2025, 11, 28),
                            terms: [Term(number: 1, start: d(2025, 1, 6), end: d(2025, 11, 28))], holidays: [])
    var units = [OrgUnit(id: OrgUnitID(1), parentID: nil, depth: 0, code: "BN", name: "Benchland", path: "/BN/")]
    var schools: [School] = []
    for s in 0..<schoolsCount {
        let id = OrgUnitID(Int64(s + 2)), code = "S\(s)"
        units.append(OrgUnit(id: id, parentID: OrgUnitID(1), depth: 1, code: code, name: "School \(s)", path: "/BN/\(code)/"))
        schools.append(School(id: id, officialCode: code, name: "School \(s)", ownership: .public, levelsOffered: [.primary],
                              languagesOfInstruction: ["sw"], locality: .rural))
    }
    // Weekdays of each month, and a deterministic pattern of absences.
    let months = Array(2...11)
    let weekdays: [Int: [Int]] = Dictionary(uniqueKeysWithValues: months.map { m in
        (m, (1...Day.daysIn(month: m, year: 2025)).filter { !d(2025, m, $0).isWeekend })
    })
    let (orgUnits, schoolList) = (units, schools)
    let clock = ContinuousClock()
    let start = clock.now
    let tally = Tally()
    _ = try await db.importBatch(source: "bench", description: "bench store", user: "bench") { w in
        var rng = UInt64(0x9E37_79B9_7F4A_7C15)
        func next() -> UInt64 { rng &+= 0x9E37_79B9_7F4A_7C15; var z = rng; z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; return z ^ (z >> 27) }
        var marks = 0
        try await w.write(.orgUnits(orgUnits), source: "bench", path: "units", rows: [])
        try await w.write(.schools(schoolList), source: "bench", path: "schools", rows: [])
        try await w.write(.academicYears([year]), source: "bench", path: "calendar", rows: [])
        let chunk = 10_000
        var first = 0
        while first < learners {
            let ids = first..<min(learners, first + chunk)
            var people: [Learner] = [], enrol: [Enrolment] = [], attendance: [LearnerAttendanceMonth] = []
            for i in ids {
                let id = LearnerID(Int64(i + 1)), school = SchoolID(Int64(i % schoolsCount + 2))
                people.append(Learner(id: id, givenName: "G\(i)", familyName: "F\(i)", sex: i % 2 == 0 ? .female : .male,
                                      birthDate: nil, homeLanguage: "sw"))
                enrol.append(Enrolment(learnerID: id, yearID: 2025, schoolID: school, grade: 1 + i % 8, section: "A", status: .enrolled))
                for m in months {
                    var mm = MonthMarks()
                    for day in weekdays[m]! { mm.set(next() % 10 == 0 ? .absent : .present, day: day) }
                    marks += mm.recordedDays
                    attendance.append(LearnerAttendanceMonth(learnerID: id, schoolID: school, year: 2025, month: m, marks: mm))
                }
            }
            try await w.write(.learners(people), source: "bench", path: "learners", rows: [])
            try await w.write(.enrolments(enrol), source: "bench", path: "enrolments", rows: [])
            try await w.write(.learnerAttendance(attendance), source: "bench", path: "registers", rows: [])
            await tally.add(rows: attendance.count, marks: marks)
            marks = 0
            first += chunk
        }
    }
    let elapsed = clock.now - start
    return (await tally.rows, await tally.marks, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

actor Tally {
    var rows = 0, marks = 0
    func add(rows r: Int, marks m: Int) { rows += r; marks += m }
}
