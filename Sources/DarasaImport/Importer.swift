import DarasaCore
import DarasaIngest
import DarasaStore
import Foundation

/// What one mapped import did. `rowsRead = stored + updated + unchanged + deleted + quarantined`
/// always; rows left out by the mapping's `where:` are counted apart as `skipped`.
public struct ImportReport: Sendable, Codable, Hashable {
    public var batchID: Int64
    public var mapping: String
    public var source: String
    public var target: String
    public var files: [String]
    public var rowsRead = 0
    public var stored = 0
    public var updated = 0
    public var unchanged = 0
    public var quarantined = 0
    public var skipped = 0
    /// Records removed (`delete_when:` rows that found their record).
    public var deleted = 0
    public var seconds = 0.0
    /// The first few quarantine reasons, for a summary on screen.
    public var sampleProblems: [String] = []
    /// Files read straight from their bytes (`WideRegisterReader`, `LongAttendanceReader`); the
    /// rest were read the general way. For operators and tests: the counts above do not depend on it.
    public var filesReadDirectly = 0

    public var addsUp: Bool { rowsRead == stored + updated + unchanged + deleted + quarantined }
    public var rowsPerSecond: Double { seconds > 0 ? Double(rowsRead) / seconds : 0 }

    /// One line a data officer can read.
    public var summary: String {
        "\(files.count) file\(files.count == 1 ? "" : "s"), \(rowsRead) rows read: \(stored) new, \(updated) updated, \(unchanged) unchanged, \(quarantined) quarantined"
            + (deleted > 0 ? ", \(deleted) removed" : "")
            + (skipped > 0 ? " (\(skipped) rows not for this mapping skipped)" : "")
    }
}

/// Progress of a long import, for a progress bar.
public struct ImportProgress: Sendable {
    public var file: String
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var rows: Int
    public var elapsed: Double
}

/// A file to import: where it is, and the name it is known by (relative to the imported
/// folder, or the upload's name; never a server path in messages).
public struct ImportFile: Sendable {
    public var url: URL
    public var name: String
    /// What a OneRoster manifest beside the file says it is (nil: no manifest).
    public var mode: OneRosterManifest.Mode?
    /// The unpacked .zip the file came from, removed when the last file from it is released.
    var folder: TemporaryFolder?

    public init(url: URL, name: String, mode: OneRosterManifest.Mode? = nil) {
        self.url = url
        self.name = name
        self.mode = mode
    }

    /// The files of `path` a mapping's `files:` globs select, sorted; `path` itself when it is a
    /// single file; the files inside it when it is a .zip (a OneRoster bundle, or a zipped
    /// folder of exports). Where a folder holds a OneRoster `manifest.csv`, files it lists as
    /// `absent` are left out and the rest carry their bulk/delta mode. A pattern naming one file
    /// under a folder (`oneroster/users.csv`) also finds that file at the top of the imported
    /// folder, so a bundle imports as it was sent.
    public static func select(_ path: URL, mapping: Mapping, displayName: String? = nil) throws -> [ImportFile] {
        var isDir: ObjCBool = false
        let shown = displayName ?? path.lastPathComponent
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDir) else {
            throw InputError(file: shown, problem: "the file or folder does not exist", fix: "Check the path")
        }
        if !isDir.boolValue && path.pathExtension.lowercased() == "zip" {
            let folder = try ZipBundle.extract(path, displayName: shown)
            return try select(folder: folder.url, shownAs: shown + "/", mapping: mapping).map { f in
                var f = f
                f.folder = folder
                return f
            }
        }
        if !isDir.boolValue { return [ImportFile(url: path, name: shown)] }
        return try select(folder: path, shownAs: "", mapping: mapping)
    }

    /// The same selection for a whole plan: one unpacking of a .zip shared by every mapping.
    public static func select(_ path: URL, mappings: [Mapping]) throws -> [[ImportFile]] {
        guard path.pathExtension.lowercased() == "zip" else { return try mappings.map { try select(path, mapping: $0) } }
        let folder = try ZipBundle.extract(path, displayName: path.lastPathComponent)
        return try mappings.map { m in
            try select(folder: folder.url, shownAs: path.lastPathComponent + "/", mapping: m).map { f in
                var f = f
                f.folder = folder
                return f
            }
        }
    }

    static func select(folder: URL, shownAs prefix: String, mapping: Mapping) throws -> [ImportFile] {
        guard !mapping.files.isEmpty else {
            throw InputError(file: (prefix.isEmpty ? folder.lastPathComponent + "/" : prefix),
                             problem: "the mapping \(mapping.file) has no `files:` to choose files from a folder",
                             fix: "Import a single file, or add `files:` (e.g. `files: hr/teachers.csv`) to the mapping")
        }
        let root = folder.standardizedFileURL.path
        var all: [String] = []
        if let e = FileManager.default.enumerator(atPath: root) {
            while let rel = e.nextObject() as? String { all.append(rel) }
        }
        let patterns = mapping.files.map(Glob.init)
        var chosen = all.filter { rel in patterns.contains { $0.matches(rel) } }
        if chosen.isEmpty {
            // A bundle sent as it was exported: `oneroster/users.csv` is `users.csv` at the top.
            let tails = mapping.files.compactMap { p -> String? in
                guard let last = p.split(separator: "/").last, !last.contains(where: { "*?[".contains($0) }), p.contains("/") else { return nil }
                return String(last)
            }
            chosen = all.filter { tails.contains($0) }
        }
        var manifests: [String: OneRosterManifest?] = [:]
        var out: [ImportFile] = []
        for rel in chosen.sorted() {
            let dir = (rel as NSString).deletingLastPathComponent
            if manifests[dir] == nil {
                let url = dir.isEmpty ? URL(fileURLWithPath: root) : URL(fileURLWithPath: root).appendingPathComponent(dir)
                manifests[dir] = .some(try OneRosterManifest.read(folder: url, displayFolder: prefix + dir))
            }
            let url = URL(fileURLWithPath: root).appendingPathComponent(rel)
            var mode: OneRosterManifest.Mode?
            if let manifest = manifests[dir] ?? nil {
                let base = ((rel as NSString).lastPathComponent as NSString).deletingPathExtension
                mode = manifest.files[base]
                if mode == .absent { continue }
            }
            out.append(ImportFile(url: url, name: prefix + rel, mode: mode))
        }
        // A manifest that promises a file the bundle lacks is a broken bundle, not an empty one.
        for (dir, manifest) in manifests {
            guard let manifest else { continue }
            for f in mapping.files {
                let base = ((f as NSString).lastPathComponent as NSString).deletingPathExtension
                if let m = manifest.files[base], m != .absent,
                   !FileManager.default.fileExists(atPath: URL(fileURLWithPath: root).appendingPathComponent(dir).appendingPathComponent(base + ".csv").path) {
                    throw InputError(file: prefix + (dir.isEmpty ? "" : dir + "/") + "manifest.csv",
                                     problem: "the manifest lists \(base).csv as \(m.rawValue), but the bundle has no \(base).csv",
                                     fix: "Export the bundle again with every file its manifest lists")
                }
            }
        }
        return out
    }

    /// `*` matches within one path segment, `**` across segments, `?` one character.
    static func glob(_ pattern: String, matches path: String) -> Bool { Glob(pattern).matches(path) }
}

