import DarasaTestSupport
import DarasaCore
import DarasaGenerator
import DarasaIngest
import Foundation
import Testing

/// The ground truth agrees with the data it describes.
@Suite struct TruthTests {
    @Test func everyRecordOfEverySourceHasATrueIdentity() throws {
        let (dir, summary) = try SharedCountry.get()
        let records = try readTable(dir.appendingPathComponent("truth/learner_records.csv"))
        let trueOf = Dictionary(uniqueKeysWithValues: records.map { ($0["sourcedId"]!, $0["true_id"]!) })
        #expect(records.count == summary.learnerRecords)
        #expect(records.filter { $0["is_duplicate"] == "true" }.count == summary.defects["duplicate_learner"])
        // OneRoster students are exactly the truth's records.
        let demographics = try readTable(dir.appendingPathComponent("oneroster/demographics.csv"))
        #expect(Set(demographics.map { $0["sourcedId"]! }) == Set(trueOf.keys))
        // Register rows name known records.
        for url in files(dir.appendingPathComponent("registers/2024"), try firstSchool(dir, year: 2024), suffix: ".csv") {
            for row in try readTable(url) { #expect(trueOf[row["learner_id"]!] != nil) }
        }
        // Assessment rows: one truth row each, and clean rows carry the true names.
        let learners = Dictionary(uniqueKeysWithValues: try readTable(dir.appendingPathComponent("truth/learners.csv")).map { ($0["true_id"]!, $0) })
        let truthRows = try readTable(dir.appendingPathComponent("truth/assessment_rows.csv"))
        #expect(truthRows.count == summary.egraRows + summary.aserRows)
        var byPlace: [String: [String: String]] = [:]
        for t in truthRows { byPlace["\(t["file"]!)#\(t["row"]!)"] = t }
        let egra = try readTable(dir.appendingPathComponent("assessments/egra_2024_1.csv"))
        try #require(!egra.isEmpty)
        for (i, row) in egra.enumerated() {
            let t = try #require(byPlace["assessments/egra_2024_1.csv#\(i + 2)"])
            #expect(trueOf[t["sourcedId"]!] == t["true_id"])
            if t["name_defect"] == "" {
                let truth = try #require(learners[t["true_id"]!])
                #expect(row["learner_given_name"] == truth["given_name"])
                #expect(row["learner_family_name"] == truth["family_name"])
            }
        }
    }

    @Test func everyDefectCanBeFoundWhereTheTruthSaysItIs() throws {
        let (dir, summary) = try SharedCountry.get()
        let defects = try readTable(dir.appendingPathComponent("truth/defects.csv"))
        #expect(defects.count == summary.defects.values.reduce(0, +))
        let demographics = try readTable(dir.appendingPathComponent("oneroster/demographics.csv"))
        let learners = Dictionary(uniqueKeysWithValues: try readTable(dir.appendingPathComponent("truth/learners.csv")).map { ($0["true_id"]!, $0) })
        var checked = 0
        for d in defects where d["file"] == "oneroster/demographics.csv" {
            let row = demographics[Int(d["row"]!)! - 2]
            #expect(row["birthDate"] == d["injected_value"])
            #expect(learners[d["key"]!]?["birth_date"] == d["original_value"])
            checked += 1
        }
        #expect(checked > 0)
        for d in defects where d["type"] == "missing_register_month" {
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(d["file"]!).path))
        }
        var tables: [String: [[String: String]]] = [:]
        func table(_ file: String) throws -> [[String: String]] {
            if let t = tables[file] { return t }
            let t = try readTable(dir.appendingPathComponent(file))
            tables[file] = t
            return t
        }
        for d in defects where d["type"] == "out_of_range_score" {
            let table = try table(d["file"]!)
            #expect(table[Int(d["row"]!)! - 2][d["column"]!] == d["injected_value"])
        }
        for d in defects where d["type"] == "transposed_name" && d["file"]!.contains("egra") {
            let table = try table(d["file"]!)
            let row = table[Int(d["row"]!)! - 2]
            #expect("\(row["learner_given_name"]!) | \(row["learner_family_name"]!)" == d["injected_value"])
        }
    }

    @Test func dropoutsDoNotComeBack() throws {
        let (dir, _) = try SharedCountry.get()
        let outcomes = try readTable(dir.appendingPathComponent("truth/outcomes.csv"))
        var dropped: [String: Int] = [:]
        for o in outcomes where o["outcome"] == "dropped_out" { dropped[o["true_id"]!] = Int(o["year"]!) }
        for o in outcomes {
            if let year = dropped[o["true_id"]!] { #expect(Int(o["year"]!)! <= year) }
        }
    }

    @Test func defectsAppearAtTheirConfiguredRates() throws {
        // Given high rates, so that a small country measures them well
        let dir = temporaryFolder("rates")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rate = 0.2
        let rates = DefectRates(duplicateLearner: rate, misspelledName: rate, transposedName: rate, dayMonthSwap: rate,
                                impossibleAge: rate, missingCensus: rate, lateCensus: rate, missingRegisterMonth: rate,
                                outOfRangeScore: rate, enrolmentSpike: rate, teacherCountMismatch: rate)
        let s = try generateCountry(CountrySpec(learners: 3_000, seed: 5, defects: rates), to: dir)
        let schoolYears = Double(s.schools * s.years.count)
        let assessmentRows = Double(s.egraRows + s.aserRows)
        func near(_ type: String, _ denominator: Double, expected: Double, _ tolerance: Double) {
            let observed = Double(s.defects[type] ?? 0) / denominator
            #expect(abs(observed - expected) <= tolerance, "\(type): \(observed) vs \(expected)")
        }
        // Then each realised rate is near its configured rate (tolerance ≈ 4 standard errors)
        near("missing_census", schoolYears, expected: rate, 0.15)
        near("late_census", Double(s.censusReturns), expected: rate, 0.15)
        near("missing_register_month", Double(s.filesBySource["registers"]! + s.defects["missing_register_month"]!), expected: rate, 0.05)
        near("transposed_name", assessmentRows, expected: rate, 0.05)
        near("misspelled_name", assessmentRows, expected: rate * (1 - rate), 0.05)
        near("out_of_range_score", Double(s.egraRows), expected: rate, 0.05)
        near("impossible_age", Double(s.learnerRecords), expected: rate, 0.04)
        near("teacher_count_mismatch", Double(s.censusReturns), expected: rate, 0.15)
        near("enrolment_spike", Double(s.censusReturns) * 8, expected: rate * 2 / 8, 0.06)
        // Duplicates: per child who has a later enrolment (not every child has one).
        let dupShare = Double(s.defects["duplicate_learner"] ?? 0) / Double(s.learners)
        #expect(dupShare > 0.5 * rate && dupShare <= rate + 0.03, "duplicate share \(dupShare)")
    }

    @Test func noDefectsMeansCleanData() throws {
        let dir = temporaryFolder("clean")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try generateCountry(CountrySpec(learners: 300, seed: 9, defects: .none), to: dir)
        #expect(s.defects.values.allSatisfy { $0 == 0 })
        #expect(s.learnerRecords == s.learners)
        let defects = try readTable(dir.appendingPathComponent("truth/defects.csv"))
        #expect(defects.isEmpty)
    }

    private func firstSchool(_ dir: URL, year: Int) throws -> String {
        try #require(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("registers/\(year)").path).sorted().first)
    }
}
