import ArgumentParser
import DarasaAnalytics
import DarasaCore
import DarasaGenerator
import DarasaImport
import DarasaIngest
import DarasaStore
import Foundation

/// Loads a generated country through the shipped mappings, runs every data-quality check, and
/// scores the findings against the defects the generator injected (truth/defects.csv): per
/// defect type, the share caught and the share of clean units wrongly flagged.
struct BenchQuality: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "quality",
        abstract: "Data-quality checks on a generated country: defects caught and clean records wrongly flagged, per type, and the time to run every check (JSON).")

    @OptionGroup var store: StoreOptions

    @Option(help: "Learners in the generated country.")
    var learners: Int = 20_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Use this already generated country (and skip the import when --skip-import).")
    var country: String?

    @Flag(help: "The database already holds the country (a previous run with the same --database).")
    var skipImport = false

    @Flag(help: "Load with the native loader (fast; no linkage, so no duplicate findings) instead of the mapped imports: for timing the checks on a very large country.")
    var nativeLoad = false

    @Flag(help: "Print JSON only.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let dir: URL
            var generated: URL?
            if let country { dir = URL(fileURLWithPath: country) } else {
                dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-bench-quality-\(UUID().uuidString)")
                _ = try generateCountry(CountrySpec(learners: learners, seed: seed), to: dir)
                generated = dir
            }
            defer { if let generated { try? FileManager.default.removeItem(at: generated) } }
            let db = try await store.open()
            do {
                try await db.migrate()
                let clock = ContinuousClock()
                var importSeconds = 0.0
                if !skipImport {
                    try await db.eraseDemoData()
                    try await db.setSetting("mode", "demo")
                    let t0 = clock.now
                    if nativeLoad {
                        let sink = ChunkedNativeSink(store: db, quiet: json)
                        _ = try await SyntheticCountryLoader().load(from: dir, into: sink)
                        try await sink.flush()
                    } else {
                    for mapping in try ShippedMappings.synthetic() {
                        let files = try ImportFile.select(dir, mapping: mapping)
                        guard !files.isEmpty else { continue }
                        let r = try await Importer(store: db, user: "bench").run(mapping, files: files)
                        if !json { FileHandle.standardError.write(Data("\(mapping.name): \(r.summary)\n".utf8)) }
                    }
                    }
                    importSeconds = (clock.now - t0).seconds
                }
                let rules = try QualityRules.shipped()
                let t1 = clock.now
                let report = try await QualityEngine(store: db, rules: rules).run(actor: "bench")
                let runSeconds = (clock.now - t1).seconds
                let scores = try await score(db, rules: rules, dir: dir)
                let enrolled = try await db.database.scalarInt("SELECT COUNT(DISTINCT learner_id) FROM enrolments") ?? 0
                var out: [String: Any] = [
                    "benchmark": "quality", "engine": db.dialect.rawValue, "learners": learners, "seed": seed,
                    "learner_records": enrolled, "rules": report.rules, "schools": report.schools, "findings": report.findings,
                    "check_seconds": runSeconds, "import_seconds": importSeconds, "by_type": scores, "load": nativeLoad ? "native" : "mapped imports",
                    "targets": ["caught_share_min": 0.95, "false_flag_share_max": 0.02, "check_seconds_max_at_1M_learners": 30],
                ]
                out["by_rule"] = report.byRule
                let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }

    struct Defect { var type: String; var file: String; var row: Int; var column: String; var key: String; var original: String; var injected: String }

    func defects(_ dir: URL) throws -> [Defect] {
        let table = try CSVTable(url: dir.appendingPathComponent("truth/defects.csv"), file: "truth/defects.csv", options: ReadOptions())
        let h = Dictionary(table.header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [Defect] = []
        var r = CSVRecord()
        while try table.next(into: &r) != nil {
            out.append(Defect(type: r.trimmed(h["type"]!), file: r.trimmed(h["file"]!), row: Int(r.trimmed(h["row"]!)) ?? 0,
                              column: r.trimmed(h["column"]!), key: r.trimmed(h["key"]!), original: r.trimmed(h["original_value"]!),
                              injected: r.trimmed(h["injected_value"]!)))
        }
        return out
    }

    /// Per defect type: injected, caught, and false flags over the clean units the rule checked.
    func score(_ db: DarasaStore, rules: QualityRules, dir: URL) async throws -> [String: Any] {
        let all = try defects(dir)
        var schoolID: [String: Int64] = [:]
        for r in try await db.database.query("SELECT official_code, id FROM schools") { schoolID[r.text(0) ?? ""] = r.int(1) }
        var findings: [String: Set<String>] = [:]   // check → "school|year|period|key"
        for r in try await db.database.query("SELECT check_name, school_id, year_id, period, record_key FROM quality_findings WHERE status = 'open'") {
            findings[r.text(0) ?? "", default: []].insert("\(r.int(1) ?? 0)|\(r.int(2) ?? 0)|\(r.text(3) ?? "")|\(r.text(4) ?? "")")
        }
        var checked: [String: Int] = [:]
        for r in try await db.database.query("""
            SELECT q.rule, CAST(SUM(q.checked) AS BIGINT) FROM quality_checks q GROUP BY q.rule
            """) { checked[r.text(0) ?? ""] = Int(r.int(1) ?? 0) }
        func checkedBy(_ check: QualityCheck) -> Int { rules.enabled.filter { $0.check == check }.reduce(0) { $0 + (checked[$1.name] ?? 0) } }
        func year(_ file: String) -> Int { Int(file.split(whereSeparator: { !$0.isNumber }).first { $0.count == 4 } ?? "") ?? 0 }

        var out: [String: Any] = [:]
        func record(_ type: String, injected: Int, caught: Int, flagged: Int, matched: Int, clean: Int, by checks: [QualityCheck], note: String? = nil) {
            let falseFlags = max(0, flagged - matched)
            var entry: [String: Any] = [
                "injected": injected, "caught": caught, "caught_share": injected > 0 ? Double(caught) / Double(injected) : 1,
                "clean_units_checked": clean, "false_flags": falseFlags,
                "false_flag_share": clean > 0 ? Double(falseFlags) / Double(clean) : 0, "checks": checks.map(\.rawValue),
            ]
            if let note { entry["note"] = note }
            out[type] = entry
        }
        func keys(_ check: QualityCheck) -> Set<String> { findings[check.rawValue] ?? [] }

        // School-year defects.
        for (type, check) in [("missing_census", QualityCheck.censusReceived), ("late_census", .censusOnTime), ("teacher_count_mismatch", .teachersHRvsCensus)] {
            let list = all.filter { $0.type == type }
            let want = Set(list.compactMap { d in schoolID[d.key].map { "\($0)|\(year(d.file))" } })
            let found = Set(keys(check).map { $0.split(separator: "|").prefix(2).joined(separator: "|") })
            let caught = want.intersection(found).count
            record(type, injected: want.count, caught: caught, flagged: found.count, matched: caught, clean: checkedBy(check) - want.count, by: [check])
        }
        // Register months.
        do {
            let list = all.filter { $0.type == "missing_register_month" }
            let want = Set(list.compactMap { d -> String? in
                guard let s = schoolID[d.key] else { return nil }
                return "\(s)|" + ((d.file as NSString).lastPathComponent as NSString).deletingPathExtension
            })
            let found = Set(keys(.registersReceived).map { k -> String in let p = k.split(separator: "|"); return "\(p[0])|\(p[2])" })
            let caught = want.intersection(found).count
            record("missing_register_month", injected: want.count, caught: caught, flagged: found.count, matched: caught,
                   clean: checkedBy(.registersReceived) - want.count, by: [.registersReceived])
        }
        // Enrolment spikes (school, year, grade), by any grade-level census check.
        do {
            let list = all.filter { $0.type == "enrolment_spike" }
            let want = Set(list.compactMap { d -> String? in
                let parts = d.key.split(separator: " ")
                guard parts.count == 3, let s = schoolID[String(parts[0])] else { return nil }
                return "\(s)|\(year(d.file))|grade:\(parts[2])"
            })
            let checks: [QualityCheck] = [.censusVsRoster, .enrolmentOutlierHistory]
            var found = Set<String>()
            for c in checks { for k in keys(c) { let p = k.split(separator: "|"); found.insert("\(p[0])|\(p[1])|\(p[3])") } }
            let caught = want.intersection(found).count
            let clean = (try await db.database.scalarInt("SELECT COUNT(*) FROM census_enrolment WHERE total IS NOT NULL") ?? 0) - Int64(want.count)
            record("enrolment_spike", injected: want.count, caught: caught, flagged: found.count, matched: caught, clean: Int(clean), by: checks)
        }
        // Impossible ages: the demographics row's sourcedId → learner.
        do {
            let list = all.filter { $0.type == "impossible_age" }
            let rows = Set(list.map(\.row))
            var keyAtRow: [Int: String] = [:]
            let table = try CSVTable(url: dir.appendingPathComponent("oneroster/demographics.csv"), file: "demographics.csv", options: ReadOptions())
            let col = table.header.firstIndex(of: "sourcedId") ?? 0
            var r = CSVRecord()
            while let n = try table.next(into: &r) { if rows.contains(n) { keyAtRow[n] = r.trimmed(col) } }
            var learnerOf: [String: Int64] = [:]
            for row in try await db.database.query("SELECT source_key, learner_id FROM learner_source_keys WHERE source = 'oneroster'") { learnerOf[row.text(0) ?? ""] = row.int(1) }
            let want = Set(list.compactMap { keyAtRow[$0.row].flatMap { learnerOf[$0] } })
            let found = Set(keys(.ageForGrade).compactMap { k in k.split(separator: "|").last.flatMap { Int64($0.dropFirst(8)) } })
            let caught = want.intersection(found).count
            let learners = Int(try await db.database.scalarInt("SELECT COUNT(*) FROM learners WHERE birth_date IS NOT NULL") ?? 0)
            record("impossible_age", injected: want.count, caught: caught, flagged: found.count, matched: caught, clean: learners - want.count, by: [.ageForGrade])
        }
        // Out-of-range scores: the result rows stored from that file row (or the row quarantined).
        do {
            let list = all.filter { $0.type == "out_of_range_score" }
            var results: [String: [Int64]] = [:]
            for r in try await db.database.query("SELECT f.path, r.src_row, r.id FROM assessment_results r JOIN import_files f ON f.id = r.file_id") {
                results["\(r.text(0) ?? "")|\(r.int(1) ?? 0)", default: []].append(r.int(2) ?? 0)
            }
            var quarantined = Set<String>()
            for r in try await db.database.query("SELECT file, src_row FROM quarantine") { quarantined.insert("\(r.text(0) ?? "")|\(r.int(1) ?? 0)") }
            var pending = Set<String>()
            for r in try await db.database.query("SELECT file, src_row FROM link_candidates WHERE kind = 'assessment' AND status = 'review'") {
                pending.insert("\(r.text(0) ?? "")|\(r.int(1) ?? 0)")
            }
            let flaggedResults = Set(keys(.scoreInRange).compactMap { k in k.split(separator: "|").last.flatMap { Int64($0.dropFirst(7)) } })
            var caught = 0, matchedResults = 0, waiting = 0
            var injected = 0
            for d in Set(list.map { "\($0.file)|\($0.row)" }) {
                if pending.contains(d) { waiting += 1; continue }
                injected += 1
                let ids = results[d] ?? []
                let hit = ids.filter(flaggedResults.contains)
                matchedResults += hit.count
                if !hit.isEmpty || quarantined.contains(d) { caught += 1 }
            }
            let clean = checkedBy(.scoreInRange) - injected
            record("out_of_range_score", injected: injected, caught: caught, flagged: flaggedResults.count, matched: matchedResults, clean: clean,
                   by: [.scoreInRange], note: "\(waiting) defective rows await identity review (not stored yet) and are left out")
        }
        // Duplicate SMS records of one child.
        do {
            let list = all.filter { $0.type == "duplicate_learner" }
            var learnerOf: [String: Int64] = [:]
            for row in try await db.database.query("SELECT source_key, learner_id FROM learner_source_keys WHERE source = 'oneroster'") { learnerOf[row.text(0) ?? ""] = row.int(1) }
            let want = Set(list.compactMap { d -> String? in
                guard let a = learnerOf[d.original], let b = learnerOf[d.injected] else { return nil }
                return "\(min(a, b))/\(max(a, b))"
            })
            let found = Set(keys(.duplicateLearners).compactMap { k -> String? in
                guard let pair = k.split(separator: "|").last?.dropFirst(5) else { return nil }
                let ids = pair.split(separator: "/").compactMap { Int64($0) }
                return ids.count == 2 ? "\(min(ids[0], ids[1]))/\(max(ids[0], ids[1]))" : nil
            })
            let caught = want.intersection(found).count
            let learners = Int(try await db.database.scalarInt("SELECT COUNT(*) FROM learners") ?? 0)
            record("duplicate_learner", injected: want.count, caught: caught, flagged: found.count, matched: caught, clean: learners - 2 * want.count, by: [.duplicateLearners])
        }
        return out
    }
}

/// Hands the native loader's batches to the store in import batches of about `commitEvery`
/// records each (bench only). One transaction for a whole 1,000,000-learner country grows the
/// write-ahead log past 4 GB and spends its time spilling pages; committing every million
/// records keeps the log small. The loader delivers in dependency order, so each commit's
/// references are already stored.
actor ChunkedNativeSink: RecordSink {
    let store: DarasaStore
    let quiet: Bool
    let commitEvery: Int
    private var pending: [(RecordBatch, SourceFile, [Int])] = []
    private var pendingRecords = 0
    private var committed = 0
    private let started = ContinuousClock.now

    init(store: DarasaStore, quiet: Bool, commitEvery: Int = 1_000_000) {
        self.store = store
        self.quiet = quiet
        self.commitEvery = commitEvery
    }

    func receive(_ batch: RecordBatch, from file: SourceFile, rows: [Int]) async throws {
        pending.append((batch, file, rows))
        pendingRecords += batch.count
        if pendingRecords >= commitEvery { try await flush() }
    }

    func flush() async throws {
        guard !pending.isEmpty else { return }
        let work = pending
        pending = []
        _ = try await store.importBatch(source: "synthetic", description: "bench native load", user: "bench") { w in
            for (batch, file, rows) in work { try await w.write(batch, source: file.source, path: file.path, rows: rows) }
        }
        committed += pendingRecords
        pendingRecords = 0
        if !quiet {
            let s = (ContinuousClock.now - started).seconds
            FileHandle.standardError.write(Data("native load: \(committed) records committed, \(Int(Double(committed) / max(s, 0.001))) records/s\n".utf8))
        }
    }
}

/// Hands the native loader's batches to one import batch (bench only; small countries).
struct NativeSink: RecordSink {
    let writer: BatchWriter
    func receive(_ batch: RecordBatch, from file: SourceFile, rows: [Int]) async throws {
        try await writer.write(batch, source: file.source, path: file.path, rows: rows)
    }
}
