import DarasaCore
@testable import DarasaIngest
import Foundation
import PropertyBased
import Testing

@Suite struct MappingTests {
    static let teachers = """
        name: HR
        source: hr
        target: teachers
        fields:
          source_key: payroll_no
          given_name: other_names
          family_name: surname
          sex: { column: sex, values: { F: female, "2": female, M: male } }
          birth_date: { column: dob, format: DD/MM/YYYY }
        """

    func error(_ yaml: String) -> Mapping.MappingError? {
        do { _ = try Mapping.parse(yaml, file: "m.yaml"); return nil } catch let e as Mapping.MappingError { return e } catch { return nil }
    }

    @Test func aGoodMappingParses() throws {
        let m = try Mapping.parse(Self.teachers, file: "m.yaml")
        #expect(m.target == .teachers)
        #expect(m.source == "hr")
        #expect(m.fields["sex"]?.values["2"] == "female")
        #expect(m.fields["birth_date"]?.format == "DD/MM/YYYY")
    }

    @Test func badMappingsAreRejectedWithTheirLine() throws {
        let unknownField = try #require(error(Self.teachers + "\n  shoe_size: shoes"))
        #expect(unknownField.line == 10)
        #expect(unknownField.description.contains("\"shoe_size\" is not a field of teachers"))
        let badFormat = try #require(error(Self.teachers.replacingOccurrences(of: "DD/MM/YYYY", with: "DD/MM/YY")))
        #expect(badFormat.line == 9)
        #expect(badFormat.problem.contains("not a date format"))
        let badValue = try #require(error(Self.teachers.replacingOccurrences(of: "M: male", with: "M: man")))
        #expect(badValue.line == 8)
        let missingRequired = try #require(error(Self.teachers.replacingOccurrences(of: "  family_name: surname\n", with: "")))
        #expect(missingRequired.problem.contains("family_name"))
        let badTarget = try #require(error(Self.teachers.replacingOccurrences(of: "target: teachers", with: "target: pupils")))
        #expect(badTarget.line == 3)
        let badYAML = try #require(error("source: [hr\n"))
        #expect(badYAML.problem.contains("not valid YAML"))
        let twoSources = try #require(error(Self.teachers.replacingOccurrences(of: "given_name: other_names", with: "given_name: { column: a, value: b }")))
        #expect(twoSources.problem.contains("exactly one"))
        let badDelimiter = try #require(error(Self.teachers + "\nread: { delimiter: ';;' }"))
        #expect(badDelimiter.problem.contains("single character"))
    }

    /// A mapping is parsed completely or not at all: any key not in the grammar is an error,
    /// never silently ignored.
    @Test func unknownSettingsNeverPassSilently() async {
        await propertyCheck(input: Gen.lowercaseLetter.string(of: 3...10)) { word in
            let known: Set = ["name", "mapping", "source", "target", "files", "read", "where", "fields"]
            guard !known.contains(word) else { return }
            #expect(error(Self.teachers + "\n\(word): 1") != nil)
        }
    }

    @Test func datesReadInEachDeclaredLayout() throws {
        #expect(DateFormat("DD/MM/YYYY")?.parse("05/03/2024") == Day(year: 2024, month: 3, day: 5))
        #expect(DateFormat("MM/DD/YYYY")?.parse("03/05/2024") == Day(year: 2024, month: 3, day: 5))
        #expect(DateFormat("YYYY-MM-DD")?.parse("2024-03-05") == Day(year: 2024, month: 3, day: 5))
        #expect(DateFormat("DD.MM.YYYY")?.parse("31.02.2024") == nil)
        #expect(DateFormat("DD/MM/YYYY")?.parse("05/03/24") == nil)
    }
}

