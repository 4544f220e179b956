import DarasaCore
import Foundation

/// One field's evidence in a candidate pair, as the review page shows it.
public struct FieldEvidence: Sendable, Codable, Hashable {
    public var field: String
    public var left: String
    public var right: String
    /// The comparison level, in words ("exact", "very close", "day and month swapped", …).
    public var level: String
    /// The field's partial match weight in bits (positive: evidence for a match).
    public var weight: Double
    public init(field: String, left: String, right: String, level: String, weight: Double) {
        self.field = field
        self.left = left
        self.right = right
        self.level = level
        self.weight = weight
    }
}

/// A pair linkage proposed: an assessment row and a learner, or two learner records.
public struct LinkCandidate: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable { case assessment, duplicate }
    public enum Status: String, Sendable, Codable { case linked, review, accepted, rejected }
    public var id: Int64
    public var kind: Kind
    public var batchID: Int64
    public var file: String?
    public var row: Int?
    public var learnerID: LearnerID
    public var otherID: LearnerID?
    public var schoolID: SchoolID?
    public var weight: Double
    public var evidence: [FieldEvidence]
    public var status: Status
    public var decidedBy: String?

    public init(id: Int64 = 0, kind: Kind, batchID: Int64 = 0, file: String?, row: Int?, learnerID: LearnerID, otherID: LearnerID?,
                schoolID: SchoolID?, weight: Double, evidence: [FieldEvidence], status: Status, decidedBy: String? = nil) {
        self.id = id
        self.kind = kind
        self.batchID = batchID
        self.file = file
        self.row = row
        self.learnerID = learnerID
        self.otherID = otherID
        self.schoolID = schoolID
        self.weight = weight
        self.evidence = evidence
        self.status = status
        self.decidedBy = decidedBy
    }
}

/// A learner's enrolment as linkage compares it.
public struct LinkableStay: Sendable {
    public var learnerID: Int64
    public var personID: Int64
    public var yearID: Int
    public var schoolID: Int64
    public var area: String
    public var grade: Int
    public var given: String
    public var family: String
    public var sex: Sex?
    public var birth: Day?
    public var start: Day?
    public var end: Day?
}

extension BatchWriter {
    /// Every enrolment with the learner's identifying fields (for linking incoming rows), in
    /// the given years (all when empty). `area` is the school's parent in the hierarchy.
    public func linkableStays(years: Set<Int>) async throws -> [LinkableStay] {
        let rows = try await connection.query("""
            SELECT e.learner_id, COALESCE(l.person_id, l.id), e.year_id, e.school_id, p.code, e.grade, l.given_name, l.family_name,
                   l.sex, l.birth_date, e.start_date, e.end_date
            FROM enrolments e JOIN learners l ON l.id = e.learner_id
            JOIN org_units o ON o.id = e.school_id LEFT JOIN org_units p ON p.id = o.parent_id
            ORDER BY e.learner_id, e.year_id
            """, [])
        return rows.compactMap { r in
            guard let l = r.int(0), let y = r.int(2), let s = r.int(3), let g = r.int(5) else { return nil }
            if !years.isEmpty && !years.contains(Int(y)) { return nil }
            return LinkableStay(learnerID: l, personID: r.int(1) ?? l, yearID: Int(y), schoolID: s, area: r.text(4) ?? "", grade: Int(g),
                                given: r.text(6) ?? "", family: r.text(7) ?? "", sex: r.text(8).flatMap(Sex.init(rawValue:)),
                                birth: r.text(9).flatMap { Day(iso: $0) }, start: r.text(10).flatMap { Day(iso: $0) }, end: r.text(11).flatMap { Day(iso: $0) })
        }
    }

    /// Keeps candidate pairs (payload: JSON of what to store on acceptance, for assessment rows).
    public func addLinkCandidates(_ list: [(LinkCandidate, payload: String?)]) async throws {
        guard !list.isEmpty else { return }
        try await connection.bulkInsert(table: "link_candidates",
            columns: ["kind", "batch_id", "file", "src_row", "learner_id", "other_id", "school_id", "weight", "evidence", "payload", "status"],
            rows: try list.map { c, payload in
                [.text(c.kind.rawValue), .int(batchID), SQLValue(c.file), SQLValue(c.row), .int(c.learnerID.rawValue), SQLValue(c.otherID?.rawValue),
                 SQLValue(c.schoolID?.rawValue), .double(c.weight), .text(try JSONText.encode(c.evidence)), SQLValue(payload), .text(c.status.rawValue)]
            })
    }

    /// Points duplicate learner records at the person they belong to.
    public func setPersons(_ pairs: [(learner: Int64, person: Int64)]) async throws {
        for (learner, person) in pairs {
            try await connection.execute("UPDATE learners SET person_id = ? WHERE id = ?", [.int(person), .int(learner)])
        }
    }

    /// Whether these rows already have candidates awaiting review (a re-import does not add them twice).
    public func pendingReviewRows(file: String) async throws -> Set<Int> {
        Set(try await connection.query("SELECT DISTINCT src_row FROM link_candidates WHERE file = ? AND status = 'review'", [.text(file)])
            .compactMap { $0.int(0).map(Int.init) })
    }
}