/// A `files:` pattern compiled once (`*` within a segment, `**` across segments, `?` one character).
struct Glob {
    let regex: NSRegularExpression?
    init(_ pattern: String) {
        var re = "^"
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "*" {
                if i + 1 < chars.count && chars[i + 1] == "*" { re += ".*"; i += 2; if i < chars.count && chars[i] == "/" { i += 1 }; continue }
                re += "[^/]*"
            } else if c == "?" { re += "[^/]" } else { re += NSRegularExpression.escapedPattern(for: String(c)) }
            i += 1
        }
        re += "$"
        regex = try? NSRegularExpression(pattern: re)
    }
    func matches(_ path: String) -> Bool {
        regex?.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil
    }
}

/// Runs mapped imports: read → map → check → resolve references → merge, as one batch in one
/// transaction. Rows with problems go to the quarantine with the reason; the rest land.
public struct Importer: Sendable {
    public let store: DarasaStore
    public let user: String?
    /// Records per merge (memory stays bounded by this, not by the file).
    public var chunkSize = 20_000
    /// Whether clean files of a plain attendance mapping (registers, or one mark per row) are
    /// read straight from their bytes (`WideRegisterReader`, `LongAttendanceReader`); the general
    /// reader reads them otherwise, with the same result (tests compare the two).
    public var readsAttendanceDirectly = true

    public init(store: DarasaStore, user: String?) {
        self.store = store
        self.user = user
    }

    /// Runs the whole import inside its transaction and rolls it back: what would be stored,
    /// updated, left unchanged and quarantined, and the first problems, without changing anything.
    public func dryRun(_ mapping: Mapping, files: [ImportFile]) async throws -> (report: ImportReport, problems: [QuarantinedRow]) {
        struct Rollback: Error { var counts: (Int, MergeCounts, Int, Int, Int); var problems: [QuarantinedRow] }
        let chunk = chunkSize, direct = readsAttendanceDirectly
        do {
            _ = try await store.importBatch(source: mapping.source, description: "dry run: " + mapping.name, user: user) { writer in
                let run = ImportRun(mapping: mapping, writer: writer, chunkSize: chunk, files: files, progress: nil, started: Date())
                run.keepSample = true
                run.readsAttendanceDirectly = direct
                do {
                    try await run.prepare()
                    for (i, f) in files.enumerated() { try await run.read(f, index: i) }
                    try await run.finish()
                } catch {
                    await run.abandon()
                    throw error
                }
                throw Rollback(counts: (run.read, run.counts, run.quarantinedRows, run.skipped, run.deleted), problems: run.sample)
            }
        } catch let r as Rollback {
            var report = ImportReport(batchID: 0, mapping: mapping.file, source: mapping.source, target: mapping.target.rawValue, files: files.map(\.name))
            report.rowsRead = r.counts.0; report.stored = r.counts.1.stored; report.updated = r.counts.1.updated
            report.unchanged = r.counts.1.unchanged; report.quarantined = r.counts.2; report.skipped = r.counts.3; report.deleted = r.counts.4
            report.sampleProblems = r.problems.prefix(5).map { "\($0.file), row \($0.row)\($0.column.map { ", column \($0)" } ?? ""): \($0.reason)" }
            return (report, r.problems)
        }
        throw InputError(file: files.first?.name ?? "", problem: "the dry run did not finish", fix: "Try again")
    }

    public func run(_ mapping: Mapping, files: [ImportFile],
                    progress: (@Sendable (ImportProgress) -> Void)? = nil) async throws -> ImportReport {
        let started = Date()
        let chunk = chunkSize, direct = readsAttendanceDirectly
        final class Tally: @unchecked Sendable { var directFiles = 0 }
        let tally = Tally()
        let batch = try await store.importBatch(source: mapping.source, description: mapping.name, user: user) { writer in
            let run = ImportRun(mapping: mapping, writer: writer, chunkSize: chunk, files: files, progress: progress, started: started)
            run.readsAttendanceDirectly = direct
            defer { tally.directFiles = run.directFiles }
            do {
                try await run.prepare()
                for (i, f) in files.enumerated() { try await run.read(f, index: i) }
                try await run.finish()
            } catch {
                await run.abandon()
                throw error
            }
            if ProcessInfo.processInfo.environment["DARASA_TIMINGS"] == "1", run.mergeWait > .zero {
                FileHandle.standardError.write(Data("import \(mapping.name): reading waited \(run.mergeWait) for register merges\n".utf8))
            }
        }
        let rows = try await store.database.query("""
            SELECT rows_read, rows_stored, rows_updated, rows_unchanged, rows_quarantined, rows_skipped, rows_deleted FROM import_batches WHERE id = ?
            """, .int(batch.batchID.rawValue))
        var report = ImportReport(batchID: batch.batchID.rawValue, mapping: mapping.file, source: mapping.source,
                                  target: mapping.target.rawValue, files: files.map(\.name))
        if let r = rows.first {
            report.rowsRead = Int(r.int(0) ?? 0); report.stored = Int(r.int(1) ?? 0); report.updated = Int(r.int(2) ?? 0)
            report.unchanged = Int(r.int(3) ?? 0); report.quarantined = Int(r.int(4) ?? 0); report.skipped = Int(r.int(5) ?? 0)
            report.deleted = Int(r.int(6) ?? 0)
        }
        report.sampleProblems = try await store.database.query("""
            SELECT file, src_row, column_name, reason FROM quarantine WHERE batch_id = ? ORDER BY file, src_row LIMIT 5
            """, .int(batch.batchID.rawValue)).map { r in
            "\(r.text(0) ?? ""), row \(r.int(1) ?? 0)\(r.text(2).map { ", column \($0)" } ?? ""): \(r.text(3) ?? "")"
        }
        report.seconds = Date().timeIntervalSince(started)
        report.filesReadDirectly = tally.directFiles
        return report
    }
}

