public enum InstrumentKind: String, Codable, Sendable, CaseIterable {
    /// Early Grade Reading Assessment style (timed grids, comprehension).
    case egra
    /// Early Grade Mathematics Assessment style.
    case egma
    /// ASER-style one-on-one level test: the highest level a child reaches comfortably.
    case aser
}

public enum SubtaskKind: String, Codable, Sendable, CaseIterable {
    /// A grid read aloud against a clock (letters, words, passage); scored as correct per minute.
    case timedGrid = "timed_grid"
    /// Untimed items scored right/wrong (e.g. comprehension, number identification).
    case untimed
    /// An ordered level placement (ASER).
    case level
}

/// The Global Proficiency Framework's four levels; "meets" is the minimum proficiency level.
public enum ProficiencyLevel: String, Codable, Sendable, CaseIterable, Comparable {
    case belowPartiallyMeets = "below_partially_meets", partiallyMeets = "partially_meets", meets, exceeds
    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
    public var atLeastMinimum: Bool { self >= .meets }
}

/// A score cut-off for one grade and language. `levels` maps lower bounds to GPF levels, e.g.
/// `[0: below, 20: partially, 45: meets, 70: exceeds]` correct words per minute.
public struct Benchmark: Hashable, Codable, Sendable {
    public var grade: Int
    public var language: String
    /// Score at or above which a learner meets the benchmark.
    public var threshold: Double
    public var levelCutoffs: [LevelCutoff]
    public init(grade: Int, language: String, threshold: Double, levelCutoffs: [LevelCutoff] = []) {
        self.grade = grade
        self.language = language
        self.threshold = threshold
        self.levelCutoffs = levelCutoffs
    }

    /// The proficiency level for `score`; nil when no cut-offs are defined.
    public func level(for score: Double) -> ProficiencyLevel? {
        levelCutoffs.sorted { $0.minimum < $1.minimum }.last { score >= $0.minimum }?.level
    }
}

public struct LevelCutoff: Hashable, Codable, Sendable {
    public var minimum: Double
    public var level: ProficiencyLevel
    public init(minimum: Double, level: ProficiencyLevel) {
        self.minimum = minimum
        self.level = level
    }
}

public struct Subtask: Hashable, Codable, Sendable {
    public var code: String
    public var name: String
    public var kind: SubtaskKind
    public var itemCount: Int
    /// Seconds on the clock for a timed grid (usually 60).
    public var timeLimitSeconds: Int?
    /// Items in the first line; if all are wrong the subtask stops early and scores 0.
    public var firstLineLength: Int?
    /// For ASER-style subtasks: the ordered level names, lowest first.
    public var levels: [String]
    public var benchmarks: [Benchmark]
    /// The prefix of this subtask's columns in an assessment export (`<prefix>_attempted`,
    /// `<prefix>_001`, `<prefix>_level`, …), where the instrument defines one.
    public var columnPrefix: String?
    /// What the child reads, item by item (letters, words, the passage's words), for the
    /// assessor's screen; nil when the instrument does not give them (the screen numbers them).
    public var itemTexts: [String]?
    /// For comprehension: the passage word (1-based) each question's sentence ends at — a
    /// question is asked only if the child read that far.
    public var sentenceEnds: [Int]?

    public init(code: String, name: String, kind: SubtaskKind, itemCount: Int, timeLimitSeconds: Int? = nil,
                firstLineLength: Int? = nil, levels: [String] = [], benchmarks: [Benchmark] = [], columnPrefix: String? = nil,
                itemTexts: [String]? = nil, sentenceEnds: [Int]? = nil) {
        self.columnPrefix = columnPrefix
        self.itemTexts = itemTexts
        self.sentenceEnds = sentenceEnds
        self.code = code
        self.name = name
        self.kind = kind
        self.itemCount = itemCount
        self.timeLimitSeconds = timeLimitSeconds
        self.firstLineLength = firstLineLength
        self.levels = levels
        self.benchmarks = benchmarks
    }

    public func benchmark(grade: Int, language: String) -> Benchmark? {
        benchmarks.first { $0.grade == grade && $0.language == language }
    }
}

public struct Instrument: Hashable, Codable, Sendable, Identifiable {
    public var id: InstrumentID
    public var code: String
    public var name: String
    public var kind: InstrumentKind
    public var language: String
    public var grades: [Int]
    public var subtasks: [Subtask]
    public init(id: InstrumentID, code: String, name: String, kind: InstrumentKind, language: String,
                grades: [Int], subtasks: [Subtask]) {
        self.id = id
        self.code = code
        self.name = name
        self.kind = kind
        self.language = language
        self.grades = grades
        self.subtasks = subtasks
    }
}

public enum AssessmentMode: String, Codable, Sendable, CaseIterable {
    case census, sample
}

/// One learner's result on one subtask of an instrument.
///
/// For a timed grid, `attempted`, `incorrect` and `secondsRemaining` are the raw record and
/// `score` is the fluency (correct per minute, see `EGRA.fluency`). For an untimed subtask `score`
/// is the number correct; for a level subtask `level` is the index into `Subtask.levels`.
/// `responses` holds item-level marks as a string of "1" (correct), "0" (wrong), "." (not reached).
public struct AssessmentResult: Hashable, Codable, Sendable, Identifiable {
    public var id: AssessmentID
    public var learnerID: LearnerID
    public var schoolID: SchoolID
    public var instrumentID: InstrumentID
    public var subtaskCode: String
    public var grade: Int
    public var date: Day
    public var assessor: String
    public var mode: AssessmentMode
    /// Sampling weight (1 for a census).
    public var weight: Double
    public var attempted: Int?
    public var incorrect: Int?
    public var secondsRemaining: Int?
    public var score: Double?
    public var level: Int?
    public var responses: String?

    public init(id: AssessmentID, learnerID: LearnerID, schoolID: SchoolID, instrumentID: InstrumentID,
                subtaskCode: String, grade: Int, date: Day, assessor: String, mode: AssessmentMode,
                weight: Double = 1, attempted: Int? = nil, incorrect: Int? = nil, secondsRemaining: Int? = nil,
                score: Double? = nil, level: Int? = nil, responses: String? = nil) {
        self.id = id
        self.learnerID = learnerID
        self.schoolID = schoolID
        self.instrumentID = instrumentID
        self.subtaskCode = subtaskCode
        self.grade = grade
        self.date = date
        self.assessor = assessor
        self.mode = mode
        self.weight = weight
        self.attempted = attempted
        self.incorrect = incorrect
        self.secondsRemaining = secondsRemaining
        self.score = score
        self.level = level
        self.responses = responses
    }
}
