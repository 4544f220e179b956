import DarasaCore
import DarasaIngest
import Foundation
import PropertyBased
import Testing

/// The wide-register reader reads a file straight from its bytes only when it gets exactly what
/// the general `MappedReader` gets; otherwise it declines (nil) and the general reader reads it.
/// So the property: whatever the file, either it declines, or every row read the general way is
/// clean and the same (learner, school, row number, marks).
@Suite struct WideRegisterReaderTests {
    static let mapping = try! Mapping.parse("""
        name: Registers
        source: register
        target: learner_attendance
        files: "**/*.csv"
        read: { format: csv, delimiter: "," }
        fields:
          learner: { column: learner_id, source: sis }
          school: school_code
          month: { from_path: "([0-9]{4}-[0-9]{2})\\\\.csv$" }
          days:
            columns: "d{dd}"
            values: { P: present, A: absent, L: late, E: excused }
        """, file: "registers.yaml")

    static let learners: [String: Int64] = ["L-001": 1, "L-002": 2, "L-003": 3, "L-004": 4, "a b": 5]
    static let schools: [String: Int64] = ["S1": 10, "S2": 20]
    static let header = ["school_code", "grade", "learner_id", "learner_name"] + (1...31).map { $0 < 10 ? "d0\($0)" : "d\($0)" }

    struct Read: Equatable, CustomStringConvertible {
        var learner: Int64, school: Int64, row: Int, marks: MonthMarks
        var description: String { "\(learner)@\(school) row \(row) \(marks)" }
    }

    func write(_ text: String, name: String) throws -> (URL, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-wide-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return (url, name)
    }

    /// The file read the general way: its rows, or nil when any row has a problem or the file
    /// cannot be read (as the import reads a register row: learner, school, month, days).
    func general(_ url: URL, _ file: String) -> [Read]? {
        readGenerally(url, file: file, mapping: Self.mapping) { m, r, row in
            var problems: [RowProblem] = []
            let key = m.string("learner", r, &problems)
            let school = m.string("school", r, &problems)
            guard let month = m.month("month", r, &problems) else { return nil }
            let marks = m.days(r, length: Day.daysIn(month: month.month, year: month.year), &problems)
            guard problems.isEmpty, let key, let school, let l = Self.learners[key], let s = Self.schools[school] else { return nil }
            return Read(learner: l, school: s, row: row, marks: marks)
        }
    }

    func direct(_ url: URL, _ file: String) -> [Read]? {
        let reader = WideRegisterReader(mapping: Self.mapping, learners: Self.learners, schools: Self.schools)
        return reader?.read(url: url, file: file)?.rows.map { Read(learner: $0.learner, school: $0.school, row: $0.row, marks: $0.marks) }
    }

    static func line(_ fields: [String]) -> String { fields.joined(separator: ",") }

    static func cleanRow(_ learner: String, _ marks: [String]) -> [String] {
        ["S1", "3", learner, "Name \(learner)"] + marks + Array(repeating: "", count: 31 - marks.count)
    }

    @Test func aCleanRegisterIsReadDirectlyAsTheGeneralReaderReadsIt() throws {
        let text = "\u{FEFF}" + Self.line(Self.header) + "\r\n"
            + Self.line(Self.cleanRow("L-003", ["P", "A", "", "L", "E", "p"])) + "\r\n"
            + "\r\n"
            + Self.line(Self.cleanRow(" L-001\t", ["", "P"])) + "\r\n"
            + Self.line(Self.cleanRow("L-002", (1...29).map { _ in "P" })) + "\n"
        let (url, file) = try write(text, name: "registers/2024/S1/2024-02.csv")
        let fast = try #require(direct(url, file))
        let slow = try #require(general(url, file))
        #expect(fast.count == 3)
        // Rows come back by learner; the row numbers are the spreadsheet's (blank line not counted).
        #expect(fast.map(\.learner) == [1, 2, 3])
        #expect(fast.map(\.row) == [3, 4, 2])
        #expect(fast == slow.sorted { $0.learner < $1.learner })
        #expect(fast[2].marks.present == 0b100001 && fast[2].marks.absent == 0b10 && fast[2].marks.late == 0b1000)
    }

