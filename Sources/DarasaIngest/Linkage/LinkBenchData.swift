import DarasaCore
import Foundation

/// A generated country's sources as linkage input, with the generator's truth beside them (for
/// `darasa bench link` and the linkage tests): one record per school-system learner, one per
/// enrolment, one per assessment row.
public struct LinkBenchData: Sendable {
    public var records: [LinkRecord] = []       // one per SMS learner record
    public var trueID: [String] = []            // per record
    public var stays: [LinkRecord] = []         // one per enrolment (learner-year-school-grade)
    public var stayLearner: [Int] = []          // stay → record index
    public var rows: [LinkRecord] = []          // assessment rows
    public var rowTrueID: [String] = []
    public var learnerByTrueID: [String: Int] = [:]

    public init(_ dir: URL) throws {
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

    /// How many of `pairs` blocking proposes (share a blocking key other than the class): the
    /// blocking recall, checked pair by pair rather than by listing every candidate (10⁸ at a
    /// million learners).
    public static func blocked(_ pairs: Set<[Int]>, in records: [LinkRecord]) -> Int {
        pairs.filter { p in
            let a = Set(Linker.indexKeys(records[p[0]]).filter { !$0.hasPrefix("C") })
            return Linker.keys(records[p[1]]).contains { !$0.hasPrefix("C") && a.contains($0) }
        }.count
    }
}
