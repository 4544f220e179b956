import DarasaCore
import DarasaStore

/// The figures of one school's report card (one A4 page): enrolment by grade and sex,
/// attendance and chronic absence, learning against the district, the country and the school's
/// own last round, teacher attendance, the data-quality to-do list, the last visits and the
/// follow-ups due, and a trend for each headline. Every figure comes from the indicator engine
/// (so definitions and small-cell suppression are those of every other page); `suppress` is for
/// readers beyond the school tier. The view phrases it.
public struct ReportCard: Sendable {
    public struct Comparison: Sendable {
        public var indicator: IndicatorDefinition
        public var school: IndicatorRow?
        public var district: Double?
        public var country: Double?
        /// The same figure in the school's previous assessment round (nil: none before this one).
        public var lastRound: Double?
        public var round: Int?
        public var previousRound: Int?
    }
    public struct Point: Sendable { public var yearID: Int; public var value: Double? }

    public var school: OrgUnit
    public var district: OrgUnit?
    public var yearID: Int
    public var yearName: String
    /// grade → (girls, boys) on the roll.
    public var enrolmentByGrade: [(grade: Int, girls: Int, boys: Int)]
    public var enrolment: IndicatorRow?
    public var attendance: IndicatorRow?
    public var chronicAbsence: IndicatorRow?
    public var teacherAttendance: IndicatorRow?
    public var learning: [Comparison]
    /// Per headline id: its value in every year with data.
    public var trends: [String: [Point]]
    public var todo: [StoredFinding]
    public var openFindings: Int
    public var visits: [SchoolVisit]
    public var followUps: [(action: String, due: Day?, agreedOn: Day?)]

    public static let learningIndicators = ["orf_zero_share", "orf_at_benchmark", "orf_mean"]
    public static let headlines = ["enrolment", "attendance_rate", "chronic_absence_rate", "orf_zero_share"]

    public static func load(store: DarasaStore, school: OrgUnit, yearID: Int, suppress: Bool,
                            catalogue: IndicatorCatalogue = .shipped) async throws -> ReportCard {
        let engine = IndicatorEngine(store: store, catalogue: catalogue).sharingLookups()
        let own = AccessScope(role: suppress ? .districtOfficer : .headTeacher, orgUnitID: school.id, orgPath: school.path)
        // The district: the level named so, else two levels up (zone, then district).
        let levels = try await store.orgLevels()
        let districtDepth = levels.first { $0.name.lowercased() == "district" }?.depth ?? max(0, school.depth - 2)
        var district: OrgUnit?
        if districtDepth < school.depth, let id = try await store.ancestor(of: school, depth: districtDepth) {
            district = try await store.orgUnit(id: id)
        }
        let root = try await store.rootOrgUnit()
        let yearName = try await store.academicYears().first { $0.id == yearID }?.name ?? String(yearID)
        func row(_ id: String, year: Int? = nil, by: [Breakdown] = [], period: Int? = nil) async throws -> [IndicatorRow] {
            guard let d = catalogue.named(id) else { return [] }
            return try await engine.table(d, yearID: year ?? yearID, depth: school.depth, by: by, scope: own, suppress: suppress, period: period).rows
        }
        /// An area's figure: always suppressed like any figure beyond the school (it rests on many learners).
        func area(_ id: String, _ unit: OrgUnit?) async throws -> Double? {
            guard let unit, let d = catalogue.named(id) else { return nil }
            let scope = AccessScope(role: .nationalAnalyst, orgUnitID: unit.id, orgPath: unit.path)
            return try await engine.table(d, yearID: yearID, depth: unit.depth, scope: scope, suppress: true).rows.first?.value
        }
        var byGrade: [Int: (Int, Int)] = [:]
        for r in try await row("enrolment", by: [.grade, .sex]) {
            guard let g = Int(r.categories[0]), let v = r.value else { continue }
            var cell = byGrade[g] ?? (0, 0)
            if r.categories[1] == "female" { cell.0 = Int(v) } else { cell.1 = Int(v) }
            byGrade[g] = cell
        }
        let rounds = try await store.assessmentRounds(schoolID: school.id.rawValue)
        let thisYear = rounds.filter { $0.yearID == yearID }.map(\.period)
        let latest = thisYear.last
        let previous = rounds.filter { $0.period < (latest ?? Int.max) }.last
        var learning: [Comparison] = []
        for id in learningIndicators {
            guard let d = catalogue.named(id) else { continue }
            var c = Comparison(indicator: d, school: try await row(id).first, district: try await area(id, district), country: try await area(id, root))
            if let latest, let previous {
                c.round = latest
                c.previousRound = previous.period
                let now = try await row(id, period: latest).first
                if now?.value != nil { c.school = now }
                c.lastRound = try await row(id, year: previous.yearID, period: previous.period).first?.value
            }
            learning.append(c)
        }
        var trends: [String: [Point]] = [:]
        for id in headlines {
            guard let d = catalogue.named(id) else { continue }
            trends[id] = try await engine.trend(d, depth: school.depth, scope: own, suppress: suppress).map {
                Point(yearID: $0.yearID, value: $0.rows.first?.value)
            }
        }
        let open = try await QualityStore.findings(store, under: school.path, limit: 100)
        return ReportCard(school: school, district: district, yearID: yearID, yearName: yearName,
                          enrolmentByGrade: byGrade.keys.sorted().map { ($0, byGrade[$0]!.0, byGrade[$0]!.1) },
                          enrolment: try await row("enrolment").first, attendance: try await row("attendance_rate").first,
                          chronicAbsence: try await row("chronic_absence_rate").first,
                          teacherAttendance: try await row("teacher_attendance_rate").first,
                          learning: learning, trends: trends, todo: Array(open.prefix(5)), openFindings: open.count,
                          visits: try await store.recentVisits(schoolID: school.id.rawValue),
                          followUps: try await store.openFollowUps(schoolID: school.id.rawValue))
    }
}

