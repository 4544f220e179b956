import DarasaAnalytics
import DarasaCore
import DarasaStore
import DarasaTestSupport
import Foundation
import Testing

/// Data-quality rules and checks on the tiny country with defects put in by hand; every expected
/// finding and score is worked out in the comments.
@Suite struct QualityRulesFileTests {
    @Test func theShippedRulesLoadAndCoverEveryCheck() throws {
        let rules = try QualityRules.shipped()
        #expect(Set(rules.rules.map(\.check)) == Set(QualityCheck.allCases))
        #expect(rules.enabled.count == rules.rules.count)
        let age = try #require(rules.rules.first { $0.check == .ageForGrade })
        #expect(age.int("entry_age") == 6 && age.int("over_age") == 6)
    }

    @Test(arguments: [
        ("rules:\n  a:\n    check: no_such_check\n", 3, "is not a check"),
        ("rules:\n  a:\n    check: age_for_grade\n    over_agee: 3\n", 4, "is not a setting of the check age_for_grade"),
        ("rules:\n  a:\n    check: age_for_grade\n    over_age: three\n", 4, "should be a whole number from 1 to 12"),
        ("rules:\n  a:\n    check: age_for_grade\n    over_age: 40\n", 4, "should be a whole number from 1 to 12"),
        ("rules:\n  a:\n    check: census_vs_roster\n    tolerance: -0.5\n", 4, "should be a number from"),
        ("rules:\n  a:\n    check: census_on_time\n    deadline: \"13-40\"\n", 4, "as MM-DD"),
        ("rules:\n  a:\n    check: census_received\n    severity: fatal\n", 4, "is not error, warning or info"),
        ("rules:\n  a:\n    check: census_received\n    enabled: maybe\n", 4, "not true or false"),
        ("rules:\n  a:\n    check: census_received\n  a:\n    check: census_on_time\n", 2, "a appears twice"),
        ("rules:\n  a:\n    severity: error\n", 2, "has no `check:`"),
        ("rules:\n  a:\n    check: ptr_within_bounds\n    min: 50\n    max: 40\n", 5, "should be above min"),
        ("rulez:\n  a:\n    check: census_received\n", 1, "is not a setting of a rules file"),
    ])
    func aBadRuleIsRefusedWithItsLine(text: String, line: Int, problem: String) {
        #expect {
            _ = try QualityRules.parse(text, file: "my-rules.yaml")
        } throws: { e in
            guard let e = e as? QualityRules.RulesError else { return false }
            return e.file == "my-rules.yaml" && e.line == line && e.problem.contains(problem) && e.description.contains("line \(line)")
        }
    }

    @Test func deadlinesFallOnOrAfterTheYearsStart() {
        #expect(QualityEngine.onOrAfter("2025-01-06", "04-30") == "2025-04-30")
        #expect(QualityEngine.onOrAfter("2024-09-02", "04-30") == "2025-04-30", "a September school year's April deadline is next spring")
        #expect(QualityEngine.onOrAfter("2024-09-02", "09-02") == "2024-09-02")
    }

    @Test func aRuleSwitchedOffIsSaidOutLoud() throws {
        let r = try QualityRules.parse("rules:\n  a:\n    check: census_received\n    enabled: false\n  b:\n    check: census_on_time\n", file: "r.yaml")
        #expect(r.rules.count == 2 && r.enabled.map(\.name) == ["b"])
        #expect(r.rules[1].text("deadline") == "04-30", "defaults fill in")
    }
}

@Suite struct QualityEngineTests {
    /// The tiny country plus a census and a few planted defects:
    /// - census 2025 from S1 only (received 2025-03-20, before the 04-30 deadline); S2 sent none;
    /// - S1 census grade 2: 1 girl + 1 boy but total 3 (parts ≠ total; roll has 2 → 3/2 − 1 = 50 % > 25 %);
    ///   grade 3: 1 + 0 = 1 (roll 1);
    /// - S1 census teachers: 2 women, 1 man; HR posts T1 (woman) and T2 (man) at S1 → mismatch;
    /// - L1 (S1, grade 2) born 2005-03-14 → 19 on 2025-01-06, official age for grade 2 is 7, 19 > 7 + 6;
    /// - result 3 (L4, S2) has 75 seconds left of a 60-second task;
    /// - registers: months with school days up to the latest month with registers (March) are
    ///   January, February, March; both schools sent February and March only → January missing at each;
    /// - L4 (S2) has no date of birth.
    static func setUp(_ engine: TestEngine) async throws -> DarasaStore {
        let store = try await engine.makeStore()
        try await TinyCountry.load(into: store)
        let db = store.database
        try await db.execute("INSERT INTO census_returns (school_id, year_id, submitted_on, teachers_female, teachers_male) VALUES (7, 2025, '2025-03-20', 2, 1)")
        try await db.execute("INSERT INTO census_enrolment (school_id, year_id, grade, female, male, total) VALUES (7, 2025, 2, 1, 1, 3), (7, 2025, 3, 1, 0, 1)")
        try await db.execute("UPDATE learners SET birth_date = '2005-03-14' WHERE id = 1")
        try await db.execute("UPDATE assessment_results SET seconds_remaining = 75 WHERE id = 3")
        return store
    }

