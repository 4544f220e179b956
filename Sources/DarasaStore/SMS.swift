import DarasaCore

/// A phone registered to send a school's SMS reports.
public struct RegisteredPhone: Sendable, Hashable {
    public var phone: String
    public var schoolID: Int64
    public var schoolName: String
    public var name: String
    public var language: String
}

extension DarasaStore {
    /// "+254 712-345 678" → "+254712345678": digits and one leading +.
    public static func normalizePhone(_ raw: String) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.filter(\.isNumber)
        return (trimmed.hasPrefix("+") ? "+" : "") + digits
    }

    /// Registers (or re-registers) a phone for a school; audited.
    public func registerPhone(_ raw: String, schoolCode: String, name: String, language: String, actor: String) async throws {
        let phone = Self.normalizePhone(raw)
        guard phone.filter(\.isNumber).count >= 7 else {
            throw StoreError(.invalid, "\(raw.prefix(30)) is not a phone number; write it with its country code, e.g. +254712345678.")
        }
        guard let school = try await database.query("SELECT id FROM schools WHERE official_code = ?", .text(schoolCode)).first?.int(0) else {
            throw StoreError(.invalid, "No school has the code \(schoolCode.prefix(20)); check it against the census.")
        }
        try await database.transaction { conn in
            try await conn.execute("DELETE FROM school_phones WHERE phone = ?", .text(phone))
            try await conn.execute("INSERT INTO school_phones (phone, school_id, name, language, created_at) VALUES (?, ?, ?, ?, ?)",
                                   .text(phone), .int(school), .text(name), .text(language), .int(Clock.now()))
            try await Self.audit(conn, actor: actor, action: "sms.phone", target: "school:\(schoolCode)", detail: "\(phone) \(language)")
        }
    }

    public func registeredPhone(_ raw: String) async throws -> RegisteredPhone? {
        let phone = Self.normalizePhone(raw)
        return try await database.query("""
            SELECT p.phone, p.school_id, s.name, p.name, p.language FROM school_phones p JOIN schools s ON s.id = p.school_id WHERE p.phone = ?
            """, .text(phone)).first.map { RegisteredPhone(phone: $0.text(0) ?? "", schoolID: $0.int(1) ?? 0, schoolName: $0.text(2) ?? "",
                                                        name: $0.text(3) ?? "", language: $0.text(4) ?? "en") }
    }

    public func registeredPhones() async throws -> [RegisteredPhone] {
        try await database.query("""
            SELECT p.phone, p.school_id, s.name, p.name, p.language FROM school_phones p JOIN schools s ON s.id = p.school_id ORDER BY s.name, p.phone
            """, []).map { RegisteredPhone(phone: $0.text(0) ?? "", schoolID: $0.int(1) ?? 0, schoolName: $0.text(2) ?? "", name: $0.text(3) ?? "",
                                           language: $0.text(4) ?? "en") }
    }

    /// Learners on the roll at a school in the latest year, per grade: (girls, boys).
    public func enrolledByGrade(schoolID: Int64) async throws -> [Int: (girls: Int, boys: Int)] {
        guard let year = try await latestYearID() else { return [:] }
        var out: [Int: (girls: Int, boys: Int)] = [:]
        for r in try await database.query("""
            SELECT grade, sex, CAST(SUM(active) AS BIGINT) FROM summary_enrolment WHERE school_id = ? AND year_id = ? GROUP BY grade, sex
            """, .int(schoolID), .int(Int64(year))) {
            let g = Int(r.int(0) ?? 0), n = Int(r.int(2) ?? 0)
            var cell = out[g] ?? (0, 0)
            if r.text(1) == "female" { cell.girls = n } else { cell.boys = n }
            out[g] = cell
        }
        return out
    }

    /// A message already received from the gateway under this id: its reply (retries get it again).
    public func smsReply(gatewayID: String) async throws -> String? {
        try await database.query("SELECT reply FROM sms_messages WHERE gateway_id = ?", .text(gatewayID)).first?.text(0)
    }

    /// Stores a message with what it said (counts replace that day's earlier counts for the
    /// same grades) and the reply sent, in one transaction. Returns the message id.
    @discardableResult
    public func recordSMS(sender: String, gatewayID: String?, body: String, schoolID: Int64?, stored: Bool, reply: String, day: Day?,
                          counts: [(grade: Int, girls: Int, boys: Int)] = [], teachers: (present: Int, absent: Int)? = nil) async throws -> Int64 {
        try await database.transaction { conn in
            let id = (try await conn.scalarInt("SELECT COALESCE(MAX(id), 0) + 1 FROM sms_messages")) ?? 1
            try await conn.execute("""
                INSERT INTO sms_messages (id, received_at, sender, gateway_id, body, school_id, status, reply) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, .int(id), .int(Clock.now()), .text(Self.normalizePhone(sender)), SQLValue(gatewayID), .text(String(body.prefix(480))),
                SQLValue(schoolID), .text(stored ? "stored" : "rejected"), .text(reply))
            if stored, let schoolID, let day {
                for c in counts {
                    try await conn.execute("DELETE FROM daily_counts WHERE school_id = ? AND day = ? AND grade = ?", .int(schoolID), .text(day.iso), .int(Int64(c.grade)))
                    try await conn.bulkInsert(table: "daily_counts", columns: ["school_id", "day", "grade", "sex", "present", "sms_id"],
                                              rows: [[.int(schoolID), .text(day.iso), .int(Int64(c.grade)), .text("female"), .int(Int64(c.girls)), .int(id)],
                                                     [.int(schoolID), .text(day.iso), .int(Int64(c.grade)), .text("male"), .int(Int64(c.boys)), .int(id)]])
                }
                if let t = teachers {
                    try await conn.execute("DELETE FROM daily_teacher_counts WHERE school_id = ? AND day = ?", .int(schoolID), .text(day.iso))
                    try await conn.execute("INSERT INTO daily_teacher_counts (school_id, day, present, absent, sms_id) VALUES (?, ?, ?, ?, ?)",
                                           .int(schoolID), .text(day.iso), .int(Int64(t.present)), .int(Int64(t.absent)), .int(id))
                }
            }
            try await Self.audit(conn, actor: "sms:\(Self.normalizePhone(sender))", action: stored ? "sms.stored" : "sms.rejected",
                                 target: schoolID.map { "school:\($0)" } ?? "unknown", detail: String(body.prefix(160)))
            return id
        }
    }

    /// Teachers posted at a school now (for checking an SMS count).
    public func teachersPosted(schoolID: Int64) async throws -> Int {
        Int(try await database.scalarInt("SELECT COUNT(DISTINCT teacher_id) FROM teacher_postings WHERE school_id = ? AND end_date IS NULL", [.int(schoolID)]) ?? 0)
    }
}
