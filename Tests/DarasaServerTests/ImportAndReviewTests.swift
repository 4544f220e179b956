import DarasaCore
import DarasaStore
import DarasaTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Imports through the API and the web upload, and the identity review queue, for each role.
@Suite struct ImportAndReviewTests {
    static let teachersCSV = """
        payroll_no,surname,other_names,sex,date_of_birth,qualification,trained,subjects,station_code,posting_date,employment_status
        9000001,ODHIAMBO,Grace,F,12/03/1990,B.Ed,Y,ENG;MAT,,,
        9000002,KIPROP,Joseph,X,01/01/1985,P1 Certificate,Y,KIS,,,
        """

    func post(_ client: some TestClientProtocol, _ uri: String, body: String, cookie: String?) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv"
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func dataOfficersImportThroughTheAPIAndTheReportAddsUp() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            // Signed out: 401; the school tier: 403.
            #expect(try await post(client, "/api/v1/imports?mapping=synthetic/20-teachers", body: Self.teachersCSV, cookie: nil).status == .unauthorized)
            let head = try await client.signIn("head")
            #expect(try await post(client, "/api/v1/imports?mapping=synthetic/20-teachers", body: Self.teachersCSV, cookie: head.cookie).status == .forbidden)

            let admin = try await client.signIn("admin")
            let noMapping = try await post(client, "/api/v1/imports", body: Self.teachersCSV, cookie: admin.cookie)
            #expect(noMapping.status == .badRequest)
            #expect(try await post(client, "/api/v1/imports?mapping=synthetic/20-teachers", body: "", cookie: admin.cookie).status == .badRequest)
            let response = try await post(client, "/api/v1/imports?mapping=synthetic/20-teachers&file=../../hr/teachers.csv",
                                          body: Self.teachersCSV, cookie: admin.cookie)
            #expect(response.status == .created)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            let report = try #require(json["report"] as? [String: Any])
            #expect(report["rowsRead"] as? Int == 2 && report["stored"] as? Int == 1 && report["quarantined"] as? Int == 1)
            #expect((report["files"] as? [String]) == ["teachers.csv"], "the file name is reduced to its last part")
            let batch = try #require(report["batchID"] as? Int)

