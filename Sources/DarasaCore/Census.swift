/// One school's annual census return (the aggregate form a head teacher fills in), as submitted.
/// Kept beside learner-level records so the two can be checked against each other.
public struct CensusReturn: Hashable, Codable, Sendable {
    public var schoolID: SchoolID
    public var yearID: Int
    /// Day the return reached the ministry (for timeliness).
    public var submittedOn: Day?
    /// Enrolment counts per grade.
    public var enrolment: [GradeCount]
    public var teachersFemale: Int?
    public var teachersMale: Int?
    public var teachersTrained: Int?
    public var classrooms: Int?
    public var latrines: Int?
    public var hasWater: Bool?
    public var hasElectricity: Bool?

    public init(schoolID: SchoolID, yearID: Int, submittedOn: Day?, enrolment: [GradeCount],
                teachersFemale: Int? = nil, teachersMale: Int? = nil, teachersTrained: Int? = nil, classrooms: Int? = nil,
                latrines: Int? = nil, hasWater: Bool? = nil, hasElectricity: Bool? = nil) {
        self.schoolID = schoolID
        self.yearID = yearID
        self.submittedOn = submittedOn
        self.enrolment = enrolment
        self.teachersFemale = teachersFemale
        self.teachersMale = teachersMale
        self.teachersTrained = teachersTrained
        self.classrooms = classrooms
        self.latrines = latrines
        self.hasWater = hasWater
        self.hasElectricity = hasElectricity
    }
}

/// Girls and boys in one grade, plus the total as written on the form (which may not add up).
public struct GradeCount: Hashable, Codable, Sendable {
    public var grade: Int
    public var female: Int?
    public var male: Int?
    public var total: Int?
    public init(grade: Int, female: Int?, male: Int?, total: Int?) {
        self.grade = grade
        self.female = female
        self.male = male
        self.total = total
    }
}

/// School-age population of an area by single year of age and sex, as a national statistics
/// office projects it for a calendar year: the denominator of enrolment and intake ratios and of
/// the out-of-school rate. Given for any org unit (usually districts); figures roll up.
public struct PopulationCount: Hashable, Codable, Sendable {
    public var orgUnitID: OrgUnitID
    /// The calendar year of the projection (matched to the school year that starts in it).
    public var year: Int
    /// Age reached in the calendar year (year − year of birth), as EMIS forms count it.
    public var age: Int
    public var sex: Sex
    public var count: Int

    public init(orgUnitID: OrgUnitID, year: Int, age: Int, sex: Sex, count: Int) {
        self.orgUnitID = orgUnitID
        self.year = year
        self.age = age
        self.sex = sex
        self.count = count
    }
}
