import DarasaAnalytics
import DarasaCore
import DarasaStore
import DarasaTestSupport
import Foundation
import Testing

/// The shipped definitions, with the education system shrunk to IndicatorCountry's grades 1–2
/// (so survival runs to grade 2 and "primary age" is 6–7) and SDG 4.1.1 read in grades 1–2.
func testCatalogue() throws -> IndicatorCatalogue {
    let url = try #require(IndicatorCatalogue.shippedURL)
    let text = try String(contentsOf: url, encoding: .utf8)
        .replacingOccurrences(of: "primary: 1-8", with: "primary: 1-2")
        .replacingOccurrences(of: "grades: 2-3", with: "grades: 1-2")
    return try IndicatorCatalogue.parse(text, file: "test-catalogue.yaml")
}

func value(_ t: IndicatorTable, _ unit: String, _ categories: [String] = []) -> Double? {
    t.rows.first { $0.unitCode == unit && $0.categories == categories }?.value
}

/// Indicator tables on the hand-worked TinyCountry (figures derived in its doc comment), on both engines.
@Suite struct IndicatorEngineTests {
    static let national = AccessScope(role: .nationalAnalyst, orgUnitID: TinyCountry.country, orgPath: "/TL/")

    func table(_ store: DarasaStore, _ id: String, depth: Int, by: [Breakdown] = [], suppress: Bool = false,
               scope: AccessScope = national) async throws -> IndicatorTable {
        let indicator = try #require(IndicatorCatalogue.shipped.named(id))
        return try await IndicatorEngine(store: store).table(indicator, yearID: 2025, depth: depth, by: by, scope: scope, suppress: suppress)
    }

    @Test(arguments: TestEngine.available)
    func attendanceRateByDistrictMatchesHandWork(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let t = try await table(store, "attendance_rate", depth: 2)
        #expect(t.level == "district")
        #expect(abs((value(t, "D1") ?? 0) - 117.0 / 123.0) < 1e-12)
        #expect(abs((value(t, "D2") ?? 0) - 47.0 / 61.0) < 1e-12)
    }

    @Test(arguments: TestEngine.available)
    func genderParityOfAttendance(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let t = try await table(store, "attendance_rate", depth: 2, by: [.sex])
        // D1 girls: Amina 41/41 + Chausiku 40/41 = 81/82; boys: Baraka 36/41.
        let girls = try #require(value(t, "D1", ["female"])), boys = try #require(value(t, "D1", ["male"]))
        #expect(abs(girls - 81.0 / 82.0) < 1e-12 && abs(boys - 36.0 / 41.0) < 1e-12)
        // PI = (81/82)/(36/41) = 1.125; adjusted = 2 − 1/1.125 = 1.1111 (UIS)
        let parity = try #require(t.parity.first { $0.unitCode == "D1" && $0.dimension == .sex })
        #expect(abs(parity.index - 1.125) < 1e-9 && abs(parity.adjusted - (2 - 1 / 1.125)) < 1e-9 && !parity.atParity)
    }

    @Test(arguments: TestEngine.available)
    func chronicAbsenceAndEnrolmentByDisability(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let chronic = try await table(store, "chronic_absence_rate", depth: 0)
        // Over the 30-day floor: Amina, Baraka, Chausiku, Daudi; chronic: Baraka → 1/4.
        #expect(chronic.rows.map(\.value) == [0.25])
        let enrolment = try await table(store, "enrolment", depth: 0, by: [.disability])
        let byCategory = Dictionary(uniqueKeysWithValues: enrolment.rows.map { ($0.category, $0.value ?? -1) })
        // Chausiku (seeing: a lot) with; Amina (asked, no difficulty) without; Baraka, Daudi not asked; Eshe dropped out.
        #expect(byCategory == ["with_disability": 1, "without_disability": 1, "not_asked": 2])
        // Attendance by disability now comes from the learner cube: Chausiku 40/41.
        let attendance = try await table(store, "attendance_rate", depth: 0, by: [.disability])
        #expect(abs((value(attendance, "TL", ["with_disability"]) ?? 0) - 40.0 / 41.0) < 1e-12)
    }

