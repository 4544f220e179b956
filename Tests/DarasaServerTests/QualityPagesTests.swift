import DarasaAnalytics
import DarasaCore
import DarasaStore
import DarasaTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The data-quality pages as each role uses them: the head teacher's to-do list and sign-off,
/// the district officer's schools worst first, downloads, and the API's resolutions.
@Suite struct QualityPagesTests {
    @Test func headTeacherResolvesAndSignsOffDistrictSeesSchoolsWithoutNames() async throws {
        let store = try await Harness.storeWithQuality()
        try await Harness.app(store).test(.router) { client in
            let head = try await client.signIn("head")
            var html = String(buffer: try await client.get("/quality", cookie: head.cookie).body)
            #expect(html.contains("Data quality: Lakeside Primary"))
            #expect(html.contains(#"data-narrative="quality""#))
            #expect(html.contains("No class registers have been received for January 2025"))
            #expect(html.contains("data-sms"), "the to-do list as text messages")
            #expect(html.contains(#"data-signoff="census-2025""#))

            // Dismissing needs a reason: the page says so and nothing changes.
            let finding = try #require(try await QualityStore.findings(store, under: "/TL/R1/D1/Z1/S1/").first)
            let bad = try await client.postForm("/quality/findings/\(finding.id)", ["csrf": head.csrf, "action": "dismissed", "reason": ""], cookie: head.cookie)
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("Give a reason"))
            let ok = try await client.postForm("/quality/findings/\(finding.id)",
                                               ["csrf": head.csrf, "action": "dismissed", "reason": "school closed for floods in January"], cookie: head.cookie)
            #expect(ok.status == .seeOther)
            #expect(try await QualityStore.finding(store, id: finding.id)?.0.status == .dismissed)
            // A second resolution of the same finding conflicts.
            let again = try await client.postForm("/quality/findings/\(finding.id)", ["csrf": head.csrf, "action": "dismissed", "reason": "again"], cookie: head.cookie)
            #expect(again.status == .conflict)
            // Approve the school's attendance for 2025, then the district locks it too.
            let approve = try await client.postForm("/quality/signoff", ["csrf": head.csrf, "action": "approve", "domain": "attendance", "year": "2025"], cookie: head.cookie)
            #expect(approve.status == .seeOther)
            html = String(buffer: try await client.get("/quality?done=approved", cookie: head.cookie).body)
            #expect(html.contains("Approved. The data is now locked"))
            #expect(html.contains("Approved by head"))

            let district = try await client.signIn("district")
            let dhtml = String(buffer: try await client.get("/quality", cookie: district.cookie).body)
            #expect(dhtml.contains(#"data-table="quality-units""#) && dhtml.contains("Zone One"))
            for name in TinyCountry.names { #expect(!dhtml.contains(name), "district page leaked \(name)") }
            let lock = try await client.postForm("/quality/signoff", ["csrf": district.csrf, "action": "approve", "domain": "attendance", "year": "2025"], cookie: district.cookie)
            #expect(lock.status == .seeOther)
            // Now the head teacher cannot withdraw under the district's lock, and the page says so.
            let locked = String(buffer: try await client.get("/quality", cookie: head.cookie).body)
            #expect(locked.contains("Locked at district level by district"))
            let withdraw = try await client.postForm("/quality/signoff", ["csrf": head.csrf, "action": "withdraw", "domain": "attendance", "year": "2025", "reason": "late register"], cookie: head.cookie)
            #expect(withdraw.status == .badRequest)
            #expect(String(buffer: withdraw.body).contains("approved at district level"))

            // Downloads are audited; teachers are sent to the head teacher.
            let csv = try await client.get("/quality/scores.csv", cookie: district.cookie)
            #expect(csv.status == .ok && String(buffer: csv.body).hasPrefix("unit_code,unit,year,completeness"))
            let xlsx = try await client.get("/quality/scores.xlsx", cookie: district.cookie)
            #expect(xlsx.status == .ok && xlsx.headers[.contentType]?.contains("spreadsheetml") == true)
            #expect(try await store.auditLog().filter { $0.action == "export.quality_scores" }.count == 2)
            let teacher = try await client.signIn("teacher")
            #expect(try await client.get("/quality", cookie: teacher.cookie).status == .forbidden)
            #expect(!String(buffer: try await client.get("/", cookie: teacher.cookie).body).contains(#"href="/quality""#))
        }
    }

    @Test func theAPIResolvesAndSignsOffWithPlainErrors() async throws {
        let store = try await Harness.storeWithQuality()
        try await Harness.app(store).test(.router) { client in
            let national = try await client.signIn("national")
            let s2 = try #require(try await QualityStore.findings(store, under: "/TL/R1/D2/").first { $0.rule == "registers_received" })
            let noReason = try await client.postJSON("/api/v1/quality/findings/\(s2.id)", #"{"action": "confirmed"}"#, cookie: national.cookie)
            #expect(noReason.status == .badRequest && String(buffer: noReason.body).contains("Give a reason"))
            let fixed = try await client.postJSON("/api/v1/quality/findings/\(s2.id)", #"{"action": "corrected", "value": "sent on paper"}"#, cookie: national.cookie)
            #expect(fixed.status == .ok && String(buffer: fixed.body).contains(#""status":"corrected""#))
            let garbled = try await client.postJSON("/api/v1/quality/findings/\(s2.id)", "{not json", cookie: national.cookie)
            #expect(garbled.status == .badRequest)
            // The district officer cannot touch a finding outside the district.
            let district = try await client.signIn("district")
            #expect(try await client.postJSON("/api/v1/quality/findings/\(s2.id)", #"{"action": "dismissed", "reason": "x y z"}"#, cookie: district.cookie).status == .notFound)
            // Sign-off through the API; administrators do not approve data.
            let signed = try await client.postJSON("/api/v1/signoffs", #"{"action": "approve", "domain": "enrolment", "year": 2025}"#, cookie: national.cookie)
            #expect(signed.status == .ok && String(buffer: signed.body).contains(#""level":"national""#))
            let admin = try await client.signIn("admin")
            #expect(try await client.postJSON("/api/v1/signoffs", #"{"action": "approve", "domain": "enrolment", "year": 2025}"#, cookie: admin.cookie).status == .forbidden)
            #expect(try await client.postJSON("/api/v1/signoffs", #"{"action": "approve", "domain": "weather", "year": 2025}"#, cookie: national.cookie).status == .badRequest)
            // The head teacher's scorecard is the school's own, by year.
            let head = try await client.signIn("head")
            let own = String(buffer: try await client.get("/api/v1/quality/scores", cookie: head.cookie).body)
            #expect(own.contains(#""code":"S1""#) && own.contains(#""year":2025"#), "\(own)")
            let csv = String(buffer: try await client.get("/quality/scores.csv", cookie: head.cookie).body)
            #expect(csv.split(separator: "\n").count == 2 && csv.contains("S1,Lakeside Primary,2025"), "\(csv)")
            // The to-do list as text messages.
            let text = String(buffer: try await client.get("/api/v1/quality/todo", cookie: head.cookie).body)
            #expect(text.hasPrefix("Lakeside Primary: "))
            #expect(text.split(separator: "\n").allSatisfy { $0.count <= 160 })
        }
    }
}
