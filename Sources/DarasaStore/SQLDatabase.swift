/// A value bound to, or read from, a SQL statement. Engines map these to their own types.
public enum SQLValue: Sendable, Hashable {
    case int(Int64)
    case double(Double)
    case text(String)
    case null

    public init(_ v: Int?) { self = v.map { .int(Int64($0)) } ?? .null }
    public init(_ v: Int64?) { self = v.map { .int($0) } ?? .null }
    public init(_ v: Double?) { self = v.map { .double($0) } ?? .null }
    public init(_ v: String?) { self = v.map { .text($0) } ?? .null }
    public init(_ v: Bool?) { self = v.map { .int($0 ? 1 : 0) } ?? .null }
}

/// One result row, read by column position.
public struct SQLRow: Sendable {
    public var values: [SQLValue]
    public init(_ values: [SQLValue]) { self.values = values }

    public func int(_ i: Int) -> Int64? {
        switch values[i] {
        case .int(let v): v
        case .double(let v): Int64(exactly: v.rounded()) 
        case .text(let s): Int64(s)
        case .null: nil
        }
    }
    public func double(_ i: Int) -> Double? {
        switch values[i] {
        case .int(let v): Double(v)
        case .double(let v): v
        case .text(let s): Double(s)
        case .null: nil
        }
    }
    public func text(_ i: Int) -> String? {
        switch values[i] {
        case .text(let s): s
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .null: nil
        }
    }
}

public enum SQLDialect: String, Sendable {
    case sqlite, postgres

    /// The `ON CONFLICT … DO UPDATE` clause both engines accept (`excluded` is the proposed row).
    public static func upsertClause(conflict: [String], update: [String]) -> String {
        " ON CONFLICT (\(conflict.joined(separator: ", "))) DO UPDATE SET " + update.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
    }
}

/// What both engines offer: statements with `?` placeholders (PostgreSQL's engine renumbers them
/// to `$n`), and a bulk path for many rows of one table. SQL text is always written by Darasa;
/// every value is bound, never concatenated.
public protocol SQLConnection: Sendable {
    var dialect: SQLDialect { get }
    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow]
    func execute(_ sql: String, _ arguments: [SQLValue]) async throws
    /// Inserts rows into `table` (SQLite: prepared statements of 64 rows, bound on the handle;
    /// PostgreSQL: COPY).
    func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws
    /// Inserts rows into `table`; a row whose `conflict` columns (a unique key) match a stored row
    /// updates that row's `update` columns instead. No two rows may share a key. SQLite: for a few
    /// rows `INSERT … VALUES … ON CONFLICT DO UPDATE`, 64 rows a statement; from 10,000 rows, and
    /// always on PostgreSQL: the rows into a temporary table, then one
    /// `INSERT … SELECT … ORDER BY key ON CONFLICT DO UPDATE`.
    func bulkUpsert(table: String, columns: [String], conflict: [String], update: [String], rows: [[SQLValue]]) async throws
    /// `bulkInsert` for rows of whole numbers only, laid end to end: row i is
    /// `values[i * columns.count ..< (i + 1) * columns.count]`. Registers are millions of such
    /// rows, and an array of values per row cost more than the insert itself.
    func bulkInsertIntegers(table: String, columns: [String], values: [Int64]) async throws
}

extension SQLConnection {
    public func bulkInsertIntegers(table: String, columns: [String], values: [Int64]) async throws {
        let width = columns.count
        guard width > 0 else { return }
        let rows = stride(from: 0, to: values.count, by: width).map { start in values[start..<min(start + width, values.count)].map(SQLValue.int) }
        try await bulkInsert(table: table, columns: columns, rows: rows)
    }
}

/// A database an engine opened: single statements run in their own transaction; `transaction`
/// runs many in one, rolled back if the body throws.
public protocol SQLDatabase: SQLConnection {
    func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T
    func close() async
}

extension SQLConnection {
    public func query(_ sql: String, _ arguments: SQLValue...) async throws -> [SQLRow] {
        try await query(sql, arguments)
    }
    public func execute(_ sql: String, _ arguments: SQLValue...) async throws {
        try await execute(sql, arguments)
    }
    public func scalarInt(_ sql: String, _ arguments: [SQLValue] = []) async throws -> Int64? {
        try await query(sql, arguments).first?.int(0)
    }
}
