import DarasaCore

/// A stored account. The password hash is bcrypt; the store never sees a password.
public struct UserRecord: Sendable, Hashable {
    public var id: UserID
    public var username: String
    public var displayName: String
    public var passwordHash: String
    public var role: Role
    public var orgUnitID: OrgUnitID
    public var teacherID: TeacherID?
    public var language: String
    public var disabled: Bool

    public init(id: UserID, username: String, displayName: String, passwordHash: String, role: Role, orgUnitID: OrgUnitID,
                teacherID: TeacherID?, language: String, disabled: Bool) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.role = role
        self.orgUnitID = orgUnitID
        self.teacherID = teacherID
        self.language = language
        self.disabled = disabled
    }
}

public struct SessionRecord: Sendable, Hashable {
    public var user: UserRecord
    public var csrfToken: String
    public var expiresAt: Int64
}

public struct AuditEntry: Sendable, Hashable, Codable {
    public var at: Int64
    public var actor: String
    public var action: String
    public var target: String
    public var detail: String
}

extension DarasaStore {
    static let userColumns = "u.id, u.username, u.display_name, u.password_hash, u.role, u.org_unit_id, u.teacher_id, u.language, u.disabled"

    static func user(_ r: SQLRow, offset o: Int = 0) -> UserRecord? {
        guard let id = r.int(o), let role = r.text(o + 4).flatMap(Role.init(rawValue:)), let unit = r.int(o + 5) else { return nil }
        return UserRecord(id: UserID(id), username: r.text(o + 1) ?? "", displayName: r.text(o + 2) ?? "",
                          passwordHash: r.text(o + 3) ?? "", role: role, orgUnitID: OrgUnitID(unit),
                          teacherID: r.int(o + 6).map { TeacherID($0) }, language: r.text(o + 7) ?? "en",
                          disabled: (r.int(o + 8) ?? 0) != 0)
    }

    /// Creates an account. Fails with ``StoreError/Code/conflict`` when the username is taken.
    @discardableResult
    public func createUser(username: String, displayName: String, passwordHash: String, role: Role,
                           orgUnitID: OrgUnitID, teacherID: TeacherID? = nil, actor: String) async throws -> UserID {
        try await database.transaction { conn in
            if try await conn.scalarInt("SELECT COUNT(*) FROM users WHERE username = ?", [.text(username)]) ?? 0 > 0 {
                throw StoreError(.conflict, "A user called \(username) already exists; choose another username.")
            }
            guard try await conn.scalarInt("SELECT COUNT(*) FROM org_units WHERE id = ?", [.int(orgUnitID.rawValue)]) ?? 0 > 0 else {
                throw StoreError(.invalid, "The org unit \(orgUnitID) does not exist; give the code of a loaded school, district or region.")
            }
            try await conn.execute("""
                INSERT INTO users (username, display_name, password_hash, role, org_unit_id, teacher_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, .text(username), .text(displayName), .text(passwordHash), .text(role.rawValue),
                     .int(orgUnitID.rawValue), SQLValue(teacherID?.rawValue), .int(Clock.now()))
            try await Self.audit(conn, actor: actor, action: "user.create", target: "user:\(username)",
                                 detail: "role=\(role.rawValue) org_unit=\(orgUnitID)")
            return UserID(try await conn.scalarInt("SELECT id FROM users WHERE username = ?", [.text(username)]) ?? 0)
        }
    }

    public func user(named username: String) async throws -> UserRecord? {
        try await database.query("SELECT \(Self.userColumns) FROM users u WHERE u.username = ?", .text(username)).first.flatMap { Self.user($0) }
    }

    public func users() async throws -> [UserRecord] {
        try await database.query("SELECT \(Self.userColumns) FROM users u ORDER BY u.username", []).compactMap { Self.user($0) }
    }

    public func createSession(tokenHash: String, userID: UserID, csrfToken: String, expiresAt: Int64) async throws {
        try await database.execute("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                                   .text(tokenHash), .int(userID.rawValue), .text(csrfToken), .int(Clock.now()), .int(expiresAt))
    }

    /// Many sessions in one transaction (load tests create thousands of device sessions at once).
    public func createSessions(_ sessions: [(tokenHash: String, userID: UserID, csrfToken: String, expiresAt: Int64)]) async throws {
        let now = Clock.now()
        try await database.transaction { conn in
            for part in stride(from: 0, to: sessions.count, by: 500) {
                try await conn.bulkInsert(table: "sessions", columns: ["token_hash", "user_id", "csrf_token", "created_at", "expires_at"],
                                          rows: sessions[part..<min(sessions.count, part + 500)].map {
                                              [.text($0.tokenHash), .int($0.userID.rawValue), .text($0.csrfToken), .int(now), .int($0.expiresAt)]
                                          })
            }
        }
    }

    /// The live session for a token hash; nil when unknown, expired or the user is disabled.
    public func session(tokenHash: String, now: Int64 = Clock.now()) async throws -> SessionRecord? {
        guard let r = try await database.query("""
            SELECT s.csrf_token, s.expires_at, \(Self.userColumns) FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = ? AND s.expires_at > ?
            """, .text(tokenHash), .int(now)).first, let user = Self.user(r, offset: 2), !user.disabled else { return nil }
        return SessionRecord(user: user, csrfToken: r.text(0) ?? "", expiresAt: r.int(1) ?? 0)
    }

    public func deleteSession(tokenHash: String) async throws {
        try await database.execute("DELETE FROM sessions WHERE token_hash = ?", .text(tokenHash))
    }

    public func deleteExpiredSessions(now: Int64 = Clock.now()) async throws {
        try await database.execute("DELETE FROM sessions WHERE expires_at <= ?", .int(now))
    }

    /// Appends to the audit log (who did what to what). Never holds passwords or learner names.
    public func audit(actor: String, action: String, target: String, detail: String = "") async throws {
        try await Self.audit(database, actor: actor, action: action, target: target, detail: detail)
    }

    static func audit(_ conn: any SQLConnection, actor: String, action: String, target: String, detail: String) async throws {
        try await conn.execute("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                               .int(Clock.now()), .text(actor), .text(action), .text(target), .text(detail))
    }

    public func auditLog(limit: Int = 100) async throws -> [AuditEntry] {
        try await database.query("SELECT at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?", .int(Int64(limit))).map {
            AuditEntry(at: $0.int(0) ?? 0, actor: $0.text(1) ?? "", action: $0.text(2) ?? "", target: $0.text(3) ?? "", detail: $0.text(4) ?? "")
        }
    }
}
