import DarasaCore
import DarasaStore
import Foundation

/// Approval of a source's data for a school year, level by level: the head teacher signs off the
/// school, the district officer the district, the national office the country. Approved data is
/// locked: an import that would change it is refused until someone at that level withdraws the
/// approval with a reason. A level cannot approve or withdraw under a higher level's lock.
public enum SignOff {
    public enum Level: String, Sendable, Codable, CaseIterable, Comparable {
        case school, district, national
        var rank: Int { switch self { case .school: 0; case .district: 1; case .national: 2 } }
        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
        public var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
    }

    /// The level a role signs off at; nil for roles that do not sign off (teachers).
    public static func level(for role: Role) -> Level? {
        switch role {
        case .headTeacher: .school
        case .districtOfficer: .district
        case .nationalAnalyst: .national
        // Administrators manage accounts and configuration; approving data is the national office's.
        case .teacher, .admin: nil
        }
    }

    /// One approval in force.
    public struct Approval: Sendable, Hashable, Codable {
        public var unitID: Int64
        public var unitName: String
        public var level: Level
        public var domain: QualityDomain
        public var yearID: Int
        public var actor: String
        public var at: Int64
    }

    /// The latest state of every (unit, domain, year) that was ever signed, for units on the
    /// path of `path` (its ancestors and itself) and below it.
    public static func approvals(_ store: DarasaStore, around path: String) async throws -> [Approval] {
        let rows = try await store.database.query("""
            SELECT s.org_unit_id, o.name, s.level, s.domain, s.year_id, s.status, s.actor, s.at
            FROM signoffs s JOIN org_units o ON o.id = s.org_unit_id
            WHERE s.id IN (SELECT MAX(id) FROM signoffs GROUP BY org_unit_id, domain, year_id)
              AND (o.path LIKE ? OR ? LIKE o.path || '%')
            ORDER BY s.year_id DESC, s.domain, o.path
            """, .text(path + "%"), .text(path))
        return rows.compactMap { r in
            guard r.text(5) == "approved", let level = Level(rawValue: r.text(2) ?? ""), let domain = QualityDomain(rawValue: r.text(3) ?? "") else { return nil }
            return Approval(unitID: r.int(0) ?? 0, unitName: r.text(1) ?? "", level: level, domain: domain, yearID: Int(r.int(4) ?? 0),
                            actor: r.text(6) ?? "", at: r.int(7) ?? 0)
        }
    }

    /// Approves (or withdraws, with a reason) `domain` for `year` at `unit`, as `actor` with
    /// `role`. Throws `StoreError(.invalid)` / `.forbidden` with the sentence to show.
    public static func decide(_ store: DarasaStore, approve: Bool, unit: OrgUnit, role: Role, actor: String,
                              domain: QualityDomain, yearID: Int, reason: String?) async throws {
        guard let level = level(for: role) else { throw StoreError(.forbidden, role == .admin ? "Administrators do not approve data; the national office does." : "Teachers do not sign off data; ask the head teacher.") }
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if !approve { guard let reason, reason.count >= 3 else { throw StoreError(.invalid, "Give a reason (a few words) to withdraw an approval.") } }
        let current = try await approvals(store, around: unit.path).filter { $0.domain == domain && $0.yearID == yearID }
        // A higher level's lock over this unit (an ancestor, or the unit itself at a higher level).
        if let higher = current.first(where: { $0.level > level }) {
            throw StoreError(.invalid, "\(domain.title) \(yearID) is approved at \(higher.level.rawValue) level (\(higher.unitName), by \(higher.actor)); it must be withdrawn there first.")
        }
        let mine = current.first { $0.unitID == unit.id.rawValue }
        if approve && mine != nil { throw StoreError(.invalid, "\(domain.title) \(yearID) is already approved for \(unit.name).") }
        if !approve && mine == nil { throw StoreError(.invalid, "\(domain.title) \(yearID) is not approved for \(unit.name); there is nothing to withdraw.") }
        if approve {
            let open = try await store.database.scalarInt("""
                SELECT COUNT(*) FROM quality_findings f JOIN org_units o ON o.id = f.school_id
                WHERE o.path LIKE ? AND f.domain = ? AND f.year_id = ? AND f.status = 'open' AND f.severity = 'error'
                """, [.text(unit.path + "%"), .text(domain.rawValue), .int(Int64(yearID))]) ?? 0
            if open > 0 {
                throw StoreError(.invalid, "\(open) error\(open == 1 ? "" : "s") in \(domain.title.lowercased()) \(yearID) \(open == 1 ? "is" : "are") still open; resolve \(open == 1 ? "it" : "them") (correct, confirm or dismiss) before approving.")
            }
        }
        try await store.database.transaction { c in
            try await c.execute("""
                INSERT INTO signoffs (org_unit_id, level, domain, year_id, status, actor, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.int(unit.id.rawValue), .text(level.rawValue), .text(domain.rawValue), .int(Int64(yearID)),
                      .text(approve ? "approved" : "withdrawn"), .text(actor), .int(Clock.now()), SQLValue(reason)])
            try await c.execute("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                                [.int(Clock.now()), .text(actor), .text(approve ? "signoff.approve" : "signoff.withdraw"),
                                 .text("\(unit.path) \(domain.rawValue) \(yearID)"), .text(reason ?? "")])
        }
    }
}
