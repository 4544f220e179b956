import DarasaCore
import DarasaStore
import DarasaTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Every endpoint × every role × in and out of scope. A new endpoint must be added to
/// `matrix` (a test below fails if the OpenAPI document lists a path the matrix doesn't cover).
@Suite struct RoleScopeMatrixTests {
    typealias Expect = [String: Int]  // username → HTTP status

    static let all = ["teacher", "head", "district", "national", "admin"]
    static func same(_ code: Int) -> Expect { Dictionary(uniqueKeysWithValues: all.map { ($0, code) }) }

    static let s1 = TinyCountry.s1.rawValue, s2 = TinyCountry.s2.rawValue, d2 = TinyCountry.d2.rawValue

    /// (OpenAPI path template, concrete URI, expected status per user).
    static let matrix: [(template: String, uri: String, expect: Expect)] = [
        ("/me", "/api/v1/me", same(200)),
        ("/indicators", "/api/v1/indicators", same(200)),
        ("/indicators/{indicator}", "/api/v1/indicators/attendance_rate?level=2&by=sex", same(200)),
        ("/indicators/{indicator}", "/api/v1/indicators/enrolment?level=4&format=csv", same(200)),
        ("/indicators/{indicator}", "/api/v1/indicators/no_such_indicator", same(404)),
        ("/indicators/{indicator}", "/api/v1/indicators/net_enrolment_ratio?by=locality", same(400)),
        ("/indicators/{indicator}", "/api/v1/indicators/attendance_rate?level=2&by=sex,locality&format=xlsx", same(200)),
        ("/indicators/{indicator}", "/api/v1/indicators/attendance_rate?level=0&format=dhis2-json", same(200)),
        ("/indicators/{indicator}", "/api/v1/indicators/attendance_rate?format=pdf", same(400)),
        ("/indicators/{indicator}/trend", "/api/v1/indicators/enrolment/trend?level=2", same(200)),
        ("/indicators/{indicator}/trend", "/api/v1/indicators/no_such_indicator/trend", same(404)),
        ("/sync/pull", "/api/v1/sync/pull", same(200)),
        ("/sync/pull", "/api/v1/sync/pull?cursor=nonsense", same(400)),
        ("/sync/push", "/api/v1/sync/push", same(405)),
        ("/sms/inbound", "/api/v1/sms/inbound", same(405)),
        ("/exports/oneroster", "/api/v1/exports/oneroster", ["teacher": 403, "head": 200, "district": 403, "national": 403, "admin": 403]),
        ("/exports/oneroster", "/api/v1/exports/oneroster?unit=\(s2)", ["teacher": 403, "head": 404, "district": 403, "national": 403, "admin": 403]),
        ("/overview", "/api/v1/overview", same(200)),
        ("/org-units/{id}", "/api/v1/org-units/\(s1)", same(200)),
        ("/org-units/{id}", "/api/v1/org-units/\(s2)", ["teacher": 404, "head": 404, "district": 404, "national": 200, "admin": 200]),
        ("/org-units/{id}/children", "/api/v1/org-units/\(d2)/children", ["teacher": 404, "head": 404, "district": 404, "national": 200, "admin": 200]),
        ("/schools", "/api/v1/schools", same(200)),
        ("/schools", "/api/v1/schools?under=\(d2)", ["teacher": 404, "head": 404, "district": 404, "national": 200, "admin": 200]),
        ("/schools/{id}", "/api/v1/schools/\(s1)", same(200)),
        ("/schools/{id}", "/api/v1/schools/\(s2)", ["teacher": 404, "head": 404, "district": 404, "national": 200, "admin": 200]),
        ("/schools/{id}/learners", "/api/v1/schools/\(s1)/learners", ["teacher": 200, "head": 200, "district": 403, "national": 403, "admin": 403]),
        ("/schools/{id}/learners", "/api/v1/schools/\(s2)/learners", ["teacher": 404, "head": 404, "district": 404, "national": 403, "admin": 403]),
        ("/mappings", "/api/v1/mappings", ["teacher": 403, "head": 403, "district": 200, "national": 200, "admin": 200]),
        ("/imports", "/api/v1/imports", ["teacher": 403, "head": 403, "district": 200, "national": 200, "admin": 200]),
        // Batch 1 is the tiny country's load, run by "test": district officers see only their own.
        ("/imports/{id}", "/api/v1/imports/1", ["teacher": 403, "head": 403, "district": 404, "national": 200, "admin": 200]),
        ("/imports/{id}/quarantine", "/api/v1/imports/1/quarantine", ["teacher": 403, "head": 403, "district": 404, "national": 403, "admin": 404]),
        // Data quality (the store has run the checks: findings 1 and 2 are S1's and S2's missing
        // January registers, see `Harness.storeWithQuality`). Teachers leave data quality to the head.
        ("/quality/scores", "/api/v1/quality/scores", ["teacher": 403, "head": 200, "district": 200, "national": 200, "admin": 200]),
        ("/quality/scores", "/api/v1/quality/scores?domain=census", ["teacher": 403, "head": 200, "district": 200, "national": 200, "admin": 200]),
        ("/quality/scores", "/api/v1/quality/scores?domain=weather", ["teacher": 403, "head": 400, "district": 400, "national": 400, "admin": 400]),
        ("/quality/scores", "/api/v1/quality/scores?unit=\(d2)", ["teacher": 403, "head": 404, "district": 404, "national": 200, "admin": 200]),
        ("/quality/findings", "/api/v1/quality/findings", ["teacher": 403, "head": 200, "district": 200, "national": 200, "admin": 200]),
        ("/quality/findings", "/api/v1/quality/findings?unit=\(s2)", ["teacher": 403, "head": 404, "district": 404, "national": 200, "admin": 200]),
        ("/quality/findings/{id}", "/api/v1/quality/findings/1", ["teacher": 403, "head": 200, "district": 200, "national": 200, "admin": 200]),
        ("/quality/findings/{id}", "/api/v1/quality/findings/2", ["teacher": 403, "head": 404, "district": 404, "national": 200, "admin": 200]),
        ("/quality/todo", "/api/v1/quality/todo?school=\(s1)", ["teacher": 403, "head": 200, "district": 200, "national": 200, "admin": 200]),
        ("/quality/todo", "/api/v1/quality/todo?school=\(s2)", ["teacher": 403, "head": 404, "district": 404, "national": 200, "admin": 200]),
        ("/signoffs", "/api/v1/signoffs", ["teacher": 403, "head": 200, "district": 200, "national": 200, "admin": 200]),
    ]

