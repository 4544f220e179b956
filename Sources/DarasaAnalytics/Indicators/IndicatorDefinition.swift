import DarasaCore
import DarasaStore

/// A characteristic an indicator can be cut by. Learner characteristics come from the summary
/// cubes; school characteristics join at school grain; the org level is chosen separately.
public enum Breakdown: String, Sendable, CaseIterable, Codable, Hashable {
    case sex, disability, grade, age
    /// Age relative to the official age for the grade: under_age, official_age, over_age_1, over_age_2_plus.
    case ageGroup = "age_group"
    /// Home language (ISO 639-3 code).
    case language
    case locality
    /// Quintile of learners by their school's poverty index: q1 the poorest fifth, q5 the richest.
    case povertyQuintile = "poverty_quintile"
    case ownership
    /// ASER-style level reached (assessments with levels).
    case level
    /// Global Proficiency Framework level (below_partially_meets … exceeds).
    case proficiency

    /// Characteristics of the school rather than of the learner.
    public var isSchoolTrait: Bool { self == .locality || self == .povertyQuintile || self == .ownership }

    /// The cube dimensions this characteristic is read from.
    var cubeDimensions: [CubeDimension] {
        switch self {
        case .sex: [.sex]
        case .disability: [.disability]
        case .grade: [.grade]
        case .age: [.age]
        case .ageGroup: [.age, .grade]
        case .language: [.language]
        case .level: [.level]
        case .proficiency: [.proficiency]
        case .locality, .povertyQuintile, .ownership: []
        }
    }

    /// For parity: the (disadvantaged, advantaged) pair UIS compares on this characteristic.
    public var parityPair: (disadvantaged: String, advantaged: String)? {
        switch self {
        case .sex: ("female", "male")
        case .locality: ("rural", "urban")
        case .povertyQuintile: ("q1", "q5")
        case .disability: ("with_disability", "without_disability")
        default: nil
        }
    }

    /// What the characteristics each source is kept by allow.
    static func supported(by source: CubeSource) -> Set<Breakdown> {
        switch source {
        case .learners: [.sex, .disability, .grade, .age, .ageGroup, .language, .locality, .povertyQuintile, .ownership]
        case .learning: [.sex, .disability, .grade, .age, .ageGroup, .language, .locality, .povertyQuintile, .ownership, .level, .proficiency]
        case .schools: [.locality, .povertyQuintile, .ownership]
        case .population: [.sex, .age]
        }
    }
}

/// A filter on grades or ages, as the catalogue writes it: a named level of the education
/// system ("primary"), the entry age ("entry"), one number, or a range "1-8".
public enum Span: Sendable, Hashable, Codable {
    case level(String)
    case entry
    case range(ClosedRange<Int>)
}

/// One side of an indicator: the sum of one or more measures over the rows a filter lets
/// through.
public struct IndicatorTerm: Sendable, Hashable, Codable {
    public var measures: [String]
    public var grades: Span?
    public var ages: Span?
    public var subtask: String?
    public var instrumentKind: String?

    public init(measures: [String], grades: Span? = nil, ages: Span? = nil, subtask: String? = nil, instrumentKind: String? = nil) {
        self.measures = measures
        self.grades = grades
        self.ages = ages
        self.subtask = subtask
        self.instrumentKind = instrumentKind
    }

    /// The source all its measures come from (the catalogue checks they agree).
    public var source: CubeSource { CubeSource.source(of: measures[0]) ?? .learners }
}

/// An indicator of the catalogue (indicators/catalogue.yaml): what it measures and how.
public struct IndicatorDefinition: Sendable, Hashable, Codable {
    /// How the value reads.
    public enum Unit: String, Sendable, Codable {
        /// A number of learners (or schools).
        case count
        /// A share 0…1, shown as a percentage (an enrolment ratio can pass 100 %).
        case share
        /// A ratio such as pupils per teacher.
        case ratio
        /// A mean in the measure's own unit (e.g. correct words per minute).
        case mean
    }

    public enum Method: String, Sendable, Codable {
        /// numerator ÷ denominator (or the numerator alone, for a count).
        case ratio
        /// 1 − numerator ÷ denominator (e.g. out of school = 1 − enrolled ÷ population).
        case complement
        /// Shares of the numerator over the categories of `over` (e.g. ASER levels).
        case distribution
        /// UIS survival rate to the last grade of `grades`, by the cohort method.
        case survival
        /// Teacher-allocation consistency: 1 − R² of teachers on pupils across schools.
        case allocationConsistency = "allocation_consistency"
        /// World Bank/UIS learning poverty from a proficiency and an out-of-school indicator.
        case learningPoverty = "learning_poverty"
    }

