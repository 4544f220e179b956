import DarasaCore
import DarasaStore

/// Headline figures for what one user may see, from the summary tables: a teacher's classes, a
/// school, a district, the country. Views render it; they do not compute.
public struct ScopeSummary: Sendable {
    public var scope: AccessScope
    public var unit: OrgUnit
    public var yearID: Int?
    public var yearName: String
    /// Every school in scope with its figures (a teacher's school too).
    public var schools: [SchoolFigures]
    /// Learners with names: filled only for the school tier (teacher: their classes).
    public var roster: [RosterEntry]
    /// Units one level below the scope's anchor, for national and admin views.
    public var childUnits: [OrgUnit]
    private var assessedInRoster: Int

    /// Loads the figures for `scope` in the latest school year with data.
    public static func load(store: DarasaStore, scope: AccessScope) async throws -> ScopeSummary? {
        guard let unit = try await store.orgUnit(id: scope.orgUnitID) else { return nil }
        let yearID = try await store.latestYearID()
        let yearName = try await store.academicYears().first { $0.id == yearID }?.name ?? "current"
        var s = ScopeSummary(scope: scope, unit: unit, yearID: yearID, yearName: yearName, schools: [], roster: [],
                             childUnits: [], assessedInRoster: 0)
        guard let yearID else { return s }
        s.schools = try await store.schoolFigures(under: scope.orgPath, yearID: yearID)
        if scope.role.seesLearnerNames, let school = s.schools.first {
            s.roster = try await store.learnerRoster(schoolID: school.schoolID, yearID: yearID,
                                                     classes: scope.role == .teacher ? scope.classes : nil)
            let assessed = try await store.assessedLearners(schoolID: school.schoolID, yearID: yearID)
            s.assessedInRoster = s.roster.filter { $0.status.isActive && assessed.contains($0.learnerID) }.count
        }
        if scope.role == .nationalAnalyst || scope.role == .admin {
            s.childUnits = try await store.children(of: unit.id)
        }
        return s
    }

    private var isClassScope: Bool { scope.role == .teacher }
    private var activeRoster: [RosterEntry] { roster.filter { $0.status.isActive } }

    /// Learners currently enrolled (not dropped out or transferred out).
    public var enrolment: Int { isClassScope ? activeRoster.count : schools.reduce(0) { $0 + $1.enrolment } }
    public var presentDays: Int { isClassScope ? roster.reduce(0) { $0 + $1.presentDays } : schools.reduce(0) { $0 + $1.presentDays } }
    public var recordedDays: Int { isClassScope ? roster.reduce(0) { $0 + $1.recordedDays } : schools.reduce(0) { $0 + $1.recordedDays } }
    /// Attendance rate = days present ÷ school days recorded (METHODS.md); nil with no records.
    public var attendanceRate: Double? { Attendance.rate(presentDays: presentDays, recordedDays: recordedDays) }
    public var learnersAssessed: Int { isClassScope ? assessedInRoster : schools.reduce(0) { $0 + $1.learnersAssessed } }
    /// Learners absent ≥ 10 % of more than 30 recorded days (Balfanz & Byrnes; METHODS.md).
    public var chronicallyAbsent: Int {
        isClassScope
            ? roster.filter { Attendance.isChronicallyAbsent(absentDays: $0.absentDays, enrolledDays: $0.recordedDays) == true }.count
            : schools.reduce(0) { $0 + $1.chronicallyAbsent }
    }
    public var learnersWithAttendance: Int {
        isClassScope ? roster.filter { $0.recordedDays > 0 }.count : schools.reduce(0) { $0 + $1.learnersWithAttendance }
    }
    public var teachers: Int { schools.reduce(0) { $0 + $1.teachers } }
    /// Pupil–teacher ratio over the schools in scope; nil without teachers.
    public var pupilTeacherRatio: Double? { teachers > 0 ? Double(enrolment) / Double(teachers) : nil }

    /// The same figures summed over the schools under one child unit.
    public func figures(under unit: OrgUnit) -> UnitFigures {
        UnitFigures(unit: unit, schools: schools.filter { unit.contains(path: $0.path) })
    }
}

/// Figures summed over a set of schools (a region, a district).
public struct UnitFigures: Sendable {
    public var unit: OrgUnit
    public var schools: [SchoolFigures]
    public init(unit: OrgUnit, schools: [SchoolFigures]) {
        self.unit = unit
        self.schools = schools
    }
    public var enrolment: Int { schools.reduce(0) { $0 + $1.enrolment } }
    public var enrolmentFemale: Int { schools.reduce(0) { $0 + $1.enrolmentFemale } }
    public var girlsShare: Double? { enrolment > 0 ? Double(enrolmentFemale) / Double(enrolment) : nil }
    public var attendanceRate: Double? {
        Attendance.rate(presentDays: schools.reduce(0) { $0 + $1.presentDays }, recordedDays: schools.reduce(0) { $0 + $1.recordedDays })
    }
    public var learnersWithAttendance: Int { schools.reduce(0) { $0 + $1.learnersWithAttendance } }
    public var learnersAssessed: Int { schools.reduce(0) { $0 + $1.learnersAssessed } }
    public var teachers: Int { schools.reduce(0) { $0 + $1.teachers } }
    public var pupilTeacherRatio: Double? { teachers > 0 ? Double(enrolment) / Double(teachers) : nil }
}

extension EnrolmentStatus {
    /// Still on the roll: not dropped out or transferred out.
    public var isActive: Bool { self != .droppedOut && self != .transferredOut }
}
