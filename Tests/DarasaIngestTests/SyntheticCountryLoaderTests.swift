import DarasaTestSupport
import DarasaCore
import DarasaGenerator
import DarasaIngest
import Foundation
import Testing

/// A 500-learner country generated once, loaded once, shared by the tests below.
private enum Loaded {
    struct Country: Sendable {
        var dir: URL
        var generated: GenerationSummary
        var loaded: LoadSummary
        var sink: CollectingSink
    }
    static let dir = temporaryFolder("loader")
    static let country: Task<Country, any Error> = Task {
        // Removed when the test process exits.
        atexit { try? FileManager.default.removeItem(at: Loaded.dir) }
        let generated = try generateCountry(CountrySpec(learners: 500, seed: 7), to: dir)
        let sink = CollectingSink()
        let loaded = try await SyntheticCountryLoader().load(from: dir, into: sink)
        return Country(dir: dir, generated: generated, loaded: loaded, sink: sink)
    }
}

@Suite struct SyntheticCountryLoaderTests {
    @Test func deliversWhatTheGeneratorWrote() async throws {
        let c = try await Loaded.country.value
        let g = c.generated, l = c.loaded
        #expect(l.count("orgLevels") == 5)
        #expect(l.count("orgUnits") == 1 + g.regions + g.districts + g.zones + g.schools)
        #expect(l.count("schools") == g.schools)
        #expect(l.count("academicYears") == g.years.count)
        #expect(l.count("censusReturns") == g.censusReturns)
        #expect(l.count("learners") == g.learnerRecords)
        #expect(l.count("enrolments") == g.enrolments)
        #expect(l.count("teachers") == g.teachers)
        #expect(l.count("postings") == g.teachers)
        #expect(l.count("classAssignments") == g.classAssignments)
        #expect(l.count("learnerAttendance") == g.registerRows)
        #expect(l.count("instruments") == 3)
        #expect(l.count("visits") == g.visits)
        #expect(l.assessmentRows == g.egraRows + g.aserRows)
        #expect(l.unresolved.isEmpty, "\(l.unresolved)")
        // Out-of-range counts are delivered with score nil (unless the row's name did not link).
        let corrupted = g.defects["out_of_range_score"] ?? 0
        #expect(l.invalidScores <= corrupted && l.invalidScores >= corrupted - l.unmatchedAssessmentRows.count)
    }

    @Test func batchesAreSmallOrderedAndCarryRows() async throws {
        let c = try await Loaded.country.value
        let deliveries = await c.sink.deliveries
        let order = ["orgLevels", "orgUnits", "schools", "academicYears", "censusReturns", "learners", "enrolments",
                     "teachers", "postings", "classAssignments", "learnerAttendance", "teacherAttendance", "instruments",
                     "assessmentResults", "visits"]
        var last = 0
        for d in deliveries {
            #expect(d.batch.count <= 10_000 && d.batch.count > 0)
            #expect(d.rows.count == d.batch.count)
            #expect(!d.file.path.hasPrefix("/"))
            let position = try #require(order.firstIndex(of: kind(d.batch)))
            #expect(position >= last, "\(kind(d.batch)) after \(order[last])")
            last = position
        }
        let learners = await c.sink.learners
        #expect(learners.map(\.id.rawValue) == Array(1...Int64(learners.count)))
        let units = await c.sink.orgUnits
        #expect(units[0].path == "/XD/" && units[0].parentID == nil)
        for u in units.dropFirst() {
            let parent = try #require(units.first { $0.id == u.parentID })
            #expect(u.path == parent.path + u.code + "/")
        }
    }

    @Test func linkedAssessmentRowsPointAtTheTrueLearner() async throws {
        let c = try await Loaded.country.value
        let truthRows = try readTable(c.dir.appendingPathComponent("truth/assessment_rows.csv"))
        let records = try readTable(c.dir.appendingPathComponent("truth/learner_records.csv"))
        let trueOfRecord = Dictionary(uniqueKeysWithValues: records.map { ($0["sourcedId"]!, $0["true_id"]!) })
        var trueOfRow: [String: String] = [:]
        for t in truthRows { trueOfRow["\(t["file"]!)#\(t["row"]!)"] = t["true_id"] }
        let learners = await c.sink.learners
        let sourced = Dictionary(uniqueKeysWithValues: learners.map { ($0.id, $0.sourceKeys.first { $0.source == "oneroster" }!.key) })
        // Rows: which assessment file row each result came from.
        var checked = 0
        for d in await c.sink.deliveries {
            guard case .assessmentResults(let results) = d.batch else { continue }
            for (r, row) in zip(results, d.rows) {
                let truth = try #require(trueOfRow["\(d.file.path)#\(row)"])
                #expect(trueOfRecord[sourced[r.learnerID]!] == truth)
                checked += 1
            }
        }
        #expect(checked > 0)
        // At least every row without a name defect links (bar namesakes, which are listed).
        let clean = Double(truthRows.filter { $0["name_defect"] == "" }.count) / Double(truthRows.count)
        let linked = Double(c.loaded.assessmentRowsLinked) / Double(c.loaded.assessmentRows)
        let ambiguous = Double(c.loaded.ambiguousAssessmentRows.count) / Double(c.loaded.assessmentRows)
        #expect(linked >= clean - ambiguous, "linked \(linked), clean \(clean)")
        #expect(c.loaded.unmatchedAssessmentRows.count + c.loaded.ambiguousAssessmentRows.count + c.loaded.assessmentRowsLinked
                == c.loaded.assessmentRows)
    }

    @Test func fluencyFollowsTheEGRAFormula() async throws {
        let c = try await Loaded.country.value
        let results = await c.sink.results.filter { $0.subtaskCode == "orf" }
        try #require(!results.isEmpty)
        for r in results {
            guard let a = r.attempted, let i = r.incorrect, let s = r.secondsRemaining, (0..<60).contains(s), i <= a, a <= 60 else {
                #expect(r.score == nil)
                continue
            }
            #expect(r.score == EGRA.fluency(attempted: a, incorrect: i, secondsRemaining: s))
            #expect(r.responses?.count == 60)
        }
        let zeros = results.filter { $0.score == 0 }.count
        #expect(zeros > 0, "some children score zero")
    }

    @Test func teachersCarryBothSourceKeys() async throws {
        let c = try await Loaded.country.value
        for t in await c.sink.teachers {
            #expect(t.sourceKeys.map(\.source) == ["hr", "oneroster"])
        }
    }
}

