import DarasaTestSupport
import DarasaCore
import DarasaGenerator
import Foundation
import Testing

/// The synthetic country's statistics fall in the bands the issue asks for. Bands are wide enough
/// for a 6,000-learner country's sampling noise; each names the quantity it checks.
@Suite struct RealismTests {
    @Test func girlsAreAboutHalfOfEnrolment() throws {
        let (dir, _) = try SharedCountry.get()
        let sex = Dictionary(uniqueKeysWithValues: try readTable(dir.appendingPathComponent("truth/learners.csv")).map { ($0["true_id"]!, $0["sex"]!) })
        let stays = try readTable(dir.appendingPathComponent("truth/outcomes.csv"))
        let girls = stays.filter { sex[$0["true_id"]!] == "female" }.count
        let share = Double(girls) / Double(stays.count)
        #expect((0.47...0.51).contains(share), "girls' share of enrolment \(share)")
    }

    @Test func dropoutRepetitionAndDisabilityRatesAreRealistic() throws {
        let (dir, summary) = try SharedCountry.get()
        let stays = summary.outcomes.values.reduce(0, +)
        let dropout = Double(summary.outcomes["dropped_out"] ?? 0) / Double(stays)
        let repetition = Double(summary.outcomes["repeated"] ?? 0) / Double(stays)
        #expect((0.015...0.06).contains(dropout), "dropout rate per learner-year \(dropout)")
        #expect((0.04...0.14).contains(repetition), "repetition rate \(repetition)")
        let learners = try readTable(dir.appendingPathComponent("truth/learners.csv"))
        let disabled = Double(learners.filter { $0["has_disability"] == "true" }.count) / Double(learners.count)
        #expect((0.025...0.06).contains(disabled), "Washington Group disability share \(disabled)")
    }

    @Test func manyPoorRuralGrade2ChildrenScoreZeroInOralReading() throws {
        let (dir, _) = try SharedCountry.get()
        let schools = Dictionary(uniqueKeysWithValues: try readTable(dir.appendingPathComponent("truth/schools.csv")).map { ($0["school_code"]!, $0) })
        let truthRows = try readTable(dir.appendingPathComponent("truth/assessment_rows.csv"))
        let corrupted = Set(truthRows.filter { !($0["score_defect"] ?? "").isEmpty }.map { "\($0["file"]!)#\($0["row"]!)" })
        var poorRural = (zero: 0, all: 0), urban = (zero: 0, all: 0)
        for url in files(dir, "assessments", suffix: ".csv") where url.lastPathComponent.hasPrefix("egra_") {
            for (i, row) in try readTable(url).enumerated() where row["instrument"] == "EGRA-SWA" && row["grade"] == "2" {
                guard !corrupted.contains("assessments/\(url.lastPathComponent)#\(i + 2)"),
                      let school = schools[row["school_code"]!] else { continue }
                let zero = row["orf_attempted"] == row["orf_incorrect"]
                if school["urban"] == "false", let p = Double(school["poverty"]!), p >= 0.5 {
                    poorRural.all += 1
                    if zero { poorRural.zero += 1 }
                } else if school["urban"] == "true" {
                    urban.all += 1
                    if zero { urban.zero += 1 }
                }
            }
        }
        try #require(poorRural.all >= 50)
        let share = Double(poorRural.zero) / Double(poorRural.all)
        #expect((0.30...0.55).contains(share), "grade-2 ORF zero share in poor rural schools \(share) of \(poorRural.all)")
        if urban.all >= 30 {
            #expect(Double(urban.zero) / Double(urban.all) < share, "urban children score zero less often")
        }
    }

    @Test func teachersAreUnevenlySpread() throws {
        let (dir, _) = try SharedCountry.get()
        let schools = try readTable(dir.appendingPathComponent("truth/schools.csv"))
        let ptrs = schools.compactMap { Double($0["target_ptr"]!) }
        #expect((ptrs.min() ?? 99) <= 35, "lowest pupil–teacher ratio \(ptrs.min() ?? 0)")
        #expect((ptrs.max() ?? 0) >= 60, "highest pupil–teacher ratio \(ptrs.max() ?? 0)")
    }

    @Test func attendanceFallsBeforeADropout() throws {
        // Given the first year's registers and the true last day each dropout attended
        let (dir, _) = try SharedCountry.get()
        let outcomes = try readTable(dir.appendingPathComponent("truth/outcomes.csv")).filter { $0["year"] == "2023" }
        var lastDay: [String: Day] = [:]
        for o in outcomes where o["outcome"] == "dropped_out" {
            if let d = Day(iso: o["last_day_attended"]!), d < Day(iso: "2023-10-15")! { lastDay[o["sourcedId"]!] = d }
        }
        try #require(lastDay.count >= 10)
        var before = (absent: 0, marked: 0), everyone = (absent: 0, marked: 0)
        let registers = dir.appendingPathComponent("registers/2023")
        for school in try FileManager.default.contentsOfDirectory(atPath: registers.path).sorted() {
            for url in files(registers, school, suffix: ".csv") {
                let month = Int(url.lastPathComponent.dropFirst(5).prefix(2))!
                for row in try readTable(url) {
                    let id = row["learner_id"]!
                    for d in 1...31 {
                        let mark = row[String(format: "d%02d", d)] ?? ""
                        guard !mark.isEmpty, let day = Day(year: 2023, month: month, day: d) else { continue }
                        let absent = mark == "A" || mark == "E"
                        everyone.marked += 1
                        if absent { everyone.absent += 1 }
                        if let last = lastDay[id], day <= last, last - day < 30 {
                            before.marked += 1
                            if absent { before.absent += 1 }
                        }
                    }
                }
            }
        }
        // Then absence in the month before dropping out is at least twice the usual rate
        let usual = Double(everyone.absent) / Double(everyone.marked)
        let preDropout = Double(before.absent) / Double(max(1, before.marked))
        #expect(usual > 0.04 && usual < 0.2, "usual absence rate \(usual)")
        #expect(preDropout >= 2 * usual, "absence before dropout \(preDropout) vs usual \(usual)")
    }

    @Test func coachingReachesSomeSchoolsMoreThanOthers() throws {
        let (dir, _) = try SharedCountry.get()
        struct File: Decodable {
            struct Visit: Decodable { var schoolCode: String; var purpose: String }
            var visits: [Visit]
        }
        var perSchool: [String: Int] = [:]
        for url in files(dir, "visits", suffix: ".json") {
            for v in try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).visits where v.purpose == "coaching" {
                perSchool[v.schoolCode, default: 0] += 1
            }
        }
        let schools = try readTable(dir.appendingPathComponent("truth/schools.csv")).map { $0["school_code"]! }
        let counts = schools.map { perSchool[$0] ?? 0 }
        #expect(counts.filter { $0 == 0 }.count >= schools.count / 4, "many schools never coached")
        #expect((counts.max() ?? 0) >= 10, "some schools coached often")
    }
}