/// The state of one import batch.
final class ImportRun: @unchecked Sendable {
    let mapping: Mapping
    let writer: BatchWriter
    let chunkSize: Int
    let files: [ImportFile]
    let progress: (@Sendable (ImportProgress) -> Void)?
    let started: Date
    let bytesTotal: Int64
    /// Each file's size when the import began (for progress, without asking the disk again).
    let fileSizes: [Int64]

    var schools: [String: Int64] = [:]
    var ownKeys: [String: Int64] = [:]
    var referenced: [String: [String: Int64]] = [:]
    /// Fields whose keys are looked up as rows arrive (see `reference`), and keys found unknown.
    var lazyFields: [(field: String, person: BatchWriter.Person, source: String)] = []
    var unknownKeys: Set<String> = []
    var nextID: Int64 = 0
    var postings: [Int64: [(school: Int64, start: Day, end: Day?)]] = [:]
    var years: Set<Int> = []
    var seen: [String: (file: String, row: Int)] = [:]
    /// Register rows taken so far, by school and month, then learner. A register file holds one
    /// school's month, so the set being filled is that file's (`takenMonth`): small and in cache,
    /// where one set over the whole import grew to millions of entries and cost a tenth of the time.
    var seenMonths: [SchoolMonth: Set<Int64>] = [:]
    var takenMonth: (key: SchoolMonth, learners: Set<Int64>)?
    var lastSchool: (code: String, id: Int64) = ("", 0)

    var read = 0, quarantinedRows = 0, skipped = 0, deleted = 0
    /// `delete_when:` rows waiting to be applied (enrolments and class assignments).
    var enrolmentRemovals: [Enrolment] = []
    var assignmentRemovals: [ClassAssignment] = []
    var counts = MergeCounts()
    var bytesDone: Int64 = 0
    // Pending records of the current chunk
    var learners: [(Learner, Int)] = []
    var teachers: [(Teacher, Int)] = []
    var postingsOut: [(TeacherPosting, Int)] = []
    var enrolments: [(Enrolment, Int)] = []
    var learnerMonths: [(LearnerAttendanceMonth, Int)] = []
    /// Each pending register row's file (registers come one small file per school and month).
    var learnerMonthFiles: [String] = []
    var quarantine: [QuarantinedRow] = []
    /// Long-format attendance: marks per person-school-month, with the rows behind them.
    var monthMarks: [MonthKey: (marks: MonthMarks, rows: Int, firstRow: Int, file: String)] = [:]

    var schoolRows: [String: SchoolRow] = [:]
    var censusReturns: [(CensusReturn, Int)] = []
    var censusGrades: [(CensusReturn, Int)] = []
    var censusGradeWeights: [Int] = []
    /// census_values: which of female, male and total the file carries (others are left as stored).
    var valueColumns: Set<String> = []
    var censusCells: [CensusCell: (count: GradeCount, row: Int, rows: Int)] = [:]
    var sessions: [SessionRow] = []
    var assignments: [(ClassAssignment, Int)] = []
    var instrumentsByCode: [String: Instrument] = [:]
    var instrumentsOut: [(Instrument, Int)] = []
    var pendingResults: [PendingResult] = []
    var linkedRows: [Int: LinkCandidate] = [:]
    var areaOfSchool: [Int64: String] = [:]
    /// Result column positions per instrument, for the file being read.
    var columnsByInstrument: [String: [SubtaskColumns]] = [:]
    var duplicatesFound = (linked: 0, review: 0)
    var visits: [(SchoolVisit, Int)] = []
    var newKeys: [(key: String, id: Int64)] = []
    var holidayRows: [(year: Int, holiday: Holiday, row: Int)] = []
    var populationRows: [(PopulationCount, Int)] = []
    var areas: [String: Int64] = [:]

    struct MonthKey: Hashable { var person: Int64; var school: Int64; var year: Int; var month: Int }
    struct SchoolMonth: Hashable { var school: Int64; var year: Int; var month: Int }

    /// Whether this is the first register row for the learner at the school in the month.
    func firstRegisterRow(learner: Int64, school: Int64, year: Int, month: Int) -> Bool {
        let key = SchoolMonth(school: school, year: year, month: month)
        if takenMonth?.key != key {
            if let t = takenMonth { seenMonths[t.key] = t.learners }
            takenMonth = (key, seenMonths.removeValue(forKey: key) ?? [])
        }
        return takenMonth!.learners.insert(learner).inserted
    }

    /// Undoes `firstRegisterRow` for a row that did return true.
    func unmarkRegisterRow(learner: Int64, school: Int64, year: Int, month: Int) {
        let key = SchoolMonth(school: school, year: year, month: month)
        if takenMonth?.key == key { takenMonth!.learners.remove(learner) } else { seenMonths[key]?.remove(learner) }
    }

    init(mapping: Mapping, writer: BatchWriter, chunkSize: Int, files: [ImportFile],
         progress: (@Sendable (ImportProgress) -> Void)?, started: Date) {
        self.mapping = mapping
        self.writer = writer
        self.chunkSize = chunkSize
        self.files = files
        self.progress = progress
        self.started = started
        fileSizes = files.map { Int64((try? FileManager.default.attributesOfItem(atPath: $0.url.path)[.size] as? Int) ?? 0) }
        bytesTotal = fileSizes.reduce(0, +)
    }

