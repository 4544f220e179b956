import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

let sessionCookie = "darasa_session"
let loginCSRFCookie = "darasa_login_csrf"
let languageCookie = "darasa_lang"

/// Attaches the signed-in session (if the cookie names a live one) to the request context.
struct SessionMiddleware: RouterMiddleware {
    let store: DarasaStore

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        if let token = request.cookies[sessionCookie]?.value, token.count == 64 {
            context.session = try await store.session(tokenHash: Tokens.sha256(token))
        }
        return try await next(request, context)
    }
}

/// Sessions issued without a password, for `darasa bench sync`'s simulated devices: the cookie
/// value and the CSRF token of each, the same shapes a sign-in gives.
public enum BenchSessions {
    public static func issue(store: DarasaStore, users: [UserID], lifetime: Int64 = 3600) async throws -> [(cookie: String, csrf: String)] {
        let issued = users.map { ($0, Tokens.random(), Tokens.random(bytes: 16)) }
        try await store.createSessions(issued.map { (Tokens.sha256($0.1), $0.0, $0.2, Clock.now() + lifetime) })
        return issued.map { ("\(sessionCookie)=\($0.1)", $0.2) }
    }
}

struct LoginForm: Decodable {
    var username: String?
    var password: String?
    var csrf: String?
}

struct CSRFForm: Decodable {
    var csrf: String?
}

/// Reads a urlencoded form body (bounded) into `T`.
func readForm<T: Decodable>(_ type: T.Type, _ request: Request, context: AppContext) async throws -> T {
    let buffer = try await request.body.collect(upTo: 64 * 1024)
    let text = String(buffer: buffer)
    do {
        return try URLEncodedFormDecoder().decode(T.self, from: text)
    } catch {
        throw HTTPError(.badRequest, message: "The form could not be read; reload the page and try again.")
    }
}

struct AuthRoutes {
    let services: Services

    func register(on router: Router<AppContext>) {
        router.get("/login") { request, context in
            if context.session != nil { return Response.redirect(to: "/", type: .normal) }
            // ?lang= chooses the sign-in page's language (remembered in a cookie); signed in, the account's.
            if let asked = request.uri.queryParameters.get("lang"), services.pages.translations.supports(asked) {
                var response = loginPage(error: nil, status: .ok, language: asked)
                response.setCookie(.init(name: languageCookie, value: asked, maxAge: 365 * 86_400, path: "/",
                                         secure: services.settings.secureCookies, httpOnly: true, sameSite: .lax))
                return response
            }
            return loginPage(error: nil, status: .ok, language: request.cookies[languageCookie]?.value)
        }
        router.post("/login") { request, context in try await login(request, context) }
        router.post("/logout") { request, context in try await logout(request, context) }
    }

    func loginPage(error: String?, status: HTTPResponse.Status, username: String = "", language: String? = nil) -> Response {
        let token = Tokens.random(bytes: 16)
        let l = services.pages.localizer(language)
        var response = services.pages.login(csrf: token, error: error.map { l($0) }, username: username, demo: services.settings.demoMode,
                                            language: language)
        response.status = status
        response.setCookie(.init(name: loginCSRFCookie, value: token, maxAge: 3600, path: "/login",
                                 secure: services.settings.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func login(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await readForm(LoginForm.self, request, context: context)
        let language = request.cookies[languageCookie]?.value
        guard let sent = form.csrf, let expected = request.cookies[loginCSRFCookie]?.value,
              Tokens.constantTimeEqual(sent, expected) else {
            return loginPage(error: "login_expired", status: .forbidden, language: language)
        }
        let username = (form.username ?? "").trimmingCharacters(in: .whitespaces)
        let password = form.password ?? ""
        guard !username.isEmpty, !password.isEmpty, username.count <= 100, password.count <= 200 else {
            return loginPage(error: "login_missing", status: .unauthorized, username: String(username.prefix(100)), language: language)
        }
        let store = services.store
        let user = try await store.user(named: username)
        let ok = try await PasswordHasher.verify(password, hash: user?.passwordHash ?? PasswordHasher.decoy)
        guard let user, ok, !user.disabled else {
            try await store.audit(actor: username, action: "login.failed", target: "user:\(username)")
            return loginPage(error: "login_wrong", status: .unauthorized, username: username, language: language)
        }
        let token = Tokens.random()
        try await store.createSession(tokenHash: Tokens.sha256(token), userID: user.id, csrfToken: Tokens.random(bytes: 16),
                                      expiresAt: Clock.now() + services.settings.sessionLifetime)
        try await store.audit(actor: user.username, action: "login", target: "user:\(user.username)")
        var response = Response.redirect(to: "/", type: .found)
        response.status = .seeOther
        response.setCookie(.init(name: sessionCookie, value: token, maxAge: Int(services.settings.sessionLifetime), path: "/",
                                 secure: services.settings.secureCookies, httpOnly: true, sameSite: .lax))
        response.setCookie(.init(name: loginCSRFCookie, value: "", maxAge: 0, path: "/login", secure: services.settings.secureCookies, httpOnly: true))
        return response
    }

    func logout(_ request: Request, _ context: AppContext) async throws -> Response {
        let form = try await readForm(CSRFForm.self, request, context: context)
        if let session = context.session, let token = request.cookies[sessionCookie]?.value {
            guard let sent = form.csrf, Tokens.constantTimeEqual(sent, session.csrfToken) else {
                throw HTTPError(.forbidden, message: "The sign-out form had expired; reload the page and try again.")
            }
            try await services.store.deleteSession(tokenHash: Tokens.sha256(token))
            try await services.store.audit(actor: session.user.username, action: "logout", target: "user:\(session.user.username)")
        }
        var response = Response.redirect(to: "/login", type: .found)
        response.status = .seeOther
        response.setCookie(.init(name: sessionCookie, value: "", maxAge: 0, path: "/", secure: services.settings.secureCookies, httpOnly: true))
        return response
    }
}