/// Malformed files are refused with the file, row and column, and a fix.
@Suite struct LoaderBadInputTests {
    private func country(_ name: String) throws -> URL {
        let dir = temporaryFolder(name)
        _ = try generateCountry(CountrySpec(learners: 100, seed: 1, registerYears: [2023], teacherAttendanceYears: []), to: dir)
        return dir
    }

    private func rewrite(_ url: URL, _ transform: ([String]) -> [String]) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try transform(lines).joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    @Test func aMissingColumnNamesFileRowAndColumn() async throws {
        let dir = try country("missing-column")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Drop the "sex" column (the 4th) from the HR export.
        try rewrite(dir.appendingPathComponent("hr/teachers.csv")) { lines in
            lines.map { line in
                var parts = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if parts.count > 3 { parts.remove(at: 3) }
                return parts.joined(separator: ",")
            }
        }
        let error = await #expect(throws: InputError.self) {
            _ = try await SyntheticCountryLoader().load(from: dir, into: CollectingSink())
        }
        #expect(error?.file == "hr/teachers.csv")
        #expect(error?.row == 1)
        #expect(error?.column == "sex")
        #expect(error?.description.contains("Export") == true)
    }

    @Test func aBadDateNamesFileRowAndColumn() async throws {
        let dir = try country("bad-date")
        defer { try? FileManager.default.removeItem(at: dir) }
        try rewrite(dir.appendingPathComponent("oneroster/demographics.csv")) { lines in
            var lines = lines
            var parts = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            parts[3] = "31/02/2016"
            lines[3] = parts.joined(separator: ",")
            return lines
        }
        let error = await #expect(throws: InputError.self) {
            _ = try await SyntheticCountryLoader().load(from: dir, into: CollectingSink())
        }
        #expect(error?.file == "oneroster/demographics.csv")
        #expect(error?.row == 4)
        #expect(error?.column == "birthDate")
    }

    @Test func anUnknownAttendanceMarkIsRefused() async throws {
        let dir = try country("bad-mark")
        defer { try? FileManager.default.removeItem(at: dir) }
        let registers = dir.appendingPathComponent("registers/2023")
        let school = try #require(try FileManager.default.contentsOfDirectory(atPath: registers.path).sorted().first)
        let file = registers.appendingPathComponent(school).appendingPathComponent("2023-02.csv")
        try rewrite(file) { lines in
            var lines = lines
            var parts = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            parts[5 + 1] = "X"  // d02
            lines[1] = parts.joined(separator: ",")
            return lines
        }
        let error = await #expect(throws: InputError.self) {
            _ = try await SyntheticCountryLoader().load(from: dir, into: CollectingSink())
        }
        #expect(error?.file == "registers/2023/\(school)/2023-02.csv")
        #expect(error?.row == 2)
        #expect(error?.column == "d02")
    }

    @Test func aMissingCensusIsRefused() async throws {
        let dir = try country("no-census")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("census"))
        let error = await #expect(throws: InputError.self) {
            _ = try await SyntheticCountryLoader().load(from: dir, into: CollectingSink())
        }
        #expect(error?.file == "census/")
    }
}

@Suite struct LoadedCalendarTests {
    @Test func academicYearsHaveTermsAndHolidaysFromTheSources() async throws {
        let c = try await Loaded.country.value
        var years: [AcademicYear] = []
        for d in await c.sink.deliveries { if case .academicYears(let a) = d.batch { years += a } }
        #expect(years.map(\.id) == [2023, 2024, 2025])
        for y in years {
            #expect(y.terms.count == 3)
            #expect(y.start == y.terms[0].start && y.end == y.terms[2].end)
            #expect(y.holidays.contains { $0.name == "Good Friday" || $0.name == "Easter Monday" })
            // Jan–Nov, about 190 school days.
            #expect(y.start.month == 1 && y.end.month == 11)
            #expect((170...200).contains(y.schoolDays.count), "\(y.schoolDays.count) school days")
        }
    }
}