extension DarasaStore {
    static let candidateColumns = "id, kind, batch_id, file, src_row, learner_id, other_id, school_id, weight, evidence, status, decided_by"

    static func candidate(_ r: SQLRow) -> LinkCandidate {
        LinkCandidate(id: r.int(0) ?? 0, kind: LinkCandidate.Kind(rawValue: r.text(1) ?? "") ?? .assessment, batchID: r.int(2) ?? 0,
                      file: r.text(3), row: r.int(4).map(Int.init), learnerID: LearnerID(r.int(5) ?? 0), otherID: r.int(6).map { LearnerID($0) },
                      schoolID: r.int(7).map { SchoolID($0) }, weight: r.double(8) ?? 0,
                      evidence: (try? JSONText.decode([FieldEvidence].self, r.text(9) ?? "[]")) ?? [],
                      status: LinkCandidate.Status(rawValue: r.text(10) ?? "") ?? .review, decidedBy: r.text(11))
    }

    /// Pairs awaiting a decision in schools under `path` (all for "/"), strongest first.
    public func linkQueue(under path: String, limit: Int = 50) async throws -> [LinkCandidate] {
        try await database.query("""
            SELECT \(Self.candidateColumns) FROM link_candidates c
            WHERE c.status = 'review' AND (c.school_id IS NULL OR c.school_id IN (SELECT id FROM org_units WHERE path LIKE ?))
            ORDER BY c.weight DESC, c.id LIMIT ?
            """, .text(path + "%"), .int(Int64(limit))).map(Self.candidate)
    }

