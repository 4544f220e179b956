import DarasaCore
import DarasaGenerator
@testable import DarasaIngest
import Foundation
import PropertyBased
import Testing

/// Record linkage on a generated country, scored against its truth, and the comparison rules on
/// hand-made pairs.
@Suite struct LinkerTests {
    static let country: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-link-\(UUID().uuidString)")
        var spec = CountrySpec(learners: 3000, seed: 7)
        spec.registerYears = []
        spec.teacherAttendanceYears = []
        _ = try? generateCountry(spec, to: dir)
        return dir
    }()

    @Test func comparisonsFollowTheDeclaredLevels() {
        let a = LinkRecord(given: "Amina", family: "Otieno", sex: .female, birth: Day(year: 2016, month: 3, day: 4), school: 1, grade: 3, year: 2024)
        let transposed = LinkRecord(given: "Otieno", family: "Amina", sex: .female, birth: Day(year: 2016, month: 4, day: 3), school: 1, grade: 3, year: 2024)
        let misspelt = LinkRecord(given: "Amena", family: "Otieno", sex: .female, birthYear: 2016, school: 2, grade: 4, year: 2024)
        #expect(Linker.compare(a, transposed, withinSource: false) == [0, 0, DateLevel.dayMonthSwapped.rawValue, 0, 0])
        let v = Linker.compare(a, misspelt, withinSource: false)
        #expect(v[0] == NameLevel.veryClose.rawValue)  // JW("amina otieno", "amena otieno") ≈ 0.95
        #expect(v[2] == DateLevel.sameYear.rawValue && v[3] == 1 && v[4] == 1)
        // Blocking keys meet for transposed names (the Soundex pair is order-free).
        #expect(!Set(Linker.keys(a)).isDisjoint(with: Linker.keys(transposed)))
    }

    @Test func duplicateRecordsOfOneChildAreFoundWithoutLabels() throws {
        let data = try LinkBenchData(Self.country)
        let result = try Linker().deduplicate(data.records)
        var truth = Set<[Int]>()
        for (_, list) in Dictionary(grouping: data.records.indices, by: { data.trueID[$0] }) where list.count > 1 {
            for a in list { for b in list where a < b { truth.insert([a, b]) } }
        }
        let linked = Set(result.pairs.filter { $0.decision == .link }.map { [$0.left, $0.right] })
        let correct = Double(truth.intersection(linked).count)
        #expect(!truth.isEmpty)
        #expect(correct / Double(max(linked.count, 1)) >= 0.95, "precision")
        #expect(correct / Double(truth.count) >= 0.9, "recall")
        // The model learnt that matches agree on names far more than non-matches.
        #expect(try result.model.partialWeight(field: 0, level: 0) > 5)
        #expect(try result.model.partialWeight(field: 0, level: NameLevel.different.rawValue) < -3)
    }

    @Test func assessmentRowsAreLinkedToTheirLearners() throws {
        let data = try LinkBenchData(Self.country)
        let result = try Linker().link(data.rows, to: data.stays, entity: data.stayLearner)
        let links = result.pairs.filter { $0.decision == .link }
        let correct = links.filter { data.trueID[data.stayLearner[$0.left]] == data.rowTrueID[$0.right] }.count
        #expect(Double(correct) / Double(max(links.count, 1)) >= 0.98, "precision")
        #expect(Double(correct) / Double(data.rows.count) >= 0.9, "recall")
        // Each row is linked at most once.
        #expect(Set(links.map(\.right)).count == links.count)
    }

    /// The same pairs in the same order with the same decisions; weights to 1e-9 bits (two fits
    /// can differ in the last bit: the model sums over dictionaries, whose order varies).
    static func same(_ a: [ScoredPair], _ b: [ScoredPair]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.left == y.left && x.right == y.right && x.decision == y.decision && x.levels == y.levels && abs(x.weight - y.weight) < 1e-9
        }
    }

    /// The scoring pass runs on several threads; the pairs, their order and the count of
    /// comparisons are those of one thread.
    @Test func scoringOnSeveralThreadsFindsWhatOneThreadFinds() throws {
        let data = try LinkBenchData(Self.country)
        var one = Linker(), three = Linker()
        one.workers = 1
        three.workers = 3
        let d1 = try one.deduplicate(data.records), d3 = try three.deduplicate(data.records)
        #expect(!d1.pairs.isEmpty)
        #expect(Self.same(d1.pairs, d3.pairs))
        #expect(d1.comparisons == d3.comparisons)
        let l1 = try one.link(data.rows, to: data.stays, entity: data.stayLearner)
        let l3 = try three.link(data.rows, to: data.stays, entity: data.stayLearner)
        #expect(!l1.pairs.isEmpty)
        #expect(Self.same(l1.pairs, l3.pairs))
        #expect(l1.comparisons == l3.comparisons)
    }
}

@Suite struct ParallelTests {
    @Test func rangesCoverEveryIndexOnceInOrder() {
        for count in [0, 1, 2, 7, 100, 1001] {
            for parts in [1, 2, 3, 8, 2000] {
                let r = Parallel.ranges(count, parts: parts)
                #expect(r.flatMap { Array($0) } == Array(0..<count))
                #expect(r.allSatisfy { !$0.isEmpty })
                #expect(r.count == min(parts, count))
            }
        }
    }

    @Test func resultsComeBackInPartOrderAndErrorsAreRethrown() throws {
        struct Boom: Error, Equatable { var part: Int }
        let sums = try Parallel.map(10_000, parts: 4, serialBelow: 0) { range in range.reduce(0, +) }
        #expect(sums.count == 4)
        #expect(sums.reduce(0, +) == (0..<10_000).reduce(0, +))
        #expect(sums == Parallel.ranges(10_000, parts: 4).map { $0.reduce(0, +) })
        // The first failing part in order is the one reported, whichever thread failed first.
        #expect(throws: Boom(part: 1)) {
            _ = try Parallel.map(10_000, parts: 4, serialBelow: 0) { range -> Int in
                if range.lowerBound >= 2_500 { throw Boom(part: range.lowerBound / 2_500) }
                return 0
            }
        }
    }
}

@Suite struct ByteJaroWinklerTests {
    /// The byte version agrees with DarasaCore's Character version on any ASCII names.
    @Test func agreesWithTheCoreFunctionOnASCII() async {
        await propertyCheck(input: Gen.lowercaseLetter.string(of: 0...12), Gen.lowercaseLetter.string(of: 0...12)) { a, b in
            let core = StringSimilarity.jaroWinkler(a, b)
            let bytes = ByteJaroWinkler.similarity(Array(a.utf8), Array(b.utf8))
            #expect(abs(core - bytes) < 1e-12, "\(a) / \(b)")
        }
        // Winkler's vectors.
        #expect(abs(ByteJaroWinkler.similarity(Array("martha".utf8), Array("marhta".utf8)) - 0.9611) < 1e-4)
        #expect(abs(ByteJaroWinkler.similarity(Array("dwayne".utf8), Array("duane".utf8)) - 0.84) < 1e-4)
    }
}
