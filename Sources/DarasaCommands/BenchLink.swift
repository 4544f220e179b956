import ArgumentParser
import DarasaCore
import DarasaGenerator
import DarasaIngest
import Foundation

/// Links a generated country's sources and scores the links against the generator's truth:
/// duplicate SMS records of one child (within OneRoster), and assessment rows (names, school,
/// grade, sex, age — no ID) to the SMS's learners.
struct BenchLink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "link",
        abstract: "Probabilistic linkage on a generated country: throughput, and precision, recall and F1 against the truth (JSON).")

    @Option(help: "Learners in the generated country.")
    var learners: Int = 20_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Use this already generated country instead of generating one.")
    var country: String?

    @Option(help: "Weight (bits) at or above which a pair is linked.")
    var upper: Double = 10

    @Option(help: "Weight below which a pair is not linked (between: review).")
    var lower: Double = 0

    @Flag(help: "Print JSON only (the output is JSON either way; accepted like the other benches' flag).")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let dir: URL
            var generated: URL?
            if let country { dir = URL(fileURLWithPath: country) } else {
                dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-bench-link-\(UUID().uuidString)")
                var spec = CountrySpec(learners: learners, seed: seed)
                spec.registerYears = []
                spec.teacherAttendanceYears = []
                _ = try generateCountry(spec, to: dir)
                generated = dir
            }
            defer { if let generated { try? FileManager.default.removeItem(at: generated) } }
            let clock = ContinuousClock()
            let t0 = clock.now
            let data = try LinkBenchData(dir)
            let readSeconds = (clock.now - t0).seconds
            let linker = Linker(upper: upper, lower: lower)

            // 1. Duplicates inside the SMS.
            let t1 = clock.now
            let dedupe = try linker.deduplicate(data.records)
            let dedupeSeconds = (clock.now - t1).seconds
            var truePairs = Set<[Int]>()
            for (_, list) in Dictionary(grouping: data.records.indices, by: { data.trueID[$0] }) where list.count > 1 {
                for a in list { for b in list where a < b { truePairs.insert([a, b]) } }
            }
            let found = Set(dedupe.pairs.filter { $0.decision == .link }.map { [$0.left, $0.right] })
            let reviewD = dedupe.pairs.filter { $0.decision == .review }.count
            let dScore = Score(truth: truePairs, found: found, blocked: LinkBenchData.blocked(truePairs, in: data.records))

            // 2. Assessment rows → learners (each learner-year is a stored record).
            let t2 = clock.now
            let cross = try linker.link(data.rows, to: data.stays, entity: data.stayLearner)
            let crossSeconds = (clock.now - t2).seconds
            let links = cross.pairs.filter { $0.decision == .link }
            var correct = 0
            for p in links where data.trueID[data.stayLearner[p.left]] == data.rowTrueID[p.right] { correct += 1 }
            let rowsWithMatch = data.rowTrueID.indices.filter { data.learnerByTrueID[data.rowTrueID[$0]] != nil }.count
            let reviewRows = Set(cross.pairs.filter { $0.decision == .review }.map(\.right)).count
            let cp = links.isEmpty ? 0 : Double(correct) / Double(links.count)
            let cr = rowsWithMatch == 0 ? 0 : Double(correct) / Double(rowsWithMatch)
            let result: [String: Any] = [
                "benchmark": "link", "learners": learners, "seed": seed, "read_seconds": readSeconds,
                "thresholds": ["upper_bits": upper, "lower_bits": lower],
                "duplicates": [
                    "records": data.records.count, "comparisons": dedupe.comparisons, "seconds": dedupeSeconds,
                    "records_per_second": Double(data.records.count) / max(dedupeSeconds, 1e-9),
                    "true_pairs": truePairs.count, "linked": found.count, "review": reviewD,
                    "precision": dScore.precision, "recall": dScore.recall, "f1": dScore.f1,
                    "blocking_recall": dScore.blockingRecall, "em_iterations": dedupe.emIterations, "lambda": dedupe.model.lambda,
                    "m": dedupe.model.m, "u": dedupe.model.u,
                ],
                "assessment_rows": [
                    "rows": data.rows.count, "stored_records": data.stays.count, "comparisons": cross.comparisons, "seconds": crossSeconds,
                    "rows_per_second": Double(data.rows.count) / max(crossSeconds, 1e-9),
                    "rows_with_a_true_match": rowsWithMatch, "linked": links.count, "correct": correct, "review": reviewRows,
                    "precision": cp, "recall": cr, "f1": cp + cr > 0 ? 2 * cp * cr / (cp + cr) : 0,
                    "em_iterations": cross.emIterations, "lambda": cross.model.lambda, "m": cross.model.m, "u": cross.model.u,
                ],
            ]
            let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: json, as: UTF8.self))
        }
    }

    struct Score {
        var precision: Double, recall: Double, f1: Double, blockingRecall: Double
        init(truth: Set<[Int]>, found: Set<[Int]>, blocked: Int) {
            let tp = Double(truth.intersection(found).count)
            precision = found.isEmpty ? 0 : tp / Double(found.count)
            recall = truth.isEmpty ? 0 : tp / Double(truth.count)
            f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            blockingRecall = truth.isEmpty ? 1 : Double(blocked) / Double(truth.count)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

