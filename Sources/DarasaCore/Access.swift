/// What a signed-in person may see. Roles are scoped to an org unit; scope is enforced by the
/// store queries (path prefix) and checked again at the edge.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Sees their own classes, with learner names.
    case teacher
    /// Sees their school, with learner names.
    case headTeacher = "head_teacher"
    /// Sees the schools of their district; never learner names.
    case districtOfficer = "district_officer"
    /// Sees the whole country; never learner names.
    case nationalAnalyst = "national_analyst"
    /// Manages accounts and configuration; sees aggregates only.
    case admin

    /// Learner names never leave the school tier.
    public var seesLearnerNames: Bool { self == .teacher || self == .headTeacher }

    /// Outputs for roles beyond the school suppress small cells.
    public var needsSmallCellSuppression: Bool { !seesLearnerNames }

    public var title: String {
        switch self {
        case .teacher: "Teacher"
        case .headTeacher: "Head teacher"
        case .districtOfficer: "District officer"
        case .nationalAnalyst: "National analyst"
        case .admin: "Administrator"
        }
    }
}

/// A class: grade and section within a school and year.
public struct ClassRef: Hashable, Codable, Sendable {
    public var schoolID: SchoolID
    public var grade: Int
    public var section: String
    public init(schoolID: SchoolID, grade: Int, section: String) {
        self.schoolID = schoolID
        self.grade = grade
        self.section = section
    }
}

/// The part of the country a user's role applies to.
public struct AccessScope: Hashable, Codable, Sendable {
    public var role: Role
    /// The org unit the role is anchored at (the country for national and admin roles).
    public var orgUnitID: OrgUnitID
    /// Materialised path of that org unit ("/KE/R01/D03/").
    public var orgPath: String
    /// For teachers: the classes they teach. Empty for other roles.
    public var classes: [ClassRef]

    public init(role: Role, orgUnitID: OrgUnitID, orgPath: String, classes: [ClassRef] = []) {
        self.role = role
        self.orgUnitID = orgUnitID
        self.orgPath = orgPath
        self.classes = classes
    }

    /// True when the org unit at `path` is inside this scope.
    public func covers(path: String) -> Bool { path.hasPrefix(orgPath) }

    /// True when a teacher's scope includes the class; other roles cover whole schools.
    public func covers(class ref: ClassRef, schoolPath: String) -> Bool {
        guard covers(path: schoolPath) else { return false }
        if role == .teacher { return classes.contains(ref) }
        return true
    }
}
