import DarasaTestSupport
import DarasaCore
import DarasaGenerator
import DarasaIngest
import Foundation

/// A sink that keeps everything it receives, in order.
actor CollectingSink: RecordSink {
    struct Delivery: Sendable {
        var batch: RecordBatch
        var file: SourceFile
        var rows: [Int]
    }
    private(set) var deliveries: [Delivery] = []

    func receive(_ batch: RecordBatch, from file: SourceFile, rows: [Int]) async throws {
        deliveries.append(Delivery(batch: batch, file: file, rows: rows))
    }

    var learners: [Learner] { deliveries.flatMap { d -> [Learner] in if case .learners(let a) = d.batch { return a }; return [] } }
    var enrolments: [Enrolment] { deliveries.flatMap { d -> [Enrolment] in if case .enrolments(let a) = d.batch { return a }; return [] } }
    var results: [AssessmentResult] {
        deliveries.flatMap { d -> [AssessmentResult] in if case .assessmentResults(let a) = d.batch { return a }; return [] }
    }
    var orgUnits: [OrgUnit] { deliveries.flatMap { d -> [OrgUnit] in if case .orgUnits(let a) = d.batch { return a }; return [] } }
    var teachers: [Teacher] { deliveries.flatMap { d -> [Teacher] in if case .teachers(let a) = d.batch { return a }; return [] } }
}

/// The kind name LoadSummary.records uses for a batch.
func kind(_ batch: RecordBatch) -> String {
    switch batch {
    case .orgLevels: "orgLevels"
    case .orgUnits: "orgUnits"
    case .schools: "schools"
    case .academicYears: "academicYears"
    case .censusReturns: "censusReturns"
    case .learners: "learners"
    case .enrolments: "enrolments"
    case .teachers: "teachers"
    case .postings: "postings"
    case .classAssignments: "classAssignments"
    case .learnerAttendance: "learnerAttendance"
    case .teacherAttendance: "teacherAttendance"
    case .instruments: "instruments"
    case .assessmentResults: "assessmentResults"
    case .visits: "visits"
    case .population: "population"
    }
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("darasa-ingest-tests-\(name)-\(UInt64.random(in: 0...UInt64.max))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}


/// Every row of a file read through `mapping` the general way (`MappedReader`), each made a
/// value by `take` (nil: the row has a problem); nil when the file cannot be read or any row has
/// a problem. What the direct readers are held to.
func readGenerally<T>(_ url: URL, file: String, mapping: Mapping, _ take: (MappedReader, CSVRecord, Int) -> T?) -> [T]? {
    guard let m = try? MappedReader(mapping: mapping, url: url, file: file) else { return nil }
    var out: [T] = []
    var r = CSVRecord()
    while true {
        let next: Int?
        do { next = try m.next(into: &r) } catch { return nil }
        guard let row = next else { return out }
        guard let value = take(m, r, row) else { return nil }
        out.append(value)
    }
}

/// How many of a property check's files a direct reader took, of all it was given (both
/// branches must be exercised).
final class DirectReadCount: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var direct = 0, all = 0
    func add(_ isDirect: Bool) { lock.lock(); all += 1; if isDirect { direct += 1 }; lock.unlock() }
}
