import DarasaCore
import DarasaStore
import Foundation

/// One thing wrong (or worth a look) in a school's data: what, where, and what to do.
public struct QualityFinding: Sendable, Hashable, Codable {
    public var rule: String
    public var check: QualityCheck
    public var severity: QualitySeverity
    public var schoolID: Int64
    public var yearID: Int
    /// The period it is about: the school year ("2024") or a month ("2024-03").
    public var period: String
    /// The record(s) involved: a learner id, a result id, a grade, a pair of learners.
    public var recordKey: String
    public var value: String?
    public var expected: String?
    /// Plain language, without names (names are added on the school's own pages).
    public var message: String
    public var fix: String

    public var dimension: QualityDimension { check.dimension }
    public var domain: QualityDomain { check.domain }
    /// Kept across runs. A finding about a learner is the same finding next year (a confirmed
    /// over-age learner stays confirmed), so its year is not part of it.
    public var fingerprint: String {
        recordKey.hasPrefix("learner:") ? "\(rule)|\(schoolID)|\(recordKey)" : "\(rule)|\(schoolID)|\(yearID)|\(period)|\(recordKey)"
    }
}

/// How many units a rule checked at a school in a year, and how many failed: the scorecards
/// are sums of these, so any level's score is exact.
public struct QualityCount: Sendable, Hashable {
    public var schoolID: Int64
    public var yearID: Int
    public var checked: Int
    public var failed: Int
}

/// What one run of the checks did.
public struct QualityRunReport: Sendable, Codable {
    public var rules: Int
    public var schools: Int
    public var findings: Int
    public var opened: Int
    public var fixed: Int
    public var seconds: Double
    public var byRule: [String: Int]
}

/// Runs a rules file's checks over the store. Each check is a few set-wise queries (over the
/// summary tables where one exists), so a run over a whole country takes seconds; findings are
/// kept by fingerprint so that a resolution sticks across runs and a finding that no longer
/// fires is closed as fixed.
public struct QualityEngine: Sendable {
    public let store: DarasaStore
    public let rules: QualityRules
    /// "Today", for what is due (tests and the bench pin it).
    public var today: Day

    public init(store: DarasaStore, rules: QualityRules, today: Day = Day(daysSinceEpoch: Int32(Date().timeIntervalSince1970 / 86_400))) {
        self.store = store
        self.rules = rules
        self.today = today
    }

    /// Evaluates every enabled rule without storing anything.
    public func evaluate() async throws -> (findings: [QualityFinding], counts: [String: [QualityCount]]) {
        var findings: [QualityFinding] = []
        var counts: [String: [QualityCount]] = [:]
        let ctx = try await Context.load(store.database)
        // Rules only read, so they run side by side (SQLite's WAL readers, PostgreSQL's pool),
        // as many at once as there are cores; results are put back in the rules file's order.
        let rules = rules.enabled
        let lanes = max(1, min(rules.count, ProcessInfo.processInfo.activeProcessorCount))
        var results = [([QualityFinding], [QualityCount])?](repeating: nil, count: rules.count)
        try await withThrowingTaskGroup(of: (Int, [QualityFinding], [QualityCount]).self) { group in
            var next = 0
            func start() {
                let i = next
                next += 1
                group.addTask { let (f, c) = try await evaluate(rules[i], ctx); return (i, f, c) }
            }
            while next < min(lanes, rules.count) { start() }
            for try await (i, f, c) in group {
                results[i] = (f, c)
                if next < rules.count { start() }
            }
        }
        for (rule, result) in zip(rules, results) {
            guard let (f, c) = result else { continue }
            findings += f
            counts[rule.name] = c
        }
        return (findings, counts)
    }

    /// Evaluates and stores: new findings open, findings that stopped firing close as fixed,
    /// resolved ones stay resolved unless their value changed. Audited.
    public func run(actor: String) async throws -> QualityRunReport {
        let started = Date()
        let (findings, counts) = try await evaluate()
        let now = Clock.now()
        let rulesText = rules.file
        let (opened, fixed) = try await store.database.transaction { c in
            try await QualityStore.save(findings: findings, counts: counts, rules: rules, now: now, on: c)
        }
        let schools = Set(counts.values.flatMap { $0.map(\.schoolID) }).count
        let seconds = Date().timeIntervalSince(started)
        try await store.database.execute("INSERT INTO quality_runs (at, actor, rules, schools, findings, seconds) VALUES (?, ?, ?, ?, ?, ?)",
                                         .int(now), .text(actor), .text(rulesText), .int(Int64(schools)), .int(Int64(findings.count)), .double(seconds))
        try await store.audit(actor: actor, action: "quality.run", target: rulesText,
                              detail: "\(findings.count) findings, \(opened) new, \(fixed) fixed")
        return QualityRunReport(rules: rules.enabled.count, schools: schools, findings: findings.count, opened: opened, fixed: fixed,
                                seconds: seconds, byRule: Dictionary(grouping: findings, by: \.rule).mapValues(\.count))
    }

