import DarasaCore
import DarasaStore
import Foundation

/// A finding as stored, with where it stands.
public struct StoredFinding: Sendable, Hashable, Codable {
    public var id: Int64
    public var rule: String
    public var check: QualityCheck
    public var dimension: QualityDimension
    public var severity: QualitySeverity
    public var schoolID: Int64
    public var domain: QualityDomain
    public var yearID: Int
    public var period: String
    public var recordKey: String
    public var value: String?
    public var expected: String?
    public var message: String
    public var fix: String
    public var plainness: Int
    public var status: FindingStatus
    public var firstSeen: Int64
    public var resolvedBy: String?
    public var resolvedAt: Int64?
    public var note: String?
    public var newValue: String?

    /// The learner the finding is about, if any (names are looked up on school-tier pages only).
    public var learnerID: Int64? { recordKey.hasPrefix("learner:") ? Int64(recordKey.dropFirst(8)) : nil }
}

public enum FindingStatus: String, Sendable, Codable, CaseIterable {
    /// Firing, nobody has acted.
    case open
    /// No longer fires (the data were corrected at the source and re-imported).
    case fixed
    /// Someone gave the correct value (to be made at the source).
    case corrected
    /// Someone confirmed the value is true (e.g. a real enrolment spike), with a reason.
    case confirmed
    /// Someone judged the finding wrong, with a reason.
    case dismissed

    public var isOpen: Bool { self == .open }
}

/// Scores for one unit (school, zone, district, …) and year.
public struct QualityScore: Sendable, Hashable, Codable {
    public var unitID: Int64
    public var unitName: String
    public var unitCode: String
    public var yearID: Int
    /// checked and failed per dimension.
    public var checked: [QualityDimension: Int]
    public var failed: [QualityDimension: Int]
    public var openFindings: Int

    public init(unitID: Int64, unitName: String, unitCode: String, yearID: Int, checked: [QualityDimension: Int],
                failed: [QualityDimension: Int], openFindings: Int) {
        self.unitID = unitID
        self.unitName = unitName
        self.unitCode = unitCode
        self.yearID = yearID
        self.checked = checked
        self.failed = failed
        self.openFindings = openFindings
    }

    /// 1 − failed ÷ checked, or nil when nothing was checked.
    public func score(_ d: QualityDimension) -> Double? {
        guard let c = checked[d], c > 0 else { return nil }
        return 1 - Double(failed[d] ?? 0) / Double(c)
    }

    /// The mean of the dimension scores that exist (each dimension weighs the same).
    public var overall: Double? {
        let s = QualityDimension.allCases.compactMap(score)
        return s.isEmpty ? nil : s.reduce(0, +) / Double(s.count)
    }
}

/// Reading and writing quality findings, scores and sign-offs.
public enum QualityStore {
    static let columns = """
        id, rule, check_name, dimension, severity, school_id, domain, year_id, period, record_key, value, expected, message, fix, plainness,
        status, first_seen, resolved_by, resolved_at, resolution_note, new_value
        """

    static func finding(_ r: SQLRow) -> StoredFinding {
        StoredFinding(id: r.int(0) ?? 0, rule: r.text(1) ?? "", check: QualityCheck(rawValue: r.text(2) ?? "") ?? .censusReceived,
                      dimension: QualityDimension(rawValue: r.text(3) ?? "") ?? .validity,
                      severity: QualitySeverity(rawValue: r.text(4) ?? "") ?? .warning, schoolID: r.int(5) ?? 0,
                      domain: QualityDomain(rawValue: r.text(6) ?? "") ?? .census, yearID: Int(r.int(7) ?? 0), period: r.text(8) ?? "",
                      recordKey: r.text(9) ?? "", value: r.text(10), expected: r.text(11), message: r.text(12) ?? "", fix: r.text(13) ?? "",
                      plainness: Int(r.int(14) ?? 9), status: FindingStatus(rawValue: r.text(15) ?? "") ?? .open, firstSeen: r.int(16) ?? 0,
                      resolvedBy: r.text(17), resolvedAt: r.int(18), note: r.text(19), newValue: r.text(20))
    }

