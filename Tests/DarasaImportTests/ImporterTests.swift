import DarasaCore
import DarasaGenerator
import DarasaImport
import DarasaIngest
import DarasaStore
import DarasaTestSupport
import Foundation
import Testing

/// Mapped imports on both engines, against a generated country first loaded by the native
/// loader: the shipped mappings must reproduce it exactly (a re-import is a no-op), corrections
/// update in place with history, bad rows are quarantined and come back fixed.
@Suite struct ImporterTests {
    struct Sink: RecordSink {
        let writer: BatchWriter
        func receive(_ batch: RecordBatch, from file: SourceFile, rows: [Int]) async throws {
            try await writer.write(batch, source: file.source, path: file.path, rows: rows)
        }
    }

    static let country: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-import-\(UUID().uuidString)")
        _ = try? generateCountry(CountrySpec(learners: 1200, seed: 5), to: dir)
        return dir
    }()

    static let mappings: URL = ShippedMappings.folder!.appendingPathComponent("synthetic")

    static func mapping(_ name: String) throws -> Mapping {
        try Mapping.load(url: mappings.appendingPathComponent(name))
    }

    func loadedStore(_ engine: TestEngine) async throws -> DarasaStore {
        let store = try await engine.makeStore()
        _ = try await store.importBatch(source: "synthetic", description: "native load", user: "test") { w in
            _ = try await SyntheticCountryLoader().load(from: Self.country, into: Sink(writer: w))
        }
        return store
    }

    func scratch(_ name: String, _ text: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-imp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test(arguments: TestEngine.available)
    func everySyntheticSourceReimportsUnchanged(engine: TestEngine) async throws {
        let store = try await loadedStore(engine)
        defer { Task { await store.close() } }
        let before = try await store.count("learner_attendance")
        for name in ["10-learners.yaml", "20-teachers.yaml", "30-enrolments.yaml", "40-registers.yaml", "50-teacher-attendance.yaml"] {
            let m = try Self.mapping(name)
            let files = try ImportFile.select(Self.country, mapping: m)
            #expect(!files.isEmpty, "\(name) selects files")
            let r = try await Importer(store: store, user: "test").run(m, files: files)
            #expect(r.addsUp, "\(name): \(r.summary)")
            #expect(r.rowsRead > 0)
            #expect(r.stored == 0 && r.updated == 0 && r.quarantined == 0, "\(name): \(r.summary) \(r.sampleProblems)")
            #expect(r.unchanged == r.rowsRead)
        }
        #expect(try await store.count("learner_attendance") == before)
        #expect(try await store.count("record_history") == 0)
    }

    /// One school's month of registers in a country of many learners looks up only the keys its
    /// rows carry (not the whole key table); it must come out exactly as a whole-country import:
    /// a changed mark updates, an unknown learner key is quarantined with its reason.
    @Test(arguments: TestEngine.available)
    func aSmallImportLooksUpOnlyItsOwnKeys(engine: TestEngine) async throws {
        let store = try await loadedStore(engine)
        defer { Task { await store.close() } }
        let m = try Self.mapping("40-registers.yaml")
        let file = try #require(try ImportFile.select(Self.country, mapping: m).first)
        // One class's first rows: a correction sent on its own.
        var lines = Array(try String(contentsOf: file.url, encoding: .utf8).split(separator: "\n").map(String.init).prefix(9))
        let learners = try await store.count("learners")
        #expect(lines.count > 5)
        var row = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let day = try #require(row.indices.dropFirst(5).first { row[$0] == "P" })
        row[day] = "A"
        lines[1] = row.joined(separator: ",")
        var stranger = lines[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        stranger[3] = "00000000-0000-4000-8000-000000000000"
        lines[2] = stranger.joined(separator: ",")
        let url = try scratch((file.name as NSString).lastPathComponent, lines.joined(separator: "\n") + "\n")
        let bytes = try Data(contentsOf: url).count
        #expect(bytes / 40 * 4 < learners, "small enough beside the \(learners) learners to be looked up key by key")
        let r = try await Importer(store: store, user: "officer").run(m, files: [ImportFile(url: url, name: file.name)])
        #expect(r.addsUp && r.rowsRead == lines.count - 1)
        #expect(r.updated == 1 && r.quarantined == 1 && r.stored == 0 && r.unchanged == lines.count - 3, "\(r.summary)")
        #expect(r.sampleProblems.contains { $0.contains("no learner with the oneroster key 00000000-0000-4000-8000-000000000000") }, "\(r.sampleProblems)")
        // Only registers changed, so the learner cube had its attendance added up again in place
        // (SummarySQL.learnerCubeAttendance): the same rows as rebuilding every summary gives.
        let cube = "SELECT * FROM summary_learner_cube ORDER BY school_id, year_id, grade, sex, disability, age, language"
        let inPlace = try await store.database.query(cube).map { $0.values.map { "\($0)" }.joined(separator: ",") }
        #expect(inPlace.count > 50)
        try await store.rebuildSummaries()
        let rebuilt = try await store.database.query(cube).map { $0.values.map { "\($0)" }.joined(separator: ",") }
        #expect(inPlace == rebuilt)
    }

    @Test(arguments: TestEngine.available)
    func correctionsUpdateInPlaceAndBadRowsComeBackFixed(engine: TestEngine) async throws {
        let store = try await loadedStore(engine)
        defer { Task { await store.close() } }
        let m = try Self.mapping("20-teachers.yaml")
        var lines = try String(contentsOf: Self.country.appendingPathComponent("hr/teachers.csv"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        var first = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let payroll = first[0]
        first[5] = first[5] == "B.Ed" ? "Diploma in Education" : "B.Ed"  // a corrected qualification
        lines[1] = first.joined(separator: ",")
        var second = lines[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        second[3] = "X"  // not a sex
        lines[2] = second.joined(separator: ",")
        let url = try scratch("teachers.csv", lines.joined(separator: "\n") + "\n")
        let teachersBefore = try await store.count("teachers")

        let r = try await Importer(store: store, user: "officer").run(m, files: [ImportFile(url: url, name: "teachers.csv")])
        #expect(r.addsUp)
        #expect(r.updated == 1 && r.quarantined == 1 && r.stored == 0)
        #expect(r.unchanged == lines.count - 3)
        #expect(try await store.count("teachers") == teachersBefore)
        let id = try #require(try await store.teacherID(source: "hr", key: payroll))
        let history = try await store.history(table: "teachers", key: String(id.rawValue))
        #expect(history.count == 1)
        #expect(history.first?.column == "qualification" && history.first?.newValue == first[5] && history.first?.user == "officer")

        // The same file again changes nothing.
        let again = try await Importer(store: store, user: "officer").run(m, files: [ImportFile(url: url, name: "teachers.csv")])
        #expect(again.updated == 0 && again.stored == 0 && again.quarantined == 1 && again.addsUp)

        // The quarantine comes back as CSV with the file's own columns; fixed, it imports.
        let csv = try await store.quarantineCSV(batchID: r.batchID, file: "teachers.csv", user: "officer")
        let rows = csv.split(separator: "\r\n").map(String.init)
        #expect(rows.count == 2)
        #expect(rows[0].hasPrefix("payroll_no,surname,other_names,sex,") && rows[0].hasSuffix("darasa_row,darasa_column,darasa_problem,darasa_fix"))
        #expect(rows[1].contains("\"\"\"X\"\" is not a recognised sex value\""))
        let fixed = try scratch("teachers.csv", csv.replacingOccurrences(of: ",X,", with: ",F,"))
        let back = try await Importer(store: store, user: "officer").run(m, files: [ImportFile(url: fixed, name: "teachers.csv")])
        #expect(back.quarantined == 0 && back.rowsRead == 1 && back.addsUp)
        #expect(back.updated + back.unchanged == 1)
    }

    @Test(arguments: TestEngine.available)
    func newLearnersFromAForeignShapeWithValueMaps(engine: TestEngine) async throws {
        let store = try await loadedStore(engine)
        defer { Task { await store.close() } }
        let yaml = """
            source: county_emis
            target: learners
            read: { format: csv, delimiter: auto }
            fields:
              source_key: UPI
              given_name: First Name
              family_name: Surname
              sex: { column: Gender, values: { Girl: female, "2": female, Boy: male, "1": male } }
              birth_year: YOB
              wg_seeing: { column: Seeing, values: { "no": no_difficulty, "some": some_difficulty, "a lot": a_lot_of_difficulty } }
            """
        let m = try Mapping.parse(yaml, file: "emis.yaml")
        let data = "UPI;First Name;Surname;Gender;YOB;Seeing\nA1;Amina;Otieno;Girl;2016;no\nA2;Brian;Kamau;1;2015;a lot\nA3;Chebet;Koech;2;;\nA4;;Njoroge;Boy;2017;no\n"
        let url = try scratch("emis.csv", data)
        let learnersBefore = try await store.count("learners")
        let r = try await Importer(store: store, user: "t").run(m, files: [ImportFile(url: url, name: "emis.csv")])
        #expect(r.rowsRead == 4 && r.stored == 3 && r.quarantined == 1 && r.addsUp, "\(r.summary) \(r.sampleProblems)")
        #expect(r.sampleProblems.first?.contains("emis.csv, row 5, column First Name: the given name is empty") == true)
        #expect(try await store.count("learners") == learnersBefore + 3)
        let rows = try await store.database.query("""
            SELECT l.sex, l.birth_date, l.birth_precision, l.wg_seeing FROM learners l JOIN learner_source_keys k ON k.learner_id = l.id
            WHERE k.source = 'county_emis' ORDER BY k.source_key
            """)
        #expect(rows.map { $0.text(0) } == ["female", "male", "female"])
        #expect(rows[0].text(2) == "year_only" && rows[0].text(1) == "2016-07-01")
        #expect(rows[1].int(3) == 3)
        #expect(rows[2].text(1) == nil)
        let again = try await Importer(store: store, user: "t").run(m, files: [ImportFile(url: url, name: "emis.csv")])
        #expect(again.stored == 0 && again.unchanged == 3 && again.quarantined == 1)
    }

    @Test(arguments: TestEngine.available)
    func aBrokenFileChangesNothing(engine: TestEngine) async throws {
        let store = try await loadedStore(engine)
        defer { Task { await store.close() } }
        let batches = try await store.count("import_batches")
        let m = try Self.mapping("20-teachers.yaml")
        let url = try scratch("teachers.csv", "payroll_no,surname,sex\n1,A,F\n")
        await #expect(throws: InputError.self) {
            _ = try await Importer(store: store, user: "t").run(m, files: [ImportFile(url: url, name: "teachers.csv")])
        }
        do { _ = try await Importer(store: store, user: "t").run(m, files: [ImportFile(url: url, name: "teachers.csv")]) } catch let e as InputError {
            #expect(e.description.contains("teachers.csv, row 1, column other_names"))
        }
        let unterminated = try scratch("teachers.csv", try String(contentsOf: Self.country.appendingPathComponent("hr/teachers.csv"), encoding: .utf8) + "9999999,\"BROKEN,Ann\n")
        await #expect(throws: InputError.self) {
            _ = try await Importer(store: store, user: "t").run(m, files: [ImportFile(url: unterminated, name: "teachers.csv")])
        }
        #expect(try await store.count("import_batches") == batches)
        #expect(try await store.count("quarantine") == 0)
    }
}

/// The whole synthetic country through the shipped mappings into an empty store.
@Suite struct WholeCountryImportTests {
    @Test(arguments: TestEngine.available)
    func everySourceImportsThroughItsMappingAndAgainChangesNothing(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        let mappings = try ShippedMappings.synthetic()
        #expect(mappings.count >= 15)
        var first: [String: ImportReport] = [:]
        for m in mappings {
            let r = try await Importer(store: store, user: "test").run(m, files: try ImportFile.select(ImporterTests.country, mapping: m))
            #expect(r.addsUp, "\(m.name): \(r.summary)")
            #expect(r.rowsRead > 0, "\(m.name) read rows")
            first[m.file] = r
        }
        // Everything but assessment rows (linked by name) lands; a few of those wait for review.
        for (file, r) in first where !file.contains("/7") {
            #expect(r.quarantined == 0, "\(file): \(r.sampleProblems)")
        }
        let egra = try #require(first.first { $0.key.hasSuffix("71-egra.yaml") }?.value)
        #expect(Double(egra.stored) / Double(egra.rowsRead) > 0.97)
        for table in ["schools", "learners", "enrolments", "teachers", "learner_attendance", "teacher_attendance", "school_visits", "census_enrolment", "holidays"] {
            #expect(try await store.count(table) > 0, "\(table) filled")
        }
        #expect(try await store.count("link_candidates") > 0, "duplicates and assessment links are recorded with their evidence")
        // The attendance summaries added up while the registers landed equal the summary SQL's.
        func snapshot() async throws -> [String] {
            var out: [String] = []
            for (table, order) in [("summary_attendance", "school_id, year_id, year, month, grade, sex"), ("summary_learner_year", "learner_id, school_id, year_id"),
                                   ("summary_attendance_year", "school_id, year_id, grade, sex"), ("summary_school_year", "school_id, year_id"),
                                   ("summary_attendance_month", "school_id, year_id, year, month"),
                                   ("summary_learner_cube", "school_id, year_id, grade, sex, disability, age, language")] {
                for r in try await store.database.query("SELECT * FROM \(table) ORDER BY \(order)") {
                    out.append(table + ":" + r.values.map { "\($0)" }.joined(separator: ","))
                }
            }
            return out
        }
        // Each register row keeps its own file and row (a first load goes straight in, in large
        // chunks of many files): every register file is named by its rows, and no row by another's file.
        let registerFiles = try ImportFile.select(ImporterTests.country, mapping: try #require(mappings.first { $0.target == .learnerAttendance }))
        let provenance = try #require(try await store.database.query("""
            SELECT COUNT(DISTINCT a.file_id), CAST(SUM(CASE WHEN f.path IS NULL OR a.src_row < 2 THEN 1 ELSE 0 END) AS BIGINT)
            FROM learner_attendance a LEFT JOIN import_files f ON f.id = a.file_id
            """).first)
        #expect(provenance.int(0) == Int64(registerFiles.count))
        #expect(provenance.int(1) == 0)
        if engine == .postgres {
            // The key dropped for the first load (BatchWriter.dropAttendanceKey) is there again.
            let key = try await store.database.query("""
                SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST('learner_attendance' AS regclass) AND contype = 'p'
                """).first?.text(0)
            #expect(key == "PRIMARY KEY (school_id, year, month, learner_id)")
        }
        let tallied = try await snapshot()
        #expect(tallied.filter { $0.hasPrefix("summary_attendance:") }.count > 100)
        try await store.rebuildSummaries()
        #expect(try await snapshot() == tallied)
        let history = try await store.count("record_history")
        // Again: nothing new, nothing updated.
        for m in mappings {
            let r = try await Importer(store: store, user: "test").run(m, files: try ImportFile.select(ImporterTests.country, mapping: m))
            #expect(r.addsUp && r.stored == 0 && r.updated == 0, "\(m.name) again: \(r.summary)")
        }
        #expect(try await store.count("record_history") == history)
    }
}

/// DHIS2 dataValueSets (aggregate census values) through the example mapping.
@Suite struct DHIS2ImportTests {
    @Test(arguments: TestEngine.available)
    func dataValuesBecomeCensusEnrolmentByGradeAndSex(engine: TestEngine) async throws {
        let store = try await ImporterTests().loadedStore(engine)
        defer { Task { await store.close() } }
        let row = try #require(try await store.database.query("""
            SELECT s.official_code, c.year_id, c.grade, c.female, c.male FROM census_enrolment c JOIN schools s ON s.id = c.school_id
            WHERE c.grade = 1 ORDER BY s.official_code, c.year_id LIMIT 1
            """).first)
        let code = try #require(row.text(0)), year = try #require(row.int(1))
        let female = Int(row.int(3) ?? 0), male = Int(row.int(4) ?? 0)
        let json = """
            {"dataSet": "CENSUS", "dataValues": [
              {"dataElement": "ENR_G1", "period": "\(year)", "orgUnit": "\(code)", "categoryOptionCombo": "SEX_F", "value": "\(female + 3)"},
              {"dataElement": "ENR_G1", "period": "\(year)", "orgUnit": "\(code)", "categoryOptionCombo": "SEX_M", "value": "\(male)"},
              {"dataElement": "ENR_G1", "period": "\(year)", "orgUnit": "NO-SUCH-SCHOOL", "categoryOptionCombo": "SEX_M", "value": "4"},
              {"dataElement": "ENR_G2", "period": "\(year)", "orgUnit": "\(code)", "categoryOptionCombo": "SEX_F", "value": "-1"}
            ]}
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-dhis2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("census.json")
        try Data(json.utf8).write(to: url)
        let m = try Mapping.load(url: ShippedMappings.folder!.appendingPathComponent("examples/dhis2-census-enrolment.yaml"))
        let r = try await Importer(store: store, user: "dhis2").run(m, files: [ImportFile(url: url, name: "census.json")])
        #expect(r.rowsRead == 4 && r.quarantined == 2 && r.addsUp, "\(r.summary) \(r.sampleProblems)")
        #expect(r.updated == 2, "both values of grade 1 count as the one updated row")
        let after = try #require(try await store.database.query("""
            SELECT c.female, c.male FROM census_enrolment c JOIN schools s ON s.id = c.school_id
            WHERE s.official_code = ? AND c.year_id = ? AND c.grade = 1
            """, .text(code), .int(year)).first)
        #expect(after.int(0) == Int64(female + 3) && after.int(1) == Int64(male))
        #expect(try await store.count("record_history") == 1, "only the girls' count changed")
    }
}

/// A correction to a learner alone reaches the summaries of the schools they are enrolled at.
@Suite struct LearnerCorrectionTests {
    @Test(arguments: TestEngine.available)
    func aCorrectedSexMovesTheSchoolsFigures(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        try await TinyCountry.load(into: store)
        defer { Task { await store.close() } }
        // Learner stu-1 (Amina, female) is enrolled at s1 in 2025.
        func girls() async throws -> Int64 {
            try await store.database.scalarInt("""
                SELECT CAST(COALESCE(SUM(learners), 0) AS BIGINT) FROM summary_enrolment WHERE school_id = ? AND year_id = 2025 AND sex = 'female'
                """, [.int(TinyCountry.s1.rawValue)]) ?? 0
        }
        let before = try await girls()
        let yaml = """
            source: oneroster
            target: learners
            fields:
              source_key: id
              given_name: given
              family_name: family
              sex: sex
            """
        let m = try Mapping.parse(yaml, file: "fix.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-fix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("fix.csv")
        try Data("id,given,family,sex\nstu-1,Amina,Otieno,M\n".utf8).write(to: url)
        let r = try await Importer(store: store, user: "t").run(m, files: [ImportFile(url: url, name: "fix.csv")])
        #expect(r.updated == 1 && r.addsUp)
        #expect(try await girls() == before - 1)
    }
}

/// Registers read straight from their bytes (`WideRegisterReader`) land exactly as when read
/// the general way: the same rows with their files and row numbers, the same report, quarantine
/// and summaries, and a second import changes nothing. The folder is the tiny country's
/// registers with a few files spoiled in the ways the direct reader leaves to the general one.
@Suite struct DirectRegisterReadingTests {
    static let spoiled: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-spoiled-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? FileManager.default.copyItem(at: ImporterTests.country.appendingPathComponent("registers"), to: dir.appendingPathComponent("registers"))
        let files = (FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
            .filter { $0.pathExtension == "csv" }.sorted { $0.path < $1.path }
        guard files.count > 10 else { return dir }
        edit(files[0]) { $0.insert($0[1], at: 2) }                                     // a learner's row twice
        edit(files[1]) { $0[1] = field($0[1], 6, { _ in "X" }) }                        // a mark no one knows
        edit(files[2]) { $0[1] = field($0[1], 3, { _ in "no-such-learner" }) }          // an unknown learner
        edit(files[3]) { $0[1] = field($0[1], 0, { "\"\($0)\"" }) }                    // a quoted (valid) school code
        edit(files[4]) { lines in lines = lines.map { $0 + "\r" } }                     // CRLF line endings
        if let thirty = files.dropFirst(5).first(where: { ["-04.csv", "-06.csv", "-09.csv", "-11.csv"].contains(String($0.lastPathComponent.suffix(7))) }) {
            edit(thirty) { $0[1] = field($0[1], $0[1].components(separatedBy: ",").count - 1, { _ in "P" }) }  // day 31 of a 30-day month
        }
        return dir
    }()

    func snapshot(_ store: DarasaStore) async throws -> [String] {
        var out: [String] = []
        for (sql, name) in [
            ("""
             SELECT a.learner_id, a.school_id, a.year_id, a.year, a.month, a.present, a.absent, a.late, a.excused, a.recorded_days,
                    a.present_days, a.absent_days, a.src_row, f.path FROM learner_attendance a JOIN import_files f ON f.id = a.file_id
             ORDER BY a.school_id, a.year, a.month, a.learner_id
             """, "rows"),
            ("SELECT file, src_row, column_name, value, reason FROM quarantine ORDER BY file, src_row, column_name", "quarantine"),
            ("SELECT * FROM summary_attendance ORDER BY school_id, year_id, year, month, grade, sex", "summary_attendance"),
            ("SELECT * FROM summary_learner_year ORDER BY learner_id, school_id, year_id", "summary_learner_year"),
            ("SELECT * FROM summary_attendance_year ORDER BY school_id, year_id, grade, sex", "summary_attendance_year"),
            ("SELECT * FROM summary_attendance_month ORDER BY school_id, year_id, year, month", "summary_attendance_month"),
            ("SELECT * FROM summary_school_year ORDER BY school_id, year_id", "summary_school_year"),
            ("SELECT * FROM summary_learner_cube ORDER BY school_id, year_id, grade, sex, disability, age, language", "summary_learner_cube"),
        ] {
            for r in try await store.database.query(sql) { out.append(name + ":" + r.values.map { "\($0)" }.joined(separator: ",")) }
        }
        return out
    }

    @Test(arguments: TestEngine.available)
    func registersReadDirectlyLandAsReadTheGeneralWay(engine: TestEngine) async throws {
        let mappings = try ShippedMappings.synthetic()
        let registers = try #require(mappings.first { $0.target == .learnerAttendance })
        let files = try ImportFile.select(Self.spoiled, mapping: registers)
        // Given stores holding everything the registers refer to, when the spoiled registers are
        // imported, read directly or not, and imported again
        let ways = try await importBothWays(engine, registers, files, after: { $0 < "40" }, snapshot: snapshot)
        let reports = ways.map(\.report), snapshots = ways.map(\.snapshot)
        for (direct, way) in zip([true, false], ways) {
            // a second import of the same files changes nothing
            #expect(way.again.stored == 0 && way.again.updated == 0 && way.again.unchanged == way.report.stored, "\(direct): \(way.again.summary)")
            #expect(way.again.filesReadDirectly == way.report.filesReadDirectly)
        }
        // Then most files were read directly, the spoiled ones the general way, with the same result
        #expect(reports[0].filesReadDirectly > files.count / 2 && reports[0].filesReadDirectly <= files.count - 5)
        #expect(reports[1].filesReadDirectly == 0)
        #expect(reports[0].rowsRead == reports[1].rowsRead && reports[0].stored == reports[1].stored)
        #expect(reports[0].quarantined == reports[1].quarantined && reports[0].quarantined >= 4, "\(reports[0].sampleProblems)")
        #expect(reports[0].addsUp && reports[1].addsUp)
        #expect(snapshots[0].count > 1000)
        #expect(snapshots[0] == snapshots[1])
    }
}

/// Teacher check-ins (one mark per row) read straight from their bytes (`LongAttendanceReader`)
/// land exactly as when read the general way, spoiled files included, and again change nothing.
@Suite struct DirectMarkReadingTests {
    static let spoiled: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-spoiled-hr-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? FileManager.default.copyItem(at: ImporterTests.country.appendingPathComponent("hr"), to: dir.appendingPathComponent("hr"))
        let files = ((try? FileManager.default.contentsOfDirectory(at: dir.appendingPathComponent("hr"), includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.lastPathComponent.hasPrefix("teacher_attendance_") }.sorted { $0.path < $1.path }
        guard files.count > 6 else { return dir }
        edit(files[0]) { $0.insert($0[1], at: 2) }                      // the same teacher and day twice
        edit(files[1]) { $0[1] = field($0[1], 0, { _ in "9999999" }) }             // an unknown payroll number
        edit(files[2]) { $0[1] = field($0[1], 2, { _ in "SICK" }) }                // a status no one mapped
        edit(files[3]) { lines in lines = lines.map { $0 + "\r" } }      // CRLF line endings (clean)
        edit(files[4]) { $0[2] = field($0[2], 1, { _ in "2024/03/01" }) }          // a date in another format
        edit(files[5]) { $0[1] = field($0[1], 1, { _ in "2031-03-03" }) }          // a day outside the calendar
        return dir
    }()

    @Test(arguments: TestEngine.available)
    func checkInsReadDirectlyLandAsReadTheGeneralWay(engine: TestEngine) async throws {
        let mappings = try ShippedMappings.synthetic()
        let checkIns = try #require(mappings.first { $0.target == .teacherAttendance })
        let files = try ImportFile.select(Self.spoiled, mapping: checkIns)
        // Given stores holding the schools, calendar and teachers with their postings, when the
        // spoiled check-ins are imported, read directly or not, and imported again
        let ways = try await importBothWays(engine, checkIns, files, after: { ["01", "04", "05", "20"].contains(String($0.prefix(2))) }) { store in
            var snapshot: [String] = []
            for sql in ["""
                SELECT a.teacher_id, a.school_id, a.year_id, a.year, a.month, a.present, a.absent, a.late, a.excused, a.recorded_days,
                       a.src_row, f.path FROM teacher_attendance a JOIN import_files f ON f.id = a.file_id
                ORDER BY a.teacher_id, a.school_id, a.year, a.month
                """, "SELECT file, src_row, column_name, value, reason FROM quarantine ORDER BY file, src_row, column_name",
                "SELECT * FROM summary_teacher_attendance ORDER BY school_id, year_id"] {
                for r in try await store.database.query(sql) { snapshot.append(r.values.map { "\($0)" }.joined(separator: ",")) }
            }
            return snapshot
        }
        let reports = ways.map(\.report), snapshots = ways.map(\.snapshot)
        for (direct, way) in zip([true, false], ways) {
            // nothing new, nothing changed the second time
            #expect(way.again.stored == 0 && way.again.updated == 0 && way.again.unchanged == way.report.stored, "\(direct): \(way.again.summary)")
        }
        // Then the clean files were read directly, the spoiled ones the general way, with the same result
        #expect(reports[0].filesReadDirectly == files.count - 5, "\(reports[0].filesReadDirectly) of \(files.count)")
        #expect(reports[1].filesReadDirectly == 0)
        #expect(reports[0].rowsRead == reports[1].rowsRead && reports[0].stored == reports[1].stored)
        #expect(reports[0].quarantined == reports[1].quarantined && reports[0].quarantined >= 5, "\(reports[0].sampleProblems)")
        #expect(reports[0].addsUp && reports[1].addsUp)
        #expect(snapshots[0].count > 100)
        #expect(snapshots[0] == snapshots[1])
    }
}

/// Imports `files` through `mapping` twice over, into two fresh stores: first reading attendance
/// straight from the bytes, then only the general way. Each store is first given the generated
/// country's sources whose mapping file names `after` picks; `files` are then imported, the
/// store's `snapshot` taken, and `files` imported again.
private func importBothWays(_ engine: TestEngine, _ mapping: Mapping, _ files: [ImportFile], after: (String) -> Bool,
                            snapshot: (DarasaStore) async throws -> [String]) async throws
    -> [(report: ImportReport, snapshot: [String], again: ImportReport)] {
    let mappings = try ShippedMappings.synthetic()
    var out: [(report: ImportReport, snapshot: [String], again: ImportReport)] = []
    for direct in [true, false] {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        for m in mappings where after(m.file.components(separatedBy: "/").last ?? "") {
            _ = try await Importer(store: store, user: "test").run(m, files: try ImportFile.select(ImporterTests.country, mapping: m))
        }
        var importer = Importer(store: store, user: "test")
        importer.readsAttendanceDirectly = direct
        let report = try await importer.run(mapping, files: files)
        let taken = try await snapshot(store)
        out.append((report, taken, try await importer.run(mapping, files: files)))
    }
    return out
}

/// Spoils a copy of a generated file for the direct-reading tests: its lines (split on line
/// feeds) changed by `change`.
private func edit(_ url: URL, _ change: (inout [String]) -> Void) {
    guard var lines = (try? String(contentsOf: url, encoding: .utf8))?.components(separatedBy: "\n"), lines.count > 3 else { return }
    change(&lines)
    try? Data(lines.joined(separator: "\n").utf8).write(to: url)
}

/// A CSV line with field `i` changed by `value`.
private func field(_ line: String, _ i: Int, _ value: (String) -> String) -> String {
    var f = line.components(separatedBy: ",")
    f[i] = value(f[i])
    return f.joined(separator: ",")
}