    public func linkCounts(under path: String) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try await database.query("""
            SELECT status, COUNT(*) FROM link_candidates c
            WHERE c.school_id IS NULL OR c.school_id IN (SELECT id FROM org_units WHERE path LIKE ?) GROUP BY status
            """, .text(path + "%")) {
            out[r.text(0) ?? ""] = Int(r.int(1) ?? 0)
        }
        return out
    }

    /// The pairs a user decided most recently (for undo).
    public func recentLinkDecisions(by user: String, limit: Int) async throws -> [LinkCandidate] {
        try await database.query("""
            SELECT \(Self.candidateColumns) FROM link_candidates WHERE decided_by = ? AND status IN ('accepted', 'rejected')
            ORDER BY decided_at DESC, id DESC LIMIT ?
            """, .text(user), .int(Int64(limit))).map(Self.candidate)
    }

    /// Schools with pairs awaiting review, most first (counts only: no names).
    public func linkReviewSchools(under path: String = "/") async throws -> [(school: SchoolID, waiting: Int)] {
        try await database.query("""
            SELECT c.school_id, COUNT(*) AS n FROM link_candidates c JOIN org_units o ON o.id = c.school_id
            WHERE c.status = 'review' AND o.path LIKE ? GROUP BY c.school_id ORDER BY n DESC, c.school_id
            """, .text(path + "%")).compactMap { r in r.int(0).map { (SchoolID($0), Int(r.int(1) ?? 0)) } }
    }

    public func linkCandidate(id: Int64) async throws -> LinkCandidate? {
        try await database.query("SELECT \(Self.candidateColumns) FROM link_candidates WHERE id = ?", .int(id)).first.map(Self.candidate)
    }

    /// The names of the learners in a candidate pair (school tier only; audited by the caller).
    public func learnerSummary(_ id: LearnerID) async throws -> (given: String, family: String, sex: String, birth: String?, school: String?, grade: Int?)? {
        guard let r = try await database.query("""
            SELECT l.given_name, l.family_name, l.sex, l.birth_date, s.name, e.grade FROM learners l
            LEFT JOIN enrolments e ON e.learner_id = l.id AND e.year_id = (SELECT MAX(year_id) FROM enrolments WHERE learner_id = l.id)
            LEFT JOIN schools s ON s.id = e.school_id WHERE l.id = ? LIMIT 1
            """, .int(id.rawValue)).first else { return nil }
        return (r.text(0) ?? "", r.text(1) ?? "", r.text(2) ?? "", r.text(3), r.text(4), r.int(5).map(Int.init))
    }

    public enum LinkDecisionAction: String, Sendable { case accept, reject, undo }

    /// Accepts, rejects or undoes a decision, in one transaction, audited. Accepting an
    /// assessment row stores its results for that learner (other candidates for the same row are
    /// rejected); accepting a duplicate points the later record at the earlier one's person.
    /// Undo restores the state before the decision (results removed, records unmerged).
    /// Throws `.conflict` when the pair is no longer in a state that allows the action.
    public func decideLink(id: Int64, _ action: LinkDecisionAction, user: String) async throws -> LinkCandidate {
        try await database.transaction { conn in
            guard let c = try await conn.query("SELECT \(Self.candidateColumns) FROM link_candidates WHERE id = ?", [.int(id)]).first.map(Self.candidate) else {
                throw StoreError(.notFound, "There is no candidate pair \(id).")
            }
            let payload = try await conn.query("SELECT payload FROM link_candidates WHERE id = ?", [.int(id)]).first?.text(0)
            var touched: Set<Int64> = []
            if let s = c.schoolID { touched.insert(s.rawValue) }
            switch action {
            case .accept, .reject:
                guard c.status == .review else {
                    throw StoreError(.conflict, "This pair was already decided (\(c.status.rawValue)); undo that decision first.")
                }
            case .undo:
                guard c.status == .accepted || c.status == .rejected || c.status == .linked else {
                    throw StoreError(.conflict, "This pair has no decision to undo.")
                }
            }
            var newStatus: LinkCandidate.Status
            switch (action, c.kind) {
            case (.accept, .duplicate):
                let person = try await conn.scalarInt("SELECT COALESCE(person_id, id) FROM learners WHERE id = ?", [.int(c.learnerID.rawValue)]) ?? c.learnerID.rawValue
                if let other = c.otherID { try await conn.execute("UPDATE learners SET person_id = ? WHERE id = ?", [.int(person), .int(other.rawValue)]) }
                newStatus = .accepted
            case (.accept, .assessment):
                guard let payload else { throw StoreError(.invalid, "This pair has no results to store.") }
                let results = try JSONText.decode([AssessmentResult].self, payload)
                var next = (try await conn.scalarInt("SELECT COALESCE(MAX(id), 0) FROM assessment_results", [])) ?? 0
                var ids: [Int64] = []
                let years = try await conn.query("SELECT id, start_date, end_date FROM academic_years", [])
                for r in results {
                    next += 1
                    ids.append(next)
                    let year = years.first { row in (row.text(1) ?? "") <= r.date.iso && r.date.iso <= (row.text(2) ?? "") }?.int(0) ?? Int64(r.date.year)
                    try await conn.execute("""
                        INSERT INTO assessment_results (id, learner_id, school_id, instrument_id, subtask_code, year_id, grade, assessed_on, assessor,
                          mode, weight, attempted, incorrect, seconds_remaining, score, level, responses)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, [.int(next), .int(c.learnerID.rawValue), .int(r.schoolID.rawValue), .int(r.instrumentID.rawValue), .text(r.subtaskCode),
                              .int(year), .int(Int64(r.grade)), .text(r.date.iso), .text(r.assessor), .text(r.mode.rawValue), .double(r.weight),
                              SQLValue(r.attempted), SQLValue(r.incorrect), SQLValue(r.secondsRemaining), SQLValue(r.score), SQLValue(r.level), SQLValue(r.responses)])
                    touched.insert(r.schoolID.rawValue)
                }
                try await conn.execute("UPDATE link_candidates SET payload = ? WHERE id = ?",
                                       [.text(try JSONText.encode(StoredPayload(results: results, stored: ids))), .int(id)])
                try await conn.execute("""
                    UPDATE link_candidates SET status = 'rejected', decided_by = ?, decided_at = ?
                    WHERE kind = 'assessment' AND file = ? AND src_row = ? AND status = 'review' AND id <> ?
                    """, [.text("\(user) (accepted another)"), .int(Clock.now()), SQLValue(c.file), SQLValue(c.row), .int(id)])
                newStatus = .accepted
            case (.reject, _):
                newStatus = .rejected
            case (.undo, .duplicate):
                if c.status != .rejected, let other = c.otherID {
                    try await conn.execute("UPDATE learners SET person_id = NULL WHERE id = ?", [.int(other.rawValue)])
                }
                newStatus = .review
            case (.undo, .assessment):
                if c.status == .accepted, let payload, let stored = try? JSONText.decode(StoredPayload.self, payload) {
                    for rid in stored.stored { try await conn.execute("DELETE FROM assessment_results WHERE id = ?", [.int(rid)]) }
                    try await conn.execute("UPDATE link_candidates SET payload = ? WHERE id = ?", [.text(try JSONText.encode(stored.results)), .int(id)])
                    try await conn.execute("""
                        UPDATE link_candidates SET status = 'review', decided_by = NULL, decided_at = NULL
                        WHERE kind = 'assessment' AND file = ? AND src_row = ? AND status = 'rejected' AND decided_by LIKE '% (accepted another)'
                        """, [SQLValue(c.file), SQLValue(c.row)])
                }
                newStatus = .review
            }
            try await conn.execute("UPDATE link_candidates SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                                   [.text(newStatus.rawValue), newStatus == .review ? .null : .text(user), newStatus == .review ? .null : .int(Clock.now()), .int(id)])
            try await Self.audit(conn, actor: user, action: "link_\(action.rawValue)", target: "link:\(id)",
                                 detail: "kind=\(c.kind.rawValue) learner=\(c.learnerID.rawValue)\(c.otherID.map { " other=\($0.rawValue)" } ?? "") weight=\(String(format: "%.1f", c.weight))")
            try await SummarySQL.refresh(schools: touched, on: conn)
            var out = c
            out.status = newStatus
            out.decidedBy = newStatus == .review ? nil : user
            return out
        }
    }

    struct StoredPayload: Codable {
        var results: [AssessmentResult]
        var stored: [Int64]
    }
}
