import DarasaCore
import Foundation

/// Generates a synthetic country into `outDir`: every source in its native shape, plus the
/// ground truth in `outDir/truth/`. See docs/synthetic-country.md for every file and column.
///
/// Deterministic: the same spec gives byte-identical files (seeded xoshiro256** streams, sorted
/// output, fixed ZIP timestamps, no clock reads). Memory is proportional to the number of
/// learners (compact per-learner state); rows are streamed to disk.
///
/// - Throws: `GenerationError` for an unusable spec or an unwritable folder.
public func generateCountry(_ spec: CountrySpec, to outDir: URL) throws -> GenerationSummary {
    guard spec.learners >= 50 else {
        throw GenerationError(problem: "A country needs at least 50 learners (got \(spec.learners))",
                              fix: "Pass --learners 50 or more")
    }
    guard !spec.years.isEmpty, spec.years == spec.years.sorted(), Set(spec.years).count == spec.years.count,
          spec.years.allSatisfy({ (1990...2100).contains($0) }) else {
        throw GenerationError(problem: "The years must be distinct, increasing and between 1990 and 2100",
                              fix: "Pass years such as 2023, 2024, 2025")
    }
    let rates = spec.defects
    for (name, rate) in [("duplicateLearner", rates.duplicateLearner), ("misspelledName", rates.misspelledName),
                         ("transposedName", rates.transposedName), ("dayMonthSwap", rates.dayMonthSwap),
                         ("impossibleAge", rates.impossibleAge), ("missingCensus", rates.missingCensus),
                         ("lateCensus", rates.lateCensus), ("missingRegisterMonth", rates.missingRegisterMonth),
                         ("outOfRangeScore", rates.outOfRangeScore), ("enrolmentSpike", rates.enrolmentSpike),
                         ("teacherCountMismatch", rates.teacherCountMismatch)] where !(0...0.5).contains(rate) {
        throw GenerationError(problem: "The defect rate \(name) is \(rate), outside 0…0.5",
                              fix: "Use a rate between 0 and 0.5")
    }
    let code = spec.countryCode
    guard !code.isEmpty, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
        throw GenerationError(problem: "The country code \"\(code)\" must be letters or digits",
                              fix: "Use a short code such as XD")
    }
    do {
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
    } catch {
        throw GenerationError(problem: "Could not create the output folder \(outDir.path)",
                              fix: "Choose a folder you can write to")
    }
    try clearPreviousCountry(in: outDir)
    let writer = try CountryWriter(spec: spec, root: outDir)
    return try writer.run()
}

/// The folders a country consists of.
let countryFolders = ["calendar", "census", "oneroster", "hr", "registers", "assessments", "visits", "population", "truth"]

/// Removes an earlier synthetic country from `dir` (recognised by its truth/summary.json), so that
/// no stale file survives; refuses a folder whose source folders hold something else.
func clearPreviousCountry(in dir: URL) throws {
    let fm = FileManager.default
    let present = countryFolders.filter { fm.fileExists(atPath: dir.appendingPathComponent($0).path) }
    guard !present.isEmpty else { return }
    guard fm.fileExists(atPath: dir.appendingPathComponent("truth/summary.json").path) else {
        throw GenerationError(problem: "The folder \(dir.path) already has a \(present[0]) folder that Darasa did not write",
                              fix: "Choose an empty folder (or one that holds an earlier synthetic country)")
    }
    for name in present {
        do { try fm.removeItem(at: dir.appendingPathComponent(name)) } catch {
            throw GenerationError(problem: "Could not replace \(name) in \(dir.path)", fix: "Check that the folder is writable")
        }
    }
}

/// Holds the simulated country while each source is written.
final class CountryWriter {
    let spec: CountrySpec
    let names: NameTable
    let world: World
    let pop: Population
    let ledger: OutputLedger
    var summary: GenerationSummary
    private let defectsFile: BufferedFile
    private var defectSeq = 0
    /// OneRoster sourcedId bytes per SMS record.
    private(set) var recordIDs: [[UInt8]] = []
    /// OneRoster org sourcedId per school.
    private(set) var schoolOrgIDs: [String] = []