@Suite struct TabularReaderTests {
    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-tab-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url
    }

    func rows(_ t: any TabularSource) throws -> [[String]] {
        var out: [[String]] = []
        var r = CSVRecord()
        while try t.next(into: &r) != nil { out.append(r.fields) }
        return out
    }

    @Test func semicolonsAndWindows1252AreDetected() throws {
        // "Nyambura;Zoë" in Windows-1252 (ë = 0xEB), with a quoted field holding a semicolon.
        let bytes: [UInt8] = Array("given;family;note\r\n".utf8) + Array("Nyambura;Zo".utf8) + [0xEB] + Array(";\"a;b\"\r\n".utf8)
        let t = try CSVTable(url: try write(bytes, "a.csv"), file: "a.csv", options: ReadOptions())
        #expect(t.delimiter == UInt8(ascii: ";"))
        #expect(t.header == ["given", "family", "note"])
        #expect(try rows(t) == [["Nyambura", "Zoë", "a;b"]])
    }

    @Test func utf8WithAByteOrderMarkAndTabs() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id\tname\n1\tKipng'eno Wanjikũ\n".utf8)
        let t = try CSVTable(url: try write(bytes, "b.tsv"), file: "b.tsv", options: ReadOptions())
        #expect(t.header == ["id", "name"])
        #expect(try rows(t) == [["1", "Kipng'eno Wanjikũ"]])
    }

    @Test func emptyFilesAreNamed() throws {
        #expect(throws: InputError.self) { try CSVTable(url: try write([], "e.csv"), file: "e.csv", options: ReadOptions()) }
        do { _ = try CSVTable(url: try write([], "e.csv"), file: "e.csv", options: ReadOptions()) } catch let e as InputError {
            #expect(e.description.hasPrefix("e.csv, row 1: the file is empty"))
        }
    }

    @Test func mergedHeaderRowsAreJoined() {
        let header = combineHeaderRows([["School code", "Grade", "Enrolment", "", ""], ["", "", "Girls", "Boys", "Total"]],
                                       merges: [(row: 0, from: 2, to: 4)])
        #expect(header == ["School code", "Grade", "Enrolment Girls", "Enrolment Boys", "Enrolment Total"])
    }

    @Test func jsonRecordsAreFlattened() throws {
        let json = #"{"export": {"n": 2}, "visits": [{"id": 1, "visitor": {"id": "CSO-1"}, "ok": true, "score": 2.5}, {"id": 2, "tags": [1, 2]}]}"#
        var options = ReadOptions()
        options.format = .json
        options.records = "visits"
        let t = try JSONTable(url: try write(Array(json.utf8), "v.json"), file: "v.json", options: options)
        #expect(t.header == ["id", "ok", "score", "tags", "visitor.id"])
        #expect(try rows(t) == [["1", "true", "2.5", "", "CSO-1"], ["2", "", "", "[1,2]", ""]])
    }

    @Test func oversizedOrBrokenWorkbooksAreRefusedClearly() throws {
        var options = ReadOptions()
        options.format = .xlsx
        do { _ = try XLSXTable(url: try write(Array("not a zip".utf8), "x.xlsx"), file: "x.xlsx", options: options); Issue.record("accepted") }
        catch let e as InputError { #expect(e.description.contains("x.xlsx")) }
    }

    /// Any bytes at all: the CSV reader either reads rows or throws an InputError naming the file
    /// (never crashes, never another error).
    @Test func anyBytesReadOrFailClearly() async throws {
        await propertyCheck(input: Gen<UInt8>.value(in: 0...255).array(of: 0...300)) { bytes in
            let url = try! write(bytes, "p.csv")
            defer { try? FileManager.default.removeItem(at: url) }
            do {
                let t = try CSVTable(url: url, file: "p.csv", options: ReadOptions())
                _ = try rows(t)
            } catch let e as InputError {
                #expect(e.file == "p.csv")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}

/// `where:` and `join:` together: rows are kept or skipped by the file's own columns before the
/// join and by joined columns after it; join keys are trimmed as the joined file's keys are.
@Suite struct MappedReaderJoinTests {
    @Test func filtersOnOwnAndJoinedColumnsAndTrimmedKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-join-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "sourcedId,role,userSourcedId\ne1,teacher, u1 \ne2,student,u2\ne3, teacher,u3\ne4,teacher,u9\n"
            .write(to: dir.appendingPathComponent("enrollments.csv"), atomically: true, encoding: .utf8)
        try "sourcedId,identifier,status\nu1,T-001,active\nu2,L-002,active\nu3,T-003,tobedeleted\n"
            .write(to: dir.appendingPathComponent("users.csv"), atomically: true, encoding: .utf8)
        let yaml = """
            name: class teachers
            source: oneroster
            target: class_assignments
            read:
              format: csv
              join:
                - { file: users.csv, on: userSourcedId, key: sourcedId, as: user }
            where: { role: teacher, user.status: active }
            fields:
              teacher: user.identifier
              school: { value: "S1" }
              year: { value: "2024" }
              grade: { value: "3" }
            """
        let mapping = try Mapping.parse(yaml, file: "m.yaml")
        let reader = try MappedReader(mapping: mapping, url: dir.appendingPathComponent("enrollments.csv"), file: "enrollments.csv")
        var r = CSVRecord()
        var kept: [(Int, String?)] = []
        while let row = try reader.next(into: &r) {
            var problems: [RowProblem] = []
            kept.append((row, reader.string("teacher", r, &problems)))
        }
        // e1: a teacher whose key has spaces around it, joined; e2: a student, skipped before the
        // join; e3: " teacher" trimmed, but the joined user is not active; e4: no such user, so
        // the joined status is blank and the row is skipped.
        #expect(kept.count == 1)
        #expect(kept.first?.0 == 2 && kept.first?.1 == "T-001")
        #expect(reader.skipped == 3)
        #expect(MappedReader.asciiTrimmed(" \tT-1 \t") == "T-1")
        #expect(MappedReader.asciiTrimmed("T-1") == "T-1")
        #expect(MappedReader.asciiTrimmed("  ") == "")
        #expect(MappedReader.asciiTrimmed("") == "")
    }
}

/// A folder of files read through one mapping: each file's reader reuses the last one's
/// per-mapping preparation, but columns and `from_path:` values are the file's own.
@Suite struct MappedReaderReuseTests {
    static let yaml = """
        name: registers
        source: register
        target: learner_attendance
        read: { format: csv, delimiter: "," }
        fields:
          learner: { column: learner_id, source: oneroster }
          school: school_code
          month: { from_path: "([0-9]{4}-[0-9]{2})\\\\.csv$" }
          days:
            columns: "d{dd}"
            values: { P: present, A: absent }
        """

    func write(_ dir: URL, _ name: String, _ header: [String], _ row: [String]) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try (header.joined(separator: ",") + "\n" + row.joined(separator: ",") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func eachFileKeepsItsOwnColumnsAndPathValues() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-reuse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let mapping = try Mapping.parse(Self.yaml, file: "registers.yaml")
        let days = (1...31).map { String(format: "d%02d", $0) }
        let marks1 = ["P", "A"] + Array(repeating: "", count: 29)
        let a = try write(dir, "2024-03.csv", ["learner_id", "school_code"] + days, ["L1", "S1"] + marks1)
        // The second file puts the day columns first and the keys last.
        let marks2 = ["A", "P", "P"] + Array(repeating: "", count: 28)
        let b = try write(dir, "2024-04.csv", days + ["school_code", "learner_id"], marks2 + ["S2", "L2"])
        let first = try MappedReader(mapping: mapping, url: a, file: "2024-03.csv")
        let second = try MappedReader(mapping: mapping, url: b, file: "2024-04.csv", reusing: first)
        for (reader, learner, school, month, present, absent) in [(first, "L1", "S1", 3, UInt32(0b1), UInt32(0b10)),
                                                                (second, "L2", "S2", 4, UInt32(0b110), UInt32(0b1))] {
            var r = CSVRecord()
            #expect(try reader.next(into: &r) == 2)
            var problems: [RowProblem] = []
            #expect(reader.string("learner", r, &problems) == learner)
            #expect(reader.string("school", r, &problems) == school)
            #expect(reader.month("month", r, &problems).map { $0.month } == month)
            let m = reader.days(r, length: 30, &problems)
            #expect(m.present == present && m.absent == absent)
            #expect(problems.isEmpty)
        }
        // A file without a day column fails as before, reused preparation or not.
        let c = try write(dir, "2024-05.csv", ["learner_id", "school_code"] + days.filter { $0 != "d05" }, ["L3", "S1"] + Array(repeating: "", count: 30))
        #expect(throws: InputError.self) { _ = try MappedReader(mapping: mapping, url: c, file: "2024-05.csv", reusing: second) }
        do { _ = try MappedReader(mapping: mapping, url: c, file: "2024-05.csv", reusing: second) } catch let e as InputError {
            #expect(e.column == "d05")
        }
        // A file whose name does not carry the month: the path's value is the file's own.
        let d = try write(dir, "march.csv", ["learner_id", "school_code"] + days, ["L1", "S1"] + marks1)
        #expect(throws: InputError.self) { _ = try MappedReader(mapping: mapping, url: d, file: "march.csv", reusing: second) }
    }
}