    /// Which results of a sample-based or census-based assessment an indicator reads.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// Every result, unweighted: a count of results, with n.
        case any
        /// Sample rounds only, weighted, with a design-based 95 % interval clustered by school.
        case sample
        /// Census rounds only, unweighted, with n.
        case census
    }

    /// Which school year a table shows when none is asked for.
    public enum YearRule: String, Sendable, Codable {
        /// The latest year with data.
        case latest
        /// The latest year whose outcomes (promoted, repeating, …) are known: its next year is loaded.
        case outcomes
    }

    /// For survival: where the flow rates come from.
    public enum Rates: String, Sendable, Codable {
        /// UIS reconstructed cohort from enrolment and repeaters by grade in two years.
        case reconstructedCohort = "reconstructed_cohort"
        /// Counted from learner records followed into the next year.
        case learnerFlows = "learner_flows"
    }

    public var id: String
    public var title: String
    /// Plain-language definition shown beside the figure.
    public var definition: String
    public var unit: Unit
    public var method: Method
    public var numerator: IndicatorTerm?
    public var denominator: IndicatorTerm?
    /// What suppression counts (the people a figure rests on); default the denominator (the
    /// numerator for a count).
    public var base: IndicatorTerm?
    public var mode: Mode
    public var year: YearRule
    /// For a distribution: the characteristic whose categories share out the numerator.
    public var over: Breakdown?
    /// For survival.
    public var rates: Rates?
    public var grades: Span?
    /// For learning poverty: the ids of the proficiency (SDG 4.1.1) and out-of-school indicators.
    public var proficiency: String?
    public var outOfSchool: String?
    /// The line of the catalogue the definition starts on.
    public var line: Int

    public init(id: String, title: String, definition: String, unit: Unit, method: Method = .ratio, numerator: IndicatorTerm? = nil,
                denominator: IndicatorTerm? = nil, base: IndicatorTerm? = nil, mode: Mode = .any, year: YearRule = .latest, over: Breakdown? = nil,
                rates: Rates? = nil, grades: Span? = nil, proficiency: String? = nil, outOfSchool: String? = nil, line: Int = 0) {
        self.id = id
        self.title = title
        self.definition = definition
        self.unit = unit
        self.method = method
        self.numerator = numerator
        self.denominator = denominator
        self.base = base
        self.mode = mode
        self.year = year
        self.over = over
        self.rates = rates
        self.grades = grades
        self.proficiency = proficiency
        self.outOfSchool = outOfSchool
        self.line = line
    }

    /// The terms the value is formed from.
    public var terms: [IndicatorTerm] { [numerator, denominator, base].compactMap { $0 } }

    /// Whether the figure is about learners (and so is withheld on small cells beyond the school).
    public var restsOnLearners: Bool { method != .allocationConsistency }
}

/// The education system the catalogue's names refer to: the entry age and the grades of each level.
public struct EducationSystem: Sendable, Hashable, Codable {
    /// Official age of entry to grade 1 (as age reached in the calendar year).
    public var entryAge: Int
    /// Grades of each level, e.g. primary 1–8.
    public var levels: [String: ClosedRange<Int>]

    public init(entryAge: Int = 6, levels: [String: ClosedRange<Int>] = ["primary": 1...8]) {
        self.entryAge = entryAge
        self.levels = levels
    }

    /// Official age for grade g: entry age + g − 1.
    public func officialAge(grade: Int) -> Int { entryAge + grade - 1 }

    public func grades(_ span: Span) -> ClosedRange<Int>? {
        switch span {
        case .level(let name): levels[name]
        case .entry: 1...1
        case .range(let r): r
        }
    }

    /// Ages: a level's official ages (entry age + its first grade − 1 … + its last grade − 1).
    public func ages(_ span: Span) -> ClosedRange<Int>? {
        switch span {
        case .level(let name): levels[name].map { officialAge(grade: $0.lowerBound)...officialAge(grade: $0.upperBound) }
        case .entry: entryAge...entryAge
        case .range(let r): r
        }
    }
}
