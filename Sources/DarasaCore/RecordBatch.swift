/// Records of one kind, ready for the store, in file order.
/// (Defined in Core so that both Ingest, which produces batches, and Store, which writes them,
/// can name it without depending on each other.)
public enum RecordBatch: Sendable {
    case orgLevels([OrgLevel])
    case orgUnits([OrgUnit])
    case schools([School])
    case academicYears([AcademicYear])
    case censusReturns([CensusReturn])
    case learners([Learner])
    case enrolments([Enrolment])
    case teachers([Teacher])
    case postings([TeacherPosting])
    case classAssignments([ClassAssignment])
    case learnerAttendance([LearnerAttendanceMonth])
    case teacherAttendance([TeacherAttendanceMonth])
    case instruments([Instrument])
    case assessmentResults([AssessmentResult])
    case visits([SchoolVisit])
    case population([PopulationCount])

    public var count: Int {
        switch self {
        case .orgLevels(let a): a.count
        case .orgUnits(let a): a.count
        case .schools(let a): a.count
        case .academicYears(let a): a.count
        case .censusReturns(let a): a.count
        case .learners(let a): a.count
        case .enrolments(let a): a.count
        case .teachers(let a): a.count
        case .postings(let a): a.count
        case .classAssignments(let a): a.count
        case .learnerAttendance(let a): a.count
        case .teacherAttendance(let a): a.count
        case .instruments(let a): a.count
        case .assessmentResults(let a): a.count
        case .visits(let a): a.count
        case .population(let a): a.count
        }
    }
}

