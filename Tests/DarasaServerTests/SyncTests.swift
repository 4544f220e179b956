import DarasaCore
import DarasaIngest
import DarasaServer
import DarasaStore
import DarasaTestSupport
import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import PropertyBased
import Testing

/// The sync protocol (docs/sync.md) over HTTP on the tiny country: pushes land once, replays
/// are acknowledged as duplicates, bad records are refused one by one with their reason while
/// the rest land, the latest attendance mark wins, pulls are scoped and paged.
@Suite struct SyncTests {
    static func app(_ store: DarasaStore, sms: String? = nil) throws -> some ApplicationProtocol {
        var settings = ServerSettings(demoMode: false)
        settings.today = Day(year: 2025, month: 3, day: 31)
        settings.smsToken = sms
        return Application(router: try buildRouter(store: store, settings: settings))
    }

    func push(_ client: some TestClientProtocol, _ s: Session, _ records: [[String: Any]], device: String = "device-0001",
              batch: String = "batch-0001", gzip: Bool = false) async throws -> (HTTPResponse.Status, [[String: Any]]) {
        let body = try JSONSerialization.data(withJSONObject: ["device": device, "batch": batch, "records": records])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cookie] = s.cookie
        headers[.init("X-CSRF-Token")!] = s.csrf
        var buffer = ByteBuffer(bytes: body)
        if gzip {
            headers[.contentEncoding] = "gzip"
            buffer = try Gzip.compress(body)
        }
        let r = try await client.execute(uri: "/api/v1/sync/push", method: .post, headers: headers, body: buffer)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]) ?? [:]
        return (r.status, json["results"] as? [[String: Any]] ?? [])
    }

    static func mark(_ id: String, learner: Int64, school: Int64 = TinyCountry.s1.rawValue, date: String = "2025-03-31", mark: String, at: Int64) -> [String: Any] {
        ["id": id, "type": "attendance", "learner": learner, "school": school, "date": date, "mark": mark, "markedAt": at]
    }

    @Test func aRegisterLandsOnceAndAReplayIsADuplicate() async throws {
        let store = try await Harness.store()
        try await Self.app(store).test(.router) { client in
            let s = try await client.signIn("teacher")
            let records = [Self.mark("rec-amina-0331", learner: 1, mark: "present", at: 1_000), Self.mark("rec-baraka-0331", learner: 2, mark: "absent", at: 1_000)]
            let (status, results) = try await push(client, s, records)
            #expect(status == .ok && results.map { $0["status"] as? String } == ["stored", "stored"])
            let marks = try await store.marks(schoolID: TinyCountry.s1, day: Day(year: 2025, month: 3, day: 31)!, learners: [LearnerID(1), LearnerID(2)])
            #expect(marks == [LearnerID(1): .present, LearnerID(2): .absent])
            // The same batch again (a retry after a lost answer): acknowledged, nothing stored twice.
            let (again, replay) = try await push(client, s, records, gzip: true)
            #expect(again == .ok && replay.map { $0["status"] as? String } == ["duplicate", "duplicate"])
            #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM attendance_marks") == 2)
            #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM sync_records") == 2)
            // The summaries follow within the refresher's round: Baraka's March now has one more absence.
            #expect(try await store.summariesWaiting() == 1)
            #expect(try await store.refreshDirtySummaries() == 1)
            let absent = try await store.database.scalarInt("SELECT absent_days FROM summary_learner_year WHERE learner_id = 2")
            #expect(absent == 6, "5 February absences and 31 March")
        }
    }

    @Test func badRecordsAreRefusedOneByOneAndTheRestLand() async throws {
        let store = try await Harness.store()
        try await Self.app(store).test(.router) { client in
            let s = try await client.signIn("teacher")
            let records: [[String: Any]] = [
                Self.mark("rec-ok-000001", learner: 1, mark: "late", at: 5),
                Self.mark("rec-badmark-1", learner: 1, mark: "asleep", at: 5),
                Self.mark("rec-3a-000001", learner: 3, mark: "absent", at: 5),                      // Chausiku is in 3A, not T1's class
                Self.mark("rec-s2-000001", learner: 4, school: TinyCountry.s2.rawValue, mark: "absent", at: 5),  // another school
                Self.mark("rec-sunday-01", learner: 1, date: "2025-03-30", mark: "absent", at: 5),  // a Sunday
                ["id": "rec-notype-01", "learner": 1],
                ["type": "attendance"],
                Self.mark("short", learner: 1, mark: "present", at: 5),                              // ids: 8–64 ASCII letters, digits or -
                Self.mark("rec-ñandú-0001", learner: 1, mark: "present", at: 5),
                Self.mark("rec with space", learner: 1, mark: "present", at: 5),
                Self.mark(String(repeating: "a", count: 65), learner: 1, mark: "present", at: 5),
            ]
            let (status, results) = try await push(client, s, records)
            #expect(status == .ok)
            let statuses = results.map { $0["status"] as? String ?? "" }
            #expect(statuses == ["stored"] + Array(repeating: "rejected", count: 10))
            #expect(results.suffix(4).allSatisfy { ($0["reason"] as? String)?.contains("has no id (8–64 letters, digits or -)") == true }, "\(results.suffix(4))")
            let reasons = results.compactMap { $0["reason"] as? String }
            #expect(reasons[0].contains("present, absent, late or excused"))
            #expect(reasons[1].contains("not in one of your classes"))
            #expect(reasons[2].contains("outside your area"))
            #expect(reasons[3].contains("not a school day"))
            #expect(try await store.marks(schoolID: TinyCountry.s1, day: Day(year: 2025, month: 3, day: 31)!, learners: [LearnerID(1)])[LearnerID(1)] == .late)
            // A refused record gets the same answer when sent again.
            let (_, again) = try await push(client, s, [records[2]])
            #expect(again.first?["status"] as? String == "rejected" && (again.first?["reason"] as? String)?.contains("not in one of your classes") == true)
        }
    }

    @Test func theLatestMarkWinsAndEveryMarkIsKept() async throws {
        let store = try await Harness.store()
        try await Self.app(store).test(.router) { client in
            let s = try await client.signIn("teacher")
            _ = try await push(client, s, [Self.mark("tablet-a-0001", learner: 1, mark: "absent", at: 2_000)], device: "tablet-a-01")
            // A second device that took its register earlier syncs later: its mark is history, not in force.
            let (_, r) = try await push(client, s, [Self.mark("tablet-b-0001", learner: 1, mark: "present", at: 1_000)], device: "tablet-b-01")
            #expect(r.first?["status"] as? String == "stored")
            let day = Day(year: 2025, month: 3, day: 31)!
            #expect(try await store.marks(schoolID: TinyCountry.s1, day: day, learners: [LearnerID(1)])[LearnerID(1)] == .absent)
            #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM attendance_marks WHERE learner_id = 1") == 2)
            // A later mark replaces it.
            _ = try await push(client, s, [Self.mark("tablet-b-0002", learner: 1, mark: "late", at: 3_000)], device: "tablet-b-01", batch: "batch-0002")
            #expect(try await store.marks(schoolID: TinyCountry.s1, day: day, learners: [LearnerID(1)])[LearnerID(1)] == .late)
            // Between the two, but older than the month's latest: history, looked up, not in force.
            _ = try await push(client, s, [Self.mark("tablet-a-0002", learner: 1, mark: "present", at: 2_500)], device: "tablet-a-01", batch: "batch-0003")
            #expect(try await store.marks(schoolID: TinyCountry.s1, day: day, learners: [LearnerID(1)])[LearnerID(1)] == .late)
            // A tie at the same instant goes to the greater record id, whichever device syncs first.
            _ = try await push(client, s, [Self.mark("tablet-c-0001", learner: 1, mark: "excused", at: 3_000)], device: "tablet-c-01")
            #expect(try await store.marks(schoolID: TinyCountry.s1, day: day, learners: [LearnerID(1)])[LearnerID(1)] == .excused)
            // The month row carries the latest mark's time; every mark is kept.
            #expect(try await store.database.scalarInt("SELECT latest_mark_at FROM learner_attendance WHERE learner_id = 1 AND year = 2025 AND month = 3") == 3_000)
            #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM attendance_marks WHERE learner_id = 1") == 5)
        }
    }

    @Test func assessmentsAreScoredAgainAndVisitsNeedAnOfficer() async throws {
        let store = try await Harness.store()
        try await Self.app(store).test(.router) { client in
            let s = try await client.signIn("teacher")
            let orf: [String: Any] = ["id": "assess-0000001", "type": "assessment", "learner": 1, "school": TinyCountry.s1.rawValue, "instrument": "EGRA-SW-G2",
                                      "subtask": "orf", "date": "2025-03-31", "attempted": 52, "incorrect": 7, "secondsRemaining": 20]
            var impossible = orf
            impossible["id"] = "assess-0000002"
            impossible["incorrect"] = 60
            let visit: [String: Any] = ["id": "visit-00000001", "type": "visit", "school": TinyCountry.s1.rawValue, "date": "2025-03-31", "purpose": "coaching",
                                        "rubric": ["lesson_plan": 3], "notes": "ok", "followUps": [["action": "Regroup", "due": "2025-04-14"]]]
            let (_, results) = try await push(client, s, [orf, impossible, visit])
            #expect(results.map { $0["status"] as? String } == ["stored", "rejected", "rejected"])
            // METHODS.md vector: 52 attempted, 7 wrong, 20 s left → 67.5 correct per minute, scored by the server.
            let score = try await store.database.query("SELECT score FROM assessment_results WHERE id = (SELECT MAX(id) FROM assessment_results)", []).first?.double(0)
            #expect(score == 67.5)
            let officer = try await client.signIn("district")
            var coaching = visit
            coaching["id"] = "visit-00000002"   // a record refused once keeps its answer: the coach's phone makes its own id
            let (_, r) = try await push(client, officer, [coaching], device: "coach-phone-1")
            #expect(r.first?["status"] as? String == "stored")
            #expect(try await store.recentVisits(schoolID: TinyCountry.s1.rawValue).first?.actions.first?.description == "Regroup")
        }
    }

    @Test func pushesNeedASessionAndItsToken() async throws {
        let store = try await Harness.store()
        try await Self.app(store).test(.router) { client in
            let s = try await client.signIn("teacher")
            let forged = Session(cookie: "darasa_session=" + String(repeating: "a", count: 64), csrf: s.csrf)
            let (status, _) = try await push(client, forged, [Self.mark("rec-forged-01", learner: 1, mark: "absent", at: 1)])
            #expect(status == .unauthorized)
            let wrongToken = Session(cookie: s.cookie, csrf: "not-the-token")
            #expect(try await push(client, wrongToken, [Self.mark("rec-csrf-0001", learner: 1, mark: "absent", at: 1)]).0 == .forbidden)
            var headers = HTTPFields()
            headers[.cookie] = s.cookie
            headers[.init("X-CSRF-Token")!] = s.csrf
            let junk = try await client.execute(uri: "/api/v1/sync/push", method: .post, headers: headers, body: ByteBuffer(string: "{not json"))
            #expect(junk.status == .badRequest && String(buffer: junk.body).contains("not a JSON object"))
            #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM sync_records") == 0)
        }
    }

    @Test func pullsAreScopedAndPaged() async throws {
        let store = try await Harness.store()
        try await Self.app(store).test(.router) { client in
            let s = try await client.signIn("teacher")
            func pull(_ query: String) async throws -> [String: Any] {
                let r = try await client.get("/api/v1/sync/pull" + query, cookie: s.cookie)
                return try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
            }
            let first = try await pull("?limit=1")
            #expect((first["learners"] as? [Any])?.count == 1 && first["more"] as? Bool == true)
            let second = try await pull("?limit=1&cursor=\(first["cursor"] as? String ?? "")")
            let names = ((first["learners"] as? [[String: Any]]) ?? []) + ((second["learners"] as? [[String: Any]]) ?? [])
            #expect(Set(names.compactMap { $0["name"] as? String }) == ["Amina Otieno", "Baraka Mwangi"], "only T1's class 2A")
            #expect(second["more"] as? Bool == false)
            let unchanged = try await pull("?cursor=\(second["cursor"] as? String ?? "")")
            #expect((unchanged["learners"] as? [Any])?.isEmpty == true, "nothing new since the last pull")
            #expect((first["strings"] as? [String: String])?["app_sync_now"] == "Sync now")
            #expect((first["instruments"] as? [Any])?.count == 1 && first["csrf"] as? String == s.csrf)
        }
    }

    // MARK: SMS

    func sms(_ client: some TestClientProtocol, from: String, text: String, id: String? = nil, token: String? = "secret") async throws -> (HTTPResponse.Status, String) {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let token { headers[.init("X-Darasa-Token")!] = token }
        var body = "from=\(from.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&text=\(text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        if let id { body += "&id=\(id)" }
        let r = try await client.execute(uri: "/api/v1/sms/inbound", method: .post, headers: headers, body: ByteBuffer(string: body))
        return (r.status, String(buffer: r.body))
    }

    @Test func smsFromARegisteredPhoneIsStoredAndAnsweredInItsLanguage() async throws {
        let store = try await Harness.store()
        try await store.registerPhone("+254 700 000 001", schoolCode: "S1", name: "Head", language: "en", actor: "test")
        try await store.registerPhone("+254700000002", schoolCode: "S1", name: "Deputy", language: "fr", actor: "test")
        try await Self.app(store, sms: "secret").test(.router) { client in
            #expect(try await sms(client, from: "+254700000001", text: "ATT G2 1 1", token: "wrong").0 == .unauthorized)
            let (status, ok) = try await sms(client, from: "+254700000001", text: "att g2 1 1", id: "AT-1")
            #expect(status == .ok && ok.contains("Thank you") && ok.contains("G2 girls 1 boys 1"))
            #expect(try await store.database.scalarInt("SELECT SUM(present) FROM daily_counts WHERE school_id = ?", [.int(TinyCountry.s1.rawValue)]) == 2)
            // Grade 2 at Lakeside has one girl (Amina) and one boy (Baraka) on the roll.
            let (_, tooMany) = try await sms(client, from: "+254700000001", text: "ATT G2 3 1")
            #expect(tooMany.contains("1 girls and 1 boys on the roll"))
            let (_, typo) = try await sms(client, from: "+254700000001", text: "ATT G2 1 x")
            #expect(typo.contains("X is not a whole number") && typo.contains("ATT G1 23 25"))
            let (_, french) = try await sms(client, from: "+254700000002", text: "PRE G9 1 1")
            #expect(french.contains("niveau 9") || french.contains("Le niveau 9"))
            let (_, stranger) = try await sms(client, from: "+254799999999", text: "ATT G2 1 1")
            #expect(stranger.contains("not registered"))
            // The gateway retries the same message: the same reply, nothing stored twice.
            let (_, retry) = try await sms(client, from: "+254700000001", text: "att g2 1 1", id: "AT-1")
            #expect(retry == ok)
            #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM sms_messages WHERE gateway_id = 'AT-1'") == 1)
            let (_, teachers) = try await sms(client, from: "+254700000001", text: "TCH 2 0")
            #expect(teachers.contains("teachers present 2, absent 0"))
        }
        try await Self.app(store).test(.router) { client in
            let off = try await sms(client, from: "+254700000001", text: "ATT G2 1 1")
            #expect(off.0 == .notFound, "the webhook is off without a token")
        }
    }

    @Test func theSMSGrammarReadsWhatTheGuideSays() throws {
        func parse(_ s: String) -> Result<SMSCommand, SMSParseError> { SMSParser.parse(s, year: 2025) }
        #expect(try parse("ATT G1 23 25 G2 20 19").get() == .attendance(day: nil, counts: [(1, 23, 25), (2, 20, 19)]))
        #expect(try parse("mah 14/03 G 3 18 21").get() == .attendance(day: Day(year: 2025, month: 3, day: 14), counts: [(3, 18, 21)]))
        #expect(try parse("PRE 2025-03-14, G1 F23 M25").get() == .attendance(day: Day(year: 2025, month: 3, day: 14), counts: [(1, 23, 25)]))
        #expect(try parse("TCH 12 1").get() == .teachers(day: nil, present: 12, absent: 1))
        #expect(try parse("msaada").get() == .help)
        for (text, code) in [("", SMSParseError.Code.empty), ("HELLO", .unknownKeyword), ("ATT 31/02 G1 1 1", .badDate), ("ATT X1 1 1", .badGrade),
                             ("ATT G1 23", .missingCounts), ("ATT G1 2x 3", .badNumber), ("ATT G1 1 1 G1 2 2", .repeatedGrade), ("ATT", .noGrades), ("TCH 12", .missingCounts)] {
            guard case .failure(let e) = parse(text) else { Issue.record("\(text) should fail"); continue }
            #expect(e.code == code, "\(text)")
        }
    }

    /// Any text either reads as a command or fails with one error: never a crash.
    @Test func anyMessageReadsOrFailsCleanly() async {
        let alphabet = Array("ATTGMAHPRETCH0123456789/-, xF\n;?")
        await propertyCheck(input: Gen.int(in: 0...(alphabet.count - 1)).array(of: 0...60)) { picks in
            let text = String(picks.map { alphabet[$0] })
            switch SMSParser.parse(text, year: 2025) {
            case .success(.attendance(_, let counts)): #expect(!counts.isEmpty && counts.allSatisfy { (0...13).contains($0.grade) && $0.girls >= 0 && $0.boys >= 0 })
            case .success: break
            case .failure(let e): #expect(e.token.count <= 20)
            }
        }
    }
}

/// gzip for the tests' request bodies.
enum Gzip {
    static func compress(_ data: Data) throws -> ByteBuffer {
        var buffer = ByteBuffer(bytes: data)
        return try buffer.compress(with: .gzip())
    }
}
