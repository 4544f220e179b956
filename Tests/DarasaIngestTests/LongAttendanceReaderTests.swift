import DarasaCore
import DarasaIngest
import Foundation
import PropertyBased
import Testing

/// The one-mark-per-row reader, like the register one, reads a file straight from its bytes only
/// when it gets exactly what `MappedReader` gets, and declines (nil) otherwise.
@Suite struct LongAttendanceReaderTests {
    static func mapping(date format: String = "YYYY-MM-DD", school: Bool = false) -> Mapping {
        try! Mapping.parse("""
            name: Check-ins
            source: hr
            target: teacher_attendance
            files: "*.csv"
            read: { format: csv, delimiter: "," }
            fields:
              teacher: payroll_no
              date: { column: date, format: "\(format)" }
              mark: { column: status, values: { IN: present, LATE: late, ABSENT: absent, LEAVE: excused, NONE: "" } }
            \(school ? "  school: school_code" : "")
            """, file: "checkins.yaml")
    }

    static let people: [String: Int64] = ["1001": 1, "1002": 2, "1003": 3]
    static let schools: [String: Int64] = ["S1": 10, "S2": 20]

    struct Read: Equatable, CustomStringConvertible {
        var person: Int64, school: Int64?, day: Day, mark: AttendanceMark, row: Int
        var description: String { "\(person)@\(school.map(String.init) ?? "-") \(day.iso) \(mark) row \(row)" }
    }

    func write(_ text: String, name: String = "checkins.csv") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-long-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// The file read the general way (person, date, mark, school as the import reads them), or
    /// nil when any row has a problem or the file cannot be read.
    func general(_ url: URL, _ mapping: Mapping) -> [Read]? {
        readGenerally(url, file: url.lastPathComponent, mapping: mapping) { m, r, row in
            var problems: [RowProblem] = []
            let key = m.string("teacher", r, &problems)
            let day = m.day("date", r, &problems)
            let mark = m.mark("mark", r, &problems)
            var school: Int64?
            if m.has("school") {
                guard let code = m.string("school", r, &problems), let id = Self.schools[code] else { return nil }
                school = id
            }
            guard problems.isEmpty, let key, let person = Self.people[key], let day, let mark else { return nil }
            return Read(person: person, school: school, day: day, mark: mark, row: row)
        }
    }

    func direct(_ url: URL, _ mapping: Mapping) -> [Read]? {
        LongAttendanceReader(mapping: mapping, people: Self.people, schools: Self.schools)?.read(url: url)?
            .map { Read(person: $0.person, school: $0.school, day: $0.day, mark: $0.mark, row: $0.row) }
    }

    @Test func aCleanFileIsReadDirectlyAsTheGeneralReaderReadsIt() throws {
        let url = try write("\u{FEFF}payroll_no,date,status\r\n1001,2024-03-01,IN\r\n\r\n 1002 ,2024-03-01,late\r\n1003,2024-3-4,Absent\n1001,2024-03-04,present\n")
        let fast = try #require(direct(url, Self.mapping()))
        #expect(fast == general(url, Self.mapping()))
        #expect(fast.map(\.row) == [2, 3, 4, 5])  // records, as a spreadsheet numbers rows: the blank line is not one
        #expect(fast.map(\.mark) == [.present, .late, .absent, .present])
        #expect(fast[2].day == Day(year: 2024, month: 3, day: 4))
    }

    @Test func otherDateFormatsAndASchoolColumn() throws {
        let mapping = Self.mapping(date: "DD/MM/YYYY", school: true)
        let url = try write("payroll_no,date,status,school_code\n1001,01/03/2024,IN,S1\n1002,31/12/2023,LEAVE,S2\n")
        let fast = try #require(direct(url, mapping))
        #expect(fast == general(url, mapping))
        #expect(fast.map(\.school) == [10, 20])
        #expect(fast[1].day == Day(year: 2023, month: 12, day: 31) && fast[1].mark == .excused)
    }

    @Test(arguments: [
        ("an unknown person", "1009,2024-03-01,IN"),
        ("a word the mapping maps to no mark", "1001,2024-03-01,NONE"),
        ("an unknown word", "1001,2024-03-01,SICK"),
        ("an empty mark", "1001,2024-03-01,"),
        ("a day that is not", "1001,2024-02-30,IN"),
        ("a signed date part", "1001,2024-+3-01,IN"),
        ("a date in another format", "1001,01/03/2024,IN"),
        ("a quoted field", "1001,\"2024-03-01\",IN"),
        ("a missing field", "1001,2024-03-01"),
    ])
    func declinesWhatOnlyTheGeneralReaderExplains(_ what: String, _ row: String) throws {
        let url = try write("payroll_no,date,status\n1002,2024-03-01,IN\n" + row + "\n")
        #expect(direct(url, Self.mapping()) == nil, "\(what)")
    }

    /// Property: on files made of clean and troublesome pieces alike, the direct reader either
    /// declines or agrees with the general reader row for row.
    @Test func eitherDeclinesOrAgreesWithTheGeneralReader() async throws {
        let person = Gen.element(of: ["1001", "1002", "1003", " 1002", "1003\t", "1009", "", "'1001", "\"1001\""]).map { $0 ?? "" }
        let date = Gen.element(of: ["2024-03-01", "2024-03-02", "2024-3-5", " 2024-03-06", "2024-02-30", "2024/03/01", "24-03-01", "", "2024-03-01x", "+2024-03-01"])
            .map { $0 ?? "" }
        let mark = Gen.element(of: ["IN", "in", "LATE", "ABSENT", "LEAVE", "present", "P", "NONE", "x", "", " IN ", "ÏN"]).map { $0 ?? "" }
        let row = zip(person, date, mark, Gen.element(of: [0, 0, 0, 1, -1]).map { $0 ?? 0 }).map { p, d, m, extra -> String in
            var fields = [p, d, m]
            if extra > 0 { fields.append("x") } else if extra < 0 { fields.removeLast() }
            return fields.joined(separator: ",")
        }
        let file = zip(row.array(of: 0...6), Gen.element(of: ["\n", "\n", "\r\n", "\n\n", "\r"]).map { $0 ?? "\n" }, Gen.element(of: ["", "", "\u{FEFF}"]))
        let count = DirectReadCount()
        await propertyCheck(count: 400, input: file) { input in
            let (rows, ending, bom) = input
            let text = (bom ?? "") + "payroll_no,date,status" + ending + rows.map { $0 + ending }.joined()
            guard let url = try? write(text) else { Issue.record("could not write"); return }
            defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
            let read = direct(url, Self.mapping())
            count.add(read != nil)
            if let fast = read {
                #expect(fast == general(url, Self.mapping()), "\(text.debugDescription)")
            }
        }
        #expect(count.direct >= 20 && count.direct < count.all, "\(count.direct) of \(count.all) read directly")
    }
}
