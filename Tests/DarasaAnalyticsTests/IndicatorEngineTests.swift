import DarasaAnalytics
import DarasaCore
import DarasaStore
import DarasaTestSupport
import Testing

/// Indicator tables on the hand-worked TinyCountry (figures derived in its doc comment), on both engines.
@Suite struct IndicatorEngineTests {
    static let national = AccessScope(role: .nationalAnalyst, orgUnitID: TinyCountry.country, orgPath: "/TL/")

    func table(_ store: DarasaStore, _ id: String, depth: Int, by: Breakdown, suppress: Bool = false,
               scope: AccessScope = national) async throws -> IndicatorTable {
        let indicator = try #require(IndicatorDefinition.named(id))
        return try await IndicatorEngine(store: store).table(indicator, yearID: 2025, depth: depth, by: by, scope: scope, suppress: suppress)
    }

    @Test(arguments: TestEngine.available)
    func attendanceRateByDistrictMatchesHandWork(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let t = try await table(store, "attendance_rate", depth: 2, by: .none)
        #expect(t.level == "district")
        let d1 = try #require(t.rows.first { $0.unitCode == "D1" }), d2 = try #require(t.rows.first { $0.unitCode == "D2" })
        #expect(abs((d1.value ?? 0) - 117.0 / 123.0) < 1e-12)
        #expect(abs((d2.value ?? 0) - 47.0 / 61.0) < 1e-12)
    }

    @Test(arguments: TestEngine.available)
    func genderParityOfAttendance(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let t = try await table(store, "attendance_rate", depth: 2, by: .sex)
        // D1 girls: Amina 41/41 + Chausiku 40/41 = 81/82; boys: Baraka 36/41.
        let girls = try #require(t.rows.first { $0.unitCode == "D1" && $0.category == "female" }?.value)
        let boys = try #require(t.rows.first { $0.unitCode == "D1" && $0.category == "male" }?.value)
        #expect(abs(girls - 81.0 / 82.0) < 1e-12 && abs(boys - 36.0 / 41.0) < 1e-12)
        // PI = (81/82)/(36/41) = 1.125; adjusted = 2 − 1/1.125 = 1.1111 (UIS)
        #expect(abs((t.parity["D1"] ?? 0) - (2 - 1 / 1.125)) < 1e-9)
    }

    @Test(arguments: TestEngine.available)
    func chronicAbsenceAndEnrolmentByDisability(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let chronic = try await table(store, "chronic_absence_rate", depth: 0, by: .none)
        // Over the 30-day floor: Amina, Baraka, Chausiku, Daudi; chronic: Baraka → 1/4.
        #expect(chronic.rows.map(\.value) == [0.25])
        let enrolment = try await table(store, "enrolment", depth: 0, by: .disability)
        let byCategory = Dictionary(uniqueKeysWithValues: enrolment.rows.map { ($0.category, $0.value ?? -1) })
        // Chausiku (seeing: a lot) with; Amina (asked, no difficulty) without; Baraka, Daudi not asked; Eshe dropped out.
        #expect(byCategory == ["with_disability": 1, "without_disability": 1, "not_asked": 2])
    }

    @Test(arguments: TestEngine.available)
    func readingIndicatorsMatchHandWork(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        // Oral reading results (grade 2, Kiswahili benchmark 45): Amina 67.5, Baraka 0 (early stop), Daudi 27.
        let zero = try await table(store, "orf_zero_share", depth: 0, by: .none)
        #expect(zero.rows.map(\.value) == [1.0 / 3.0])
        let bench = try await table(store, "orf_at_benchmark", depth: 0, by: .none)
        #expect(bench.rows.map(\.value) == [1.0 / 3.0])
        let mean = try #require(try await table(store, "orf_mean", depth: 0, by: .none).rows.first?.value)
        #expect(abs(mean - (67.5 + 0 + 27) / 3) < 1e-12)  // 31.5 correct words per minute
        let bySex = try await table(store, "orf_mean", depth: 0, by: .sex)
        let girls = try #require(bySex.rows.first { $0.category == "female" }?.value)
        let boys = try #require(bySex.rows.first { $0.category == "male" }?.value)
        #expect(abs(girls - 67.5) < 1e-12 && abs(boys - 13.5) < 1e-12)
        // PI = 67.5 / 13.5 = 5; adjusted 2 − 1/5 = 1.8
        #expect(abs((bySex.parity["TL"] ?? 0) - 1.8) < 1e-12)
    }

    @Test(arguments: TestEngine.available)
    func teacherAndCoachingIndicatorsMatchHandWork(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        // 4 learners on the roll; in post during 2025: T1, T2 at S1 and T3 at S2 (T3's S1 posting ended 2018).
        #expect(try await table(store, "pupil_teacher_ratio", depth: 0, by: .none).rows.map(\.value) == [4.0 / 3.0])
        // trained: T1 and T3
        #expect(try await table(store, "pupil_trained_teacher_ratio", depth: 0, by: .none).rows.map(\.value) == [2.0])
        // S1 visited in March 2025, S2 never: 1 of 2 schools
        #expect(try await table(store, "coaching_coverage", depth: 0, by: .none).rows.map(\.value) == [0.5])
        let byLocality = try await table(store, "coaching_coverage", depth: 0, by: .locality)
        #expect(Dictionary(uniqueKeysWithValues: byLocality.rows.map { ($0.category, $0.value ?? -1) }) == ["urban": 1, "rural": 0])
    }

    @Test(arguments: TestEngine.available)
    func aDistrictScopeSeesOnlyItsOwnUnits(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let scope = AccessScope(role: .districtOfficer, orgUnitID: TinyCountry.d1, orgPath: "/TL/R1/D1/")
        #expect(try await table(store, "enrolment", depth: 2, by: .none, scope: scope).rows.map(\.unitCode) == ["D1"])
        #expect(try await table(store, "enrolment", depth: 1, by: .none, scope: scope).rows.isEmpty)  // the region reaches beyond it
    }

    @Test(arguments: TestEngine.available)
    func smallCellsAreWithheldWithNoFiguresLeft(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let t = try await table(store, "attendance_rate", depth: 2, by: .sex, suppress: true)
        #expect(!t.rows.isEmpty && t.rows.allSatisfy { $0.value == nil && $0.numerator == 0 && $0.base == 0 && $0.withheld != nil })
        #expect(t.parity.isEmpty)
    }

    @Test func complementarySuppressionProtectsALoneSmallCell() {
        func row(_ unit: Int64, _ category: String, _ base: Int) -> IndicatorRow {
            IndicatorRow(unitID: unit, unitCode: "U\(unit)", unitName: "", category: category, numerator: Double(base),
                         denominator: 0, base: base, value: Double(base), withheld: nil)
        }
        let rows = [row(1, "a", 3), row(1, "b", 40), row(1, "c", 25), row(2, "a", 12), row(2, "b", 4), row(2, "c", 5)]
        let out = IndicatorEngine.suppress(rows, minimum: 10, breakdown: .grade)
        #expect(out.map(\.withheld) == ["small_cell", nil, "complementary", nil, "small_cell", "small_cell"])
        #expect(out.filter { $0.withheld != nil }.allSatisfy { $0.value == nil && $0.numerator == 0 && $0.base == 0 })
    }

    @Test(arguments: TestEngine.available)
    func aBreakdownTheSummaryDoesNotHoldIsRefusedWithChoices(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        do {
            _ = try await store.indicatorCells(.attendance, yearID: 2025, by: .disability)
            Issue.record("attendance by disability is not in the summary and must be refused")
        } catch let error as StoreError {
            #expect(error.message.contains("choose one of"))
        }
    }
}
