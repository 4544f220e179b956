import ArgumentParser
import DarasaCore
import DarasaGenerator
import DarasaImport
import DarasaIngest
import DarasaStore
import Foundation

/// Times the attendance sources through the mapped-import pipeline (read, map, check, resolve,
/// merge, summaries) on a generated country, into an empty database. bench/ingest.py loads the
/// same files with DuckDB and pandas and prints the ratios.
struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest",
        abstract: "Import a generated country's registers and teacher check-ins through their mappings and report rows per second (JSON).")

    @OptionGroup var store: StoreOptions

    @Option(help: "Learners in the generated country.")
    var learners: Int = 200_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Generate into (and keep) this folder; by default a temporary one, removed afterwards.")
    var keep: String?

    @Flag(help: "Print JSON only.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let dir = URL(fileURLWithPath: keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("darasa-bench-ingest-\(UUID().uuidString)").path)
            let spec = CountrySpec(learners: learners, seed: seed)
            _ = try generateCountry(spec, to: dir)
            defer { if keep == nil { try? FileManager.default.removeItem(at: dir) } }
            let db = try await store.open()
            do {
                try await db.migrate()
                try await db.eraseDemoData()
                try await db.setSetting("mode", "demo")
                var timed: [String: ImportReport] = [:]
                for mapping in try ShippedMappings.synthetic() where !mapping.file.contains("/7") && !mapping.file.contains("/60") {
                    let files = try ImportFile.select(dir, mapping: mapping)
                    guard !files.isEmpty else { continue }
                    let report = try await Importer(store: db, user: "bench").run(mapping, files: files)
                    if mapping.target == .learnerAttendance { timed["registers"] = report }
                    if mapping.target == .teacherAttendance { timed["teacher_checkins"] = report }
                    if !json { FileHandle.standardError.write(Data("\(mapping.name): \(report.summary) in \(String(format: "%.2f", report.seconds)) s\n".utf8)) }
                }
                guard let reg = timed["registers"] else { throw UserFacingError("The generated country has no registers.") }
                let files = try ImportFile.select(dir, mapping: try ShippedMappings.synthetic().first { $0.target == .learnerAttendance }!)
                let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1.url.path)[.size] as? Int) ?? 0) }
                let marks = try await db.database.scalarInt("SELECT CAST(COALESCE(SUM(recorded_days), 0) AS BIGINT) FROM learner_attendance") ?? 0
                var out: [String: Any] = [
                    "benchmark": "ingest", "engine": db.dialect.rawValue, "learners": learners, "seed": seed, "source": "registers",
                    "files": reg.files.count, "bytes": bytes, "rows": reg.rowsRead, "stored": reg.stored, "quarantined": reg.quarantined,
                    "day_marks": marks, "seconds": reg.seconds, "rows_per_second": reg.rowsPerSecond,
                    "marks_per_second": reg.seconds > 0 ? Double(marks) / reg.seconds : 0,
                    "includes": "read, map, validate, resolve learners and schools, merge by key, refresh summaries, one transaction",
                ]
                if let t = timed["teacher_checkins"] {
                    out["teacher_checkins"] = ["files": t.files.count, "rows": t.rowsRead, "seconds": t.seconds, "rows_per_second": t.rowsPerSecond]
                }
                let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }
}
