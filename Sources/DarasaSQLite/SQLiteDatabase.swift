import DarasaCore
import DarasaStore
import Foundation
import GRDB
import GRDBSQLite

/// The embedded engine: one SQLite file in WAL mode through GRDB.
///
/// Writes are serialised through a gate so a long import's open transaction never absorbs another
/// writer's statements; readers use GRDB's reader connections and see the last committed state.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    public let path: String
    let pool: DatabasePool
    let gate = WriteGate()
    /// A connection of its own that moves the write-ahead log into the database file in the
    /// background, so that a commit only appends to the log and syncs it (docs/architecture.md,
    /// "Checkpoints"); SQLite's own checkpoint inside COMMIT made big sync commits 4× slower.
    let checkpointer: DatabaseQueue
    let checkpoints: Task<Void, Never>
    /// The log's length (in pages) past which the checkpointer starts it again (docs/architecture.md).
    static let restartFrames = 8_192

    /// Opens (creating if needed) the database file at `path`, creating its folder.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        } catch {
            throw StoreError(.unwritable, "Darasa cannot create the data folder \(folder); choose a folder you can write to with --data-dir.",
                             detail: "\(error)")
        }
        if !folder.isEmpty, !FileManager.default.isWritableFile(atPath: folder) {
            throw StoreError(.unwritable, "Darasa cannot write to the data folder \(folder); choose a folder you can write to with --data-dir.")
        }
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.allowsUnsafeTransactions = true
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            // FULL: a commit is on disk before it returns, so what sync acknowledges survives a
            // power cut, not only a crash (one fsync per transaction; imports are one transaction).
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            try db.execute(sql: "PRAGMA cache_size = -65536")
            // After a burst the log is cut back to 64 MB when it starts again, not kept at its peak.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            // DARASA_SQL_SLOW_MS=N writes each statement slower than N ms to stderr (operations.md).
            if let slow = ProcessInfo.processInfo.environment["DARASA_SQL_SLOW_MS"].flatMap(Double.init) {
                db.trace(options: .profile) { event in
                    guard case let .profile(statement, duration) = event, duration * 1000 >= slow else { return }
                    FileHandle.standardError.write(Data(String(format: "slow SQL %.1f ms: %@\n", duration * 1000, String(statement.sql.prefix(300))).utf8))
                }
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // The one writer keeps up to 256 MB of pages, readers 64 MB each. A country's first
            // load of registers writes ~300 MB of table pages in one transaction, out of file
            // order (year by year): with 64 MB they spilled to the log and were read back. The
            // registers of 200,000 learners, runs alternating between the two: 15.9–16.7 s with
            // 64 MB, 15.6–15.8 s with 256 MB. The cache grows only as pages are used.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = -262144") }
            var quiet = Configuration()
            quiet.busyMode = .timeout(30)
            quiet.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            let checkpointer = try DatabaseQueue(path: path, configuration: quiet)
            self.checkpointer = checkpointer
            let gate = self.gate, pool = self.pool
            checkpoints = Task.detached(priority: .utility) {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    // PASSIVE: copies what no reader still needs, never waits for or blocks the writer.
                    let frames = try? await checkpointer.writeWithoutTransaction { db in
                        try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)").map { $0[1] as Int } ?? 0
                    }
                    // Under a steady stream of commits the log is never fully copied between two of
                    // them, so SQLite never starts it again from the top and it grows without end
                    // (1.5 GB in 20 s of sync load, each commit appending to fresh disk blocks).
                    // Past `restartFrames` a RESTART, in the writers' queue, copies the little the
                    // PASSIVE pass left and makes the next commit write the log from its start.
                    if let frames, frames > Self.restartFrames {
                        _ = try? await gate.withLock {
                            try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(RESTART)") }
                        }
                    }
                }
            }
        } catch {
            throw StoreError(.unwritable, "Darasa cannot open the database file \(path); check that it is a Darasa database and that you can write to it.",
                             detail: "\(error)")
        }
    }

    /// Folds the write-ahead log back into the database file, then closes, so the file on disk
    /// is complete by itself (for copying or backup) after a clean stop.
    public func close() async {
        checkpoints.cancel()
        try? await gate.withLock {
            try await self.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        try? pool.close()
        try? checkpointer.close()
    }

    public func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        try await mapErrors { try await self.pool.read { db in try Self.query(db, sql, arguments) } }
    }

    public func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
        try await gate.withLock {
            try await self.mapErrors { try await self.pool.write { db in try Self.execute(db, sql, arguments) } }
        }
    }

    public func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws {
        try await transaction { try await $0.bulkInsert(table: table, columns: columns, rows: rows) }
    }

    public func bulkUpsert(table: String, columns: [String], conflict: [String], update: [String], rows: [[SQLValue]]) async throws {
        try await transaction { try await $0.bulkUpsert(table: table, columns: columns, conflict: conflict, update: update, rows: rows) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await gate.withLock {
            try await self.mapErrors { try await self.write { db in try db.execute(sql: "BEGIN IMMEDIATE") } }
            do {
                let result = try await body(Transaction(database: self))
                try await self.mapErrors { try await self.write { db in try db.execute(sql: "COMMIT") } }
                return result
            } catch {
                try? await self.write { db in
                    if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
                }
                throw error
            }
        }
    }

    /// Runs `work` on the writer connection. On a thread of its own (the sync writer's,
    /// `DedicatedThreadExecutor`) it runs right there, blocking that thread: GRDB's async call
    /// queues the work for another thread and the caller's continuation for a third, two waits
    /// in the kernel's run queue per statement, most of a sync commit's time under load
    /// (docs/sync.md, "Group commit"). Anywhere else it is GRDB's async call, which blocks no
    /// thread of the shared pool.
    func write<T: Sendable>(_ work: @Sendable (Database) throws -> T) async throws -> T {
        if DedicatedThreadExecutor.isCurrentThread { return try writeHere(work) }
        return try await pool.writeWithoutTransaction(work)
    }

    /// GRDB's blocking call (not async, so that it is the overload chosen).
    private func writeHere<T>(_ work: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction(work)
    }

    /// A connection inside an open transaction: every statement runs on the writer connection.
    struct Transaction: SQLConnection {
        let database: SQLiteDatabase
        var dialect: SQLDialect { .sqlite }

        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            try await database.mapErrors { try await database.write { db in try SQLiteDatabase.query(db, sql, arguments) } }
        }
        func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
            try await database.mapErrors { try await database.write { db in try SQLiteDatabase.execute(db, sql, arguments) } }
        }
        func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws {
            try await database.mapErrors {
                try await database.write { db in try SQLiteDatabase.bulkInsert(db, table, columns, rows) }
            }
        }
        func bulkInsertIntegers(table: String, columns: [String], values: [Int64]) async throws {
            try await database.mapErrors {
                try await database.write { db in try SQLiteDatabase.bulkInsertIntegers(db, table, columns, values) }
            }
        }
        func bulkUpsert(table: String, columns: [String], conflict: [String], update: [String], rows: [[SQLValue]]) async throws {
            let clause = SQLDialect.upsertClause(conflict: conflict, update: update)
            try await database.mapErrors {
                try await database.write { db in
                    if rows.count < SQLiteDatabase.stagedUpsertRows {
                        try SQLiteDatabase.bulkInsert(db, table, columns, rows, suffix: clause)
                    } else {
                        try SQLiteDatabase.stagedUpsert(db, table, columns, rows, clause: clause)
                    }
                }
            }
        }
    }

    /// From this many rows an upsert goes through a staging table (`stagedUpsert`).
    static let stagedUpsertRows = 10_000

    /// Many rows upserted as PostgreSQL's engine does it: inserted plainly into a temporary
    /// table, then over in one `INSERT … SELECT … ON CONFLICT`, in the order given. The learner
    /// cube's 244,000 cells after a country's registers: 1.6 s upserted 64 rows to a statement in
    /// no order; staged and in the key's order, the staging insert 0.2 s and the upsert 0.4 s
    /// (sqlite3 shell). Sync's few hundred rows a commit stay direct (fewer statements to run).
    static func stagedUpsert(_ db: Database, _ table: String, _ columns: [String], _ rows: [[SQLValue]], clause: String) throws {
        let stage = "temp.upsert_" + table
        let list = columns.joined(separator: ", ")
        try db.execute(sql: "DROP TABLE IF EXISTS \(stage)")
        try db.execute(sql: "CREATE TABLE \(stage) AS SELECT \(list) FROM \(table) WHERE 0")
        try bulkInsert(db, stage, columns, rows)
        // In the order given (the staging table's): rows given in the key's order visit the
        // table's pages in turn (the cube: 0.41 s, against 1.04 s at random and 0.72 s sorted by
        // SQLite first, in the sqlite3 shell). `WHERE true`: SQLite's parser would read ON
        // CONFLICT after a bare SELECT as a join's ON.
        try db.execute(sql: "INSERT INTO \(table) (\(list)) SELECT \(list) FROM \(stage) WHERE true" + clause)
        try db.execute(sql: "DROP TABLE \(stage)")
    }

    // MARK: Statement execution

    /// Binds `values` to a prepared statement's placeholders, in order.
    static func bind(_ values: [SQLValue], to handle: OpaquePointer?, from first: Int32 = 1) {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, value) in values.enumerated() {
            let index = first + Int32(i)
            switch value {
            case .int(let v): sqlite3_bind_int64(handle, index, v)
            case .double(let v): sqlite3_bind_double(handle, index, v)
            case .text(let v): sqlite3_bind_text(handle, index, v, -1, transient)
            case .null: sqlite3_bind_null(handle, index)
            }
        }
    }

    /// The error for a failed step, after the statement is reset for its next use.
    static func stepError(_ db: Database, _ handle: OpaquePointer?, _ rc: Int32, _ sql: String) -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        return DatabaseError(resultCode: ResultCode(rawValue: rc), message: message, sql: sql)
    }

    /// Runs one statement from GRDB's statement cache, bound and stepped on its handle: GRDB's
    /// row cursor and argument boxing cost more than the small lookups sync makes per commit.
    static func query(_ db: Database, _ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let handle = statement.sqliteStatement
        guard Int(sqlite3_bind_parameter_count(handle)) == arguments.count else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(arguments.count) values for \(sqlite3_bind_parameter_count(handle)) placeholders", sql: sql)
        }
        sqlite3_reset(handle)
        bind(arguments, to: handle)
        let columns = Int32(sqlite3_column_count(handle))
        var out: [SQLRow] = []
        while true {
            let rc = sqlite3_step(handle)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw stepError(db, handle, rc, sql) }
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columns))
            for c in 0..<columns {
                switch sqlite3_column_type(handle, c) {
                case SQLITE_INTEGER: values.append(.int(sqlite3_column_int64(handle, c)))
                case SQLITE_FLOAT: values.append(.double(sqlite3_column_double(handle, c)))
                case SQLITE_NULL: values.append(.null)
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(handle, c))
                    let bytes = sqlite3_column_blob(handle, c).map { UnsafeRawBufferPointer(start: $0, count: count) }
                    values.append(.text(bytes.map { String(decoding: $0, as: UTF8.self) } ?? ""))
                default:
                    let text = sqlite3_column_text(handle, c), count = Int(sqlite3_column_bytes(handle, c))
                    values.append(.text(text.map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) } ?? ""))
                }
            }
            out.append(SQLRow(values))
        }
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        return out
    }

    /// A statement without values may hold several (migrations); one with values is one statement.
    static func execute(_ db: Database, _ sql: String, _ arguments: [SQLValue]) throws {
        if arguments.isEmpty {
            try db.execute(sql: sql)
        } else {
            _ = try query(db, sql, arguments)
        }
    }

    /// Rows one INSERT of the bulk paths carries: up to 64, within SQLite's default limit of
    /// 32,766 values a statement.
    static func rowsPerInsert(_ width: Int) -> Int { max(1, min(64, 32_766 / width)) }

    /// `INSERT INTO table (columns) VALUES (?, …), …` for `rows` rows.
    static func insertSQL(_ table: String, _ columns: [String], rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
    }

    /// Binds straight onto the prepared statement handle: about twice GRDB's per-row
    /// `execute(arguments:)` rate, and many rows to a statement (see `bulkInsertIntegers`;
    /// docs/architecture.md, "Bulk paths"). With an upsert `suffix`, rows of one statement are
    /// applied in order, as one statement each would be.
    static func bulkInsert(_ db: Database, _ table: String, _ columns: [String], _ rows: [[SQLValue]], suffix: String = "") throws {
        let width = columns.count
        guard width > 0, !rows.isEmpty else { return }
        let perStatement = rowsPerInsert(width)
        func statement(rows: Int) throws -> Statement { try db.makeStatement(sql: insertSQL(table, columns, rows: rows) + suffix) }
        let full = rows.count >= perStatement ? try statement(rows: perStatement) : nil
        var done = 0
        while done < rows.count {
            let n = min(perStatement, rows.count - done)
            let statement = n == perStatement ? full! : try statement(rows: n)
            let handle = statement.sqliteStatement
            for k in 0..<n {
                let values = rows[done + k]
                guard values.count == width else {
                    throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(values.count) values for \(width) columns", sql: statement.sql)
                }
                bind(values, to: handle, from: Int32(k * width + 1))
            }
            let rc = sqlite3_step(handle)
            if rc != SQLITE_DONE { throw stepError(db, handle, rc, statement.sql) }
            sqlite3_reset(handle)
            done += n
        }
    }

    /// Rows of whole numbers laid end to end (`SQLConnection.bulkInsertIntegers`), bound straight
    /// from the buffer, many rows to a statement: each run of a one-row INSERT opens the table's
    /// cursor and seeks from the root again, which for the 6.5 million rows of a country's
    /// registers cost as much as inserting them (docs/architecture.md, "Bulk paths").
    static func bulkInsertIntegers(_ db: Database, _ table: String, _ columns: [String], _ values: [Int64]) throws {
        let width = columns.count
        guard width > 0 else { return }
        let rowCount = values.count / width
        let perStatement = rowsPerInsert(width)
        func statement(rows: Int) throws -> Statement { try db.cachedStatement(sql: insertSQL(table, columns, rows: rows)) }
        let full = rowCount >= perStatement ? try statement(rows: perStatement) : nil
        try values.withUnsafeBufferPointer { v in
            var start = 0
            var done = 0
            while done < rowCount {
                let rows = min(perStatement, rowCount - done)
                let statement = rows == perStatement ? full! : try statement(rows: rows)
                let handle = statement.sqliteStatement
                for i in 0..<(rows * width) { sqlite3_bind_int64(handle, Int32(i + 1), v[start + i]) }
                let rc = sqlite3_step(handle)
                if rc != SQLITE_DONE { throw stepError(db, handle, rc, statement.sql) }
                sqlite3_reset(handle)
                start += rows * width
                done += rows
            }
        }
    }

    func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw Self.storeError(error)
        }
    }

    static func storeError(_ error: DatabaseError) -> StoreError {
        let detail = "\(error.resultCode): \(error.message ?? "")"
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
            return StoreError(.conflict, "A record conflicts with one already stored (\(constraintTarget(error.message))); it was not saved.", detail: detail)
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            return StoreError(.invalid, "A record refers to something that is not stored (a school, learner or teacher that is missing); it was not saved.", detail: detail)
        case .SQLITE_CONSTRAINT_CHECK, .SQLITE_CONSTRAINT_NOTNULL:
            return StoreError(.invalid, "A record has a value outside what is allowed (\(constraintTarget(error.message))); it was not saved.", detail: detail)
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_FULL, .SQLITE_IOERR:
            return StoreError(.unwritable, "The database file cannot be written (read-only, missing or the disk is full).", detail: detail)
        default:
            return StoreError(.engine, "The database reported an error; see the server log for details.", detail: detail)
        }
    }

    /// "UNIQUE constraint failed: learners.id" → "learners.id". Names columns, never values.
    static func constraintTarget(_ message: String?) -> String {
        guard let message, let colon = message.lastIndex(of: ":") else { return "constraint" }
        return message[message.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}

/// A FIFO async mutex: one writer at a time, in arrival order.
actor WriteGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy { busy = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }

    nonisolated func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}
