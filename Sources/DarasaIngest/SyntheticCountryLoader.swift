import DarasaCore
import Foundation

/// A row of an input file, for reporting (e.g. an assessment row that matched no learner).
public struct RowReference: Hashable, Sendable, Codable {
    public var file: String
    public var row: Int
    public init(file: String, row: Int) {
        self.file = file
        self.row = row
    }
}

/// What a load delivered, and what it could not place.
public struct LoadSummary: Sendable, Equatable, Codable {
    /// Files read.
    public var files: Int = 0
    /// Records delivered per kind ("orgUnits", "learners", "enrolments", …).
    public var records: [String: Int] = [:]
    /// Assessment export rows read (EGRA and ASER; one row per learner and instrument).
    public var assessmentRows: Int = 0
    /// Rows linked to a learner by normalised exact name + school + grade in that year.
    public var assessmentRowsLinked: Int = 0
    /// Rows with no learner of that name in that school and grade (left for probabilistic linkage).
    public var unmatchedAssessmentRows: [RowReference] = []
    /// Rows whose name fits two or more learners of the same sex in that class.
    public var ambiguousAssessmentRows: [RowReference] = []
    /// Timed-grid results whose raw counts are out of range (attempted beyond the items, incorrect
    /// beyond attempted, time remaining outside 0…limit): stored with their raw counts, score nil.
    public var invalidScores: Int = 0
    /// References to things no source defines, per kind (e.g. "register: unknown learner_id").
    public var unresolved: [String: Int] = [:]

    public init() {}

    public func count(_ kind: String) -> Int { records[kind] ?? 0 }
}

/// Reads a synthetic country (the folder `generateCountry` writes, or real exports in the same
/// native shapes) and delivers every source to a `RecordSink`.
///
/// Order: census → OneRoster → HR → registers → teacher attendance → instruments and assessments
/// → visits; batches reach the sink in dependency order (org units, schools, academic years,
/// census returns, learners, enrolments, teachers, postings, class assignments, attendance,
/// instruments, assessment results, visits), each at most `chunkSize` records, with the file
/// (relative to the folder) and the row of every record.
///
/// Identifiers are assigned deterministically from 1 in a fixed order (org units: country, then
/// regions, districts, zones and schools by code; learners and teachers in file order; …), so
/// loading the same folder twice gives the same IDs.
///
/// Cross-source references are resolved in memory: school code → `SchoolID`, OneRoster
/// sourcedId → `LearnerID`, payroll number → `TeacherID` (OneRoster teachers are linked by their
/// `identifier`). Assessment rows are linked by normalised exact name + school + grade to the
/// learner enrolled that year (sex breaks ties); the rest are counted and listed in the summary.
///
/// Malformed input (a missing column, a date that is not a date, an unknown mark) throws
/// `InputError` with the file, row, column and a fix. Data that is well-formed but wrong (a
/// duplicate learner, an out-of-range score) is delivered as recorded, for the quality checks.
public struct SyntheticCountryLoader: Sendable {
    /// Records per batch delivered to the sink.
    public var chunkSize: Int
    /// The last grade of the cycle: a learner in this grade who does not re-enrol has completed.
    public var finalGrade: Int

    public init(chunkSize: Int = 10_000, finalGrade: Int = 8) {
        self.chunkSize = max(1, chunkSize)
        self.finalGrade = finalGrade
    }

    public func load(from dir: URL, into sink: some RecordSink) async throws -> LoadSummary {
        let run = LoadRun(root: dir, chunkSize: chunkSize, finalGrade: finalGrade)
        try await run.loadAll(into: sink)
        return run.summary
    }
}

/// The state of one load: lookup tables built source by source.
final class LoadRun {
    let root: URL
    let chunkSize: Int
    let finalGrade: Int
    var summary = LoadSummary()

    // Census and hierarchy
    var countryCode = ""
    var countryName = ""
    var schoolIDByCode: [String: SchoolID] = [:]
    var orgUnitCount = 0
    var pendingCensus: [(file: String, returns: [(CensusReturn, Int)])] = []
    // Calendar
    var years: [AcademicYear] = []
    var holidays: [Day: String] = [:]
    // OneRoster
    var learnerIDBySourcedID: [String: LearnerID] = [:]
    var learnerNames: [(given: String, family: String, sex: Sex)] = []
    var schoolCodeByOrgID: [String: String] = [:]
    var teacherPayrollBySourcedID: [String: String] = [:]
    var termYear: [String: Int] = [:]
    var enrolments: [(enrolment: Enrolment, row: Int)] = []
    var enrolmentsByYear: [Int: [Enrolment]] = [:]
    var teacherEnrolments: [(sourcedID: String, yearID: Int, schoolID: SchoolID, grade: Int, section: String, row: Int)] = []
    // HR
    var teacherIDByPayroll: [String: TeacherID] = [:]
    var teacherSchool: [SchoolID?] = []

    init(root: URL, chunkSize: Int, finalGrade: Int) {
        self.root = root
        self.chunkSize = chunkSize
        self.finalGrade = finalGrade
    }

    func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: url(relative).path) }

    func unresolved(_ kind: String, _ n: Int = 1) { summary.unresolved[kind, default: 0] += n }

    func delivered(_ kind: String, _ n: Int) { summary.records[kind, default: 0] += n }

    func chunker<R: Sendable>(_ source: String, _ path: String, wrap: @escaping @Sendable ([R]) -> RecordBatch) -> Chunker<R> {
        Chunker(file: SourceFile(source: source, path: path), limit: chunkSize, wrap: wrap)
    }

    /// Opens a CSV file and reads its header.
    func openCSV(_ path: String, required: [String]) throws -> (CSVReader, HeaderMap) {
        let opened = try openCSVFile(root: root, path: path, required: required)
        summary.files += 1
        return opened
    }

    func csv<T>(_ path: String, _ body: () throws -> T) throws -> T { try csvErrors(path, body) }

    func loadAll(into sink: some RecordSink) async throws {
        try readCountry()
        try readHolidays()
        try await loadCensus(into: sink)
        try await loadOneRoster(into: sink)
        try await loadHR(into: sink)
        try await loadRegisters(into: sink)
        try await loadTeacherAttendance(into: sink)
        try await loadAssessments(into: sink)
        try await loadVisits(into: sink)
    }

    /// The academic year a day falls in (by the loaded calendar, else the calendar year).
    func yearID(of day: Day) -> Int {
        years.first { $0.start <= day && day <= $0.end }?.id ?? day.year
    }
}

/// Opens a CSV file under `root` and reads its header, checking the required columns.
func openCSVFile(root: URL, path: String, required: [String]) throws -> (CSVReader, HeaderMap) {
    let reader: CSVReader
    do { reader = try CSVReader(url: root.appendingPathComponent(path)) } catch {
        throw InputError(file: path, problem: "the file could not be opened", fix: "Check that the file exists and is readable")
    }
    var header = CSVRecord()
    let hasHeader = try csvErrors(path) { try reader.next(into: &header) }
    guard hasHeader else {
        throw InputError(file: path, row: 1, problem: "the file is empty", fix: "Export the file again with its header row")
    }
    return (reader, try HeaderMap(file: path, header: header, required: required))
}

/// Turns a CSV syntax error into an `InputError` for `path`.
func csvErrors<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as CSVReader.CSVError {
        throw InputError(file: path, row: e.line, problem: e.problem,
                         fix: "Close the quoted field or remove the stray quote, then export again")
    }
}