    init(spec: CountrySpec, root: URL) throws {
        self.spec = spec
        names = NameTable()
        world = World(spec: spec, names: names)
        pop = Population(spec: spec, world: world, names: names)
        ledger = OutputLedger(root: root)
        summary = GenerationSummary(seed: spec.seed, years: spec.years)
        defectsFile = try ledger.open("truth/defects.csv")
        defectsFile.bytes.append("defect_id,type,source,file,row,column,key,original_value,injected_value\n")
        recordIDs = (0..<pop.records.count).map { Array(uuid("user", $0).utf8) }
        schoolOrgIDs = world.schools.indices.map { uuid("org.school", $0) }
    }

    func run() throws -> GenerationSummary {
        summary.regions = world.regions.count
        summary.districts = world.districts.count
        summary.zones = world.zones.count
        summary.schools = world.schools.count
        summary.learners = pop.learners.count
        summary.learnerRecords = pop.records.count
        summary.teachers = world.teachers.count
        try writeCalendar()
        try writeCensus()
        try writeOneRoster()
        try writeHR()
        try writeRegisters()
        try writeTeacherAttendance()
        try writeAssessments()
        try writeVisits()
        try writePopulation()
        try writeTruth()
        try defectsFile.close()
        summary.files = ledger.filesBySource.values.reduce(0, +)
        summary.rows = ledger.rowsBySource.values.reduce(0, +)
        summary.filesBySource = ledger.filesBySource
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try ledger.write("truth/summary.json", bytes: Array(try encoder.encode(summary)) + [10])
        return summary
    }

    /// A deterministic UUID for entity `kind` number `a` (and `b`).
    func uuid(_ kind: String, _ a: Int, _ b: Int = 0) -> String {
        let h = stableHash(kind) ^ spec.seed
        return deterministicUUID(mix64(h ^ UInt64(a) &* 0x9E37_79B9), mix64(h &+ UInt64(b) &* 0xD1B5_4A32 ^ UInt64(a)))
    }

    func trueLearnerID(_ l: Int32) -> String { "L" + padded(Int(l) + 1, 7) }
    func trueTeacherID(_ t: Int) -> String { "T" + padded(t + 1, 6) }

    func logDefect(_ type: DefectType, source: String, file: String, row: Int, column: String, key: String,
                   original: String, injected: String) throws {
        defectSeq += 1
        summary.defects[type.rawValue, default: 0] += 1
        var line = CSVLineBuilder()
        line.int(defectSeq)
        line.field(type.rawValue)
        line.field(source)
        line.field(file)
        line.int(row)
        line.field(column)
        line.field(key)
        line.field(original)
        line.field(injected)
        defectsFile.bytes.append(contentsOf: line.finish())
        try defectsFile.flushIfNeeded()
    }

    // MARK: - Shared formatting

    func isoDate(_ days: Int32) -> String { Day(daysSinceEpoch: days).iso }

    /// dd/mm/yyyy as the HR system prints dates.
    func dmy(_ day: Day) -> String {
        let p = day.parts
        return pad2(p.day) + "/" + pad2(p.month) + "/" + String(p.year)
    }

    func learnerName(_ l: Int32) -> (given: String, family: String) {
        let s = pop.learners[Int(l)]
        return (names.given[Int(s.given)], names.family[Int(s.family)])
    }

    static let sectionLetters: [String] = (0..<26).map { String(UnicodeScalar(UInt8(65 + $0))) }

    // MARK: - Calendar

    /// calendar/holidays.csv: the ministry's gazetted public holidays and half-term breaks.
    private func writeCalendar() throws {
        var bytes: [UInt8] = Array("date,name\n".utf8)
        var rows = 0
        for year in pop.calendars {
            for h in year.holidays {
                var line = CSVLineBuilder()
                line.field(h.day.iso)
                line.field(h.name)
                bytes.append(contentsOf: line.finish())
                rows += 1
            }
        }
        try ledger.write("calendar/holidays.csv", bytes: bytes)
        ledger.record(source: "calendar", rows: rows)
    }
}
