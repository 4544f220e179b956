import DarasaStore
import DarasaTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct AuthTests {
    @Test func healthzAnswersOkWithoutSignIn() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let response = try await client.get("/healthz")
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "ok")
        }
    }

    @Test func homeRedirectsToLoginWhenSignedOut() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let response = try await client.get("/")
            #expect(response.status.code / 100 == 3)
            #expect(response.headers[.location] == "/login")
        }
    }

    @Test func signInSetsAHardenedCookieAndIsAudited() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let form = try await client.get("/login")
            let csrf = try #require(cookieValue(form, "darasa_login_csrf"))
            #expect(String(buffer: form.body).contains(#"name="csrf" value="\#(csrf)""#))
            let response = try await client.postForm("/login", ["username": "head", "password": Harness.password, "csrf": csrf],
                                                     cookie: "darasa_login_csrf=\(csrf)")
            #expect(response.status == .seeOther)
            let setCookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("darasa_session=") })
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
            // the stored session is a hash of the cookie, not the cookie itself
            let token = try #require(cookieValue(response, "darasa_session"))
            #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM sessions WHERE token_hash = ?", [.text(token)]) == 0)
            #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM sessions", []) == 1)
            #expect(try await store.auditLog().first?.action == "login")
        }
    }

    @Test func wrongPasswordIs401WithOneSentenceAndNoSession() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            for (user, password) in [("head", "wrong password"), ("nobody", Harness.password)] {
                let form = try await client.get("/login")
                let csrf = try #require(cookieValue(form, "darasa_login_csrf"))
                let response = try await client.postForm("/login", ["username": user, "password": password, "csrf": csrf],
                                                         cookie: "darasa_login_csrf=\(csrf)")
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("do not match"))
                #expect(cookieValue(response, "darasa_session") == nil)
            }
            #expect(try await store.database.scalarInt("SELECT COUNT(*) FROM sessions", []) == 0)
            #expect(try await store.auditLog().first?.action == "login.failed")
        }
    }

    @Test func signInWithoutTheFormTokenIsRefused() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let response = try await client.postForm("/login", ["username": "head", "password": Harness.password, "csrf": "forged"],
                                                     cookie: "darasa_login_csrf=other")
            #expect(response.status == .forbidden)
            #expect(cookieValue(response, "darasa_session") == nil)
        }
    }

    @Test func signOutNeedsTheSessionTokenAndEndsTheSession() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let session = try await client.signIn("district")
            let forged = try await client.postForm("/logout", ["csrf": "forged"], cookie: session.cookie)
            #expect(forged.status == .forbidden)
            #expect(try await client.get("/api/v1/me", cookie: session.cookie).status == .ok)
            let out = try await client.postForm("/logout", ["csrf": session.csrf], cookie: session.cookie)
            #expect(out.status == .seeOther)
            #expect(try await client.get("/api/v1/me", cookie: session.cookie).status == .unauthorized)
        }
    }

    @Test func responsesCarrySecurityHeaders() async throws {
        let store = try await Harness.store()
        try await Harness.app(store).test(.router) { client in
            let response = try await client.get("/login")
            #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
        }
    }
}
