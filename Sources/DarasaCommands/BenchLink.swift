import ArgumentParser
import DarasaCore
import DarasaGenerator
import DarasaIngest
import Foundation

/// Links a generated country's sources and scores the links against the generator's truth:
/// duplicate SMS records of one child (within OneRoster), and assessment rows (names, school,
/// grade, sex, age — no ID) to the SMS's learners.
struct BenchLink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "link",
        abstract: "Probabilistic linkage on a generated country: throughput, and precision, recall and F1 against the truth (JSON).")

    @Option(help: "Learners in the generated country.")
    var learners: Int = 20_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Use this already generated country instead of generating one.")
    var country: String?

    @Option(help: "Weight (bits) at or above which a pair is linked.")
    var upper: Double = 6

    @Option(help: "Weight below which a pair is not linked (between: review).")
    var lower: Double = 0

    func run() async throws {
        try await runReportingErrors {
            let dir: URL
            var generated: URL?
            if let country { dir = URL(fileURLWithPath: country) } else {
                dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-bench-link-\(UUID().uuidString)")
                var spec = CountrySpec(learners: learners, seed: seed)
                spec.registerYears = []
                spec.teacherAttendanceYears = []
                _ = try generateCountry(spec, to: dir)
                generated = dir
            }
            defer { if let generated { try? FileManager.default.removeItem(at: generated) } }
            let clock = ContinuousClock()
            let t0 = clock.now
            let data = try LinkBenchData(dir)
            let readSeconds = (clock.now - t0).seconds
            let linker = Linker(upper: upper, lower: lower)

            // 1. Duplicates inside the SMS.
            let t1 = clock.now
            let dedupe = try linker.deduplicate(data.records)
            let dedupeSeconds = (clock.now - t1).seconds
            var truePairs = Set<[Int]>()
            for (_, list) in Dictionary(grouping: data.records.indices, by: { data.trueID[$0] }) where list.count > 1 {
                for a in list { for b in list where a < b { truePairs.insert([a, b]) } }
            }
            let found = Set(dedupe.pairs.filter { $0.decision == .link }.map { [$0.left, $0.right] })
            let reviewD = dedupe.pairs.filter { $0.decision == .review }.count
            let blocked = Set(LinkBenchData.candidatePairs(data.records))
            let dScore = Score(truth: truePairs, found: found, blocked: truePairs.intersection(blocked).count)

            // 2. Assessment rows → learners (each learner-year is a stored record).
            if ProcessInfo.processInfo.environment["DARASA_DEBUG_LINK"] != nil {
                let r0 = data.rows[0]
                print("row0", r0.given, r0.family, r0.school as Any, r0.grade as Any, r0.year as Any)
                for (i, s) in data.stays.enumerated() where s.school == r0.school && s.grade == r0.grade && s.year == r0.year && s.family == r0.family {
                    print("stay", i, s.given, s.family, Linker.debugCompare(s, r0))
                }
            }
            let t2 = clock.now
            let cross = try linker.link(data.rows, to: data.stays, entity: data.stayLearner)
            let crossSeconds = (clock.now - t2).seconds
            let links = cross.pairs.filter { $0.decision == .link }
            var correct = 0
            for p in links where data.trueID[data.stayLearner[p.left]] == data.rowTrueID[p.right] { correct += 1 }
            let rowsWithMatch = data.rowTrueID.indices.filter { data.learnerByTrueID[data.rowTrueID[$0]] != nil }.count
            let reviewRows = Set(cross.pairs.filter { $0.decision == .review }.map(\.right)).count
            let cp = links.isEmpty ? 0 : Double(correct) / Double(links.count)
            let cr = rowsWithMatch == 0 ? 0 : Double(correct) / Double(rowsWithMatch)
            let result: [String: Any] = [
                "benchmark": "link", "learners": learners, "seed": seed, "read_seconds": readSeconds,
                "thresholds": ["upper_bits": upper, "lower_bits": lower],
                "duplicates": [
                    "records": data.records.count, "comparisons": dedupe.comparisons, "seconds": dedupeSeconds,
                    "records_per_second": Double(data.records.count) / max(dedupeSeconds, 1e-9),
                    "true_pairs": truePairs.count, "linked": found.count, "review": reviewD,
                    "precision": dScore.precision, "recall": dScore.recall, "f1": dScore.f1,
                    "blocking_recall": dScore.blockingRecall, "em_iterations": dedupe.emIterations, "lambda": dedupe.model.lambda,
                    "m": dedupe.model.m, "u": dedupe.model.u,
                ],
                "assessment_rows": [
                    "rows": data.rows.count, "stored_records": data.stays.count, "comparisons": cross.comparisons, "seconds": crossSeconds,
                    "rows_per_second": Double(data.rows.count) / max(crossSeconds, 1e-9),
                    "rows_with_a_true_match": rowsWithMatch, "linked": links.count, "correct": correct, "review": reviewRows,
                    "precision": cp, "recall": cr, "f1": cp + cr > 0 ? 2 * cp * cr / (cp + cr) : 0,
                    "em_iterations": cross.emIterations, "lambda": cross.model.lambda, "m": cross.model.m, "u": cross.model.u,
                ],
            ]
            let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: json, as: UTF8.self))
        }
    }

    struct Score {
        var precision: Double, recall: Double, f1: Double, blockingRecall: Double
        init(truth: Set<[Int]>, found: Set<[Int]>, blocked: Int) {
            let tp = Double(truth.intersection(found).count)
            precision = found.isEmpty ? 0 : tp / Double(found.count)
            recall = truth.isEmpty ? 0 : tp / Double(truth.count)
            f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            blockingRecall = truth.isEmpty ? 1 : Double(blocked) / Double(truth.count)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// The generated files as linkage input, with the truth beside them.
struct LinkBenchData {
    var records: [LinkRecord] = []       // one per SMS learner record
    var trueID: [String] = []            // per record
    var stays: [LinkRecord] = []         // one per enrolment (learner-year-school-grade)
    var stayLearner: [Int] = []          // stay → record index
    var rows: [LinkRecord] = []          // assessment rows
    var rowTrueID: [String] = []
    var learnerByTrueID: [String: Int] = [:]

    init(_ dir: URL) throws {
        func table(_ path: String) throws -> (CSVTable, [String: Int]) {
            let t = try CSVTable(url: dir.appendingPathComponent(path), file: path, options: ReadOptions())
            return (t, Dictionary(t.header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }))
        }
        var r = CSVRecord()
        // Schools and their districts from the OneRoster orgs.
        var orgs: [String: (type: String, id: String, parent: String)] = [:]
        var (t, h) = try table("oneroster/orgs.csv")
        while try t.next(into: &r) != nil { orgs[r[h["sourcedId"]!]] = (r[h["type"]!], r[h["identifier"]!], r[h["parentSourcedId"]!]) }
        func district(_ org: String) -> String? {
            var o = org
            for _ in 0..<6 { guard let x = orgs[o] else { return nil }; if x.type == "district" { return x.id }; o = x.parent }
            return nil
        }
        var schoolCode: [String: Int64] = [:]
        for (k, v) in orgs where v.type == "school" { schoolCode[k] = Int64(v.id) ?? Int64(abs(v.id.hashValue % 1_000_000)) }
        var codeToSchool: [String: Int64] = [:]
        for (_, v) in orgs where v.type == "school" { codeToSchool[v.id] = Int64(v.id) ?? 0 }
        var names: [String: (String, String)] = [:]
        (t, h) = try table("oneroster/users.csv")
        while try t.next(into: &r) != nil { names[r[h["sourcedId"]!]] = (r[h["givenName"]!], r[h["familyName"]!]) }
        var truth: [String: String] = [:]
        (t, h) = try table("truth/learner_records.csv")
        while try t.next(into: &r) != nil { truth[r[h["sourcedId"]!]] = r[h["true_id"]!] }
        // Classes → grade and year; enrollments → stays.
        var classes: [String: (grade: Int, year: Int)] = [:]
        var courseYear: [String: Int] = [:]
        var sessionYear: [String: Int] = [:]
        (t, h) = try table("oneroster/academicSessions.csv")
        while try t.next(into: &r) != nil { sessionYear[r[h["sourcedId"]!]] = Int(r[h["schoolYear"]!]) }
        (t, h) = try table("oneroster/courses.csv")
        while try t.next(into: &r) != nil { courseYear[r[h["sourcedId"]!]] = sessionYear[r[h["schoolYearSourcedId"]!]] }
        (t, h) = try table("oneroster/classes.csv")
        while try t.next(into: &r) != nil {
            classes[r[h["sourcedId"]!]] = (Int(r[h["grades"]!]) ?? 0, courseYear[r[h["courseSourcedId"]!]] ?? 0)
        }
        var spans: [String: [(school: String, grade: Int, year: Int, start: Day?, end: Day?)]] = [:]
        (t, h) = try table("oneroster/enrollments.csv")
        while try t.next(into: &r) != nil {
            guard r[h["role"]!] == "student", let c = classes[r[h["classSourcedId"]!]] else { continue }
            spans[r[h["userSourcedId"]!], default: []].append((r[h["schoolSourcedId"]!], c.grade, c.year, Day(iso: r[h["beginDate"]!]), Day(iso: r[h["endDate"]!])))
        }
        var index: [String: Int] = [:]
        (t, h) = try table("oneroster/demographics.csv")
        while try t.next(into: &r) != nil {
            let id = r[h["sourcedId"]!]
            guard let (given, family) = names[id], let list = spans[id], let last = list.max(by: { $0.year < $1.year }) else { continue }
            let sex = Sex(rawValue: r[h["sex"]!])
            let birth = Day(iso: r[h["birthDate"]!])
            let first = list.compactMap(\.start).min()
            let lastDay = list.compactMap { $0.end ?? Day(year: $0.year, month: 11, day: 30) }.max()
            index[id] = records.count
            records.append(LinkRecord(given: given, family: family, sex: sex, birth: birth, school: schoolCode[last.school],
                                      area: district(last.school), grade: last.grade, year: last.year, firstDay: first, lastDay: lastDay))
            trueID.append(truth[id] ?? id)
            learnerByTrueID[truth[id] ?? id] = records.count - 1
            for s in list {
                stays.append(LinkRecord(given: given, family: family, sex: sex, birth: birth, school: schoolCode[s.school],
                                        area: district(s.school), grade: s.grade, year: s.year))
                stayLearner.append(records.count - 1)
            }
        }
        // Assessment rows with their truth.
        var rowTruth: [String: String] = [:]
        (t, h) = try table("truth/assessment_rows.csv")
        while try t.next(into: &r) != nil { rowTruth[r[h["file"]!] + "#" + r[h["row"]!]] = r[h["true_id"]!] }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("assessments").path)) ?? []).sorted()
        for f in files where f.hasSuffix(".csv") {
            let path = "assessments/" + f
            (t, h) = try table(path)
            let egra = f.hasPrefix("egra")
            let cols = egra ? ["learner_given_name", "learner_family_name", "sex", "assessment_date"] : ["child_first_name", "child_last_name", "gender", "test_date"]
            while let n = try t.next(into: &r) {
                let date = egra ? Day(iso: r[h[cols[3]]!]) : DateFormat("DD/MM/YYYY")?.parse(r[h[cols[3]]!])
                let year = date?.year
                rows.append(LinkRecord(given: r[h[cols[0]]!], family: r[h[cols[1]]!], sex: Sex(rawValue: r[h[cols[2]]!].lowercased() == "f" || r[h[cols[2]]!].lowercased() == "female" ? "female" : "male"),
                                       birthYear: year.flatMap { y in Int(r[h["age"]!]).map { y - $0 } }, school: codeToSchool[r[h["school_code"]!]],
                                       grade: Int(r[h["grade"]!]), year: year))
                rowTrueID.append(rowTruth[path + "#\(n)"] ?? "")
            }
        }
    }

    /// Every pair blocking proposes (for blocking recall).
    static func candidatePairs(_ records: [LinkRecord]) -> [[Int]] {
        let index = Linker.blockIndex(records)
        var out: [[Int]] = []
        for (j, r) in records.enumerated() {
            var seen = Set<Int>()
            for k in Linker.keys(r) where !k.hasPrefix("C") { for i in index[k] ?? [] where i < j && seen.insert(i).inserted { out.append([i, j]) } }
        }
        return out
    }
}