    /// What every check needs: the calendar, and where each school sits.
    struct Context: Sendable {
        var years: [(id: Int, start: Day, end: Day)]
        var terms: [(year: Int, start: Day, end: Day)]
        /// School → its district (the org unit at depth 2) for peer comparisons.
        var district: [Int64: String]

        static func load(_ db: any SQLDatabase) async throws -> Context {
            let years = try await db.query("SELECT id, start_date, end_date FROM academic_years ORDER BY id").compactMap { r -> (Int, Day, Day)? in
                guard let id = r.int(0), let s = r.text(1).flatMap(Day.init(iso:)), let e = r.text(2).flatMap(Day.init(iso:)) else { return nil }
                return (Int(id), s, e)
            }
            let terms = try await db.query("SELECT year_id, start_date, end_date FROM terms").compactMap { r -> (Int, Day, Day)? in
                guard let y = r.int(0), let s = r.text(1).flatMap(Day.init(iso:)), let e = r.text(2).flatMap(Day.init(iso:)) else { return nil }
                return (Int(y), s, e)
            }
            var district: [Int64: String] = [:]
            for r in try await db.query("SELECT s.id, o.path FROM schools s JOIN org_units o ON o.id = s.id") {
                let parts = (r.text(1) ?? "").split(separator: "/")
                district[r.int(0) ?? 0] = parts.count > 3 ? parts.prefix(3).joined(separator: "/") : parts.dropLast().joined(separator: "/")
            }
            return Context(years: years, terms: terms, district: district)
        }

        func yearName(_ id: Int) -> String { "\(id)" }
    }

    /// The first `monthDay` (MM-DD) on or after the ISO date `start`: a school year that starts in
    /// September has its April deadline in the next calendar year.
    public static func onOrAfter(_ start: String, _ monthDay: String) -> String {
        let year = Int(start.prefix(4)) ?? 0
        let candidate = String(format: "%04d-", year) + monthDay
        return candidate >= String(start.prefix(10)) ? candidate : String(format: "%04d-", year + 1) + monthDay
    }