    func prepare() async throws {
        schools = try await writer.schoolIDsByCode()
        years = await writer.yearIDs()
        calendar = await writer.calendar()
        switch mapping.target {
        case .learners:
            ownKeys = try await writer.sourceKeys(.learner, source: mapping.source)
            nextID = try await writer.maxID(.learner)
        case .teachers:
            ownKeys = try await writer.sourceKeys(.teacher, source: mapping.source)
            nextID = try await writer.maxID(.teacher)
        case .enrolments, .learnerAttendance:
            let s = mapping.fields["learner"]?.keySource ?? mapping.source
            try await reference("learner", .learner, source: s)
        case .teacherAttendance:
            let s = mapping.fields["teacher"]?.keySource ?? mapping.source
            try await reference("teacher", .teacher, source: s)
            if mapping.fields["school"] == nil { postings = try await writer.postings() }
        case .classAssignments:
            let s = mapping.fields["teacher"]?.keySource ?? mapping.source
            try await reference("teacher", .teacher, source: s)
        case .visits:
            ownKeys = try await writer.recordKeys(table: "school_visits", source: mapping.source)
            nextID = try await writer.maxID(table: "school_visits")
        case .instruments:
            instrumentsByCode = try await writer.instruments()
            nextID = try await writer.maxID(table: "instruments")
        case .assessmentResults:
            instrumentsByCode = try await writer.instruments()
            ownKeys = try await writer.recordKeys(table: "assessment_results", source: mapping.source)
            nextID = try await writer.maxID(table: "assessment_results")
            areaOfSchool = try await writer.schoolAreas()
            if mapping.fields["learner"] != nil {
                let s = mapping.fields["learner"]?.keySource ?? mapping.source
                try await reference("learner", .learner, source: s)
            }
        case .population:
            areas = try await writer.orgUnitIDsByCode()
        case .schools, .censusReturns, .censusEnrolment, .censusValues, .calendar, .holidays: break
        }
    }

    /// Makes `field`'s keys (from `source`) resolvable. An import much smaller than the people
    /// stored (one school's month in a country of a million learners) looks up only the keys
    /// its rows carry, as it reads them; a large one loads the source's whole key table once.
    func reference(_ field: String, _ person: BatchWriter.Person, source: String) async throws {
        let stored = try await writer.maxID(person)
        let rowsAtMost = bytesTotal / 40   // no row of a people-referencing file is shorter
        if rowsAtMost * 4 < stored {
            referenced[source] = [:]
            lazyFields.append((field, person, source))
        } else {
            referenced[source] = try await writer.sourceKeys(person, source: source)
        }
    }

    /// Looks up the row's keys that `reference` left to be looked up (one query per new key;
    /// unknown keys are remembered, so the row's problem is reported as usual).
    func resolveLazyKeys(_ m: MappedReader, _ r: CSVRecord) async throws {
        for (field, person, source) in lazyFields where m.has(field) {
            var scratch: [RowProblem] = []
            guard let key = m.string(field, r, &scratch), referenced[source]?[key] == nil, !unknownKeys.contains(source + "\u{1}" + key) else { continue }
            if let id = try await writer.sourceKeys(person, source: source, keys: [key])[key] {
                referenced[source]![key] = id
            } else {
                unknownKeys.insert(source + "\u{1}" + key)
            }
        }
    }

    /// See `Importer.readsAttendanceDirectly`.
    var readsAttendanceDirectly = true
    /// The wide-register reader, made at the first register file (nil: the mapping is not a
    /// plain register mapping, or learners' keys are looked up as rows arrive).
    var wideRegisters: WideRegisterReader?
    var wideRegistersMade = false
    /// Files taken by `readRegistersDirectly`.
    var directFiles = 0

    /// Takes a file of a plain register mapping read straight from its bytes; false (nothing
    /// taken) when the general reader must read it: the file is not clean (see
    /// `WideRegisterReader`), its month is outside the calendar, or a learner's row repeats.
    func readRegistersDirectly(_ f: ImportFile, index: Int) async throws -> Bool {
        guard readsAttendanceDirectly, mapping.target == .learnerAttendance, lazyFields.isEmpty else { return false }
        if !wideRegistersMade {
            wideRegistersMade = true
            let source = mapping.fields["learner"]?.keySource ?? mapping.source
            wideRegisters = WideRegisterReader(mapping: mapping, learners: referenced[source] ?? [:], schools: schools)
        }
        guard let reader = wideRegisters, let file = reader.read(url: f.url, file: f.name),
              writerYear(file.year, file.month) != nil else { return false }
        // Each row must be its learner's first for the month; on a repeat, the rows marked so
        // far are unmarked and the general reader quarantines the repeat.
        for (i, r) in file.rows.enumerated() where !firstRegisterRow(learner: r.learner, school: r.school, year: file.year, month: file.month) {
            for earlier in file.rows[..<i] { unmarkRegisterRow(learner: earlier.learner, school: earlier.school, year: file.year, month: file.month) }
            return false
        }
        try await switchFile(f.name)
        read += file.rows.count
        learnerMonths.append(contentsOf: file.rows.lazy.map {
            (LearnerAttendanceMonth(learnerID: LearnerID($0.learner), schoolID: SchoolID($0.school), year: file.year, month: file.month, marks: $0.marks), $0.row)
        })
        learnerMonthFiles.append(contentsOf: repeatElement(f.name, count: file.rows.count))
        // A chunk may pass `chunkSize` by one file's rows (a few hundred).
        if pending >= chunkSize { try await flush() }
        directFiles += 1
        fileDone(f, index: index)
        return true
    }

    /// The one-mark-per-row reader, made at the first file (nil: not a plain such mapping, or
    /// keys looked up as rows arrive).
    var longAttendance: LongAttendanceReader?
    var longAttendanceMade = false

    /// Takes a file of a plain one-mark-per-row attendance mapping read straight from its bytes;
    /// false (nothing taken) when the general reader must read it: the file is not clean (see
    /// `LongAttendanceReader`), or a row's day has no posting, falls outside the calendar or is
    /// marked twice. What the file's rows changed is then undone, in reverse order.
    func readMarksDirectly(_ f: ImportFile, index: Int) async throws -> Bool {
        guard readsAttendanceDirectly, mapping.target == .learnerAttendance || mapping.target == .teacherAttendance,
              mapping.fields["days"] == nil, lazyFields.isEmpty else { return false }
        let teacher = mapping.target == .teacherAttendance
        if !longAttendanceMade {
            longAttendanceMade = true
            let source = mapping.fields[teacher ? "teacher" : "learner"]?.keySource ?? mapping.source
            longAttendance = LongAttendanceReader(mapping: mapping, people: referenced[source] ?? [:], schools: schools)
        }
        guard let reader = longAttendance, let rows = reader.read(url: f.url) else { return false }
        typealias Entry = (marks: MonthMarks, rows: Int, firstRow: Int, file: String)
        var trail: [(key: MonthKey, before: Entry?)] = []
        trail.reserveCapacity(rows.count)
        var clean = true
        for r in rows {
            guard let school = r.school ?? postingSchool(r.person, r.day), writerYear(r.day.year, r.day.month) != nil else { clean = false; break }
            let key = MonthKey(person: r.person, school: school, year: r.day.year, month: r.day.month)
            let d = r.day.dayOfMonth
            // One hash a row: the entry is changed where it lies (a new one has no rows yet).
            func take(_ e: inout Entry) {
                trail.append((key, e.rows == 0 ? nil : e))
                if e.marks.mark(day: d) != nil { clean = false; return }
                e.marks.set(r.mark, day: d)
                e.rows += 1
            }
            take(&monthMarks[key, default: (MonthMarks(), 0, r.row, f.name)])
            if !clean { break }
        }
        if !clean {
            for t in trail.reversed() { monthMarks[t.key] = t.before }
            return false
        }
        try await switchFile(f.name)
        read += rows.count
        directFiles += 1
        fileDone(f, index: index)
        return true
    }

