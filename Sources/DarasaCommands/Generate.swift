import ArgumentParser
import DarasaGenerator
import Foundation

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic country: every source in its own native shape, plus the ground truth.")

    @Option(help: "Folder to write into (created; files inside are replaced).")
    var out: String

    @Option(help: "Number of learners.")
    var learners: Int = 20_000

    @Option(help: "Random seed: the same seed writes byte-identical files.")
    var seed: UInt64 = 1

    func validate() throws {
        guard learners >= 100 else { throw ValidationError("--learners must be at least 100; \(learners) is too few for a country.") }
        guard learners <= 5_000_000 else { throw ValidationError("--learners must be at most 5,000,000.") }
    }

    func run() async throws {
        try await runReportingErrors {
            let started = Date()
            let summary = try generate(out: out, learners: learners, seed: seed)
            say("Wrote a synthetic country to \(out) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: \(summary)")
        }
    }
}

func generate(out: String, learners: Int, seed: UInt64) throws -> GenerationSummary {
    let url = URL(fileURLWithPath: out)
    do {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
        throw UserFacingError("Darasa cannot create the folder \(out); choose a folder you can write to.")
    }
    guard FileManager.default.isWritableFile(atPath: url.path) else {
        throw UserFacingError("Darasa cannot write to the folder \(out); choose a folder you can write to.")
    }
    return try generateCountry(CountrySpec(learners: learners, seed: seed), to: url)
}
