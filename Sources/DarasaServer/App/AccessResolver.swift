import DarasaCore
import DarasaStore
import Hummingbird

/// Turns a signed-in user into the scope they may see, and answers "may this user see that?".
/// Out-of-scope requests get 404 (never 403) so that they reveal nothing about what exists.
struct AccessResolver: Sendable {
    let store: DarasaStore

    func scope(for user: UserRecord) async throws -> AccessScope {
        guard let unit = try await store.orgUnit(id: user.orgUnitID) else {
            throw HTTPError(.forbidden, message: "Your account is attached to an org unit that no longer exists; ask an administrator to fix it.")
        }
        var classes: [ClassRef] = []
        if user.role == .teacher, let teacherID = user.teacherID, let year = try await store.latestYearID() {
            classes = try await store.classes(teacherID: teacherID, yearID: year)
        }
        return AccessScope(role: user.role, orgUnitID: unit.id, orgPath: unit.path, classes: classes)
    }

    /// The org unit if it is inside the scope; otherwise 404.
    func unit(_ id: OrgUnitID, in scope: AccessScope) async throws -> OrgUnit {
        guard let unit = try await store.orgUnit(id: id), scope.covers(path: unit.path) else {
            throw HTTPError(.notFound, message: "No such org unit in your area.")
        }
        return unit
    }
}

extension AppContext {
    /// The session, or 401 for API callers.
    func requireSession() throws -> SessionRecord {
        guard let session else { throw HTTPError(.unauthorized, message: "Sign in first: POST /login, then send the darasa_session cookie.") }
        return session
    }
}