    /// The school a teacher was posted to on `day` (the last posting that covers it).
    func postingSchool(_ who: Int64, _ day: Day) -> Int64? {
        postings[who]?.last(where: { $0.start <= day && ($0.end.map { day <= $0 } ?? true) })?.school
    }

    func read(_ f: ImportFile, index: Int) async throws {
        if try await readRegistersDirectly(f, index: index) { return }
        if try await readMarksDirectly(f, index: index) { return }
        var options = mapping.read
        let ext = f.url.pathExtension.lowercased()
        if let byExtension = ReadOptions.Format(rawValue: ext), byExtension != options.format {
            // A quarantine file fixed and saved as CSV re-imports through an XLSX mapping.
            options.format = byExtension
            options.headerRows = 1
        }
        var m = mapping
        m.read = options
        let reader = try MappedReader(mapping: m, url: f.url, file: f.name, reusing: lastReader)
        lastReader = reader
        columnsByInstrument = [:]
        let header = reader.primaryHeader
        let headerJSON = Self.json(header)
        var r = CSVRecord()
        var lastReport = Date()
        while let row = try reader.next(into: &r) {
            read += 1
            var problems: [RowProblem] = []
            if !lazyFields.isEmpty { try await resolveLazyKeys(reader, r) }
            if reader.isDeletion(r) {
                try await takeRemoval(reader, r, row: row, file: f.name, &problems)
            } else {
                try await take(reader, r, row: row, file: f.name, &problems)
            }
            if !problems.isEmpty {
                quarantinedRows += 1
                let raw = Self.json(reader.primaryFields(r))
                for p in problems {
                    quarantine.append(QuarantinedRow(file: f.name, row: row, column: p.column, value: String(p.value.prefix(200)),
                                                     reason: p.reason, fix: p.fix, header: headerJSON, raw: raw))
                }
            }
            if pending >= chunkSize { try await flush() }
            if let progress, read % 4096 == 0, Date().timeIntervalSince(lastReport) > 0.2 {
                lastReport = Date()
                progress(ImportProgress(file: f.name, filesDone: index, filesTotal: files.count, bytesDone: bytesDone,
                                        bytesTotal: bytesTotal, rows: read, elapsed: Date().timeIntervalSince(started)))
            }
        }
        skipped += reader.skipped
        fileDone(f, index: index)
    }

    /// Counts file `index` read, whichever way, and reports the progress.
    func fileDone(_ f: ImportFile, index: Int) {
        bytesDone += index < fileSizes.count ? fileSizes[index] : 0
        progress?(ImportProgress(file: f.name, filesDone: index + 1, filesTotal: files.count, bytesDone: bytesDone,
                                 bytesTotal: bytesTotal, rows: read, elapsed: Date().timeIntervalSince(started)))
    }

    var pending: Int { learners.count + teachers.count + enrolments.count + learnerMonths.count + quarantine.count + censusReturns.count + censusGrades.count + holidayRows.count + assignments.count + visits.count + populationRows.count }

    func finish() async throws {
        try await finishSchools()
        try await finishCalendar()
        try await finishResults()
        try await flush()
        try await settle()
        try await finishCensusValues()
        // Delta removals before duplicates and outcomes, which must see the enrolments that stay.
        try await settle()
        try await applyRemovals()
        if mapping.target == .enrolments && !enrolledLearners.isEmpty {
            try await findDuplicates()
        }
        try await deriveOutcomes()
        if !monthMarks.isEmpty {
            let entries = monthMarks.sorted { ($0.key.person, $0.key.year, $0.key.month) < ($1.key.person, $1.key.year, $1.key.month) }
            for part in stride(from: 0, to: entries.count, by: chunkSize) {
                let slice = entries[part..<min(entries.count, part + chunkSize)]
                let rows = slice.map(\.value.firstRow), weights = slice.map(\.value.rows)
                let file = slice.first?.value.file ?? ""
                let batch: RecordBatch = mapping.target == .teacherAttendance
                    ? .teacherAttendance(slice.map { TeacherAttendanceMonth(teacherID: TeacherID($0.key.person), schoolID: SchoolID($0.key.school),
                                                                           year: $0.key.year, month: $0.key.month, marks: $0.value.marks) })
                    : .learnerAttendance(slice.map { LearnerAttendanceMonth(learnerID: LearnerID($0.key.person), schoolID: SchoolID($0.key.school),
                                                                           year: $0.key.year, month: $0.key.month, marks: $0.value.marks) })
                counts = counts + (try await writer.merge(batch, source: mapping.source, path: file, rows: rows, weights: weights))
            }
            monthMarks = [:]
        }
        for domain in mapping.target.signOffDomains {
            let locked = try await writer.signedOffChanges(domain: domain)
            if !locked.isEmpty {
                throw StoreError(.locked, "This import would change data that has been approved: \(locked.prefix(3).joined(separator: "; "))\(locked.count > 3 ? " and \(locked.count - 3) more" : ""). Ask for the approval to be withdrawn (with a reason), then import again; nothing from this import was saved.")
            }
        }
        try await writer.report(mapping: mapping.file, read: read, counts: counts, quarantined: quarantinedRows, skipped: skipped, deleted: deleted)
    }