            // The report and the quarantine: the importer (and an administrator) may download it.
            let info = try await client.get("/api/v1/imports/\(batch)", cookie: admin.cookie)
            #expect(info.status == .ok)
            #expect(String(buffer: info.body).contains("\"quarantineFiles\":[\"teachers.csv\"]"))
            let csv = try await client.get("/api/v1/imports/\(batch)/quarantine?file=teachers.csv", cookie: admin.cookie)
            #expect(csv.status == .ok)
            #expect(String(buffer: csv.body).contains("9000002,KIPROP,Joseph,X,"))
            #expect(String(buffer: csv.body).contains("is not a recognised sex value"))
            let national = try await client.get("/api/v1/imports/\(batch)/quarantine?file=teachers.csv", cookie: try await client.signIn("national").cookie)
            #expect(national.status == .forbidden)
            #expect(try await store.auditLog(limit: 20).contains { $0.action == "quarantine_download" && $0.actor == "admin" })
            // A mapping naming a column the file lacks: 422, nothing stored.
            let teachers = try await store.count("teachers")
            let bad = try await post(client, "/api/v1/imports?mapping=synthetic/20-teachers", body: "payroll_no,surname\n1,A\n", cookie: admin.cookie)
            #expect(bad.status == .unprocessableContent)
            #expect(String(buffer: bad.body).contains("other_names"))
            #expect(try await store.count("teachers") == teachers)
        }
    }

    @Test func theUploadPagePreviewsThenImports() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let admin = try await client.signIn("admin")
            let page = try await client.get("/imports", cookie: admin.cookie)
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains("synthetic/20-teachers"))
            let boundary = "darasa-test-boundary"
            var body = ""
            for (name, value) in [("csrf", admin.csrf), ("mapping", "synthetic/20-teachers")] {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"teachers.csv\"\r\nContent-Type: text/csv\r\n\r\n\(Self.teachersCSV)\r\n--\(boundary)--\r\n"
            var headers = HTTPFields()
            headers[.contentType] = "multipart/form-data; boundary=\(boundary)"
            headers[.cookie] = admin.cookie
            let preview = try await client.execute(uri: "/imports/preview", method: .post, headers: headers, body: ByteBuffer(string: body))
            let html = String(buffer: preview.body)
            #expect(preview.status == .ok)
            #expect(html.contains("2 rows: 1 new, 0 updated, 0 unchanged, 1 would be quarantined."))
            #expect(html.contains("is not a recognised sex value"))
            #expect(try await store.count("teachers") == 3, "a preview stores nothing")
            let token = try #require(html.range(of: #"name="token" value=""#).map { r in String(html[r.upperBound...].prefix { $0 != "\"" }) })
            let commit = try await client.postForm("/imports/commit", ["csrf": admin.csrf, "token": token], cookie: admin.cookie)
            #expect(commit.status == .seeOther)
            // The job runs in the background; its page redirects to the report when done.
            var report: TestResponse?
            for _ in 0..<50 {
                let job = try await client.get("/imports/jobs/\(token)", cookie: admin.cookie)
                if job.status == .seeOther { report = try await client.get(job.headers[.location] ?? "", cookie: admin.cookie); break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let text = String(buffer: try #require(report).body)
            #expect(text.contains("2 rows read = 1 new + 0 updated + 0 unchanged + 1 quarantined"))
            #expect(try await store.count("teachers") == 4)
            let teacher = try await client.signIn("teacher")
            #expect(try await client.get("/imports", cookie: teacher.cookie).status == .forbidden)
        }
    }

    @Test func headTeachersDecideIdentityPairsAndCanUndo() async throws {
        let store = try await Harness.store()
        // Two records that may be one child, at school s1.
        _ = try await store.importBatch(source: "test", description: "linkage", user: "test") { w in
            try await w.addLinkCandidates([(LinkCandidate(kind: .duplicate, file: nil, row: nil, learnerID: LearnerID(1), otherID: LearnerID(2),
                                                          schoolID: TinyCountry.s1, weight: 3.5,
                                                          evidence: [FieldEvidence(field: "name", left: "Amina Otieno", right: "Baraka Mwangi", level: "different", weight: -9)],
                                                          status: .review), nil)])
        }
        try await Harness.app(store).test(.router) { client in
            let district = try await client.signIn("district")
            let overview = String(buffer: try await client.get("/review", cookie: district.cookie).body)
            #expect(overview.contains("Waiting for a decision: <strong>1</strong>"))
            #expect(!overview.contains("Amina"), "names stay at the school")
            #expect(try await client.postForm("/review/1", ["csrf": district.csrf, "action": "accept"], cookie: district.cookie).status == .forbidden)

            let head = try await client.signIn("head")
            let page = String(buffer: try await client.get("/review", cookie: head.cookie).body)
            #expect(page.contains("Are these two learner records the same child?"))
            #expect(page.contains("Amina Otieno") && page.contains("data-action=\"accept\""))
            #expect(try await client.postForm("/review/1", ["csrf": "wrong", "action": "accept"], cookie: head.cookie).status == .forbidden)
            #expect(try await client.postForm("/review/1", ["csrf": head.csrf, "action": "accept"], cookie: head.cookie).status == .seeOther)
            #expect(try await store.database.query("SELECT person_id FROM learners WHERE id = 2").first?.int(0) == 1)
            #expect(try await client.postForm("/review/1", ["csrf": head.csrf, "action": "accept"], cookie: head.cookie).status == .conflict)
            let after = String(buffer: try await client.get("/review?done=accepted", cookie: head.cookie).body)
            #expect(after.contains("Nothing is waiting") && after.contains("data-action=\"undo\""))
            #expect(try await client.postForm("/review/1", ["csrf": head.csrf, "action": "undo"], cookie: head.cookie).status == .seeOther)
            #expect(try await store.database.query("SELECT person_id FROM learners WHERE id = 2").first?.int(0) == nil)
            let log = try await store.auditLog(limit: 20).map(\.action)
            #expect(log.contains("link_accept") && log.contains("link_undo"))
            // Another school's head would not find the pair.
            #expect(try await client.postForm("/review/999", ["csrf": head.csrf, "action": "accept"], cookie: head.cookie).status == .notFound)
        }
    }
}
