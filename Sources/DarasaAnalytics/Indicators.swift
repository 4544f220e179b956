import DarasaCore
import DarasaStore

/// An indicator of the built-in catalogue: which measure it reads and how its value is formed.
public struct IndicatorDefinition: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// A count (enrolment, learners assessed).
        case count
        /// numerator ÷ denominator, shown as a percentage.
        case rate
        /// numerator ÷ denominator in the measure's own unit (e.g. correct words per minute).
        case mean
    }
    public var id: String
    public var title: String
    public var measure: Measure
    public var kind: Kind
    /// Plain-language definition shown beside the figure.
    public var definition: String
    /// For learning indicators: the assessment subtask read (e.g. "orf").
    public var subtask: String?

    public init(id: String, title: String, measure: Measure, kind: Kind, definition: String, subtask: String? = nil) {
        self.id = id
        self.title = title
        self.measure = measure
        self.kind = kind
        self.definition = definition
        self.subtask = subtask
    }

    /// The catalogue available now; later issues add enrolment ratios, flows, learning outcomes.
    public static let catalogue: [IndicatorDefinition] = [
        .init(id: "enrolment", title: "Learners enrolled", measure: .enrolment, kind: .count,
              definition: "Learners on the roll this school year (not dropped out or transferred out)."),
        .init(id: "attendance_rate", title: "Attendance rate", measure: .attendance, kind: .rate,
              definition: "Days present (including late) ÷ school days recorded in the registers."),
        .init(id: "chronic_absence_rate", title: "Chronic absence rate", measure: .chronicAbsence, kind: .rate,
              definition: "Share of learners with more than 30 recorded days who were absent, excused or not, on 10 % or more of them."),
        .init(id: "learners_assessed", title: "Learners assessed", measure: .assessed, kind: .count,
              definition: "Learners with at least one reading or maths assessment result this year."),
        .init(id: "pupil_teacher_ratio", title: "Pupils per teacher", measure: .pupilsPerTeacher, kind: .mean,
              definition: "Learners on the roll ÷ teachers posted to the school during the year (GPE benchmark 40:1)."),
        .init(id: "pupil_trained_teacher_ratio", title: "Pupils per trained teacher", measure: .pupilsPerTrainedTeacher, kind: .mean,
              definition: "Learners on the roll ÷ teachers with a recognised teaching qualification posted during the year."),
        .init(id: "teacher_attendance_rate", title: "Teacher attendance", measure: .teacherAttendance, kind: .rate,
              definition: "Teacher days present (including late) ÷ teacher days recorded by the daily check-in."),
        .init(id: "coaching_coverage", title: "Schools visited", measure: .coachingCoverage, kind: .rate,
              definition: "Share of schools with at least one coaching or quality-assurance visit this school year."),
        .init(id: "orf_zero_share", title: "Could not read a word (oral reading)", measure: .zeroScores, kind: .rate,
              definition: "Share of oral reading fluency results with zero correct words in 60 seconds (EGRA).", subtask: "orf"),
        .init(id: "orf_at_benchmark", title: "Reading at benchmark", measure: .atBenchmark, kind: .rate,
              definition: "Share of oral reading results at or above the benchmark set for the grade and language.", subtask: "orf"),
        .init(id: "orf_mean", title: "Oral reading fluency", measure: .meanScore, kind: .mean,
              definition: "Mean correct words per minute read aloud from a passage (EGRA; METHODS.md fluency).", subtask: "orf"),
        .init(id: "letter_sounds_zero_share", title: "Could not name a letter sound", measure: .zeroScores, kind: .rate,
              definition: "Share of letter-sound results with zero correct in 60 seconds (EGRA).", subtask: "letter_sounds"),
    ]

    public static func named(_ id: String) -> IndicatorDefinition? { catalogue.first { $0.id == id } }
}

/// One cell of an indicator table: a unit (and category) with its figure, or withheld.
public struct IndicatorRow: Sendable, Hashable, Codable {
    public var unitID: Int64
    public var unitCode: String
    public var unitName: String
    public var category: String
    public var numerator: Double
    public var denominator: Double
    /// The number of learners the figure rests on.
    public var base: Int
    /// The figure (a count, or a share 0…1); nil when withheld or when there is no data.
    public var value: Double?
    /// Why the value is absent: "small_cell", "complementary" or "no_data".
    public var withheld: String?

    public init(unitID: Int64, unitCode: String, unitName: String, category: String, numerator: Double, denominator: Double,
                base: Int, value: Double?, withheld: String?) {
        self.unitID = unitID
        self.unitCode = unitCode
        self.unitName = unitName
        self.category = category
        self.numerator = numerator
        self.denominator = denominator
        self.base = base
        self.value = value
        self.withheld = withheld
    }
}

