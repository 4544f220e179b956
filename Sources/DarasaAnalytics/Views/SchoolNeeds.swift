import DarasaCore
import DarasaStore

/// One reason a school needs support, with the numbers to say it plainly.
public struct NeedReason: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Share of oral reading results with zero words, against the area's.
        case reading
        /// Attendance rate, against the area's.
        case attendance
        /// Share of learners chronically absent, against the area's.
        case chronicAbsence = "chronic_absence"
        /// Girls' attendance against boys' (adjusted parity index).
        case genderGap = "gender_gap"
        /// Open data-quality findings.
        case dataQuality = "data_quality"
        /// Days since the last coaching or quality visit (nil: never visited).
        case noVisit = "no_visit"
    }
    public var kind: Kind
    /// The school's figure (a share, an index, a count or days).
    public var value: Double?
    /// The area's figure for comparison, where there is one.
    public var reference: Double?
    /// 0…1: where the school stands among the area's schools (1 = the worst).
    public var concern: Double
}

/// A school in an officer's area with how much it needs support and why.
public struct SchoolNeed: Sendable, Hashable, Codable {
    public var schoolID: Int64
    public var code: String
    public var name: String
    public var locality: String?
    public var latitude: Double?
    public var longitude: Double?
    /// 0…100: the mean of the school's concerns (its standing among the area's schools on each
    /// measure it has data for). Higher needs support sooner.
    public var score: Int
    /// The reasons worth saying, most pressing first (at most three).
    public var reasons: [NeedReason]
    public var lastVisit: Day?
    public var enrolment: Int
}

/// Ranks the schools of an area by need, so an officer sees which to support first and why.
///
/// Each measure — reading zero scores, attendance, chronic absence, the girls/boys attendance
/// gap (|1 − adjusted parity index|), open data-quality findings, days since the last visit
/// (never visited counts as the longest) — places a school among the area's schools by its
/// percentile rank (ties share the average rank; 1 = the worst). The need score is the mean over
/// the measures the school has data for (figures on fewer than 10 learners do not count, as
/// they would be withheld). A measure is given as a reason when the school is past a plain
/// threshold on it — worse than the area by 2 points, parity outside 0.97–1.03, any open
/// finding, no visit in 90 days — most pressing (highest percentile) first. Documented in
/// docs/feedback.md.
public enum SchoolNeeds {
    public static let visitDays = 90

