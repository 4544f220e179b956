import DarasaAnalytics
import DarasaCore
import DarasaServer
import DarasaStore
import DarasaTestSupport
import Foundation
import Hummingbird
import HummingbirdBcrypt
import HummingbirdTesting
import Testing

/// The tiny country with one account per role, and helpers to sign in over HTTP.
enum Harness {
    static let password = "correct horse battery"
    /// Cost 4 keeps tests fast; verification works for any cost.
    static let hash = Bcrypt.hash(password, cost: 4)

    static let accounts: [(username: String, role: Role, unit: OrgUnitID, teacher: TeacherID?)] = [
        ("teacher", .teacher, TinyCountry.s1, TinyCountry.t1),
        ("head", .headTeacher, TinyCountry.s1, nil),
        ("district", .districtOfficer, TinyCountry.d1, nil),
        ("national", .nationalAnalyst, TinyCountry.country, nil),
        ("admin", .admin, TinyCountry.country, nil),
    ]

    static func store() async throws -> DarasaStore {
        let store = try await TestEngine.sqlite.makeStore()
        try await TinyCountry.load(into: store)
        for a in accounts {
            try await store.createUser(username: a.username, displayName: "Test \(a.username)", passwordHash: hash, role: a.role,
                                       orgUnitID: a.unit, teacherID: a.teacher, actor: "test")
        }
        return store
    }

    /// The tiny country after a run of the shipped data-quality rules on 2026-11-22: each school
    /// misses January's registers (finding 1 at S1, 2 at S2); L4 at S2 has no date of birth.
    static func storeWithQuality() async throws -> DarasaStore {
        let store = try await Self.store()
        _ = try await QualityEngine(store: store, rules: try QualityRules.shipped(), today: Day(year: 2026, month: 11, day: 22)!).run(actor: "test")
        return store
    }

    static func app(_ store: DarasaStore) throws -> some ApplicationProtocol {
        Application(router: try buildRouter(store: store, settings: ServerSettings(demoMode: false)))
    }
}

struct Session {
    var cookie: String
    var csrf: String
}

extension TestClientProtocol {
    func get(_ uri: String, cookie: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = cookie }
        return try await execute(uri: uri, method: .get, headers: headers)
    }

    func postForm(_ uri: String, _ fields: [String: String], cookie: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookie { headers[.cookie] = cookie }
        let body = fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// Signs in through the real form (CSRF cookie + field) and returns the session cookie and
    /// the session's CSRF token from the home page.
    func signIn(_ username: String, password: String = Harness.password) async throws -> Session {
        let form = try await get("/login")
        let loginCSRF = try #require(cookieValue(form, "darasa_login_csrf"))
        let response = try await postForm("/login", ["username": username, "password": password, "csrf": loginCSRF],
                                          cookie: "darasa_login_csrf=\(loginCSRF)")
        #expect(response.status == .seeOther, "sign-in as \(username)")
        let token = try #require(cookieValue(response, "darasa_session"))
        let home = try await get("/", cookie: "darasa_session=\(token)")
        let csrf = try #require(hiddenCSRF(String(buffer: home.body)))
        return Session(cookie: "darasa_session=\(token)", csrf: csrf)
    }
}

func cookieValue(_ response: TestResponse, _ name: String) -> String? {
    for header in response.headers[values: .setCookie] {
        let first = header.split(separator: ";").first ?? ""
        let parts = first.split(separator: "=", maxSplits: 1)
        if parts.count == 2, parts[0] == name { return String(parts[1]) }
    }
    return nil
}

func hiddenCSRF(_ html: String) -> String? {
    guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
    let rest = html[range.upperBound...]
    return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
}

extension TestClientProtocol {
    func postJSON(_ uri: String, _ json: String, cookie: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let cookie { headers[.cookie] = cookie }
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }
}