    @Test(arguments: TestEngine.available)
    func readingIndicatorsMatchHandWork(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        // Oral reading results (grade 2, Kiswahili benchmark 45): Amina 67.5, Baraka 0 (early stop), Daudi 27.
        #expect(try await table(store, "orf_zero_share", depth: 0).rows.map(\.value) == [1.0 / 3.0])
        #expect(try await table(store, "orf_at_benchmark", depth: 0).rows.map(\.value) == [1.0 / 3.0])
        let mean = try #require(try await table(store, "orf_mean", depth: 0).rows.first?.value)
        #expect(abs(mean - (67.5 + 0 + 27) / 3) < 1e-12)  // 31.5 correct words per minute
        let bySex = try await table(store, "orf_mean", depth: 0, by: [.sex])
        #expect(abs((value(bySex, "TL", ["female"]) ?? 0) - 67.5) < 1e-12 && abs((value(bySex, "TL", ["male"]) ?? 0) - 13.5) < 1e-12)
        // PI = 67.5 / 13.5 = 5; adjusted 2 − 1/5 = 1.8
        #expect(abs((bySex.parity.first { $0.unitCode == "TL" }?.adjusted ?? 0) - 1.8) < 1e-12)
    }

    @Test(arguments: TestEngine.available)
    func teacherAndCoachingIndicatorsMatchHandWork(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        // 4 learners on the roll; in post during 2025: T1, T2 at S1 and T3 at S2 (T3's S1 posting ended 2018).
        #expect(try await table(store, "pupil_teacher_ratio", depth: 0).rows.map(\.value) == [4.0 / 3.0])
        // trained: T1 and T3
        #expect(try await table(store, "pupil_trained_teacher_ratio", depth: 0).rows.map(\.value) == [2.0])
        // S1 visited in March 2025, S2 never: 1 of 2 schools
        #expect(try await table(store, "coaching_coverage", depth: 0).rows.map(\.value) == [0.5])
        let byLocality = try await table(store, "coaching_coverage", depth: 0, by: [.locality])
        #expect(Dictionary(uniqueKeysWithValues: byLocality.rows.map { ($0.category, $0.value ?? -1) }) == ["urban": 1, "rural": 0])
        // The one follow-up (due 24 March) is still open: 0 of 1 done.
        #expect(try await table(store, "follow_ups_completed", depth: 0).rows.map(\.value) == [0])
    }

    @Test(arguments: TestEngine.available)
    func aDistrictScopeSeesOnlyItsOwnUnits(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let scope = AccessScope(role: .districtOfficer, orgUnitID: TinyCountry.d1, orgPath: "/TL/R1/D1/")
        #expect(try await table(store, "enrolment", depth: 2, scope: scope).rows.map(\.unitCode) == ["D1"])
        #expect(try await table(store, "enrolment", depth: 1, scope: scope).rows.isEmpty)  // the region reaches beyond it
    }