    /// Stores a run's findings and counts; returns (newly opened, closed as fixed).
    static func save(findings: [QualityFinding], counts: [String: [QualityCount]], rules: QualityRules, now: Int64,
                     on c: any SQLConnection) async throws -> (Int, Int) {
        var existing: [String: (id: Int64, status: String, value: String?)] = [:]
        for r in try await c.query("SELECT id, fingerprint, status, value, resolved_by FROM quality_findings", []) {
            // Set aside by Darasa itself (no longer found, rule switched off): fires again → open again.
            let status = r.text(4) == "darasa" ? "fixed" : (r.text(2) ?? "")
            existing[r.text(1) ?? ""] = (r.int(0) ?? 0, status, r.text(3))
        }
        var fresh: [[SQLValue]] = []
        var seen: [[SQLValue]] = []
        var reopen: [Int64] = []
        var unique: Set<String> = []
        for f in findings where unique.insert(f.fingerprint).inserted {
            if let old = existing[f.fingerprint] {
                seen.append([.text(f.fingerprint)])
                // A resolution sticks while the value is the same; a new value is a new question.
                if old.status == "fixed" || (old.status != "open" && old.value != f.value) { reopen.append(old.id) }
                if old.value != f.value {
                    try await c.execute("UPDATE quality_findings SET value = ?, expected = ?, message = ?, fix = ? WHERE id = ?",
                                        [SQLValue(f.value), SQLValue(f.expected), .text(f.message), .text(f.fix), .int(old.id)])
                }
            } else {
                seen.append([.text(f.fingerprint)])
                fresh.append([.text(f.fingerprint), .text(f.rule), .text(f.check.rawValue), .text(f.dimension.rawValue), .text(f.severity.rawValue), .int(f.schoolID),
                              .text(f.domain.rawValue), .int(Int64(f.yearID)), .text(f.period), .text(f.recordKey), SQLValue(f.value), SQLValue(f.expected),
                              .text(f.message), .text(f.fix), .int(Int64(f.check.plainness)), .text("open"), .int(now), .int(now)])
            }
        }
        try await c.bulkInsert(table: "quality_findings", columns: [
            "fingerprint", "rule", "check_name", "dimension", "severity", "school_id", "domain", "year_id", "period", "record_key", "value", "expected",
            "message", "fix", "plainness", "status", "first_seen", "last_seen"], rows: fresh)
        try await c.execute("CREATE TEMP TABLE IF NOT EXISTS quality_seen (fingerprint TEXT PRIMARY KEY)", [])
        try await c.execute("DELETE FROM quality_seen", [])
        try await c.bulkInsert(table: "quality_seen", columns: ["fingerprint"], rows: seen)
        try await c.execute("UPDATE quality_findings SET last_seen = ? WHERE fingerprint IN (SELECT fingerprint FROM quality_seen)", [.int(now)])
        for id in reopen {
            try await c.execute("""
                UPDATE quality_findings SET status = 'open', resolved_by = NULL, resolved_at = NULL, resolution_note = NULL, new_value = NULL WHERE id = ?
                """, [.int(id)])
        }
        let ran = rules.enabled.map(\.name)
        var fixed: Int64 = 0
        if !ran.isEmpty {
            let ranList = ran.map { _ in "?" }.joined(separator: ", ")
            fixed = try await c.scalarInt("""
                SELECT COUNT(*) FROM quality_findings WHERE status = 'open' AND rule IN (\(ranList))
                  AND fingerprint NOT IN (SELECT fingerprint FROM quality_seen)
                """, ran.map { .text($0) }) ?? 0
            try await c.execute("""
                UPDATE quality_findings SET status = 'fixed', resolved_by = 'darasa', resolved_at = ?, resolution_note = 'no longer found'
                WHERE status = 'open' AND rule IN (\(ranList)) AND fingerprint NOT IN (SELECT fingerprint FROM quality_seen)
                """, [.int(now)] + ran.map { .text($0) })
            // Rules switched off: their open findings are put aside, said so.
            try await c.execute("""
                UPDATE quality_findings SET status = 'dismissed', resolved_by = 'darasa', resolved_at = ?, resolution_note = 'rule switched off'
                WHERE status = 'open' AND rule NOT IN (\(ranList))
                """, [.int(now)] + ran.map { .text($0) })
        } else {
            try await c.execute("""
                UPDATE quality_findings SET status = 'dismissed', resolved_by = 'darasa', resolved_at = ?, resolution_note = 'rule switched off'
                WHERE status = 'open'
                """, [.int(now)])
        }
        try await c.execute("DELETE FROM quality_checks", [])
        var rows: [[SQLValue]] = []
        for rule in rules.enabled {
            for n in counts[rule.name] ?? [] {
                rows.append([.int(n.schoolID), .int(Int64(n.yearID)), .text(rule.name), .text(rule.check.dimension.rawValue),
                             .text(rule.check.domain.rawValue), .int(Int64(n.checked)), .int(Int64(n.failed))])
            }
        }
        try await c.bulkInsert(table: "quality_checks", columns: ["school_id", "year_id", "rule", "dimension", "domain", "checked", "failed"], rows: rows)
        return (fresh.count + reopen.count, Int(fixed))
    }

