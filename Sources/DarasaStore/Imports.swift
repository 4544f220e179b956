import DarasaCore
import Foundation

/// One import batch as listed for people: what came in, from where, by whom, and how it added up.
public struct ImportBatchInfo: Sendable, Codable, Hashable {
    public var id: Int64
    public var source: String
    public var description: String
    public var user: String?
    public var startedAt: Int64
    public var status: String
    public var mapping: String?
    public var rowsRead: Int
    public var stored: Int
    public var updated: Int
    public var unchanged: Int
    public var quarantined: Int
    public var skipped: Int
    /// Records removed by the batch (OneRoster delta `tobedeleted` rows).
    public var deleted: Int = 0
}

/// A value an import changed.
public struct HistoryEntry: Sendable, Codable, Hashable {
    public var batchID: Int64
    public var user: String?
    public var at: Int64?
    public var column: String
    public var oldValue: String?
    public var newValue: String?
}

public enum QuarantineFiles {
    /// A stored file name made safe to write under a folder: no absolute path, no `..`, no
    /// control characters.
    public static func safeRelativePath(_ name: String) -> String {
        let parts = name.split(separator: "/").map { part in
            String(part.unicodeScalars.filter { $0.value >= 32 && $0 != "\\" && $0 != ":" }.map(Character.init))
        }.filter { !$0.isEmpty && $0 != "." && $0 != ".." }
        return parts.isEmpty ? "quarantine.csv" : parts.joined(separator: "/")
    }

    /// One CSV field: quoted when needed; a cell a spreadsheet would run as a formula
    /// (= + - @ first) gets a leading apostrophe, which a re-import removes.
    public static func field(_ s: String) -> String {
        var t = s
        if let f = t.first, "=+-@".contains(f), Double(t) == nil { t = "'" + t }
        if t.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return t
    }
}

extension DarasaStore {
    static let batchColumns = """
        id, source, description, user_name, started_at, status, mapping, rows_read, rows_stored, rows_updated,
        rows_unchanged, rows_quarantined, rows_skipped, rows_deleted
        """

    static func batchInfo(_ r: SQLRow) -> ImportBatchInfo {
        ImportBatchInfo(id: r.int(0) ?? 0, source: r.text(1) ?? "", description: r.text(2) ?? "", user: r.text(3),
                        startedAt: r.int(4) ?? 0, status: r.text(5) ?? "", mapping: r.text(6), rowsRead: Int(r.int(7) ?? 0),
                        stored: Int(r.int(8) ?? 0), updated: Int(r.int(9) ?? 0), unchanged: Int(r.int(10) ?? 0),
                        quarantined: Int(r.int(11) ?? 0), skipped: Int(r.int(12) ?? 0), deleted: Int(r.int(13) ?? 0))
    }

    public func importBatches(limit: Int = 50) async throws -> [ImportBatchInfo] {
        try await database.query("SELECT \(Self.batchColumns) FROM import_batches ORDER BY id DESC LIMIT ?", .int(Int64(limit))).map(Self.batchInfo)
    }

    public func importBatch(id: Int64) async throws -> ImportBatchInfo? {
        try await database.query("SELECT \(Self.batchColumns) FROM import_batches WHERE id = ?", .int(id)).first.map(Self.batchInfo)
    }

    /// The files of a batch that have quarantined rows.
    public func quarantineFiles(batchID: Int64) async throws -> [String] {
        try await database.query("SELECT DISTINCT file FROM quarantine WHERE batch_id = ? ORDER BY file", .int(batchID)).compactMap { $0.text(0) }
    }

    /// The quarantined rows of one file as CSV: the file's own columns, then darasa_row,
    /// darasa_column, darasa_problem and darasa_fix (all of a row's problems, joined by "; ").
    /// Audited: the rows may hold names.
    public func quarantineCSV(batchID: Int64, file: String, user: String) async throws -> String {
        let rows = try await database.query("""
            SELECT src_row, column_name, reason, fix, header, raw FROM quarantine WHERE batch_id = ? AND file = ? ORDER BY src_row
            """, .int(batchID), .text(file))
        var header: [String] = []
        var grouped: [(row: Int64, raw: [String], columns: [String], reasons: [String], fixes: [String])] = []
        for r in rows {
            let n = r.int(0) ?? 0
            if header.isEmpty { header = (try? JSONText.decode([String].self, r.text(4) ?? "[]")) ?? [] }
            if grouped.last?.row != n {
                grouped.append((n, (try? JSONText.decode([String].self, r.text(5) ?? "[]")) ?? [], [], [], []))
            }
            grouped[grouped.count - 1].columns.append(r.text(1) ?? "")
            grouped[grouped.count - 1].reasons.append(r.text(2) ?? "")
            grouped[grouped.count - 1].fixes.append(r.text(3) ?? "")
        }
        var out = (header + ["darasa_row", "darasa_column", "darasa_problem", "darasa_fix"]).map(QuarantineFiles.field).joined(separator: ",") + "\r\n"
        for g in grouped {
            var fields = g.raw + Array(repeating: "", count: max(0, header.count - g.raw.count))
            fields += [String(g.row), g.columns.joined(separator: "; "), g.reasons.joined(separator: "; "), g.fixes.joined(separator: "; ")]
            out += fields.map(QuarantineFiles.field).joined(separator: ",") + "\r\n"
        }
        let count = grouped.count
        try await database.transaction { conn in
            try await Self.audit(conn, actor: user, action: "quarantine_download", target: "batch:\(batchID)", detail: "file=\(file) rows=\(count)")
        }
        return out
    }

    /// What imports changed in one record (table and key as in record_history, e.g. "learners", "42").
    public func history(table: String, key: String) async throws -> [HistoryEntry] {
        try await database.query("""
            SELECT h.batch_id, b.user_name, b.finished_at, h.column_name, h.old_value, h.new_value
            FROM record_history h JOIN import_batches b ON b.id = h.batch_id
            WHERE h.table_name = ? AND h.record_key = ? ORDER BY h.batch_id, h.column_name
            """, .text(table), .text(key)).map {
            HistoryEntry(batchID: $0.int(0) ?? 0, user: $0.text(1), at: $0.int(2), column: $0.text(3) ?? "", oldValue: $0.text(4), newValue: $0.text(5))
        }
    }
}