    /// Per school, year and grade: a count (`counts` selects school_id, year_id, grade, n) beside
    /// the learners enrolled in that grade.
    static func againstEnrolled(_ db: any SQLDatabase, counts: String) async throws -> [(school: Int64, year: Int, grade: Int64, count: Int64, enrolled: Int64)] {
        try await db.query("""
            SELECT a.school_id, a.year_id, a.grade, a.n, COALESCE(s.n, 0) FROM (\(counts)) a
            LEFT JOIN (SELECT school_id, year_id, grade, CAST(SUM(learners) AS BIGINT) AS n FROM summary_enrolment GROUP BY school_id, year_id, grade) s
              ON s.school_id = a.school_id AND s.year_id = a.year_id AND s.grade = a.grade
            """).map { ($0.int(0) ?? 0, Int($0.int(1) ?? 0), $0.int(2) ?? 0, $0.int(3) ?? 0, $0.int(4) ?? 0) }
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    func evaluate(_ rule: QualityRule, _ ctx: Context) async throws -> ([QualityFinding], [QualityCount]) {
        let db = store.database
        var findings: [QualityFinding] = []
        var counts: [Int64: [Int: (Int, Int)]] = [:]
        func count(_ school: Int64, _ year: Int, checked: Int, failed: Int) {
            let old = counts[school, default: [:]][year] ?? (0, 0)
            counts[school, default: [:]][year] = (old.0 + checked, old.1 + failed)
        }
        func find(_ school: Int64, _ year: Int, period: String? = nil, key: String, value: String?, expected: String?, _ message: String, fix: String) {
            findings.append(QualityFinding(rule: rule.name, check: rule.check, severity: rule.severity, schoolID: school, yearID: year,
                                           period: period ?? "\(year)", recordKey: key, value: value, expected: expected, message: message, fix: fix))
        }
        switch rule.check {
        case .censusReceived, .censusOnTime:
            // Expected: every school with learners on the roll, in each year for which the census
            // has been collected (any return received anywhere).
            let deadline = rule.text("deadline")
            let rows = try await db.query("""
                SELECT e.school_id, e.year_id, c.school_id, c.submitted_on, y.start_date
                FROM (SELECT DISTINCT school_id, year_id FROM summary_enrolment) e
                JOIN academic_years y ON y.id = e.year_id
                LEFT JOIN census_returns c ON c.school_id = e.school_id AND c.year_id = e.year_id
                WHERE e.year_id IN (SELECT DISTINCT year_id FROM census_returns)
                """)
            for r in rows {
                let school = r.int(0) ?? 0, year = Int(r.int(1) ?? 0), received = r.int(2) != nil
                if rule.check == .censusReceived {
                    count(school, year, checked: 1, failed: received ? 0 : 1)
                    if !received {
                        find(school, year, key: "census", value: nil, expected: "received",
                             "The \(year) school census return has not been received", fix: "Fill in the census form and send it to the district office")
                    }
                } else {
                    let due = Self.onOrAfter(r.text(4) ?? "", deadline)
                    let submitted = r.text(3)
                    let late = submitted.map { $0 > due } ?? false
                    count(school, year, checked: 1, failed: received && !late ? 0 : 1)
                    if received, late, let submitted, let d = Day(iso: submitted), let dd = Day(iso: due) {
                        find(school, year, key: "census", value: submitted, expected: "by \(due)",
                             "The \(year) census return arrived on \(submitted), \(d - dd) days after the deadline of \(due)",
                             fix: "Send next year's return by \(due); ask the district office if the form reaches you late")
                    }
                }
            }
        case .registersReceived:
            // Months with school days that ended at least grace_days ago, up to the last month any
            // school's registers have reached, for every school with learners on the roll that year.
            let grace = rule.int("grace_days")
            let latest = try await db.query("SELECT MAX(year * 100 + month) FROM summary_attendance_month WHERE recorded_days > 0").first?.int(0) ?? 0
            var months: [Int: [Int]] = [:]
            for t in ctx.terms {
                var y = t.start.year, m = t.start.month
                while y * 100 + m <= t.end.year * 100 + t.end.month {
                    let monthEnd = Day(year: y, month: m, day: Day.daysIn(month: m, year: y))!
                    if monthEnd.adding(days: grace) <= today, y * 100 + m <= latest { months[t.year, default: []].append(y * 100 + m) }
                    m += 1
                    if m > 12 { m = 1; y += 1 }
                }
            }
            var received: [Int64: Set<Int>] = [:]
            for r in try await db.query("SELECT school_id, year * 100 + month FROM summary_attendance_month WHERE recorded_days > 0") {
                received[r.int(0) ?? 0, default: []].insert(Int(r.int(1) ?? 0))
            }
            for r in try await db.query("SELECT DISTINCT school_id, year_id FROM summary_enrolment") {
                let school = r.int(0) ?? 0, year = Int(r.int(1) ?? 0)
                let expected = Array(Set(months[year] ?? [])).sorted()
                let got = received[school] ?? []
                var missing = 0
                for ym in expected where !got.contains(ym) {
                    missing += 1
                    let name = Self.monthNames[ym % 100 - 1] + " \(ym / 100)"
                    find(school, year, period: String(format: "%04d-%02d", ym / 100, ym % 100), key: "registers", value: nil, expected: "received",
                         "No class registers have been received for \(name)", fix: "Send \(name)'s registers (or enter the month's attendance)")
                }
                count(school, year, checked: expected.count, failed: missing)
            }
        case .requiredField:
            let field = rule.text("field")
            let missing = switch field {
            case "home_language": "l.home_language IS NULL OR l.home_language = ''"
            case "disability": "l.wg_seeing IS NULL AND l.wg_hearing IS NULL AND l.wg_walking IS NULL AND l.wg_cognition IS NULL AND l.wg_self_care IS NULL AND l.wg_communication IS NULL"
            default: "l.birth_date IS NULL"
            }
            let what = field == "birth_date" ? "date of birth" : field == "home_language" ? "home language" : "functioning (disability) answers"
            for r in try await db.query("""
                SELECT e.school_id, e.year_id, COUNT(*), CAST(SUM(CASE WHEN \(missing) THEN 1 ELSE 0 END) AS BIGINT)
                FROM enrolments e JOIN learners l ON l.id = e.learner_id GROUP BY e.school_id, e.year_id
                """) { count(r.int(0) ?? 0, Int(r.int(1) ?? 0), checked: Int(r.int(2) ?? 0), failed: Int(r.int(3) ?? 0)) }
            for r in try await db.query("""
                SELECT e.school_id, e.year_id, e.learner_id FROM enrolments e
                JOIN (SELECT learner_id, MAX(year_id) AS y FROM enrolments GROUP BY learner_id) last ON last.learner_id = e.learner_id AND last.y = e.year_id
                JOIN learners l ON l.id = e.learner_id WHERE \(missing)
                """) {
                find(r.int(0) ?? 0, Int(r.int(1) ?? 0), key: "learner:\(r.int(2) ?? 0)", value: nil, expected: what,
                     "A learner's \(what) is missing", fix: "Ask the learner's family and fill in the \(what) in the school register")
            }
        case .ageForGrade:
            let entry = rule.int("entry_age"), young = rule.int("too_young"), old = rule.int("over_age")
            let age = """
                CAST(substr(y.start_date, 1, 4) AS INTEGER) - CAST(substr(l.birth_date, 1, 4) AS INTEGER)
                  - CASE WHEN substr(l.birth_date, 6, 5) > substr(y.start_date, 6, 5) THEN 1 ELSE 0 END
                """
            // Official age for grade g: entry_age + g − 1 (grade 0, pre-primary: entry_age − 1).
            let official = "(\(entry) + (CASE WHEN e.grade = 0 THEN -1 ELSE e.grade - 1 END))"
            let bad = "((\(age)) < \(official) - \(young) OR (\(age)) > \(official) + \(old))"
            for r in try await db.query("""
                SELECT e.school_id, e.year_id, COUNT(*), CAST(SUM(CASE WHEN \(bad) THEN 1 ELSE 0 END) AS BIGINT)
                FROM enrolments e JOIN learners l ON l.id = e.learner_id JOIN academic_years y ON y.id = e.year_id
                WHERE l.birth_date IS NOT NULL GROUP BY e.school_id, e.year_id
                """) { count(r.int(0) ?? 0, Int(r.int(1) ?? 0), checked: Int(r.int(2) ?? 0), failed: Int(r.int(3) ?? 0)) }
            for r in try await db.query("""
                SELECT e.school_id, e.year_id, e.learner_id, e.grade, l.birth_date, \(age), \(official) FROM enrolments e
                JOIN (SELECT learner_id, MAX(year_id) AS y FROM enrolments GROUP BY learner_id) last ON last.learner_id = e.learner_id AND last.y = e.year_id
                JOIN learners l ON l.id = e.learner_id JOIN academic_years y ON y.id = e.year_id
                WHERE l.birth_date IS NOT NULL AND \(bad)
                """) {
                let grade = Int(r.int(3) ?? 0), years = Int(r.int(5) ?? 0), usual = Int(r.int(6) ?? 0)
                let gradeName = grade == 0 ? "pre-primary" : "grade \(grade)"
                find(r.int(0) ?? 0, Int(r.int(1) ?? 0), key: "learner:\(r.int(2) ?? 0)", value: "\(years) years old in \(gradeName)", expected: "about \(usual) years old",
                     "A learner in \(gradeName) is \(years) years old by the recorded date of birth (usually about \(usual))",
                     fix: "Check the date of birth against the birth certificate or family, and correct it (or the grade)")
            }
        case .scoreInRange:
            var limits: [(Int64, String, Int, Int?)] = []
            for r in try await db.query("SELECT id, definition FROM instruments") {
                guard let data = r.text(1)?.data(using: .utf8), let subtasks = try? JSONDecoder().decode([Subtask].self, from: data) else { continue }
                for s in subtasks { limits.append((r.int(0) ?? 0, s.code, s.itemCount, s.timeLimitSeconds)) }
            }
            guard !limits.isEmpty else { break }
            let values = limits.map { _ in "(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT))" }.joined(separator: ", ")
            let args: [SQLValue] = limits.flatMap { [.int($0.0), .text($0.1), .int(Int64($0.2)), $0.3.map { .int(Int64($0)) } ?? .null] }
            let bad = """
                (r.attempted < 0 OR r.attempted > lim.items OR r.incorrect < 0 OR r.incorrect > r.attempted OR r.incorrect > lim.items
                 OR (lim.secs IS NOT NULL AND r.seconds_remaining IS NOT NULL AND (r.seconds_remaining < 0 OR r.seconds_remaining > lim.secs)))
                """
            let with = "WITH lim (instrument_id, subtask_code, items, secs) AS (VALUES \(values))"
            let from = "FROM assessment_results r JOIN lim ON lim.instrument_id = r.instrument_id AND lim.subtask_code = r.subtask_code"
            for r in try await db.query("\(with) SELECT r.school_id, r.year_id, COUNT(*), CAST(SUM(CASE WHEN \(bad) THEN 1 ELSE 0 END) AS BIGINT) \(from) GROUP BY r.school_id, r.year_id", args) {
                count(r.int(0) ?? 0, Int(r.int(1) ?? 0), checked: Int(r.int(2) ?? 0), failed: Int(r.int(3) ?? 0))
            }
            for r in try await db.query("\(with) SELECT r.school_id, r.year_id, r.id, r.subtask_code, r.attempted, r.incorrect, r.seconds_remaining, lim.items, lim.secs \(from) WHERE \(bad)", args) {
                let attempted = r.int(4), incorrect = r.int(5), secs = r.int(6), items = r.int(7) ?? 0, limit = r.int(8)
                var what: String
                if let a = attempted, a < 0 || a > items { what = "\(a) items attempted of \(items)" }
                else if let i = incorrect, i < 0 || i > (attempted ?? items) || i > items { what = "\(i) wrong of \(attempted ?? items) attempted" }
                else { what = "\(secs ?? 0) seconds left of \(limit ?? 60)" }
                find(r.int(0) ?? 0, Int(r.int(1) ?? 0), key: "result:\(r.int(2) ?? 0)", value: what, expected: "within the task",
                     "An assessment result (\(r.text(3) ?? "")) cannot be right: \(what)",
                     fix: "Check the assessor's sheet for that child and correct the count")
            }
        case .duplicateLearners:
            // The pair's year: the latest either record is enrolled at the pair's school (a child
            // who moved has the old record elsewhere), else the latest anywhere.
            for r in try await db.query("SELECT school_id, year_id, CAST(SUM(learners) AS BIGINT) FROM summary_enrolment GROUP BY school_id, year_id") {
                count(r.int(0) ?? 0, Int(r.int(1) ?? 0), checked: Int(r.int(2) ?? 0), failed: 0)
            }
            for r in try await db.query("""
                SELECT x.school_id, COALESCE(MAX(CASE WHEN e.school_id = x.school_id THEN e.year_id END), MAX(e.year_id)),
                       x.learner_id, x.other_id, x.status
                FROM (SELECT school_id, learner_id, other_id, status, learner_id AS who FROM link_candidates
                        WHERE kind = 'duplicate' AND status IN ('linked', 'review', 'accepted') AND school_id IS NOT NULL
                      UNION ALL
                      SELECT school_id, learner_id, other_id, status, other_id AS who FROM link_candidates
                        WHERE kind = 'duplicate' AND status IN ('linked', 'review', 'accepted') AND school_id IS NOT NULL) x
                JOIN enrolments e ON e.learner_id = x.who
                GROUP BY x.school_id, x.learner_id, x.other_id, x.status
                """) {
                let school = r.int(0) ?? 0, year = Int(r.int(1) ?? 0)
                count(school, year, checked: 0, failed: 1)
                let review = r.text(4) == "review"
                find(school, year, key: "pair:\(r.int(2) ?? 0)/\(r.int(3) ?? 0)", value: nil, expected: "one record per child",
                     review ? "Two learner records may be the same child" : "The school-management system holds two records for the same child",
                     fix: review ? "Open Identity review and say whether they are the same child" : "Merge the two records in the school-management system")
            }
        case .partsVsTotal:
            let tol = rule.int("tolerance")
            for r in try await db.query("SELECT school_id, year_id, grade, female, male, total FROM census_enrolment WHERE female IS NOT NULL AND male IS NOT NULL AND total IS NOT NULL") {
                let school = r.int(0) ?? 0, year = Int(r.int(1) ?? 0), grade = r.int(2) ?? 0
                let f = r.int(3) ?? 0, m = r.int(4) ?? 0, t = r.int(5) ?? 0
                let bad = abs(f + m - t) > tol
                count(school, year, checked: 1, failed: bad ? 1 : 0)
                if bad {
                    find(school, year, key: "grade:\(grade)", value: "\(f) girls + \(m) boys = \(f + m)", expected: "total \(t)",
                         "In the \(year) census, grade \(grade)'s girls and boys (\(f) + \(m) = \(f + m)) do not add up to the total \(t)",
                         fix: "Count again and correct the girls, the boys or the total")
                }
            }
        case .censusVsRoster:
            let tol = rule.number("tolerance"), minimum = rule.int("min_learners")
            for r in try await db.query("""
                SELECT c.school_id, c.year_id, c.grade, c.total, COALESCE(s.n, 0) FROM census_enrolment c
                LEFT JOIN (SELECT school_id, year_id, grade, CAST(SUM(learners) AS BIGINT) AS n FROM summary_enrolment GROUP BY school_id, year_id, grade) s
                  ON s.school_id = c.school_id AND s.year_id = c.year_id AND s.grade = c.grade
                WHERE c.total IS NOT NULL AND c.year_id IN (SELECT DISTINCT year_id FROM enrolments)
                """) {
                let school = r.int(0) ?? 0, year = Int(r.int(1) ?? 0), grade = r.int(2) ?? 0
                let census = Int(r.int(3) ?? 0), roll = Int(r.int(4) ?? 0)
                guard max(census, roll) >= minimum else { continue }
                let bad = roll == 0 || abs(Double(census) / Double(roll) - 1) > tol
                count(school, year, checked: 1, failed: bad ? 1 : 0)
                if bad {
                    find(school, year, key: "grade:\(grade)", value: "census \(census)", expected: "\(roll) on the roll",
                         "The \(year) census gives \(census) learners in grade \(grade), but \(roll) are on the school's roll",
                         fix: "Count the learners in grade \(grade) again and correct the census or the roll")
                }
            }
        case .teachersHRvsCensus:
            let tol = rule.int("tolerance"), day = rule.text("census_day")
            var hr: [String: (Int, Int)] = [:]
            // The census day of each school year: the first `census_day` on or after its start.
            for y in ctx.years {
                let census = Self.onOrAfter(y.start.iso, day)
                for r in try await db.query("""
                    SELECT p.school_id, CAST(SUM(CASE WHEN t.sex = 'female' THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(CASE WHEN t.sex = 'male' THEN 1 ELSE 0 END) AS BIGINT)
                    FROM teacher_postings p JOIN teachers t ON t.id = p.teacher_id
                    WHERE p.start_date <= ? AND (p.end_date IS NULL OR p.end_date >= ?)
                    GROUP BY p.school_id
                    """, [.text(census), .text(census)]) {
                    hr["\(r.int(0) ?? 0)/\(y.id)"] = (Int(r.int(1) ?? 0), Int(r.int(2) ?? 0))
                }
            }
            for r in try await db.query("SELECT school_id, year_id, teachers_female, teachers_male FROM census_returns WHERE teachers_female IS NOT NULL AND teachers_male IS NOT NULL") {
                let school = r.int(0) ?? 0, year = Int(r.int(1) ?? 0)
                let f = Int(r.int(2) ?? 0), m = Int(r.int(3) ?? 0)
                let (hf, hm) = hr["\(school)/\(year)"] ?? (0, 0)
                let bad = abs(f - hf) > tol || abs(m - hm) > tol
                count(school, year, checked: 1, failed: bad ? 1 : 0)
                if bad {
                    find(school, year, key: "teachers", value: "census \(f) women, \(m) men", expected: "HR \(hf) women, \(hm) men",
                         "The \(year) census counts \(f) women and \(m) men teaching, but HR has \(hf) women and \(hm) men posted here",
                         fix: "Check who is really teaching at the school; correct the census, or tell HR about postings and departures")
                }
            }
        case .attendanceWithinEnrolment:
            // The most learners any month's registers list, per grade.
            for g in try await Self.againstEnrolled(db, counts: """
                SELECT school_id, year_id, grade, MAX(n) AS n FROM
                  (SELECT school_id, year_id, year, month, grade, CAST(SUM(learners) AS BIGINT) AS n FROM summary_attendance GROUP BY school_id, year_id, year, month, grade) m
                WHERE grade > 0 GROUP BY school_id, year_id, grade
                """) {
                count(g.school, g.year, checked: 1, failed: g.count > g.enrolled ? 1 : 0)
                if g.count > g.enrolled {
                    find(g.school, g.year, key: "grade:\(g.grade)", value: "\(g.count) in the registers", expected: "at most \(g.enrolled) enrolled",
                         "Grade \(g.grade)'s registers list \(g.count) learners in one month, more than the \(g.enrolled) enrolled",
                         fix: "Enrol the learners missing from the roll, or take off the register those who are not in the class")
                }
            }
        case .assessedWithinEnrolled:
            for g in try await Self.againstEnrolled(db, counts: """
                SELECT school_id, year_id, grade, CAST(SUM(learners) AS BIGINT) AS n FROM summary_assessed GROUP BY school_id, year_id, grade
                """) {
                count(g.school, g.year, checked: 1, failed: g.count > g.enrolled ? 1 : 0)
                if g.count > g.enrolled {
                    find(g.school, g.year, key: "grade:\(g.grade)", value: "\(g.count) assessed", expected: "at most \(g.enrolled) enrolled",
                         "\(g.count) grade \(g.grade) learners were assessed in \(g.year), more than the \(g.enrolled) enrolled",
                         fix: "Check that assessed children are on the school's roll (or were recorded under the right school and grade)")
                }
            }
        case .ptrWithinBounds:
            let lo = rule.number("min"), hi = rule.number("max")
            for r in try await db.query("""
                SELECT c.school_id, c.year_id, c.teachers_female + c.teachers_male, COALESCE(s.n, 0) FROM census_returns c
                JOIN (SELECT school_id, year_id, CAST(SUM(active) AS BIGINT) AS n FROM summary_enrolment GROUP BY school_id, year_id) s
                  ON s.school_id = c.school_id AND s.year_id = c.year_id
                WHERE c.teachers_female IS NOT NULL AND c.teachers_male IS NOT NULL
                """) {
                let school = r.int(0) ?? 0, year = Int(r.int(1) ?? 0), teachers = r.int(2) ?? 0, learners = r.int(3) ?? 0
                guard learners > 0 else { continue }
                let ptr = teachers > 0 ? Double(learners) / Double(teachers) : .infinity
                let bad = ptr < lo || ptr > hi
                count(school, year, checked: 1, failed: bad ? 1 : 0)
                if bad {
                    let shown = teachers > 0 ? String(format: "%.0f", ptr) : "no teachers"
                    find(school, year, key: "ptr", value: shown, expected: "\(Int(lo))–\(Int(hi)) learners per teacher",
                         teachers > 0 ? "\(learners) learners and \(teachers) teachers make \(shown) learners per teacher in \(year)" : "\(learners) learners but no teachers in the \(year) census",
                         fix: "Check the census teacher count and the roll; if both are right, raise the staffing with the district")
                }
            }
        case .enrolmentOutlierHistory:
            let threshold = rule.number("threshold"), minChange = rule.number("min_change")
            var series: [String: [(year: Int, total: Double)]] = [:]
            for r in try await db.query("SELECT school_id, grade, year_id, total FROM census_enrolment WHERE total IS NOT NULL ORDER BY school_id, grade, year_id") {
                series["\(r.int(0) ?? 0)/\(r.int(1) ?? 0)", default: []].append((Int(r.int(2) ?? 0), Double(r.int(3) ?? 0)))
            }
            for (key, points) in series {
                let parts = key.split(separator: "/"), school = Int64(parts[0]) ?? 0, grade = parts[1]
                guard points.count >= 3, let scores = Outliers.modifiedZScores(points.map(\.total)),
                      let median = Descriptive.median(points.map(\.total)) else {
                    for p in points { count(school, p.year, checked: 1, failed: 0) }
                    continue
                }
                for (p, z) in zip(points, scores) {
                    let bad = abs(z) >= threshold && abs(p.total - median) >= max(5, minChange * median)
                    count(school, p.year, checked: 1, failed: bad ? 1 : 0)
                    if bad {
                        find(school, p.year, key: "grade:\(grade)", value: "\(Int(p.total))", expected: "usually about \(Int(median))",
                             "Grade \(grade) enrolment of \(Int(p.total)) in the \(p.year) census is far from this school's usual \(Int(median))",
                             fix: "Check the count; if it is right (a new class, a closed school nearby), confirm it with the reason")
                    }
                }
            }
        case .attendanceOutlierPeers:
            let threshold = rule.number("threshold")
            var byDistrict: [String: [(school: Int64, rate: Double)]] = [:]
            var years: [String: Int] = [:]
            for r in try await db.query("SELECT school_id, year_id, CAST(SUM(present_days) AS BIGINT), CAST(SUM(recorded_days) AS BIGINT) FROM summary_attendance_month GROUP BY school_id, year_id") {
                let school = r.int(0) ?? 0, year = Int(r.int(1) ?? 0), present = r.int(2) ?? 0, recorded = r.int(3) ?? 0
                guard recorded > 0 else { continue }
                let key = "\(ctx.district[school] ?? "")|\(year)"
                byDistrict[key, default: []].append((school, Double(present) / Double(recorded)))
                years[key] = year
            }
            for (key, list) in byDistrict {
                let year = years[key] ?? 0
                guard list.count >= 5, let scores = Outliers.modifiedZScores(list.map(\.rate)), let median = Descriptive.median(list.map(\.rate)) else {
                    for s in list { count(s.school, year, checked: 1, failed: 0) }
                    continue
                }
                for (s, z) in zip(list, scores) {
                    let bad = abs(z) >= threshold
                    count(s.school, year, checked: 1, failed: bad ? 1 : 0)
                    if bad {
                        let pct = { (x: Double) in String(format: "%.0f %%", x * 100) }
                        find(s.school, year, key: "attendance", value: pct(s.rate), expected: "district schools about \(pct(median))",
                             "Attendance of \(pct(s.rate)) in \(year) is far from the district's schools (about \(pct(median)))",
                             fix: "Check the registers are marked every day; if the figure is right, look into why")
                    }
                }
            }
        case .enrolmentTrend:
            let threshold = rule.number("threshold")
            var totals: [Int64: [Int: Double]] = [:]
            for r in try await db.query("SELECT school_id, year_id, CAST(SUM(total) AS BIGINT) FROM census_enrolment WHERE total IS NOT NULL GROUP BY school_id, year_id") {
                totals[r.int(0) ?? 0, default: [:]][Int(r.int(1) ?? 0)] = Double(r.int(2) ?? 0)
            }
            // The district's change over the same years, from the schools that reported in every
            // one of them (new or closed schools would otherwise look like district growth).
            var bySet: [String: [Int: Double]] = [:]
            func districtTotals(_ district: String, _ years: [Int]) -> [Int: Double] {
                let key = district + "|" + years.map(String.init).joined(separator: ",")
                if let cached = bySet[key] { return cached }
                var out: [Int: Double] = [:]
                for (school, byYear) in totals where ctx.district[school] ?? "" == district && years.allSatisfy({ byYear[$0] != nil }) {
                    for y in years { out[y, default: 0] += byYear[y]! }
                }
                bySet[key] = out
                return out
            }
            for (school, byYear) in totals {
                for (year, current) in byYear.sorted(by: { $0.key < $1.key }) {
                    let earlier = byYear.keys.filter { $0 < year }.sorted()
                    guard !earlier.isEmpty else { continue }
                    let d = districtTotals(ctx.district[school] ?? "", earlier + [year])
                    guard let check = Outliers.consistencyOverTime(unitCurrent: current, unitReference: earlier.map { byYear[$0]! },
                                                                   nationalCurrent: d[year] ?? 0, nationalReference: earlier.map { d[$0] ?? 0 },
                                                                   threshold: threshold) else { continue }
                    count(school, year, checked: 1, failed: check.isFlagged ? 1 : 0)
                    if check.isFlagged {
                        let change = String(format: "%+.0f %%", (check.ratio - 1) * 100), dchange = String(format: "%+.0f %%", (check.expected - 1) * 100)
                        find(school, year, key: "enrolment", value: change, expected: "district \(dchange)",
                             "Enrolment in the \(year) census changed by \(change) on earlier years, while the district changed by \(dchange)",
                             fix: "Check the census counts; if the change is real, confirm it with the reason")
                    }
                }
            }
        }
        let out = counts.flatMap { school, byYear in byYear.map { QualityCount(schoolID: school, yearID: $0.key, checked: $0.value.0, failed: $0.value.1) } }
        return (findings, out)
    }
}
