import DarasaCore
import DarasaGenerator
import DarasaIngest
import Foundation
import Testing

/// Not a correctness test: times generation (and loading into a counting sink) of
/// DARASA_BENCH_LEARNERS learners (default 20,000). Runs only with DARASA_BENCH=1, e.g.
/// `DARASA_BENCH=1 DARASA_BENCH_LEARNERS=1000000 swift test -c release --filter GenerationBenchmark`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DARASA_BENCH"] == "1"))
struct GenerationBenchmark {
    actor CountingSink: RecordSink {
        var records = 0
        func receive(_ batch: RecordBatch, from file: SourceFile, rows: [Int]) async throws { records += batch.count }
    }

    @Test func generateAndLoad() async throws {
        let env = ProcessInfo.processInfo.environment
        let learners = Int(env["DARASA_BENCH_LEARNERS"] ?? "") ?? 20_000
        let dir = URL(fileURLWithPath: env["DARASA_BENCH_DIR"] ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("darasa-bench-\(learners)").path)
        try? FileManager.default.removeItem(at: dir)
        defer { if env["DARASA_BENCH_KEEP"] != "1" { try? FileManager.default.removeItem(at: dir) } }
        let clock = ContinuousClock()
        var summary: GenerationSummary?
        let generation = try clock.measure { summary = try generateCountry(CountrySpec(learners: learners, seed: 42), to: dir) }
        let s = try #require(summary)
        print("BENCH generate \(learners) learners: \(generation) — \(s.files) files, \(s.rows) rows, \(s.schools) schools")
        if env["DARASA_BENCH_LOAD"] != "0" {
            let sink = CountingSink()
            var loaded = LoadSummary()
            let load = try await clock.measure { loaded = try await SyntheticCountryLoader().load(from: dir, into: sink) }
            print("BENCH load: \(load) — \(await sink.records) records from \(loaded.files) files")
        }
    }
}