    static let rules = """
        rules:
          census_received: { check: census_received }
          census_on_time: { check: census_on_time, deadline: "04-30" }
          registers_received: { check: registers_received, grace_days: 10 }
          birth_date_present: { check: required_field, field: birth_date }
          age_for_grade: { check: age_for_grade, entry_age: 6, too_young: 2, over_age: 6 }
          scores_in_range: { check: score_in_range }
          parts: { check: parts_vs_total, tolerance: 0 }
          roster: { check: census_vs_roster, tolerance: 0.25, min_learners: 0 }
          hr: { check: teachers_hr_vs_census, tolerance: 0, census_day: "03-15" }
          assessed: { check: assessed_within_enrolled }
          attendance: { check: attendance_within_enrolment }
        """

    static let today = Day(year: 2026, month: 11, day: 22)!

    @Test(arguments: TestEngine.available)
    func eachPlantedDefectIsFoundAndNothingElse(engine: TestEngine) async throws {
        let store = try await Self.setUp(engine)
        defer { Task { await store.close() } }
        let rules = try QualityRules.parse(Self.rules, file: "test.yaml")
        let (findings, counts) = try await QualityEngine(store: store, rules: rules, today: Self.today).evaluate()
        let got = Set(findings.map { "\($0.rule) \($0.schoolID) \($0.period) \($0.recordKey)" })
        #expect(got == [
            "census_received 8 2025 census",
            "registers_received 7 2025-01 registers", "registers_received 8 2025-01 registers",
            "birth_date_present 8 2025 learner:4",
            "age_for_grade 7 2025 learner:1",
            "scores_in_range 8 2025 result:3",
            "parts 7 2025 grade:2",
            "roster 7 2025 grade:2",
            "hr 7 2025 teachers",
        ], "\(got.sorted())")
        func c(_ rule: String, _ school: Int64) -> (Int, Int)? {
            counts[rule]?.first { $0.schoolID == school }.map { ($0.checked, $0.failed) }
        }
        #expect(c("census_received", 7)! == (1, 0) && c("census_received", 8)! == (1, 1))
        #expect(c("census_on_time", 8)! == (1, 1), "a missing return is not on time either")
        #expect(c("registers_received", 7)! == (3, 1))
        #expect(c("birth_date_present", 7)! == (3, 0) && c("birth_date_present", 8)! == (2, 1))
        #expect(c("age_for_grade", 7)! == (3, 1) && c("age_for_grade", 8)! == (1, 0), "L4 has no birth date: not checked")
        #expect(c("scores_in_range", 7)! == (2, 0) && c("scores_in_range", 8)! == (1, 1))
        #expect(c("roster", 7)! == (2, 1) && c("parts", 7)! == (2, 1) && c("hr", 7)! == (1, 1))
        // The age finding says what was found and what is usual, without the learner's name.
        let age = try #require(findings.first { $0.rule == "age_for_grade" })
        #expect(age.message == "A learner in grade 2 is 19 years old by the recorded date of birth (usually about 7)")
        for f in findings { for name in TinyCountry.names { #expect(!f.message.contains(name)) } }
    }

    @Test(arguments: TestEngine.available)
    func scoresFindingsResolutionsAndReruns(engine: TestEngine) async throws {
        let store = try await Self.setUp(engine)
        defer { Task { await store.close() } }
        let rules = try QualityRules.parse(Self.rules, file: "test.yaml")
        let engineRun = QualityEngine(store: store, rules: rules, today: Self.today)
        let first = try await engineRun.run(actor: "officer")
        #expect(first.findings == 9 && first.opened == 9 && first.fixed == 0)
        // S1 completeness: census 1/1 + registers 2/3 + birth dates 3/3 → 1 − 1/7.
        let s1 = try #require(try await store.orgUnit(id: OrgUnitID(7)))
        let trend = try await QualityStore.trend(store, unit: s1)
        #expect(trend.count == 1)
        #expect(abs((trend[0].score(.completeness) ?? 0) - 6.0 / 7.0) < 1e-12)
        // Timeliness: S1's return on time → 1/1.
        #expect(trend[0].score(.timeliness) == 1)
        // Validity: ages 1 of 3 wrong, scores 0 of 2 → 1 − 1/5.
        #expect(abs((trend[0].score(.validity) ?? 0) - 4.0 / 5.0) < 1e-12)
        // District D1 = S1 only; the country's schools rank worst first.
        let country = try #require(try await store.orgUnit(id: TinyCountry.country))
        let region = try await QualityStore.scores(store, under: country)
        #expect(region.count == 1 && region[0].unitCode == "R1")
        let d1 = try #require(try await store.orgUnit(id: TinyCountry.d1))
        let inD1 = try await QualityStore.scores(store, under: d1)
        #expect(inD1.map(\.unitCode) == ["Z1"] && inD1[0].openFindings == 5)

        // The district page's timeliness table: findings of three checks counted per school.
        let year = try #require(try await store.latestYearID())
        let timely = try await QualityStore.counts(store, under: "/TL/", yearID: year, checks: [.censusOnTime, .censusReceived, .registersReceived],
                                                   status: FindingStatus.allCases)
        #expect(timely == [7: [.registersReceived: 1], 8: [.censusReceived: 1, .registersReceived: 1]], "\(timely)")
        #expect(try await QualityStore.counts(store, under: s1.path, yearID: year, checks: [.registersReceived], status: [.fixed]).isEmpty)
        #expect(try await QualityStore.counts(store, under: "/TL/", yearID: year + 1, checks: [.registersReceived], status: [.open]).isEmpty)

        // The to-do list, plainest first: the missing January registers come before the ages.
        let todo = try await QualityStore.findings(store, under: s1.path)
        #expect(todo.first?.rule == "registers_received")
        #expect(todo.map(\.rule).firstIndex(of: "registers_received")! < todo.map(\.rule).firstIndex(of: "age_for_grade")!)
        let sms = QualityText.sms(school: s1.name, findings: todo)
        #expect(sms.allSatisfy { $0.count <= 160 } && sms[0].hasPrefix("Lakeside Primary: 5 data fixes: 1) send registers for 2025-01."), "\(sms)")

        // Resolutions: a reason is needed to dismiss; a value to correct.
        let parts = try #require(todo.first { $0.rule == "parts" })
        await #expect(throws: StoreError.self) { try await QualityStore.resolve(store, id: parts.id, as: .dismissed, value: nil, reason: " ", actor: "head") }
        let age = try #require(todo.first { $0.rule == "age_for_grade" })
        await #expect(throws: StoreError.self) { try await QualityStore.resolve(store, id: age.id, as: .corrected, value: nil, reason: nil, actor: "head") }
        try await QualityStore.resolve(store, id: parts.id, as: .dismissed, value: nil, reason: "the third child is in the annex class", actor: "head")
        try await QualityStore.resolve(store, id: age.id, as: .corrected, value: "2017-03-14", reason: nil, actor: "head")
        #expect(try await store.auditLog().filter { $0.action.hasPrefix("quality.") }.map(\.action).contains("quality.dismissed"))

        // The source is corrected: the birth date and the score. A rerun closes what no longer
        // fires (as fixed) and keeps the dismissal.
        try await store.database.execute("UPDATE assessment_results SET seconds_remaining = 15 WHERE id = 3")
        let second = try await engineRun.run(actor: "officer")
        #expect(second.findings == 8 && second.opened == 0 && second.fixed == 1)
        let after = try await QualityStore.findings(store, under: "/TL/", status: FindingStatus.allCases)
        #expect(after.first { $0.rule == "parts" }?.status == .dismissed)
        #expect(after.first { $0.rule == "age_for_grade" }?.status == .corrected, "still fires, but someone has given the right value")
        #expect(after.first { $0.rule == "scores_in_range" }?.status == .fixed)

        // A value that changes again is a new question: the dismissal reopens.
        try await store.database.execute("UPDATE census_enrolment SET female = 0 WHERE school_id = 7 AND grade = 2")
        _ = try await engineRun.run(actor: "officer")
        let reopened = try await QualityStore.findings(store, under: "/TL/", status: [.open])
        #expect(reopened.contains { $0.rule == "parts" })

        // Switching a rule off puts its open findings aside, said so.
        let fewer = try QualityRules.parse(Self.rules.replacingOccurrences(of: "hr: { check: teachers_hr_vs_census, tolerance: 0, census_day: \"03-15\" }",
                                                                          with: "hr: { check: teachers_hr_vs_census, enabled: false }"), file: "t.yaml")
        _ = try await QualityEngine(store: store, rules: fewer, today: Self.today).run(actor: "officer")
        let hr = try await QualityStore.findings(store, under: "/TL/", status: FindingStatus.allCases).first { $0.rule == "hr" }
        #expect(hr?.status == .dismissed && hr?.note == "rule switched off")
    }

    @Test(arguments: TestEngine.available)
    func signOffLocksLevelByLevel(engine: TestEngine) async throws {
        let store = try await Self.setUp(engine)
        defer { Task { await store.close() } }
        let rules = try QualityRules.parse(Self.rules, file: "test.yaml")
        _ = try await QualityEngine(store: store, rules: rules, today: Self.today).run(actor: "officer")
        let s1 = try #require(try await store.orgUnit(id: OrgUnitID(7)))
        let d1 = try #require(try await store.orgUnit(id: TinyCountry.d1))
        // An open error in S1's census (parts ≠ total) blocks the approval.
        await #expect(throws: StoreError.self) {
            try await SignOff.decide(store, approve: true, unit: s1, role: .headTeacher, actor: "head", domain: .census, yearID: 2025, reason: nil)
        }
        let parts = try #require(try await QualityStore.findings(store, under: s1.path).first { $0.rule == "parts" })
        try await QualityStore.resolve(store, id: parts.id, as: .confirmed, value: nil, reason: "counted again: an annex class", actor: "head")
        try await SignOff.decide(store, approve: true, unit: s1, role: .headTeacher, actor: "head", domain: .census, yearID: 2025, reason: nil)
        try await SignOff.decide(store, approve: true, unit: d1, role: .districtOfficer, actor: "district", domain: .census, yearID: 2025, reason: nil)
        // Under the district's lock the school can neither withdraw nor approve again.
        await #expect(throws: StoreError.self) {
            try await SignOff.decide(store, approve: false, unit: s1, role: .headTeacher, actor: "head", domain: .census, yearID: 2025, reason: "a correction")
        }
        // Withdrawing needs a reason; then the school may withdraw its own.
        await #expect(throws: StoreError.self) {
            try await SignOff.decide(store, approve: false, unit: d1, role: .districtOfficer, actor: "district", domain: .census, yearID: 2025, reason: "")
        }
        try await SignOff.decide(store, approve: false, unit: d1, role: .districtOfficer, actor: "district", domain: .census, yearID: 2025, reason: "S1 recounts grade 2")
        try await SignOff.decide(store, approve: false, unit: s1, role: .headTeacher, actor: "head", domain: .census, yearID: 2025, reason: "recount")
        #expect(try await SignOff.approvals(store, around: s1.path).isEmpty)
        // Teachers and administrators do not approve data.
        await #expect(throws: StoreError.self) {
            try await SignOff.decide(store, approve: true, unit: s1, role: .teacher, actor: "teacher", domain: .census, yearID: 2025, reason: nil)
        }
        let log = try await store.auditLog().map(\.action)
        #expect(log.filter { $0 == "signoff.approve" }.count == 2 && log.filter { $0 == "signoff.withdraw" }.count == 2)
    }

    @Test func scorecardsExportAsCSVAndXLSX() throws {
        let s = QualityScore(unitID: 7, unitName: "=Lakeside, Primary", unitCode: "S1", yearID: 2025,
                             checked: [.completeness: 7, .validity: 5], failed: [.completeness: 1, .validity: 1], openFindings: 3)
        let table = QualityScoreTable([s])
        let csv = table.csv()
        #expect(csv == "unit_code,unit,year,completeness,timeliness,validity,consistency,overall,open_findings\nS1,\"'=Lakeside, Primary\",2025,85.7,,80.0,,82.9,3\n")
        let xlsx = try table.xlsx()
        #expect(xlsx.count > 500 && xlsx.prefix(2) == Data("PK".utf8))
    }
}