public struct IndicatorTable: Sendable, Codable {
    public var indicator: IndicatorDefinition
    public var yearID: Int
    public var level: String
    public var breakdown: Breakdown
    public var rows: [IndicatorRow]
    /// Adjusted gender parity index (female ÷ male, UIS) per unit, when broken down by sex.
    public var parity: [String: Double]
}

/// Rolls per-school cells up to a level of the hierarchy, forms values, withholds small cells.
public struct IndicatorEngine: Sendable {
    public let store: DarasaStore
    /// Cells resting on fewer learners than this are withheld (beyond the school tier).
    public var minimumCell: Int

    public init(store: DarasaStore, minimumCell: Int = 10) {
        self.store = store
        self.minimumCell = minimumCell
    }

    /// Computes `indicator` for every unit at `depth` inside `scope`, broken down by `breakdown`.
    /// With `suppress`, applies primary small-cell suppression (base < minimumCell) and
    /// complementary suppression: where a unit has exactly one withheld category, the next
    /// smallest category of that unit is withheld too, so that no withheld cell can be recovered
    /// by subtracting the others from the unit's total.
    public func table(_ indicator: IndicatorDefinition, yearID: Int, depth: Int, by breakdown: Breakdown,
                      scope: AccessScope, suppress: Bool) async throws -> IndicatorTable {
        let cells = try await store.indicatorCells(indicator.measure, yearID: yearID, by: breakdown, subtask: indicator.subtask)
        let paths = try await store.schoolPaths()
        let units = try await store.orgUnits(depth: depth).filter { scope.covers(path: $0.path) }
        let levelName = try await store.orgLevels().first { $0.depth == depth }?.name ?? "level \(depth)"
        // Longest-prefix lookup is a dictionary hit: a school's ancestor at `depth` is the first depth+1 path parts.
        let unitByPath = Dictionary(uniqueKeysWithValues: units.map { ($0.path, $0) })
        func ancestorPath(_ path: String) -> String {
            "/" + path.split(separator: "/").prefix(depth + 1).joined(separator: "/") + "/"
        }
        struct Key: Hashable { var unit: Int64; var category: String }
        var sums: [Key: (num: Double, den: Double, base: Int)] = [:]
        for cell in cells {
            guard let path = paths[cell.schoolID], let unit = unitByPath[ancestorPath(path)] else { continue }
            let key = Key(unit: unit.id.rawValue, category: cell.category)
            let s = sums[key] ?? (0, 0, 0)
            sums[key] = (s.num + cell.numerator, s.den + cell.denominator, s.base + cell.base)
        }
        var rows: [IndicatorRow] = []
        for unit in units {
            let categories = sums.keys.filter { $0.unit == unit.id.rawValue }.map(\.category).sorted()
            for category in categories {
                let s = sums[Key(unit: unit.id.rawValue, category: category)]!
                let value: Double? = indicator.kind == .count ? s.num : (s.den > 0 ? s.num / s.den : nil)
                rows.append(IndicatorRow(unitID: unit.id.rawValue, unitCode: unit.code, unitName: unit.name, category: category,
                                         numerator: s.num, denominator: s.den, base: s.base, value: value,
                                         withheld: value == nil ? "no_data" : nil))
            }
        }
        if suppress { rows = Self.suppress(rows, minimum: minimumCell, breakdown: breakdown) }
        var parity: [String: Double] = [:]
        if breakdown == .sex {
            for unit in units {
                let f = rows.first { $0.unitID == unit.id.rawValue && $0.category == "female" }?.value
                let m = rows.first { $0.unitID == unit.id.rawValue && $0.category == "male" }?.value
                if let f, let m, indicator.kind != .count, let pia = Parity.adjusted(disadvantaged: f, advantaged: m) {
                    parity[unit.code] = pia
                }
            }
        }
        return IndicatorTable(indicator: indicator, yearID: yearID, level: levelName, breakdown: breakdown, rows: rows, parity: parity)
    }

    /// Primary then complementary suppression, per unit. Public for its own tests. A withheld
    /// cell keeps nothing that could reveal it: value, numerator, denominator and base are cleared.
    public static func suppress(_ rows: [IndicatorRow], minimum: Int, breakdown: Breakdown) -> [IndicatorRow] {
        var out = rows
        for i in out.indices where out[i].base > 0 && out[i].base < minimum {
            out[i].withheld = "small_cell"
        }
        if breakdown != .none {
            for (_, indices) in Dictionary(grouping: out.indices, by: { out[$0].unitID }) {
                guard indices.filter({ out[$0].withheld == "small_cell" }).count == 1 else { continue }
                if let next = indices.filter({ out[$0].withheld == nil }).min(by: { out[$0].base < out[$1].base }) {
                    out[next].withheld = "complementary"
                }
            }
        }
        for i in out.indices where out[i].withheld == "small_cell" || out[i].withheld == "complementary" {
            out[i].value = nil
            out[i].numerator = 0
            out[i].denominator = 0
            out[i].base = 0
        }
        return out
    }
}
