public enum Sex: String, Codable, Sendable, CaseIterable {
    case female, male
}

/// How precisely a birth date is known. Many registers hold only a year, or a guess.
public enum DatePrecision: String, Codable, Sendable, CaseIterable {
    case exact, yearOnly = "year_only", approximate
}

public struct BirthDate: Hashable, Codable, Sendable {
    public var day: Day
    public var precision: DatePrecision
    public init(day: Day, precision: DatePrecision = .exact) {
        self.day = day
        self.precision = precision
    }
}

/// Washington Group Short Set answer for one functioning domain.
public enum Difficulty: Int, Codable, Sendable, CaseIterable, Comparable {
    // Not `none`/`some`: those would be read as Optional's cases wherever a `Difficulty?` is expected.
    case noDifficulty = 1, someDifficulty = 2, aLot = 3, cannot = 4
    public static func < (a: Difficulty, b: Difficulty) -> Bool { a.rawValue < b.rawValue }
    public var code: String {
        switch self {
        case .noDifficulty: "no_difficulty"
        case .someDifficulty: "some_difficulty"
        case .aLot: "a_lot_of_difficulty"
        case .cannot: "cannot_do_at_all"
        }
    }
}

public enum FunctioningDomain: String, Codable, Sendable, CaseIterable {
    case seeing, hearing, walking, cognition, selfCare = "self_care", communication
}

/// Washington Group functioning profile. A domain left nil was not asked.
///
/// Disability status follows the Washington Group's recommended cut-off: at least one domain
/// answered "a lot of difficulty" or "cannot do at all".
public struct Functioning: Hashable, Codable, Sendable {
    public var seeing: Difficulty?
    public var hearing: Difficulty?
    public var walking: Difficulty?
    public var cognition: Difficulty?
    public var selfCare: Difficulty?
    public var communication: Difficulty?

    public init(seeing: Difficulty? = nil, hearing: Difficulty? = nil, walking: Difficulty? = nil,
                cognition: Difficulty? = nil, selfCare: Difficulty? = nil, communication: Difficulty? = nil) {
        self.seeing = seeing
        self.hearing = hearing
        self.walking = walking
        self.cognition = cognition
        self.selfCare = selfCare
        self.communication = communication
    }

    public subscript(domain: FunctioningDomain) -> Difficulty? {
        get {
            switch domain {
            case .seeing: seeing
            case .hearing: hearing
            case .walking: walking
            case .cognition: cognition
            case .selfCare: selfCare
            case .communication: communication
            }
        }
        set {
            switch domain {
            case .seeing: seeing = newValue
            case .hearing: hearing = newValue
            case .walking: walking = newValue
            case .cognition: cognition = newValue
            case .selfCare: selfCare = newValue
            case .communication: communication = newValue
            }
        }
    }

    /// nil when no domain was asked.
    public var hasDisability: Bool? {
        let answers = FunctioningDomain.allCases.compactMap { self[$0] }
        guard !answers.isEmpty else { return nil }
        return answers.contains { $0 >= .aLot }
    }
}

public struct Learner: Hashable, Codable, Sendable, Identifiable {
    public var id: LearnerID
    public var givenName: String
    public var familyName: String
    public var sex: Sex
    public var birthDate: BirthDate?
    public var functioning: Functioning
    public var homeLanguage: String?
    public var sourceKeys: [SourceKey]

    public init(id: LearnerID, givenName: String, familyName: String, sex: Sex, birthDate: BirthDate?,
                functioning: Functioning = Functioning(), homeLanguage: String?, sourceKeys: [SourceKey] = []) {
        self.id = id
        self.givenName = givenName
        self.familyName = familyName
        self.sex = sex
        self.birthDate = birthDate
        self.functioning = functioning
        self.homeLanguage = homeLanguage
        self.sourceKeys = sourceKeys
    }
}

/// Where a learner stood in one academic year. A transfer closes one enrolment
/// (`transferredOut`) and opens another (`transferredIn`) at the new school, so history follows
/// the learner.
public enum EnrolmentStatus: String, Codable, Sendable, CaseIterable {
    case enrolled, transferredIn = "transferred_in", transferredOut = "transferred_out",
         repeating, promoted, droppedOut = "dropped_out", completed
}

public struct Enrolment: Hashable, Codable, Sendable {
    public var learnerID: LearnerID
    public var yearID: Int
    public var schoolID: SchoolID
    public var grade: Int
    public var section: String
    public var status: EnrolmentStatus
    public var start: Day?
    public var end: Day?

    public init(learnerID: LearnerID, yearID: Int, schoolID: SchoolID, grade: Int, section: String,
                status: EnrolmentStatus, start: Day? = nil, end: Day? = nil) {
        self.learnerID = learnerID
        self.yearID = yearID
        self.schoolID = schoolID
        self.grade = grade
        self.section = section
        self.status = status
        self.start = start
        self.end = end
    }
}

/// What a learner's enrolment history shows about each year's outcome.
public enum EnrolmentOutcomes {
    /// The status of each enrolment in `history` (one learner's; any order; the result follows
    /// the input's order): a stay that ended before its year's end is `transferredOut` when
    /// another stay follows in the same year, else `droppedOut`; otherwise the next year's grade
    /// says `promoted` (higher) or `repeating`; in the latest year loaded a stay is `enrolled`
    /// (or `transferredIn` after an earlier stay that year); with no next year, a learner in
    /// `finalGrade` or above has `completed`, anyone else `droppedOut`.
    public static func derive(_ history: [Enrolment], yearEnds: [Int: Day], lastYear: Int, finalGrade: Int) -> [EnrolmentStatus] {
        let order = history.indices.sorted {
            let a = history[$0], b = history[$1]
            return (a.yearID, a.start ?? Day(daysSinceEpoch: Int32.min)) < (b.yearID, b.start ?? Day(daysSinceEpoch: Int32.min))
        }
        var out = Array(repeating: EnrolmentStatus.enrolled, count: history.count)
        for (k, i) in order.enumerated() {
            let e = history[i]
            let later = order[(k + 1)...].map { history[$0] }
            let sameYearLater = later.first { $0.yearID == e.yearID }
            let nextYear = later.first { $0.yearID == e.yearID + 1 }
            let endedEarly = e.end.map { end in yearEnds[e.yearID].map { end < $0 } ?? false } ?? false
            if endedEarly {
                out[i] = sameYearLater != nil ? .transferredOut : .droppedOut
            } else if let n = nextYear {
                out[i] = n.grade > e.grade ? .promoted : .repeating
            } else if e.yearID >= lastYear {
                out[i] = order[..<k].contains { history[$0].yearID == e.yearID } ? .transferredIn : .enrolled
            } else {
                out[i] = e.grade >= finalGrade ? .completed : .droppedOut
            }
        }
        return out
    }
}
