import DarasaCore
import DarasaIngest
import DarasaGenerator
import Foundation
import Testing

@Suite struct DeterminismTests {
    @Test func sameSeedGivesByteIdenticalFiles() throws {
        // Given two runs with one spec
        let a = temporaryFolder("det-a"), b = temporaryFolder("det-b")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let spec = CountrySpec(learners: 400, seed: 11)
        // When both are generated
        let sa = try generateCountry(spec, to: a)
        let sb = try generateCountry(spec, to: b)
        // Then every file, workbooks included, is byte-identical
        let ha = try treeHashes(a), hb = try treeHashes(b)
        #expect(sa == sb)
        #expect(ha.count > 50)
        #expect(ha == hb)
        #expect(ha.keys.contains("census/census_2023.xlsx"))
    }

    @Test func differentSeedGivesDifferentCountry() throws {
        let a = temporaryFolder("seed-a"), b = temporaryFolder("seed-b")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        _ = try generateCountry(CountrySpec(learners: 400, seed: 1), to: a)
        _ = try generateCountry(CountrySpec(learners: 400, seed: 2), to: b)
        let ha = try treeHashes(a), hb = try treeHashes(b)
        #expect(ha["oneroster/users.csv"] != hb["oneroster/users.csv"])
        #expect(ha["census/census_2024.xlsx"] != hb["census/census_2024.xlsx"])
    }

    @Test func badSpecsAreRefusedWithAFix() throws {
        let dir = temporaryFolder("bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: GenerationError.self) { try generateCountry(CountrySpec(learners: 10, seed: 1), to: dir) }
        #expect(throws: GenerationError.self) { try generateCountry(CountrySpec(learners: 100, seed: 1, years: [2025, 2024]), to: dir) }
        var rates = DefectRates()
        rates.misspelledName = 2
        #expect(throws: GenerationError.self) { try generateCountry(CountrySpec(learners: 100, seed: 1, defects: rates), to: dir) }
    }
}

@Suite struct EdgeSpecTests {
    @Test func aTinyOneYearCountryGeneratesAndLoads() async throws {
        let dir = temporaryFolder("tiny")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = try generateCountry(CountrySpec(learners: 60, seed: 3, years: [2030]), to: dir)
        #expect(s.schools >= 4 && s.years == [2030])
        let loaded = try await SyntheticCountryLoader().load(from: dir, into: NullSink())
        #expect(loaded.count("learners") == s.learnerRecords)
        #expect(loaded.count("learnerAttendance") == s.registerRows)
    }
}

struct NullSink: RecordSink {
    func receive(_ batch: RecordBatch, from file: SourceFile, rows: [Int]) async throws {}
}

@Suite struct OutputFolderTests {
    @Test func regeneratingReplacesAnEarlierCountryCompletely() throws {
        let reused = temporaryFolder("reuse"), fresh = temporaryFolder("fresh")
        defer { try? FileManager.default.removeItem(at: reused); try? FileManager.default.removeItem(at: fresh) }
        _ = try generateCountry(CountrySpec(learners: 900, seed: 4), to: reused)
        _ = try generateCountry(CountrySpec(learners: 300, seed: 5), to: reused)
        _ = try generateCountry(CountrySpec(learners: 300, seed: 5), to: fresh)
        #expect(try treeHashes(reused) == treeHashes(fresh))
    }

    @Test func aFolderWithOtherDataIsRefused() throws {
        let dir = temporaryFolder("other")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("census"), withIntermediateDirectories: true)
        #expect(throws: GenerationError.self) { try generateCountry(CountrySpec(learners: 100, seed: 1), to: dir) }
    }
}
