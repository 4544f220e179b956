public struct Teacher: Hashable, Codable, Sendable, Identifiable {
    public var id: TeacherID
    public var givenName: String
    public var familyName: String
    public var sex: Sex
    public var birthDate: Day?
    /// Holds a recognised teaching qualification (for the pupil–trained-teacher ratio).
    public var trained: Bool
    public var qualification: String
    public var subjects: [String]
    public var sourceKeys: [SourceKey]

    public init(id: TeacherID, givenName: String, familyName: String, sex: Sex, birthDate: Day? = nil,
                trained: Bool, qualification: String, subjects: [String], sourceKeys: [SourceKey] = []) {
        self.id = id
        self.givenName = givenName
        self.familyName = familyName
        self.sex = sex
        self.birthDate = birthDate
        self.trained = trained
        self.qualification = qualification
        self.subjects = subjects
        self.sourceKeys = sourceKeys
    }
}

/// A teacher's posting to a school, open-ended while `end` is nil.
public struct TeacherPosting: Hashable, Codable, Sendable {
    public var teacherID: TeacherID
    public var schoolID: SchoolID
    public var start: Day
    public var end: Day?
    public init(teacherID: TeacherID, schoolID: SchoolID, start: Day, end: Day? = nil) {
        self.teacherID = teacherID
        self.schoolID = schoolID
        self.start = start
        self.end = end
    }
}

/// A teacher teaching a class (grade + section) in a year; `subject` nil means the class teacher.
public struct ClassAssignment: Hashable, Codable, Sendable {
    public var teacherID: TeacherID
    public var yearID: Int
    public var schoolID: SchoolID
    public var grade: Int
    public var section: String
    public var subject: String?
    public init(teacherID: TeacherID, yearID: Int, schoolID: SchoolID, grade: Int, section: String, subject: String? = nil) {
        self.teacherID = teacherID
        self.yearID = yearID
        self.schoolID = schoolID
        self.grade = grade
        self.section = section
        self.subject = subject
    }
}