    /// Merges the pending records (one file path per call; records keep their own rows).
    func flush() async throws {
        let path = currentFile
        if !learners.isEmpty {
            counts = counts + (try await writer.merge(.learners(learners.map(\.0)), source: mapping.source, path: path,
                                                      rows: learners.map(\.1), weights: Array(repeating: 1, count: learners.count),
                                                      columns: mappedColumns))
            learners.removeAll(keepingCapacity: true)
        }
        if !teachers.isEmpty {
            counts = counts + (try await writer.merge(.teachers(teachers.map(\.0)), source: mapping.source, path: path,
                                                      rows: teachers.map(\.1), weights: Array(repeating: 1, count: teachers.count),
                                                      columns: mappedColumns))
            teachers.removeAll(keepingCapacity: true)
        }
        if !postingsOut.isEmpty {
            _ = try await writer.merge(.postings(postingsOut.map(\.0)), source: mapping.source, path: path,
                                       rows: postingsOut.map(\.1), weights: Array(repeating: 1, count: postingsOut.count))
            postingsOut.removeAll(keepingCapacity: true)
        }
        if !enrolments.isEmpty {
            enrolledLearners.formUnion(enrolments.map(\.0.learnerID.rawValue))
            counts = counts + (try await writer.merge(.enrolments(enrolments.map(\.0)), source: mapping.source, path: path,
                                                      rows: enrolments.map(\.1), weights: Array(repeating: 1, count: enrolments.count),
                                                      columns: mappedColumns))
            enrolments.removeAll(keepingCapacity: true)
        }
        try await settle()
        if !learnerMonths.isEmpty {
            // Registers are the bulk of a country's rows: their merge runs on the database's
            // queue while the next chunk is read and checked (one merge in flight at a time, so
            // merges keep their order; `settle()` waits for it before anything else is written).
            let batch = RecordBatch.learnerAttendance(learnerMonths.map(\.0)), rows = learnerMonths.map(\.1)
            let files = learnerMonthFiles, source = mapping.source, writer = self.writer
            inFlight = Task { try await writer.merge(batch, source: source, path: path, rows: rows,
                                                     weights: Array(repeating: 1, count: rows.count), paths: files) }
            learnerMonths.removeAll(keepingCapacity: true)
            learnerMonthFiles.removeAll(keepingCapacity: true)
        }
        try await flushCensusAndHolidays(path: path)
        try await flushVisitsAndClasses(path: path)
        try await flushInstruments(path: path)
        if !quarantine.isEmpty {
            if keepSample && sample.count < 200 { sample += quarantine.prefix(200 - sample.count) }
            try await writer.quarantine(quarantine)
            quarantine.removeAll(keepingCapacity: true)
        }
    }

    /// A register merge started by `flush()` and not yet awaited.
    var inFlight: Task<MergeCounts, any Error>?

    /// Waits for the merge in flight, if any, and counts it.
    func settle() async throws {
        guard let task = inFlight else { return }
        inFlight = nil
        let t0 = ContinuousClock.now
        counts = counts + (try await task.value)
        mergeWait += ContinuousClock.now - t0
    }
    /// How long reading waited for register merges (DARASA_TIMINGS shows it).
    var mergeWait = Duration.zero

    /// Waits for the merge in flight without counting it, when the import stops on an error:
    /// the transaction must not roll back under a running statement.
    func abandon() async {
        if let task = inFlight { _ = try? await task.value }
        inFlight = nil
    }

    var currentFile = ""
    /// The last file's reader: the next file's reader reuses its per-mapping preparation.
    var lastReader: MappedReader?
    /// Dry runs keep the first quarantined rows to show them.
    var keepSample = false
    var sample: [QuarantinedRow] = []
    var enrolledLearners: Set<Int64> = []

    /// When the mapping does not carry the status, each touched learner's enrolments get the
    /// outcome their whole history shows (see `EnrolmentOutcomes`).
    func deriveOutcomes() async throws {
        guard mapping.target == .enrolments, mapping.fields["status"] == nil, !enrolledLearners.isEmpty else { return }
        let cal = await writer.calendar().years
        let yearEnds = Dictionary(cal.map { ($0.id, $0.end) }, uniquingKeysWith: { a, _ in a })
        let lastYear = cal.map(\.id).max() ?? Int.min
        let history = try await writer.enrolmentHistory(learners: enrolledLearners)
        var changed: [Enrolment] = []
        // By person: a child's duplicate records make one history (a move to a new record is a
        // transfer, not a dropout).
        for (_, group) in Dictionary(grouping: history, by: \.person) {
            let list = group.map(\.enrolment)
            let statuses = EnrolmentOutcomes.derive(list, yearEnds: yearEnds, lastYear: lastYear, finalGrade: mapping.finalGrade)
            for (e, s) in zip(list, statuses) where e.status != s {
                var u = e
                u.status = s
                changed.append(u)
            }
        }
        try await writer.setEnrolmentStatuses(changed)
    }

    /// The stored columns this mapping fills (others are never compared or overwritten).
    lazy var mappedColumns: Set<String> = {
        var out: Set<String> = []
        for name in mapping.fields.keys {
            switch name {
            case "birth_date", "birth_year": out.formUnion(["birth_date", "birth_precision"])
            case "source_key", "learner", "school", "year", "teacher", "posting_date", "code", "country_code", "country_name", "submitted_on" where mapping.target != .censusReturns: break
            case let f where f.hasPrefix("area"): break
            case "languages": out.insert("languages")
            case "female", "male", "total": out.insert(name)
            default: out.insert(name)
            }
        }
        return out
    }()

    /// Flushes when the file changes, so that each merge carries one file's provenance.
    func switchFile(_ name: String) async throws {
        if name != currentFile {
            if learners.count + teachers.count + enrolments.count + postingsOut.count
                + censusReturns.count + censusGrades.count + holidayRows.count + assignments.count + visits.count + populationRows.count > 0 { try await flush() }
            currentFile = name
        }
    }

    static func json(_ fields: [String]) -> String {
        (try? String(decoding: JSONEncoder().encode(fields), as: UTF8.self)) ?? "[]"
    }

    // MARK: Per target

    func take(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) async throws {
        try await switchFile(file)
        switch mapping.target {
        case .schools: takeSchool(m, r, row: row, file: file, &problems)
        case .censusReturns: takeCensusReturn(m, r, row: row, file: file, &problems)
        case .censusEnrolment: takeCensusGrade(m, r, row: row, file: file, &problems)
        case .censusValues: takeCensusValue(m, r, row: row, file: file, &problems)
        case .calendar: takeSession(m, r, row: row, file: file, raw: Self.json(m.primaryFields(r)), header: Self.json(m.primaryHeader), &problems)
        case .holidays: takeHoliday(m, r, row: row, file: file, &problems)
        case .population: takePopulation(m, r, row: row, file: file, &problems)
        case .classAssignments: takeClassAssignment(m, r, row: row, file: file, &problems)
        case .visits: takeVisit(m, r, row: row, file: file, &problems)
        case .instruments: takeInstrument(m, r, row: row, file: file, &problems)
        case .assessmentResults: takeResultRow(m, r, row: row, file: file, &problems)
        case .learners: takeLearner(m, r, row: row, file: file, &problems)
        case .teachers: takeTeacher(m, r, row: row, file: file, &problems)
        case .enrolments: takeEnrolment(m, r, row: row, file: file, &problems)
        case .learnerAttendance:
            if m.has("days") { takeRegisterRow(m, r, row: row, file: file, &problems) } else { takeMark(m, r, row: row, file: file, teacher: false, &problems) }
        case .teacherAttendance: takeMark(m, r, row: row, file: file, teacher: true, &problems)
        }
    }

