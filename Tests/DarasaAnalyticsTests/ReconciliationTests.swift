import DarasaAnalytics
import DarasaCore
import DarasaGenerator
import DarasaIngest
import DarasaStore
import DarasaTestSupport
import Foundation
import Testing

/// On a generated country, on both engines: parts add up to totals (districts to the nation,
/// categories to the whole) and the summaries agree with counts taken straight from base rows.
@Suite struct ReconciliationTests {
    struct Sink: RecordSink {
        let writer: BatchWriter
        func receive(_ batch: RecordBatch, from file: SourceFile, rows: [Int]) async throws {
            try await writer.write(batch, source: file.source, path: file.path, rows: rows)
        }
    }

    static let country: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-reconcile-\(UUID().uuidString)")
        _ = try? generateCountry(CountrySpec(learners: 1500, seed: 11), to: dir)
        return dir
    }()

    func loadedStore(_ engine: TestEngine) async throws -> DarasaStore {
        let store = try await engine.makeStore()
        _ = try await store.importBatch(source: "synthetic", description: "reconcile", user: "test") { w in
            _ = try await SyntheticCountryLoader().load(from: Self.country, into: Sink(writer: w))
        }
        return store
    }

    @Test(arguments: TestEngine.available)
    func districtsSumToTheNationAndCategoriesToTheWhole(engine: TestEngine) async throws {
        let store = try await loadedStore(engine)
        defer { Task { await store.close() } }
        let year = try #require(try await store.latestYearID())
        let root = try #require(try await store.rootOrgUnit())
        let scope = AccessScope(role: .nationalAnalyst, orgUnitID: root.id, orgPath: root.path)
        let engineUnderTest = IndicatorEngine(store: store)
        for indicator in engineUnderTest.catalogue.indicators where indicator.method == .ratio || indicator.method == .complement {
            let yearID = indicator.year == .outcomes ? try await store.latestYearWithOutcomes() : year
            let national = try await engineUnderTest.table(indicator, yearID: yearID, depth: 0, scope: scope, suppress: false)
            let districts = try await engineUnderTest.table(indicator, yearID: yearID, depth: 2, scope: scope, suppress: false)
            // every learner or school measure splits by locality and poverty quintile; learner measures by sex and disability too
            let allowed = engineUnderTest.breakdowns(for: indicator)
            let splits = [[Breakdown.sex], [.locality], [.sex, .locality], [.disability, .povertyQuintile]].filter { allowed.isSuperset(of: $0) }
            let n = try #require(national.rows.first, "\(indicator.id) has a national row")
            var tables = [districts.rows]
            for split in splits {
                tables.append(try await engineUnderTest.table(indicator, yearID: yearID, depth: 0, by: split, scope: scope, suppress: false).rows)
            }
            for parts in tables {
                #expect(abs(parts.reduce(0) { $0 + $1.numerator } - n.numerator) < 1e-6, "\(indicator.id) numerators add up")
                #expect(abs(parts.reduce(0) { $0 + $1.denominator } - n.denominator) < 1e-6, "\(indicator.id) denominators add up")
            }
            // A district officer's own table (read for the district's schools only) is the
            // national table's row for that district, by sex too.
            for row in districts.rows.prefix(2) {
                guard let unit = try await store.orgUnit(id: OrgUnitID(row.unitID)) else { continue }
                let own = AccessScope(role: .districtOfficer, orgUnitID: unit.id, orgPath: unit.path)
                let mine = try await engineUnderTest.table(indicator, yearID: yearID, depth: 2, scope: own, suppress: false).rows
                #expect(mine.count == 1 && mine.first?.numerator == row.numerator && mine.first?.denominator == row.denominator,
                        "\(indicator.id) for \(unit.code) in its own scope")
                if allowed.contains(.sex) {
                    let all = try await engineUnderTest.table(indicator, yearID: yearID, depth: 2, by: [.sex], scope: scope, suppress: false).rows
                        .filter { $0.unitID == row.unitID }
                    let scoped = try await engineUnderTest.table(indicator, yearID: yearID, depth: 2, by: [.sex], scope: own, suppress: false).rows
                    #expect(Set(all.map { "\($0.category) \($0.numerator) \($0.denominator)" }) == Set(scoped.map { "\($0.category) \($0.numerator) \($0.denominator)" }))
                }
            }
        }
    }

    @Test(arguments: TestEngine.available)
    func summariesAgreeWithBaseRows(engine: TestEngine) async throws {
        let store = try await loadedStore(engine)
        defer { Task { await store.close() } }
        let year = try #require(try await store.latestYearID())
        let root = try #require(try await store.rootOrgUnit())
        let scope = AccessScope(role: .nationalAnalyst, orgUnitID: root.id, orgPath: root.path)
        let y = SQLValue.int(Int64(year))
        let indicators = IndicatorEngine(store: store)
        func national(_ id: String) async throws -> IndicatorRow {
            try #require(try await indicators.table(indicators.catalogue.named(id)!, yearID: year, depth: 0,
                                                    scope: scope, suppress: false).rows.first)
        }
        let active = try await store.database.scalarInt(
            "SELECT COUNT(*) FROM enrolments WHERE year_id = ? AND status NOT IN ('dropped_out', 'transferred_out')", [y])
        #expect(try await national("enrolment").numerator == Double(active ?? -1))
        let days = try #require(try await store.database.query(
            "SELECT SUM(present_days), SUM(recorded_days) FROM learner_attendance WHERE year_id = ?", [y]).first)
        let rate = try await national("attendance_rate")
        #expect(rate.numerator == days.double(0) && rate.denominator == days.double(1))
        let assessed = try await store.database.scalarInt(
            "SELECT COUNT(*) FROM (SELECT DISTINCT learner_id, school_id FROM assessment_results WHERE year_id = ?) x", [y])
        #expect(try await national("learners_assessed").numerator == Double(assessed ?? -1))
        let zero = try #require(try await store.database.query(
            "SELECT SUM(CASE WHEN score = 0 THEN 1 ELSE 0 END), COUNT(score) FROM assessment_results WHERE year_id = ? AND subtask_code = 'orf'", [y]).first)
        let z = try await national("orf_zero_share")
        #expect(z.numerator == zero.double(0) && z.denominator == zero.double(1))
        #expect((z.denominator) > 0, "the generated country has oral reading results")
    }
}
