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

    /// The latest school year and the national analyst's scope.
    static func nation(_ store: DarasaStore) async throws -> (year: Int, scope: AccessScope) {
        let year = try #require(try await store.latestYearID())
        let root = try #require(try await store.rootOrgUnit())
        return (year, AccessScope(role: .nationalAnalyst, orgUnitID: root.id, orgPath: root.path))
    }

    @Test(arguments: TestEngine.available)
    func districtsSumToTheNationAndCategoriesToTheWhole(engine: TestEngine) async throws {
        let store = try await loadedStore(engine)
        defer { Task { await store.close() } }
        let (year, scope) = try await Self.nation(store)
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
                    // Equal within 1e-9: SQL adds a weighted sum in whatever order it reads the
                    // rows, and a scope reads fewer, so the last bit of a double may differ.
                    #expect(all.count == scoped.count, "\(indicator.id) by sex for \(unit.code): the same categories in its own scope")
                    for a in all {
                        let s = scoped.first { $0.category == a.category }
                        #expect(s.map { abs($0.numerator - a.numerator) < 1e-9 && abs($0.denominator - a.denominator) < 1e-9 } == true,
                                "\(indicator.id) by sex for \(unit.code), \(a.category): \(a.numerator)/\(a.denominator) nationally, \(s.map { "\($0.numerator)/\($0.denominator)" } ?? "none") in its own scope")
                    }
                }
            }
        }
    }

    /// `tables` (one read, rolled up to each cut) gives exactly what `table` gives cut by cut:
    /// every indicator, a district's schools beside the district, in total and by sex, and the
    /// nation by two characteristics beside its regions; suppressed and not.
    @Test(arguments: TestEngine.available)
    func tablesRolledUpFromOneReadEqualTablesFormedOneByOne(engine: TestEngine) async throws {
        let store = try await loadedStore(engine)
        defer { Task { await store.close() } }
        let (year, national) = try await Self.nation(store)
        let districtID = try #require(try await store.database.query("SELECT id FROM org_units WHERE depth = 2 ORDER BY code").first?.int(0))
        let district = try #require(try await store.orgUnit(id: OrgUnitID(districtID)))
        let own = AccessScope(role: .districtOfficer, orgUnitID: district.id, orgPath: district.path)
        let schoolDepth = try #require(try await store.schoolAttributes(under: district.path).values.map { $0.path.split(separator: "/").count - 1 }.max())
        typealias Cut = IndicatorEngine.Cut
        func same(_ a: IndicatorRow, _ b: IndicatorRow) -> Bool {
            func close(_ x: Double?, _ y: Double?) -> Bool { x == nil ? y == nil : y != nil && abs(x! - y!) <= 1e-9 * max(1, abs(x!)) }
            return a.unitCode == b.unitCode && a.categories == b.categories && a.base == b.base && a.withheld == b.withheld
                && close(a.numerator, b.numerator) && close(a.denominator, b.denominator) && close(a.value, b.value)
                && close(a.standardError, b.standardError) && close(a.lower, b.lower) && close(a.upper, b.upper)
        }
        var compared = 0, rolledUp = 0
        for indicator in IndicatorCatalogue.shipped.indicators {
            let plain = IndicatorEngine(store: store)
            let allowed = plain.breakdowns(for: indicator)
            let yearID = indicator.year == .outcomes ? try await store.latestYearWithOutcomes() : year
            var requests: [(AccessScope, [Cut])] = [(own, [Cut(depth: schoolDepth), Cut(depth: district.depth)])]
            if allowed.contains(.sex) { requests[0].1.insert(Cut(depth: schoolDepth, by: [.sex]), at: 1) }
            if allowed.isSuperset(of: [.sex, .locality]) {
                requests.append((national, [Cut(depth: 1, by: [.locality]), Cut(depth: 0, by: [.sex, .locality]), Cut(depth: 0)]))
            }
            for (scope, cuts) in requests {
                for suppress in [false, true] {
                    let shared = IndicatorEngine(store: store).sharingLookups()
                    let together: [IndicatorTable]
                    do {
                        together = try await shared.tables(indicator, yearID: yearID, cuts: cuts, scope: scope, suppress: suppress)
                    } catch is IndicatorError {
                        continue  // e.g. population figures not given down to the school
                    }
                    #expect(together.count == cuts.count)
                    for (cut, t) in zip(cuts, together) {
                        let alone = try await plain.table(indicator, yearID: yearID, depth: cut.depth, by: cut.by, scope: scope, suppress: suppress)
                        #expect(t.depth == cut.depth && t.breakdowns == alone.breakdowns, "\(indicator.id) cut \(cut)")
                        #expect(t.rows.count == alone.rows.count, "\(indicator.id) at depth \(cut.depth) by \(cut.by): \(t.rows.count) rows, alone \(alone.rows.count)")
                        for (x, y) in zip(t.rows, alone.rows) {
                            #expect(same(x, y), "\(indicator.id) at depth \(cut.depth) by \(cut.by): \(x) vs \(y)")
                        }
                        #expect(t.parity.count == alone.parity.count)
                        compared += t.rows.count
                        if !t.rows.isEmpty && [.ratio, .complement, .distribution].contains(indicator.method) { rolledUp += 1 }
                    }
                }
            }
        }
        #expect(compared > 1000 && rolledUp > 50, "compared \(compared) rows in \(rolledUp) rolled-up tables")
    }

    @Test(arguments: TestEngine.available)
    func summariesAgreeWithBaseRows(engine: TestEngine) async throws {
        let store = try await loadedStore(engine)
        defer { Task { await store.close() } }
        let (year, scope) = try await Self.nation(store)
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