    @Test func everyEndpointAnswersEachRoleAsExpected() async throws {
        let store = try await Harness.storeWithQuality()
        try await Harness.app(store).test(.router) { client in
            for user in Self.all {
                let session = try await client.signIn(user)
                for row in Self.matrix {
                    let response = try await client.get(row.uri, cookie: session.cookie)
                    #expect(Int(response.status.code) == row.expect[user], "\(user) GET \(row.uri)")
                    let body = String(buffer: response.body)
                    if response.status != .ok {
                        #expect(body.contains("\"error\""), "\(user) GET \(row.uri) explains the refusal")
                    }
                    if !(user == "teacher" || user == "head") {
                        for name in TinyCountry.names { #expect(!body.contains(name), "\(user) GET \(row.uri) leaked a learner name") }
                    }
                }
            }
        }
    }

    @Test func signedOutCallersGet401OnEveryEndpoint() async throws {
        let store = try await Harness.storeWithQuality()
        try await Harness.app(store).test(.router) { client in
            for row in Self.matrix {
                let response = try await client.get(row.uri)
                #expect(response.status == .unauthorized, "GET \(row.uri)")
            }
        }
    }

    @Test func schoolListsHoldOnlyTheCallersSchools() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let expected = ["teacher": ["S1"], "head": ["S1"], "district": ["S1"], "national": ["S1", "S2"], "admin": ["S1", "S2"]]
            for (user, codes) in expected {
                let session = try await client.signIn(user)
                let body = try await client.get("/api/v1/schools", cookie: session.cookie).body
                let list = try JSONDecoder().decode(SchoolList.self, from: Data(buffer: body))
                #expect(list.items.map(\.code) == codes, "\(user)")
            }
        }
    }

    @Test func teachersSeeOnlyTheirClassesAndListingsAreAudited() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let teacher = try await client.signIn("teacher")
            let body = try await client.get("/api/v1/schools/\(Self.s1)/learners", cookie: teacher.cookie).body
            let names = try JSONDecoder().decode(LearnerList.self, from: Data(buffer: body)).items.map(\.givenName)
            #expect(Set(names) == ["Amina", "Baraka"])  // T1 teaches 2A; Chausiku is in 3A
            let head = try await client.signIn("head")
            let all = try await client.get("/api/v1/schools/\(Self.s1)/learners", cookie: head.cookie).body
            #expect(try JSONDecoder().decode(LearnerList.self, from: Data(buffer: all)).items.count == 3)
            let log = try await store.auditLog()
            #expect(log.filter { $0.action == "learners.list" }.count == 2)
        }
    }

    @Test func homePagesShowEachRolesOwnFiguresAndNamesOnlyAtTheSchool() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            // Enrolment by scope, hand-counted from TinyCountry: teacher's class 2A = 2; S1 = 3; D1 = S1 = 3; country = 3 + 1.
            let enrolment = ["teacher": "2", "head": "3", "district": "3", "national": "4", "admin": "4"]
            for user in Self.all {
                let session = try await client.signIn(user)
                let html = String(buffer: try await client.get("/", cookie: session.cookie).body)
                #expect(html.contains(#"data-metric="enrolment">\#(enrolment[user]!)<"#), "\(user) enrolment")
                #expect(html.contains(#"data-metric="attendance-rate">"#))
                let showsNames = user == "teacher" || user == "head"
                #expect(html.contains("learner-name") == showsNames, "\(user) learner names")
                if !showsNames { for name in TinyCountry.names { #expect(!html.contains(name), "\(user) home leaked \(name)") } }
            }
        }
    }

    @Test func headTeacherHomeShowsHandWorkedAttendance() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let session = try await client.signIn("head")
            let html = String(buffer: try await client.get("/", cookie: session.cookie).body)
            // S1: 117 present of 123 recorded = 95.12… % → "95.1 %"; 1 chronically absent (Baraka).
            #expect(html.contains(#"data-metric="attendance-rate">95.1 %<"#))
            #expect(html.contains(#"data-metric="chronic-absence">1<"#))
            #expect(html.contains(#"data-metric="learners-assessed">2<"#))
        }
    }

    @Test func homePagesDrawAttendanceByMonthAsAccessibleSVG() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            // Teacher's class 2A: Feb Amina 20 + Baraka 15 of 40 → 88 %; Mar 42 of 42 → 100 %.
            // Head (S1): Feb 20 + 15 + 19 of 60 → 90 %; Mar 63 of 63 → 100 %.
            for (user, desc) in [("teacher", "Feb 88 %, Mar 100 %"), ("head", "Feb 90 %, Mar 100 %")] {
                let session = try await client.signIn(user)
                let html = String(buffer: try await client.get("/", cookie: session.cookie).body)
                #expect(html.contains("<svg") && html.contains(#"role="img""#), "\(user) chart")
                #expect(html.contains("<desc id=\"att-desc\">\(desc)</desc>"), "\(user) chart values")
            }
        }
    }

    @Test func theSchoolRosterShowsOneClassAtATime() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let head = try await client.signIn("head")
            let first = String(buffer: try await client.get("/", cookie: head.cookie).body)
            #expect(first.contains("Amina Otieno") && first.contains("Baraka Mwangi") && !first.contains("Chausiku Njeri"))
            #expect(first.contains(#"<a href="/?class=3-A">"#))
            let third = String(buffer: try await client.get("/?class=3-A", cookie: head.cookie).body)
            #expect(third.contains("Chausiku Njeri") && !third.contains("Amina Otieno"))
            // a teacher asking for a class that is not theirs still sees only their own
            let teacher = try await client.signIn("teacher")
            let other = String(buffer: try await client.get("/?class=3-A", cookie: teacher.cookie).body)
            #expect(!other.contains("Chausiku Njeri") && other.contains("Amina Otieno"))
        }
    }

    @Test func theRosterShowsReadingLevelsAndGroupsTheClassByLevel() async throws {
        let store = try await Harness.store()
        let aser = Instrument(id: InstrumentID(2), code: "ASER", name: "ASER reading", kind: .aser, language: "sw", grades: [2, 3],
                              subtasks: [Subtask(code: "reading", name: "Reading level", kind: .level, itemCount: 5,
                                                 levels: ["Beginner", "Letter", "Word", "Paragraph", "Story"])])
        let day = Day(year: 2025, month: 3, day: 20)!
        _ = try await store.importBatch(source: "test", description: "aser", user: nil) { w in
            try await w.write(.instruments([aser]), source: "assessment", path: "aser.json", rows: [1])
            try await w.write(.assessmentResults([
                AssessmentResult(id: AssessmentID(10), learnerID: LearnerID(1), schoolID: TinyCountry.s1, instrumentID: InstrumentID(2),
                                 subtaskCode: "reading", grade: 2, date: day, assessor: "A", mode: .census, level: 0),
                AssessmentResult(id: AssessmentID(11), learnerID: LearnerID(2), schoolID: TinyCountry.s1, instrumentID: InstrumentID(2),
                                 subtaskCode: "reading", grade: 2, date: day, assessor: "A", mode: .census, level: 2),
            ]), source: "assessment", path: "aser.csv", rows: [2, 3])
        }
        try await Harness.app(store).test(.router) { client in
            let teacher = try await client.signIn("teacher")
            let html = String(buffer: try await client.get("/", cookie: teacher.cookie).body)
            #expect(html.contains("Reading groups for this class"))
            #expect(html.contains("<td>Beginner</td><td class=\"num\">1</td><td class=\"learner-name\">Amina Otieno</td>"))
            #expect(html.contains("<td>Word</td><td class=\"num\">1</td><td class=\"learner-name\">Baraka Mwangi</td>"))
            #expect(html.contains("<td class=\"num\">68</td>"))  // Amina's 67.5 words per minute, rounded
            let district = try await client.signIn("district")
            #expect(!String(buffer: try await client.get("/", cookie: district.cookie).body).contains("Reading groups"))
        }
    }

    @Test func withoutALevelTestTheClassIsGroupedByReadingFluency() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let teacher = try await client.signIn("teacher")
            let html = String(buffer: try await client.get("/", cookie: teacher.cookie).body)
            // Amina 67.5 words a minute, Baraka 0 (TinyCountry)
            #expect(html.contains("<td>Non-reader (0 words)</td><td class=\"num\">1</td><td class=\"learner-name\">Baraka Mwangi</td>"))
            #expect(html.contains("<td>Fluent (40 or more)</td><td class=\"num\">1</td><td class=\"learner-name\">Amina Otieno</td>"))
        }
    }

    @Test func districtTablesWithholdFiguresOnFewerThanTenLearners() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let session = try await client.signIn("district")
            let html = String(buffer: try await client.get("/", cookie: session.cookie).body)
            #expect(html.contains("withheld (fewer than 10)"))
            let json = String(buffer: try await client.get("/api/v1/schools/\(Self.s1)", cookie: session.cookie).body)
            #expect(json.contains("\"suppressed\""))
            #expect(!json.contains("\"attendanceRate\":"))
        }
    }

    @Test func indicatorTablesHoldOnlyTheCallersUnits() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            // Schools (level 4) each role may see, and whether figures on < 10 learners are withheld.
            let expected = ["head": (["S1"], false), "district": (["S1"], true), "national": (["S1", "S2"], true)]
            for (user, (codes, withheld)) in expected {
                let session = try await client.signIn(user)
                let body = try await client.get("/api/v1/indicators/enrolment?level=4", cookie: session.cookie).body
                let table = try JSONDecoder().decode(TableDTO.self, from: Data(buffer: body))
                #expect(table.rows.map(\.unitCode) == codes, "\(user)")
                #expect(table.rows.allSatisfy { ($0.withheld != nil) == withheld }, "\(user)")
            }
            let csv = try await client.get("/api/v1/indicators/enrolment?level=4&format=csv", cookie: try await client.signIn("national").cookie)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(String(buffer: csv.body).hasPrefix("indicator,year,level,unit_code"))
            #expect(try await store.auditLog().contains { $0.action == "export" && $0.target == "indicator:enrolment" })
        }
    }

    @Test func openAPIDocumentDescribesExactlyTheTestedEndpoints() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let body = try await client.get("/api/openapi.json").body
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
            #expect((doc["openapi"] as? String)?.hasPrefix("3.") == true)
            let paths = Set((doc["paths"] as? [String: Any] ?? [:]).keys)
            #expect(paths == Set(Self.matrix.map(\.template)))
        }
    }
}

struct TableDTO: Decodable { struct Row: Decodable { var unitCode: String; var withheld: String? }; var rows: [Row] }
struct SchoolList: Decodable { struct Item: Decodable { var code: String }; var items: [Item] }
struct LearnerList: Decodable { struct Item: Decodable { var givenName: String }; var items: [Item] }