    @Test(arguments: [
        ("a quoted field", Self.line(Self.cleanRow("\"L-001\"", ["P"]))),
        ("an unknown learner", Self.line(Self.cleanRow("L-999", ["P"]))),
        ("an unknown mark", Self.line(Self.cleanRow("L-001", ["X"]))),
        ("a mark of two letters", Self.line(Self.cleanRow("L-001", ["PR"]))),
        ("a mark past the month's end", Self.line(Self.cleanRow("L-001", (1...30).map { _ in "P" }))),
        ("a missing field", Self.line(Array(Self.cleanRow("L-001", ["P"]).dropLast()))),
        ("a key with an apostrophe", Self.line(Self.cleanRow("'L-001", ["P"]))),
        ("a bare carriage return", Self.line(Self.cleanRow("L-001", ["P"])) + "\r" + Self.line(Self.cleanRow("L-002", ["P"]))),
    ])
    func declinesWhatOnlyTheGeneralReaderExplains(_ what: String, _ row: String) throws {
        let (url, file) = try write(Self.line(Self.header) + "\n" + row + "\n", name: "2024-02.csv")
        #expect(direct(url, file) == nil, "\(what)")
    }

    @Test func declinesAMonthThePathDoesNotGive() throws {
        let (url, file) = try write(Self.line(Self.header) + "\n" + Self.line(Self.cleanRow("L-001", ["P"])) + "\n", name: "2024-13.csv")
        #expect(direct(url, file) == nil)
    }

    /// Property: on files made of clean and troublesome pieces alike, the direct reader either
    /// declines or agrees with the general reader row for row.
    @Test func eitherDeclinesOrAgreesWithTheGeneralReader() async throws {
        let key = Gen.element(of: ["L-001", "L-002", "L-003", "L-004", " L-002", "L-004\t", "a b", "L-9", "", "'L-1", "\"L-003\"", "l-001", "L-00é"])
            .map { $0 ?? "" }
        let school = Gen.element(of: ["S1", "S1", "S2", " S2", "S9", ""]).map { $0 ?? "" }
        let mark = Gen.element(of: ["", "", "P", "P", "A", "L", "E", "p", "a", "x", " ", "P ", "\"P\"", "é"]).map { $0 ?? "" }
        let row = zip(key, school, mark.array(of: 31), Gen.element(of: [0, 0, 0, 0, 1, -1]).map { $0 ?? 0 })
            .map { key, school, marks, extra -> String in
                var fields = [school, "2", key, "N"] + marks
                if extra > 0 { fields.append("x") } else if extra < 0 { fields.removeLast() }
                return fields.joined(separator: ",")
            }
        let ending = Gen.element(of: ["\n", "\n", "\r\n", "\n\n", "\r"]).map { $0 ?? "\n" }
        let file = zip(row.array(of: 0...6), ending, Gen.element(of: ["2024-02.csv", "2024-04.csv", "2023-13.csv", "2024-01.txt"]),
                           Gen.element(of: ["", "", "\u{FEFF}"]))
        let count = DirectReadCount()
        await propertyCheck(count: 400, input: file) { input in
            let (rows, ending, name, bom) = input
            let text = (bom ?? "") + Self.line(Self.header) + (ending ?? "\n") + rows.map { $0 + (ending ?? "\n") }.joined()
            guard let (url, path) = try? write(text, name: name ?? "2024-02.csv") else { Issue.record("could not write"); return }
            defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
            let read = direct(url, path)
            count.add(read != nil)
            if let fast = read {
                let slow = general(url, path)
                #expect(slow != nil, "read directly, but the general reader finds a problem: \(text.debugDescription)")
                #expect(fast == slow?.sorted { ($0.school, $0.learner) < ($1.school, $1.learner) }, "\(text.debugDescription)")
            }
        }
        // Both branches are exercised: some files are read directly, most are declined.
        #expect(count.direct >= 20 && count.direct < count.all, "\(count.direct) of \(count.all) read directly")
    }
}
