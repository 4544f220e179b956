public enum AttendanceMark: String, Codable, Sendable, CaseIterable {
    case present, absent, late, excused

    /// Late arrivals count as present for the attendance rate (they were in school).
    public var countsAsPresent: Bool { self == .present || self == .late }
}

/// One learner's (or teacher's) marks for one calendar month, as four bitmaps over the days of
/// the month (bit 0 = day 1). A day has at most one mark; a day with no bit set was not recorded.
///
/// One row per person-month instead of per person-day is ~20× fewer rows, and summaries
/// become popcounts. See docs/data-model.md.
public struct MonthMarks: Hashable, Codable, Sendable {
    public var present: UInt32 = 0
    public var absent: UInt32 = 0
    public var late: UInt32 = 0
    public var excused: UInt32 = 0

    public init(present: UInt32 = 0, absent: UInt32 = 0, late: UInt32 = 0, excused: UInt32 = 0) {
        self.present = present
        self.absent = absent
        self.late = late
        self.excused = excused
    }

    /// Sets the mark for `day` (1…31), replacing any earlier mark for that day.
    public mutating func set(_ mark: AttendanceMark?, day: Int) {
        precondition((1...31).contains(day), "day of month out of range")
        let bit = UInt32(1) << UInt32(day - 1)
        present &= ~bit; absent &= ~bit; late &= ~bit; excused &= ~bit
        switch mark {
        case .present: present |= bit
        case .absent: absent |= bit
        case .late: late |= bit
        case .excused: excused |= bit
        case nil: break
        }
    }

    public func mark(day: Int) -> AttendanceMark? {
        guard (1...31).contains(day) else { return nil }
        let bit = UInt32(1) << UInt32(day - 1)
        if present & bit != 0 { return .present }
        if absent & bit != 0 { return .absent }
        if late & bit != 0 { return .late }
        if excused & bit != 0 { return .excused }
        return nil
    }

    public var recordedDays: Int { (present | absent | late | excused).nonzeroBitCount }
    public var presentDays: Int { (present | late).nonzeroBitCount }
    /// Absences of any kind, excused or not (chronic absence counts both).
    public var absentDays: Int { (absent | excused).nonzeroBitCount }
    public var lateDays: Int { late.nonzeroBitCount }
    public var excusedDays: Int { excused.nonzeroBitCount }

    /// True when no day carries two marks (the invariant `set` keeps; checked on ingest).
    public var isConsistent: Bool {
        (present & (absent | late | excused)) | (absent & (late | excused)) | (late & excused) == 0
    }
}

/// A learner's attendance in one month at one school.
public struct LearnerAttendanceMonth: Hashable, Codable, Sendable {
    public var learnerID: LearnerID
    public var schoolID: SchoolID
    public var year: Int
    public var month: Int
    public var marks: MonthMarks
    public init(learnerID: LearnerID, schoolID: SchoolID, year: Int, month: Int, marks: MonthMarks) {
        self.learnerID = learnerID
        self.schoolID = schoolID
        self.year = year
        self.month = month
        self.marks = marks
    }
}

/// A teacher's attendance in one month at one school.
public struct TeacherAttendanceMonth: Hashable, Codable, Sendable {
    public var teacherID: TeacherID
    public var schoolID: SchoolID
    public var year: Int
    public var month: Int
    public var marks: MonthMarks
    public init(teacherID: TeacherID, schoolID: SchoolID, year: Int, month: Int, marks: MonthMarks) {
        self.teacherID = teacherID
        self.schoolID = schoolID
        self.year = year
        self.month = month
        self.marks = marks
    }
}