    /// `engine` may be the page's own (`IndicatorEngine.sharingLookups`), so that the page's other
    /// parts reuse the tables read here; `figures`, the area's school figures if the page has
    /// read them already (`ScopeSummary`).
    public static func rank(store: DarasaStore, area: OrgUnit, yearID: Int, catalogue: IndicatorCatalogue = .shipped,
                            engine: IndicatorEngine? = nil, figures known: [SchoolFigures]? = nil, today: Day) async throws -> [SchoolNeed] {
        let scope = AccessScope(role: .districtOfficer, orgUnitID: area.id, orgPath: area.path)
        let attributes = try await store.schoolAttributes(under: area.path).values.filter { $0.path.hasPrefix(area.path) }
        guard let schoolDepth = attributes.map({ $0.path.split(separator: "/").count - 1 }).max() else { return [] }
        let engine = engine ?? IndicatorEngine(store: store, catalogue: catalogue).sharingLookups()
        typealias Cut = IndicatorEngine.Cut
        /// Each school's rows and the area's figure: one read of the summaries per indicator.
        func values(_ id: String, cuts: [Cut]) async throws -> [[String: [IndicatorRow]]] {
            guard let d = catalogue.named(id) else { return cuts.map { _ in [:] } }
            return try await engine.tables(d, yearID: yearID, cuts: cuts, scope: scope, suppress: true)
                .map { Dictionary(grouping: $0.rows, by: \.unitCode) }
        }
        let school = Cut(depth: schoolDepth), whole = Cut(depth: area.depth)
        let readingTables = try await values("orf_zero_share", cuts: [school, whole])
        let attendanceTables = try await values("attendance_rate", cuts: [school, Cut(depth: schoolDepth, by: [.sex]), whole])
        let chronicTables = try await values("chronic_absence_rate", cuts: [school, whole])
        let reading = readingTables[0], attendance = attendanceTables[0], bySex = attendanceTables[1], chronic = chronicTables[0]
        let areaReading = readingTables[1][area.code]?.first?.value
        let areaAttendance = attendanceTables[2][area.code]?.first?.value
        let areaChronic = chronicTables[1][area.code]?.first?.value
        let open = try await QualityStore.openCounts(store, under: area.path)
        var read = known ?? []
        if known == nil { read = try await store.schoolFigures(under: area.path, yearID: yearID) }
        let figures = Dictionary(read.map { ($0.schoolID.rawValue, $0) },
                                 uniquingKeysWith: { a, _ in a })

        struct Row { var school: SchoolAttributes; var code: String; var name: String; var measures: [NeedReason.Kind: Double]; var last: Day? }
        var rows: [Row] = []
        for s in attributes.sorted(by: { $0.path < $1.path }) {
            let code = String(s.path.split(separator: "/").last ?? "")
            var m: [NeedReason.Kind: Double] = [:]
            m[.reading] = reading[code]?.first?.value
            m[.attendance] = attendance[code]?.first?.value
            m[.chronicAbsence] = chronic[code]?.first?.value
            let f = bySex[code]?.first { $0.categories == ["female"] }?.value, b = bySex[code]?.first { $0.categories == ["male"] }?.value
            if let f, let b, let pia = Parity.adjusted(disadvantaged: f, advantaged: b) { m[.genderGap] = pia }
            m[.dataQuality] = Double(open[s.schoolID] ?? 0)
            let last = figures[s.schoolID]?.lastVisit
            m[.noVisit] = last.map { Double(today - $0) }
            rows.append(Row(school: s, code: code, name: figures[s.schoolID]?.name ?? code, measures: m, last: last))
        }
        // Higher = worse on every measure: attendance is turned round, parity becomes distance from 1.
        func badness(_ k: NeedReason.Kind, _ v: Double?) -> Double? {
            switch k {
            case .attendance: v.map { -$0 }
            case .genderGap: v.map { abs(1 - $0) }
            case .noVisit: v ?? Double.greatestFiniteMagnitude
            default: v
            }
        }
        func percentile(_ k: NeedReason.Kind) -> [Int64: Double] {
            let known = rows.compactMap { r in badness(k, r.measures[k]).map { (r.school.schoolID, $0) } }
            guard known.count > 1 else { return Dictionary(uniqueKeysWithValues: known.map { ($0.0, 0.5) }) }
            var out: [Int64: Double] = [:]
            for (id, v) in known {
                let below = Double(known.filter { $0.1 < v }.count), equal = Double(known.filter { $0.1 == v }.count)
                out[id] = (below + (equal - 1) / 2) / Double(known.count - 1)
            }
            return out
        }
        let ranks = Dictionary(uniqueKeysWithValues: NeedReason.Kind.allCases.map { ($0, percentile($0)) })
        let references: [NeedReason.Kind: Double?] = [.reading: areaReading, .attendance: areaAttendance, .chronicAbsence: areaChronic]
        var out: [SchoolNeed] = []
        for r in rows {
            var concerns: [NeedReason] = []
            for k in NeedReason.Kind.allCases {
                guard let c = ranks[k]?[r.school.schoolID] else { continue }
                concerns.append(NeedReason(kind: k, value: r.measures[k], reference: references[k] ?? nil, concern: c))
            }
            let score = concerns.isEmpty ? 0 : Int((concerns.reduce(0) { $0 + $1.concern } / Double(concerns.count) * 100).rounded())
            let worthSaying = concerns.filter { reason in
                switch reason.kind {
                case .reading, .chronicAbsence: return (reason.value ?? 0) > (reason.reference ?? 1) + 0.02
                case .attendance: return (reason.value ?? 1) < (reason.reference ?? 0) - 0.02
                case .genderGap: return reason.value.map { !Parity.isWithinParity($0) } ?? false
                case .dataQuality: return (reason.value ?? 0) > 0
                case .noVisit: return (reason.value ?? Double(visitDays + 1)) > Double(visitDays)
                }
            }.sorted { $0.concern > $1.concern }
            out.append(SchoolNeed(schoolID: r.school.schoolID, code: r.code, name: r.name, locality: r.school.locality,
                                  latitude: r.school.latitude, longitude: r.school.longitude, score: score, reasons: Array(worthSaying.prefix(3)),
                                  lastVisit: r.last, enrolment: figures[r.school.schoolID]?.enrolment ?? 0))
        }
        return out.sorted { ($1.score, $0.name) < ($0.score, $1.name) }
    }
}