    /// True (and a problem noted) when `key` was already taken by an earlier row of this import.
    func repeated(_ key: String, what: String, file: String, row: Int, column: String?, value: String, _ problems: inout [RowProblem]) -> Bool {
        if let first = seen[key] {
            problems.append(RowProblem(column: column, value: value, reason: "\(what) appears again in this import (first at \(first.file), row \(first.row))",
                                       fix: "Keep one of the two rows"))
            return true
        }
        seen[key] = (file, row)
        return false
    }

    func school(_ m: MappedReader, _ r: CSVRecord, _ problems: inout [RowProblem], required: Bool = true) -> Int64? {
        guard let code = m.string("school", r, &problems) else { return nil }
        if code == lastSchool.code { return lastSchool.id }
        if let id = schools[code] { lastSchool = (code, id); return id }
        problems.append(RowProblem(column: m.column(of: "school"), value: code, reason: "no school has the code \(code.prefix(20))",
                                   fix: "Check the school code, or import the school census first"))
        return nil
    }

    func person(_ field: String, _ m: MappedReader, _ r: CSVRecord, _ problems: inout [RowProblem]) -> Int64? {
        guard let key = m.string(field, r, &problems) else { return nil }
        let source = mapping.fields[field]?.keySource ?? mapping.source
        if let id = referenced[source]?[key] { return id }
        problems.append(RowProblem(column: m.column(of: field), value: key,
                                   reason: "no \(field) with the \(source) key \(key.prefix(40)) is stored",
                                   fix: "Check the \(field)'s identifier, or import the \(field)s from \(source) first"))
        return nil
    }

    func takeLearner(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let key = m.string("source_key", r, &problems)
        let given = m.string("given_name", r, &problems)
        let family = m.string("family_name", r, &problems)
        let sex = m.sex("sex", r, &problems)
        var birth = m.day("birth_date", r, &problems).map { BirthDate(day: $0) }
        if birth == nil, let y = m.int("birth_year", r, &problems) {
            if let d = Day(year: y, month: 7, day: 1), (1900...2100).contains(y) { birth = BirthDate(day: d, precision: .yearOnly) } else {
                problems.append(RowProblem(column: m.column(of: "birth_year"), value: "\(y)", reason: "\(y) is not a year of birth", fix: "Write the year with four digits"))
            }
        }
        var f = Functioning()
        for d in FunctioningDomain.allCases { f[d] = m.difficulty("wg_" + d.rawValue, r, &problems) }
        let language = m.string("home_language", r, &problems)
        guard problems.isEmpty, let key, let given, let family, let sex else { return }
        if repeated("L" + key, what: "the learner \(key.prefix(40))", file: file, row: row, column: m.column(of: "source_key"), value: key, &problems) { return }
        let id: Int64
        if let existing = ownKeys[key] { id = existing } else { nextID += 1; id = nextID; ownKeys[key] = id }
        learners.append((Learner(id: LearnerID(id), givenName: given, familyName: family, sex: sex, birthDate: birth, functioning: f,
                                 homeLanguage: language, sourceKeys: [SourceKey(source: mapping.source, key: key)]), row))
    }