    /// Findings at the schools under `path`, open first and plainest first (then worst
    /// severity), for a school's to-do list or a district's.
    public static func findings(_ store: DarasaStore, under path: String, status: [FindingStatus] = [.open], limit: Int = 500) async throws -> [StoredFinding] {
        let marks = status.map { _ in "?" }.joined(separator: ", ")
        return try await store.database.query("""
            SELECT \(columns.split(separator: ",").map { "f." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "))
            FROM quality_findings f JOIN org_units o ON o.id = f.school_id
            WHERE o.path LIKE ? AND f.status IN (\(marks))
            ORDER BY f.plainness, CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, f.year_id DESC, f.period DESC, f.id
            LIMIT ?
            """, [.text(path + "%")] + status.map { .text($0.rawValue) } + [.int(Int64(limit))]).map(finding)
    }

    public static func finding(_ store: DarasaStore, id: Int64) async throws -> (StoredFinding, path: String)? {
        try await store.database.query("""
            SELECT \(columns.split(separator: ",").map { "f." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")), o.path
            FROM quality_findings f JOIN org_units o ON o.id = f.school_id WHERE f.id = ?
            """, .int(id)).first.map { (finding($0), $0.text(21) ?? "") }
    }

    /// Open findings per school under `path` (for ranking schools worst first).
    public static func openCounts(_ store: DarasaStore, under path: String) async throws -> [Int64: Int] {
        var out: [Int64: Int] = [:]
        for r in try await store.database.query("""
            SELECT f.school_id, COUNT(*) FROM quality_findings f JOIN org_units o ON o.id = f.school_id
            WHERE o.path LIKE ? AND f.status = 'open' GROUP BY f.school_id
            """, .text(path + "%")) { out[r.int(0) ?? 0] = Int(r.int(1) ?? 0) }
        return out
    }

    /// Findings of the given checks for one school year under `path`, counted per school and
    /// check, whatever their status (a district's timeliness table: census late or missing,
    /// register months not received).
    public static func counts(_ store: DarasaStore, under path: String, yearID: Int, checks: [QualityCheck],
                              status: [FindingStatus]) async throws -> [Int64: [QualityCheck: Int]] {
        guard !checks.isEmpty, !status.isEmpty else { return [:] }
        var out: [Int64: [QualityCheck: Int]] = [:]
        for r in try await store.database.query("""
            SELECT f.school_id, f.check_name, COUNT(*) FROM quality_findings f JOIN org_units o ON o.id = f.school_id
            WHERE o.path LIKE ? AND f.year_id = ? AND f.check_name IN (\(checks.map { _ in "?" }.joined(separator: ", ")))
              AND f.status IN (\(status.map { _ in "?" }.joined(separator: ", ")))
            GROUP BY f.school_id, f.check_name
            """, [.text(path + "%"), .int(Int64(yearID))] + checks.map { .text($0.rawValue) } + status.map { .text($0.rawValue) }) {
            guard let check = QualityCheck(rawValue: r.text(1) ?? "") else { continue }
            out[r.int(0) ?? 0, default: [:]][check] = Int(r.int(2) ?? 0)
        }
        return out
    }