    /// Every indicator of the catalogue, at every level, by sex: a cell whose denominator is
    /// zero says "no data" (never NaN, infinity or 0), and every figure shown is finite.
    @Test(arguments: TestEngine.available)
    func aZeroDenominatorIsNoDataNeverNaN(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let engineUnderTest = IndicatorEngine(store: store)
        var zeroCells = 0
        for d in engineUnderTest.catalogue.indicators {
            for depth in 0...4 {
                for by in [[], [Breakdown.sex]] where by.isEmpty || engineUnderTest.breakdowns(for: d).contains(.sex) {
                    guard let t = try? await engineUnderTest.table(d, yearID: 2025, depth: depth, by: by, scope: Self.national, suppress: false) else { continue }
                    for r in t.rows {
                        if let v = r.value { #expect(v.isFinite, "\(d.id) at depth \(depth): \(v)") }
                        if d.unit != .count && d.method == .ratio && r.denominator == 0 {
                            zeroCells += 1
                            #expect(r.value == nil && r.withheld == "no_data", "\(d.id) at depth \(depth) \(r.category)")
                        }
                    }
                }
            }
        }
        #expect(zeroCells > 0, "the tiny country has cells with nothing to divide by (e.g. no teacher check-ins)")
    }

    @Test(arguments: TestEngine.available)
    func smallCellsAreWithheldWithNoFiguresLeft(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        let t = try await table(store, "attendance_rate", depth: 2, by: [.sex], suppress: true)
        #expect(!t.rows.isEmpty && t.rows.allSatisfy { $0.value == nil && $0.numerator == 0 && $0.base == 0 && $0.withheld != nil })
        #expect(t.parity.isEmpty)
    }

    @Test func complementarySuppressionProtectsALoneSmallCell() {
        func row(_ unit: Int64, _ category: String, _ base: Int) -> IndicatorRow {
            IndicatorRow(unitID: unit, unitCode: "U\(unit)", unitName: "", categories: [category], numerator: Double(base),
                         denominator: 0, base: base, value: Double(base))
        }
        let rows = [row(1, "a", 3), row(1, "b", 40), row(1, "c", 25), row(2, "a", 12), row(2, "b", 4), row(2, "c", 5)]
        let out = IndicatorEngine.suppress(rows, minimum: 10, breakdowns: 1)
        #expect(out.map(\.withheld) == ["small_cell", nil, "complementary", nil, "small_cell", "small_cell"])
        #expect(out.filter { $0.withheld != nil }.allSatisfy { $0.value == nil && $0.numerator == 0 && $0.base == 0 })
    }

    @Test func complementarySuppressionCoversTwoWayTablesAndSiblingUnits() {
        // Two units (siblings under parent 9), sex × locality. Unit 1's (female, rural) is small.
        func row(_ unit: Int64, _ c: [String], _ base: Int) -> IndicatorRow {
            IndicatorRow(unitID: unit, unitCode: "U\(unit)", unitName: "", categories: c, numerator: Double(base), denominator: 0,
                         base: base, value: Double(base))
        }
        let rows = [row(1, ["female", "rural"], 4), row(1, ["female", "urban"], 30), row(1, ["male", "rural"], 20), row(1, ["male", "urban"], 40),
                    row(2, ["female", "rural"], 25), row(2, ["female", "urban"], 35), row(2, ["male", "rural"], 50), row(2, ["male", "urban"], 60)]
        let out = IndicatorEngine.suppress(rows, minimum: 10, breakdowns: 2, parentOf: [1: 9, 2: 9])
        let withheld = Set(out.indices.filter { out[$0].withheld != nil })
        // Every line (fixed unit and sex; fixed unit and locality; fixed categories across siblings)
        // holds zero or at least two withheld cells, so no cell can be recovered from a total.
        func lines(_ key: (IndicatorRow) -> String) -> [[Int]] { Dictionary(grouping: out.indices, by: { key(out[$0]) }).values.map { $0 } }
        let all = lines { "\($0.unitID)|\($0.categories[0])" } + lines { "\($0.unitID)|\($0.categories[1])" } + lines { $0.category }
        for line in all { #expect(line.filter(withheld.contains).count != 1) }
        #expect(out[0].withheld == "small_cell" && withheld.count >= 4)
    }

    @Test(arguments: TestEngine.available)
    func aBreakdownTheSourcesDoNotHoldIsRefusedWithChoices(engine: TestEngine) async throws {
        let store = try await engine.makeStore()
        defer { Task { await store.close() } }
        try await TinyCountry.load(into: store)
        do {
            _ = try await table(store, "net_enrolment_ratio", depth: 0, by: [.locality])
            Issue.record("population figures carry no locality, so NER by locality must be refused")
        } catch let error as IndicatorError {
            #expect(error.message.contains("choose from") && error.message.contains("sex"))
        }
        do {
            _ = try await table(store, "enrolment", depth: 0, by: [.sex, .grade, .locality, .language])
            Issue.record("four breakdowns at once must be refused")
        } catch let error as IndicatorError {
            #expect(error.message.contains("up to 3"))
        }
    }
}

/// Enrolment ratios, flows, survival, equity breakdowns, allocation, weighted learning outcomes
/// and learning poverty on IndicatorCountry; every expected value is worked from its doc comment.
@Suite struct EquityIndicatorTests {
    static let national = AccessScope(role: .nationalAnalyst, orgUnitID: IndicatorCountry.country, orgPath: "/EQ/")

    func makeEngine(_ store: DarasaStore) throws -> IndicatorEngine { IndicatorEngine(store: store, catalogue: try testCatalogue()) }

    func table(_ store: DarasaStore, _ id: String, year: Int? = nil, depth: Int, by: [Breakdown] = [],
               mode: IndicatorDefinition.Mode? = nil) async throws -> IndicatorTable {
        let e = try makeEngine(store)
        let d = try #require(e.catalogue.named(id))
        return try await e.table(d, yearID: year, depth: depth, by: by, scope: Self.national, suppress: false, mode: mode)
    }

    func loaded(_ engine: TestEngine) async throws -> DarasaStore {
        let store = try await engine.makeStore()
        try await IndicatorCountry.load(into: store)
        return store
    }

    func near(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { a.map { abs($0 - b) < tolerance } ?? false }

    @Test(arguments: TestEngine.available)
    func enrolmentAndIntakeRatiosMatchHandWork(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        // Population of primary age (6–7): D1 2+1+1+2 = 6, D2 4+1+2+3 = 10; of entry age 6: D1 3, D2 5.
        let ger = try await table(store, "gross_enrolment_ratio", depth: 2)
        #expect(near(value(ger, "D1"), 4.0 / 6) && near(value(ger, "D2"), 6.0 / 10))  // all enrolled in grades 1–2, B4 included
        #expect(near(try await table(store, "gross_enrolment_ratio", depth: 0).rows.first?.value, 10.0 / 16))
        // NER: of primary age — D1 A1, A2, A3 (A4 is 9); D2 B1, B3, C1, C2 (B2 and B4 are 8).
        let ner = try await table(store, "net_enrolment_ratio", depth: 2)
        #expect(near(value(ner, "D1"), 3.0 / 6) && near(value(ner, "D2"), 4.0 / 10))
        // GIR: new entrants to grade 1 — A1 (A2 repeats); B1, B2; C1.
        let gir = try await table(store, "gross_intake_ratio", depth: 2)
        #expect(near(value(gir, "D1"), 1.0 / 3) && near(value(gir, "D2"), 3.0 / 5))
        // NIR: new entrants aged 6 — A1, B1, C1 → 3 of 8.
        #expect(near(try await table(store, "net_intake_ratio", depth: 0).rows.first?.value, 3.0 / 8))
        // Out of school: 1 − 7/16.
        #expect(near(try await table(store, "out_of_school_rate", depth: 0).rows.first?.value, 9.0 / 16))
        // By sex: girls 5 enrolled of 9, boys 5 of 7; GPI = (5/9)/(5/7) = 7/9.
        let bySex = try await table(store, "gross_enrolment_ratio", depth: 0, by: [.sex])
        #expect(near(value(bySex, "EQ", ["female"]), 5.0 / 9) && near(value(bySex, "EQ", ["male"]), 5.0 / 7))
        #expect(near(bySex.parity.first?.adjusted, 7.0 / 9, 1e-9))
    }

    @Test(arguments: TestEngine.available)
    func populationRatiosStopAtTheLevelPopulationIsGivenFor(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        await #expect(throws: IndicatorError.self) { _ = try await table(store, "net_enrolment_ratio", depth: 3) }
    }

    @Test(arguments: TestEngine.available)
    func flowRatesDefaultToTheLatestYearWithOutcomes(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        // 2024 outcomes: promoted A3, A4, B4, C2 + completed A5 = 5; repeating A2, B3; dropped out B6 — of 8.
        let promotion = try await table(store, "promotion_rate", depth: 0)
        #expect(promotion.yearID == 2024 && near(promotion.rows.first?.value, 5.0 / 8))
        #expect(near(try await table(store, "repetition_rate", depth: 0).rows.first?.value, 2.0 / 8))
        #expect(near(try await table(store, "dropout_rate", depth: 0).rows.first?.value, 1.0 / 8))
        let byDistrict = try await table(store, "dropout_rate", depth: 2)
        #expect(near(value(byDistrict, "D1"), 0) && near(value(byDistrict, "D2"), 1.0 / 4))
    }

    @Test(arguments: TestEngine.available, ["survival_to_last_grade", "survival_to_last_grade_flows"])
    func survivalToTheLastGradeMatchesTheCohortWorkedByHand(engine: TestEngine, id: String) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        // Grade 1 in 2024: E = 6 (A2, A3, A4, B4, B6, C2); 2025: grade 2 has 5 of whom 1 repeats (B3),
        // grade 1 has 1 repeater (A2). p = (5 − 1)/6, r = 1/6 → S₂ = p/(1 − r) = 0.8 (the learner
        // flows give the same: 4 promoted, 1 repeating, 1 dropped out of 6).
        // D1: p = 2/3, r = 1/3 → 1. D2: p = 2/3, r = 0 → 2/3.
        let t = try await table(store, id, depth: 2)
        #expect(near(value(t, "D1"), 1) && near(value(t, "D2"), 2.0 / 3))
        #expect(near(try await table(store, id, depth: 0).rows.first?.value, 0.8))
    }

    @Test(arguments: TestEngine.available)
    func twoWayBreakdownWithParityWithinEachCategory(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        let t = try await table(store, "promotion_rate", depth: 0, by: [.sex, .locality])
        // Urban S1: girls A3, A5 → 2/2; boys A2 (repeats), A4 → 1/2. Rural: girl B6 dropped → 0/1; boys B3, B4, C2 → 2/3.
        #expect(near(value(t, "EQ", ["female", "urban"]), 1) && near(value(t, "EQ", ["male", "urban"]), 0.5))
        #expect(near(value(t, "EQ", ["female", "rural"]), 0) && near(value(t, "EQ", ["male", "rural"]), 2.0 / 3))
        func parity(_ d: Breakdown, _ within: String) -> ParityRow? { t.parity.first { $0.dimension == d && $0.within == [within] } }
        #expect(near(parity(.sex, "urban")?.adjusted, 1.5) && near(parity(.sex, "rural")?.adjusted, 0))
        #expect(near(parity(.locality, "female")?.adjusted, 0) && near(parity(.locality, "male")?.adjusted, 1.25, 1e-9))
    }

    @Test(arguments: TestEngine.available)
    func enrolmentByEveryLearnerAndSchoolCharacteristic(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        func counts(_ b: Breakdown) async throws -> [String: Double] {
            Dictionary(uniqueKeysWithValues: try await table(store, "enrolment", depth: 0, by: [b]).rows.map { ($0.category, $0.value ?? -1) })
        }
        // 9 on the roll in 2025 (B4 dropped out).
        #expect(try await counts(.ageGroup) == ["official_age": 6, "over_age_1": 1, "over_age_2_plus": 2])
        #expect(try await counts(.disability) == ["with_disability": 1, "without_disability": 1, "not_asked": 7])
        #expect(try await counts(.language) == ["swa": 4, "luo": 5])
        // Poorest first: S2 (3 learners) q1, S3 (2) starts at 3/9 → q2, S1 (4) starts at 5/9 → q3.
        #expect(try await counts(.povertyQuintile) == ["q1": 3, "q2": 2, "q3": 4])
        #expect(try await counts(.ownership) == ["public": 6, "community": 3])
        #expect(try await counts(.age) == ["6": 3, "7": 4, "8": 1, "9": 1])
        // Parts add up to the total, and districts to the country, two ways at once.
        let two = try await table(store, "enrolment", depth: 2, by: [.sex, .locality])
        #expect(two.rows.reduce(0) { $0 + ($1.value ?? 0) } == 9)
    }

    @Test(arguments: TestEngine.available)
    func teacherAllocationRandomnessIsOneMinusRSquared(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        // (pupils, teachers): S1 (4, 2), S2 (3, 2), S3 (2, 1). b = Sxy/Sxx = 1/2; R² = 0.5/(2/3) = 0.75.
        let t = try await table(store, "teacher_allocation_randomness", depth: 0)
        let row = try #require(t.rows.first)
        #expect(near(row.value, 0.25, 1e-9) && near(row.components?["r_squared"], 0.75, 1e-9) && row.base == 3)
        #expect(near(try await table(store, "pupil_teacher_ratio", depth: 0).rows.first?.value, 9.0 / 5))
    }

    @Test(arguments: TestEngine.available)
    func sdg411FromTheSampleIsWeightedWithADesignBasedInterval(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        let t = try await table(store, "sdg_4_1_1_reading", depth: 0)
        let row = try #require(t.rows.first)
        // At or above "meets": A1 (w 2), B3 (3), C1 (4), C2 (4) = 13 of 18.
        #expect(near(row.value, 13.0 / 18) && row.base == 6)
        // Per school (Y, X): S1 (2, 4), S2 (3, 6), S3 (8, 8); Z_h = (Y − R X)/18 = −16/324, −24/324, 40/324;
        // V = 3/2 · (256 + 576 + 1600)/324² = 0.0347508 → SE 0.186416.
        #expect(near(row.standardError, (1.5 * 2432.0 / (324.0 * 324.0)).squareRoot(), 1e-12))
        // The same as the Core estimator on the six records.
        let records = IndicatorCountry.results.filter { $0.mode == .sample }.map { r in
            SurveyObservation(value: r.score! >= (r.grade == 1 ? 20 : 30) ? 1 : 0, weight: r.weight, cluster: r.schoolID)
        }
        let core = try #require(try Survey.weightedProportion(records))
        #expect(near(row.standardError, core.standardError ?? -1, 1e-12) && near(row.lower, 0) && near(row.upper, 1))
        // Census mode: A2 alone (exceeds); any mode: 5 of 7 results unweighted.
        #expect(near(try await table(store, "sdg_4_1_1_reading", depth: 0, mode: .census).rows.first?.value, 1))
        let any = try await table(store, "sdg_4_1_1_reading", depth: 0, mode: .any)
        #expect(near(any.rows.first?.value, 5.0 / 7) && any.rows.first?.standardError == nil)
    }

    @Test(arguments: TestEngine.available)
    func proficiencyLevelsShareOutTheResults(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        let t = try await table(store, "reading_proficiency_levels", depth: 0)
        // below: A3, B1; meets: A1, C1, C2; exceeds: B3, A2 — of 7.
        #expect(t.breakdowns == [.proficiency])
        #expect(t.rows.map(\.category) == ["below_partially_meets", "meets", "exceeds"])
        #expect(near(value(t, "EQ", ["below_partially_meets"]), 2.0 / 7) && near(value(t, "EQ", ["meets"]), 3.0 / 7))
        #expect(abs(t.rows.reduce(0) { $0 + ($1.value ?? 0) } - 1) < 1e-12)
    }

    @Test(arguments: TestEngine.available)
    func learningPovertyCombinesProficiencyAndOutOfSchool(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        // BMP = 1 − 13/18 = 5/18; OoS = 9/16; LP = 5/18 · 7/16 + 9/16 = 197/288 (METHODS.md: BMP × (1 − OoS) + OoS).
        let row = try #require(try await table(store, "learning_poverty", depth: 0).rows.first)
        #expect(near(row.value, 197.0 / 288) && near(row.components?["below_minimum"], 5.0 / 18))
    }

    @Test(arguments: TestEngine.available)
    func trendsGiveEveryYear(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        let e = try makeEngine(store)
        let years = try await e.trend(try #require(e.catalogue.named("enrolment")), depth: 0, scope: Self.national, suppress: false)
        // 2024 on the roll at the year's end: A2, A3, A4, A5, B3, B4, C2 (B6 dropped out) = 7; 2025: 9.
        #expect(years.map(\.yearID) == [2024, 2025] && years.map { $0.rows.first?.value } == [7, 9])
    }

    @Test(arguments: TestEngine.available)
    func districtsAddUpToTheCountryAndPartsToTotals(engine: TestEngine) async throws {
        let store = try await loaded(engine)
        defer { Task { await store.close() } }
        let e = try makeEngine(store)
        for d in e.catalogue.indicators where d.method == .ratio {
            for b in [[], [Breakdown.sex]] where e.breakdowns(for: d).isSuperset(of: b) {
                let national = try await e.table(d, depth: 0, by: b, scope: Self.national, suppress: false)
                let districts = try await e.table(d, depth: 2, by: b, scope: Self.national, suppress: false)
                func sum(_ rows: [IndicatorRow], _ f: (IndicatorRow) -> Double) -> Double { rows.reduce(0.0) { $0 + f($1) } }
                for category in Set(national.rows.map { $0.category }) {
                    let n = national.rows.filter { $0.category == category }
                    let parts = districts.rows.filter { $0.category == category }
                    let numerators = abs(sum(n) { $0.numerator } - sum(parts) { $0.numerator })
                    let denominators = abs(sum(n) { $0.denominator } - sum(parts) { $0.denominator })
                    #expect(numerators < 1e-9, "\(d.id) numerator \(category)")
                    #expect(denominators < 1e-9, "\(d.id) denominator \(category)")
                }
                if b == [.sex] {
                    let total = try await e.table(d, depth: 0, by: [], scope: Self.national, suppress: false)
                    let gap = abs(sum(national.rows) { $0.numerator } - (total.rows.first?.numerator ?? 0))
                    #expect(gap < 1e-9, "\(d.id) parts")
                }
            }
        }
    }
}