    func takeTeacher(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let key = m.string("source_key", r, &problems)
        let given = m.string("given_name", r, &problems)
        let family = m.string("family_name", r, &problems)
        let sex = m.sex("sex", r, &problems)
        let birth = m.day("birth_date", r, &problems)
        let trained = m.bool("trained", r, &problems) ?? false
        let qualification = m.string("qualification", r, &problems) ?? ""
        let subjects = (m.string("subjects", r, &problems) ?? "").split(whereSeparator: { $0 == ";" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }
        var school: Int64?
        var start: Day?
        if m.has("school") {
            school = self.school(m, r, &problems)
            start = m.day("posting_date", r, &problems)
            if school != nil && start == nil && problems.isEmpty {
                problems.append(RowProblem(column: m.column(of: "posting_date"), value: "", reason: "the posting has no start date",
                                           fix: "Fill in the date the teacher was posted to the school"))
            }
        }
        guard problems.isEmpty, let key, let given, let family, let sex else { return }
        if repeated("T" + key, what: "the teacher \(key.prefix(40))", file: file, row: row, column: m.column(of: "source_key"), value: key, &problems) { return }
        let id: Int64
        if let existing = ownKeys[key] { id = existing } else { nextID += 1; id = nextID; ownKeys[key] = id }
        teachers.append((Teacher(id: TeacherID(id), givenName: given, familyName: family, sex: sex, birthDate: birth, trained: trained,
                                 qualification: qualification, subjects: subjects, sourceKeys: [SourceKey(source: mapping.source, key: key)]), row))
        if let school, let start { postingsOut.append((TeacherPosting(teacherID: TeacherID(id), schoolID: SchoolID(school), start: start), row)) }
    }

    func takeEnrolment(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let learner = person("learner", m, r, &problems)
        let school = self.school(m, r, &problems)
        let year = m.int("year", r, &problems)
        let grade = m.int("grade", r, &problems)
        let section = m.string("section", r, &problems) ?? ""
        let status = m.status("status", r, &problems) ?? .enrolled
        let start = m.day("start_date", r, &problems)
        let end = m.day("end_date", r, &problems)
        if let year, !years.contains(year) {
            problems.append(RowProblem(column: m.column(of: "year"), value: "\(year)", reason: "the school year \(year) is not in the calendar",
                                       fix: "Import that year's school calendar first, or check the year"))
        }
        if let grade, !(0...13).contains(grade) {
            problems.append(RowProblem(column: m.column(of: "grade"), value: "\(grade)", reason: "grade \(grade) is outside 0–13", fix: "Write the grade as a number from 0 (pre-primary) to 13"))
        }
        if let start, let end, end < start {
            problems.append(RowProblem(column: m.column(of: "end_date"), value: end.iso, reason: "the enrolment ends before it starts", fix: "Check the start and end dates"))
        }
        guard problems.isEmpty, let learner, let school, let year, let grade else { return }
        if repeated("E\(learner)/\(year)/\(school)", what: "this learner's enrolment at this school in \(year)", file: file, row: row,
                    column: m.column(of: "learner"), value: "", &problems) { return }
        enrolments.append((Enrolment(learnerID: LearnerID(learner), yearID: year, schoolID: SchoolID(school), grade: grade, section: section,
                                     status: status, start: start, end: end), row))
    }

    func takeRegisterRow(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let learner = person("learner", m, r, &problems)
        let school = self.school(m, r, &problems)
        guard let month = m.month("month", r, &problems) else { return }
        let marks = m.days(r, length: Day.daysIn(month: month.month, year: month.year), &problems)
        guard let learner, let school, problems.isEmpty else { return }
        guard writerYear(month.year, month.month) != nil else {
            problems.append(RowProblem(column: m.column(of: "month"), value: "\(month.year)-\(month.month)",
                                       reason: "\(month.year)-\(month.month < 10 ? "0" : "")\(month.month) is outside every school year in the calendar",
                                       fix: "Import that year's school calendar first, or check the month"))
            return
        }
        guard firstRegisterRow(learner: learner, school: school, year: month.year, month: month.month) else {
            problems.append(RowProblem(column: m.column(of: "learner"), value: "", reason: "this learner's register for \(month.year)-\(month.month < 10 ? "0" : "")\(month.month) appears again in this import",
                                       fix: "Keep one of the two rows"))
            return
        }
        learnerMonths.append((LearnerAttendanceMonth(learnerID: LearnerID(learner), schoolID: SchoolID(school), year: month.year,
                                                     month: month.month, marks: marks), row))
        learnerMonthFiles.append(file)
    }

    var yearCache: [Int: Int?] = [:]
    /// The school calendar, read once from the writer (whose own lookup is behind an actor).
    var calendar = YearLookup(years: [])

    func writerYear(_ year: Int, _ month: Int) -> Int? {
        let k = year * 100 + month
        if let v = yearCache[k] { return v }
        let v = calendar.yearID(year: year, month: month)
        yearCache[k] = v
        return v
    }

    func takeMark(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, teacher: Bool, _ problems: inout [RowProblem]) {
        let who = person(teacher ? "teacher" : "learner", m, r, &problems)
        let day = m.day("date", r, &problems)
        let mark = m.mark("mark", r, &problems)
        var school: Int64?
        if m.has("school") { school = self.school(m, r, &problems) } else if let who, let day {
            school = postingSchool(who, day)
            if school == nil {
                problems.append(RowProblem(column: m.column(of: "date"), value: day.iso, reason: "the teacher was not posted to any school on \(day.iso)",
                                           fix: "Check the date, or import the teacher's posting first"))
            }
        }
        guard problems.isEmpty, let who, let day, let mark, let school else { return }
        guard writerYear(day.year, day.month) != nil else {
            problems.append(RowProblem(column: m.column(of: "date"), value: day.iso, reason: "\(day.iso) is outside every school year in the calendar",
                                       fix: "Import that year's school calendar first, or check the date"))
            return
        }
        let key = MonthKey(person: who, school: school, year: day.year, month: day.month)
        var entry = monthMarks[key] ?? (MonthMarks(), 0, row, file)
        if entry.marks.mark(day: day.dayOfMonth) != nil {
            problems.append(RowProblem(column: m.column(of: "date"), value: day.iso, reason: "a second mark for the same person and day",
                                       fix: "Keep one of the two rows"))
            return
        }
        entry.marks.set(mark, day: day.dayOfMonth)
        entry.rows += 1
        monthMarks[key] = entry
    }
}

/// The mappings shipped with Darasa (mappings/ in the repository): `synthetic/` reads every
/// source of the synthetic country, in file-name order.
public enum ShippedMappings {
    public static var folder: URL? { Bundle.module.url(forResource: "Mappings", withExtension: nil) }

    /// The synthetic country's mappings, in the order they must run.
    public static func synthetic() throws -> [Mapping] {
        guard let dir = folder?.appendingPathComponent("synthetic") else {
            throw InputError(file: "mappings/synthetic", problem: "the shipped mappings are missing from this build", fix: "Rebuild Darasa from its repository")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        return try names.map { try Mapping.load(url: dir.appendingPathComponent($0), displayName: "mappings/synthetic/" + $0) }
    }
}

/// The first rows of a file as a mapping reads them: each field's value, and the problems.
public struct MappingPreview: Sendable {
    public var fields: [String]
    public var rows: [(row: Int, values: [String], problems: [RowProblem])]
}

extension Importer {
    public static func preview(_ mapping: Mapping, file: ImportFile, rows limit: Int = 20) throws -> MappingPreview {
        let reader = try MappedReader(mapping: mapping, url: file.url, file: file.name)
        let fields = mapping.target.fields.map(\.name).filter { mapping.fields[$0] != nil && $0 != "days" }
        var out = MappingPreview(fields: fields, rows: [])
        var r = CSVRecord()
        while out.rows.count < limit, let n = try reader.next(into: &r) {
            var problems: [RowProblem] = []
            let values = fields.map { f -> String in
                switch mapping.target.field(f)?.kind {
                case .date?: return reader.day(f, r, &problems)?.iso ?? ""
                case .integer?: return reader.int(f, r, &problems).map(String.init) ?? ""
                case .number?: return reader.double(f, r, &problems).map { String($0) } ?? ""
                case .list?, .levels?: return reader.list(f, r, &problems).joined(separator: ", ")
                case .month?: return reader.month(f, r, &problems).map { "\($0.year)-\($0.month < 10 ? "0" : "")\($0.month)" } ?? ""
                default: return reader.string(f, r, &problems) ?? ""
                }
            }
            out.rows.append((n, values, problems))
        }
        return out
    }
}

extension ImportTarget {
    /// The signed-off data a target's rows can change (none: reference data nobody signs off).
    /// A learner's sex or disability moves attendance and assessment figures too.
    var signOffDomains: [String] {
        switch self {
        case .censusReturns, .censusEnrolment, .censusValues: ["census"]
        case .learners: ["enrolment", "attendance", "assessment"]
        case .enrolments, .classAssignments: ["enrolment"]
        case .learnerAttendance: ["attendance"]
        case .teachers, .teacherAttendance: ["teachers"]
        case .assessmentResults: ["assessment"]
        case .schools, .calendar, .holidays, .instruments, .visits, .population: []
        }
    }
}