    public enum Resolution: String, Sendable, CaseIterable { case corrected, confirmed, dismissed }

    /// Resolves an open finding. Corrected needs the new value; confirmed and dismissed need a
    /// reason. Audited. Throws `StoreError(.invalid)` with the sentence to show.
    public static func resolve(_ store: DarasaStore, id: Int64, as resolution: Resolution, value: String?, reason: String?, actor: String) async throws {
        let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        switch resolution {
        case .corrected:
            guard let value, !value.isEmpty else { throw StoreError(.invalid, "Give the correct value to mark the finding corrected.") }
        case .confirmed, .dismissed:
            guard let reason, reason.count >= 3 else { throw StoreError(.invalid, "Give a reason (a few words) to \(resolution == .confirmed ? "confirm" : "dismiss") the finding.") }
        }
        guard (value?.count ?? 0) <= 200, (reason?.count ?? 0) <= 500 else { throw StoreError(.invalid, "Keep the value under 200 characters and the reason under 500.") }
        try await store.database.transaction { c in
            guard let row = try await c.query("SELECT status, rule, school_id FROM quality_findings WHERE id = ?", [.int(id)]).first else {
                throw StoreError(.notFound, "No such finding.")
            }
            guard row.text(0) == "open" else { throw StoreError(.invalid, "The finding is already \(row.text(0) ?? "resolved").") }
            try await c.execute("""
                UPDATE quality_findings SET status = ?, resolved_by = ?, resolved_at = ?, resolution_note = ?, new_value = ? WHERE id = ?
                """, [.text(resolution.rawValue), .text(actor), .int(Clock.now()), SQLValue(reason), SQLValue(value), .int(id)])
            try await c.execute("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                                [.int(Clock.now()), .text(actor), .text("quality.\(resolution.rawValue)"), .text("finding \(id)"),
                                 .text("\(row.text(1) ?? "") at school \(row.int(2) ?? 0)" + (value.map { "; value \($0)" } ?? "") + (reason.map { "; \($0)" } ?? ""))])
        }
    }

    /// How often each rule's resolved findings were dismissed: a rule dismissed often is firing
    /// wrongly and should be tuned.
    public static func ruleHealth(_ store: DarasaStore) async throws -> [(rule: String, open: Int, dismissed: Int, resolved: Int)] {
        try await store.database.query("""
            SELECT rule, CAST(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS BIGINT),
                   CAST(SUM(CASE WHEN status = 'dismissed' AND resolved_by <> 'darasa' THEN 1 ELSE 0 END) AS BIGINT),
                   CAST(SUM(CASE WHEN status IN ('corrected', 'confirmed', 'dismissed', 'fixed') THEN 1 ELSE 0 END) AS BIGINT)
            FROM quality_findings GROUP BY rule ORDER BY rule
            """).map { ($0.text(0) ?? "", Int($0.int(1) ?? 0), Int($0.int(2) ?? 0), Int($0.int(3) ?? 0)) }
    }

    /// Scores for the units one level below `unit` (or the schools, at the lowest level), by year.
    public static func scores(_ store: DarasaStore, under unit: OrgUnit, domain: QualityDomain? = nil) async throws -> [QualityScore] {
        // A school has no units below it: its scorecard is its own, by year.
        if try await store.database.scalarInt("SELECT COUNT(*) FROM schools WHERE id = ?", [.int(unit.id.rawValue)]) == 1 {
            var own = try await trend(store, unit: unit, domain: domain)
            let open = try await openCounts(store, under: unit.path)[unit.id.rawValue] ?? 0
            if !own.isEmpty { own[own.count - 1].openFindings = open }
            return own
        }
        let childDepth = unit.depth + 1
        var args: [SQLValue] = [.int(Int64(childDepth)), .text(unit.path + "%")]
        if let domain { args.append(.text(domain.rawValue)) }
        let rows = try await store.database.query("""
            SELECT c.id, c.name, c.code, q.year_id, q.dimension, CAST(SUM(q.checked) AS BIGINT), CAST(SUM(q.failed) AS BIGINT)
            FROM quality_checks q JOIN org_units s ON s.id = q.school_id
            JOIN org_units c ON c.depth = ? AND s.path LIKE c.path || '%'
            WHERE s.path LIKE ? \(domain == nil ? "" : "AND q.domain = ?")
            GROUP BY c.id, c.name, c.code, q.year_id, q.dimension
            """, args)
        var out: [String: QualityScore] = [:]
        for r in rows {
            let id = r.int(0) ?? 0, year = Int(r.int(3) ?? 0)
            let key = "\(id)/\(year)"
            var s = out[key] ?? QualityScore(unitID: id, unitName: r.text(1) ?? "", unitCode: r.text(2) ?? "", yearID: year, checked: [:], failed: [:], openFindings: 0)
            if let d = QualityDimension(rawValue: r.text(4) ?? "") {
                s.checked[d, default: 0] += Int(r.int(5) ?? 0)
                s.failed[d, default: 0] += Int(r.int(6) ?? 0)
            }
            out[key] = s
        }
        let open = try await store.database.query("""
            SELECT c.id, f.year_id, COUNT(*) FROM quality_findings f JOIN org_units s ON s.id = f.school_id
            JOIN org_units c ON c.depth = ? AND s.path LIKE c.path || '%'
            WHERE s.path LIKE ? AND f.status = 'open' GROUP BY c.id, f.year_id
            """, .int(Int64(childDepth)), .text(unit.path + "%"))
        for r in open { out["\(r.int(0) ?? 0)/\(r.int(1) ?? 0)"]?.openFindings = Int(r.int(2) ?? 0) }
        return out.values.sorted { ($0.yearID, $0.overall ?? 2, $0.unitName) < ($1.yearID, $1.overall ?? 2, $1.unitName) }
    }

    /// The unit's own score per year (its schools summed).
    public static func trend(_ store: DarasaStore, unit: OrgUnit, domain: QualityDomain? = nil) async throws -> [QualityScore] {
        var out: [Int: QualityScore] = [:]
        var args: [SQLValue] = [.text(unit.path + "%")]
        if let domain { args.append(.text(domain.rawValue)) }
        for r in try await store.database.query("""
            SELECT q.year_id, q.dimension, CAST(SUM(q.checked) AS BIGINT), CAST(SUM(q.failed) AS BIGINT)
            FROM quality_checks q JOIN org_units s ON s.id = q.school_id WHERE s.path LIKE ? \(domain == nil ? "" : "AND q.domain = ?")
            GROUP BY q.year_id, q.dimension
            """, args) {
            let year = Int(r.int(0) ?? 0)
            var s = out[year] ?? QualityScore(unitID: unit.id.rawValue, unitName: unit.name, unitCode: unit.code, yearID: year, checked: [:], failed: [:], openFindings: 0)
            if let d = QualityDimension(rawValue: r.text(1) ?? "") {
                s.checked[d, default: 0] += Int(r.int(2) ?? 0)
                s.failed[d, default: 0] += Int(r.int(3) ?? 0)
            }
            out[year] = s
        }
        return out.values.sorted { $0.yearID < $1.yearID }
    }

    /// The share of the expected data an indicator rests on: for attendance, the register months
    /// received ÷ expected at the schools under `path` in `yearID` (nil before any check run).
    public static func coverage(_ store: DarasaStore, under path: String, yearID: Int, domain: QualityDomain) async throws -> Double? {
        guard let r = try await store.database.query("""
            SELECT CAST(SUM(q.checked) AS BIGINT), CAST(SUM(q.failed) AS BIGINT) FROM quality_checks q JOIN org_units s ON s.id = q.school_id
            WHERE s.path LIKE ? AND q.year_id = ? AND q.domain = ? AND q.dimension = 'completeness'
            """, .text(path + "%"), .int(Int64(yearID)), .text(domain.rawValue)).first, let checked = r.int(0), checked > 0 else { return nil }
        return 1 - Double(r.int(1) ?? 0) / Double(checked)
    }
}
