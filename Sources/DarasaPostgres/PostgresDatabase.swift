import DarasaStore
import Foundation
import Logging
import PostgresNIO

/// The national-scale engine: PostgreSQL through PostgresNIO's connection pool.
/// Bulk writes use `COPY … FROM STDIN` in text format.
public final class PostgresDatabase: SQLDatabase {
    public let dialect = SQLDialect.postgres
    let client: PostgresClient
    let runTask: Task<Void, Never>
    let logger: Logger
    /// "host:port/database" for messages; never the password.
    public let displayName: String

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`)
    /// and checks the server answers within `timeout`.
    /// `searchPath` puts Darasa's tables in a schema of their own (e.g. one per test, or beside
    /// other applications' tables); the schema must exist.
    public init(url: String, searchPath: String? = nil, logger: Logger = PostgresDatabase.quietLogger,
                timeout: Duration = .seconds(10)) async throws {
        let parsed = try PostgresURL(url)
        var startup: [(String, String)] = []
        if let searchPath {
            guard searchPath.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw StoreError(.badURL, "A PostgreSQL schema name may hold only letters, digits and underscores.")
            }
            startup = [("options", "-c search_path=\(searchPath)")]
        }
        let name = "\(parsed.host):\(parsed.port)/\(parsed.database)"
        // One direct connection first: a refused port, a wrong password or a missing database
        // fails here at once with its own message, instead of the pool retrying until a timeout.
        do {
            var probe = PostgresConnection.Configuration(host: parsed.host, port: parsed.port, username: parsed.user,
                                                         password: parsed.password, database: parsed.database, tls: .disable)
            switch parsed.sslMode {
            case "require", "verify-ca", "verify-full": probe.tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case "prefer": probe.tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            default: break
            }
            probe.options.connectTimeout = .seconds(Int64(timeout.components.seconds))
            probe.options.additionalStartupParameters = startup
            let connection = try await PostgresConnection.connect(configuration: probe, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw Self.storeError(error, connecting: name)
        }
        var config = PostgresClient.Configuration(host: parsed.host, port: parsed.port, username: parsed.user,
                                                  password: parsed.password, database: parsed.database, tls: .disable)
        switch parsed.sslMode {
        case "require", "verify-ca", "verify-full": config.tls = .require(.makeClientConfiguration())
        case "prefer": config.tls = .prefer(.makeClientConfiguration())
        default: config.tls = .disable
        }
        config.options.connectTimeout = timeout
        config.options.maximumConnections = 8
        config.options.additionalStartupParameters = startup
        let client = PostgresClient(configuration: config, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.displayName = name
        self.runTask = Task { await client.run() }
    }

    /// The driver logs every failed connection attempt at info level; Darasa reports failures
    /// itself, in one sentence, so the driver only speaks up for errors.
    public static var quietLogger: Logger {
        var logger = Logger(label: "darasa.postgres")
        logger.logLevel = .error
        return logger
    }

    public func close() async {
        runTask.cancel()
        _ = await runTask.value
    }

    public func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        try await mapErrors { try await Self.collect(try await self.client.query(Self.postgresQuery(sql, arguments), logger: self.logger)) }
    }

    public func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
        try await mapErrors { _ = try await self.client.query(Self.postgresQuery(sql, arguments), logger: self.logger) }
    }

    public func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws {
        try await transaction { try await $0.bulkInsert(table: table, columns: columns, rows: rows) }
    }

    public func bulkUpsert(table: String, columns: [String], conflict: [String], update: [String], rows: [[SQLValue]]) async throws {
        try await transaction { try await $0.bulkUpsert(table: table, columns: columns, conflict: conflict, update: update, rows: rows) }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await mapErrors {
            try await self.client.withTransaction(logger: self.logger) { connection in
                try await body(Connection(connection: connection, logger: self.logger))
            }
        }
    }

    struct Connection: SQLConnection {
        let connection: PostgresConnection
        let logger: Logger
        var dialect: SQLDialect { .postgres }

        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            try await PostgresDatabase.collect(try await connection.query(PostgresDatabase.postgresQuery(sql, arguments), logger: logger))
        }
        func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
            _ = try await connection.query(PostgresDatabase.postgresQuery(sql, arguments), logger: logger)
        }
        func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws {
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                var buffer = ByteBuffer()
                buffer.reserveCapacity(1 << 16)
                for row in rows {
                    CopyText.append(row, to: &buffer)
                    if buffer.readableBytes >= 1 << 16 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
        }
        func bulkInsertIntegers(table: String, columns: [String], values: [Int64]) async throws {
            let width = columns.count
            guard width > 0 else { return }
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                var buffer = ByteBuffer()
                buffer.reserveCapacity(1 << 17)
                var start = 0
                while start + width <= values.count {
                    // Rows of text written straight into the buffer's memory, a row at a time
                    // (at most 21 bytes a value): one bounds check a row instead of one a digit.
                    // Registers are 92 M values; digit by digit through `writeInteger` they cost
                    // more of a core than PostgreSQL's own parsing of them.
                    values.withUnsafeBufferPointer { v in
                        while start + width <= v.count && buffer.readableBytes < 1 << 16 {
                            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: width * 21) { out in
                                var n = 0
                                for i in 0..<width {
                                    if i > 0 { out[n] = UInt8(ascii: "\t"); n += 1 }
                                    n += CopyText.write(v[start + i], to: out, at: n)
                                }
                                out[n] = UInt8(ascii: "\n")
                                return n + 1
                            }
                            start += width
                        }
                    }
                    if buffer.readableBytes >= 1 << 16 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
        }
        /// COPY is the fast way in but cannot upsert: the rows go into a temporary table shaped like
        /// `table` (made once per connection, emptied at every commit), then over in one statement.
        func bulkUpsert(table: String, columns: [String], conflict: [String], update: [String], rows: [[SQLValue]]) async throws {
            guard !rows.isEmpty else { return }
            let stage = "upsert_" + table
            try await execute("CREATE TEMP TABLE IF NOT EXISTS \(stage) (LIKE \(table) INCLUDING DEFAULTS) ON COMMIT DELETE ROWS", [])
            try await execute("TRUNCATE \(stage)", [])
            try await bulkInsert(table: stage, columns: columns, rows: rows)
            let list = columns.joined(separator: ", ")
            // In the key's order, so the key's pages are visited in turn, not at random (the learner
            // cube's 244,000 cells: 3.5 s as they came, 3.2 s in order).
            try await execute("INSERT INTO \(table) (\(list)) SELECT \(list) FROM \(stage) ORDER BY \(conflict.joined(separator: ", "))"
                              + SQLDialect.upsertClause(conflict: conflict, update: update), [])
        }
    }

    // MARK: Statements

    /// Renumbers `?` placeholders to `$1…$n` (Darasa's SQL never has `?` inside literals) and
    /// binds the values.
    static func postgresQuery(_ sql: String, _ arguments: [SQLValue]) -> PostgresQuery {
        var text = ""
        text.reserveCapacity(sql.utf8.count + 8)
        var n = 0
        for ch in sql {
            if ch == "?" { n += 1; text += "$\(n)" } else { text.append(ch) }
        }
        var binds = PostgresBindings(capacity: arguments.count)
        for value in arguments {
            switch value {
            case .int(let v): binds.append(v)
            case .double(let v): binds.append(v)
            case .text(let v): binds.append(v)
            case .null: binds.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }

    static func collect(_ rows: PostgresRowSequence) async throws -> [SQLRow] {
        var out: [SQLRow] = []
        for try await row in rows {
            var values: [SQLValue] = []
            for cell in row {
                guard cell.bytes != nil else { values.append(.null); continue }
                switch cell.dataType {
                case .int2, .int4, .int8, .oid: values.append(.int(try cell.decode(Int64.self)))
                case .float4, .float8: values.append(.double(try cell.decode(Double.self)))
                case .bool: values.append(.int(try cell.decode(Bool.self) ? 1 : 0))
                case .numeric:
                    let text = try cell.decode(String.self)
                    if let i = Int64(text) { values.append(.int(i)) } else { values.append(.double(Double(text) ?? 0)) }
                default: values.append(.text(try cell.decode(String.self)))
                }
            }
            out.append(SQLRow(values))
        }
        return out
    }

    func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch let tx as PostgresTransactionError {
            // An error of the caller's own (bad input found mid-import) passes through as it is.
            if let inner = tx.closureError, !(inner is PSQLError) { throw inner }
            throw Self.storeError(tx, connecting: nil)
        } catch {
            throw Self.storeError(error, connecting: nil)
        }
    }

    static func storeError(_ error: any Error, connecting target: String?) -> StoreError {
        if let store = error as? StoreError { return store }
        if let tx = error as? PostgresTransactionError {
            if let inner = tx.closureError ?? tx.commitError ?? tx.beginError { return storeError(inner, connecting: target) }
        }
        if let psql = error as? PSQLError {
            let detail = String(reflecting: psql)
            if let sqlState = psql.serverInfo?[.sqlState] {
                switch sqlState {
                case "23505": return StoreError(.conflict, "A record conflicts with one already stored (\(psql.serverInfo?[.constraintName] ?? "unique key")); it was not saved.", detail: detail)
                case "23503": return StoreError(.invalid, "A record refers to something that is not stored (a school, learner or teacher that is missing); it was not saved.", detail: detail)
                case "23514", "23502": return StoreError(.invalid, "A record has a value outside what is allowed (\(psql.serverInfo?[.constraintName] ?? "constraint")); it was not saved.", detail: detail)
                case "28P01", "28000": return StoreError(.unreachable, "PostgreSQL refused the user name or password in the database URL; check them.", detail: detail)
                case "3D000": return StoreError(.unreachable, "The database named in the URL does not exist on the PostgreSQL server; create it (createdb) or fix the URL.", detail: detail)
                default: return StoreError(.engine, "PostgreSQL reported an error (SQLSTATE \(sqlState)); see the server log for details.", detail: detail)
                }
            }
            if let target {
                return StoreError(.unreachable, "Darasa cannot reach PostgreSQL at \(target); check that the server is running and the URL is right.", detail: detail)
            }
            return StoreError(.engine, "The connection to PostgreSQL failed; see the server log for details.", detail: detail)
        }
        if let target {
            return StoreError(.unreachable, "Darasa cannot reach PostgreSQL at \(target); check that the server is running and the URL is right.", detail: "\(error)")
        }
        return StoreError(.engine, "PostgreSQL reported an error; see the server log for details.", detail: "\(error)")
    }
}

/// PostgreSQL COPY text format: tab-separated, `\N` for NULL, backslash escapes.
enum CopyText {
    /// `value` in decimal at `out[at...]` (room for 20 bytes); returns how many bytes it took.
    @inline(__always)
    static func write(_ value: Int64, to out: UnsafeMutableRawBufferPointer, at: Int) -> Int {
        var n = at
        if value < 0 { out[n] = UInt8(ascii: "-"); n += 1 }
        var magnitude = value.magnitude
        if magnitude < 10 {
            out[n] = UInt8(ascii: "0") + UInt8(magnitude)
            return n + 1 - at
        }
        var digits = 0
        var m = magnitude
        while m > 0 { digits += 1; m /= 10 }
        var k = n + digits - 1
        while magnitude > 0 {
            out[k] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            k -= 1
        }
        return n + digits - at
    }

    static func append(_ row: [SQLValue], to buffer: inout ByteBuffer) {
        for (i, value) in row.enumerated() {
            if i > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            switch value {
            case .null: buffer.writeString("\\N")
            case .int(let v): buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 21) { write(v, to: $0, at: 0) }
            case .double(let v): buffer.writeString(v.isFinite ? "\(v)" : (v.isNaN ? "NaN" : (v > 0 ? "Infinity" : "-Infinity")))
            case .text(let s) where !s.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 }):
                buffer.writeString(s)
            case .text(let s):
                for byte in s.utf8 {
                    switch byte {
                    case UInt8(ascii: "\\"): buffer.writeString("\\\\")
                    case UInt8(ascii: "\t"): buffer.writeString("\\t")
                    case UInt8(ascii: "\n"): buffer.writeString("\\n")
                    case UInt8(ascii: "\r"): buffer.writeString("\\r")
                    default: buffer.writeInteger(byte)
                    }
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }
}

/// A parsed `postgres://` URL. Errors name the part that is wrong, never echo the password.
public struct PostgresURL: Sendable {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: String

    public init(_ text: String) throws {
        let bad = { (what: String) in
            StoreError(.badURL, "The database URL is not valid: \(what). Use postgres://user:password@host:5432/database.")
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else { throw bad("it must start with postgres://") }
        guard let components = URLComponents(string: text) else { throw bad("it could not be read as a URL") }
        guard let host = components.host, !host.isEmpty else { throw bad("it names no host") }
        guard let user = components.user, !user.isEmpty else { throw bad("it names no user") }
        let db = String(components.path.drop(while: { $0 == "/" }))
        guard !db.isEmpty, !db.contains("/") else { throw bad("it names no database after the host") }
        if let port = components.port, !(1...65535).contains(port) { throw bad("the port is out of range") }
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password?.removingPercentEncoding
        self.host = host
        self.port = components.port ?? 5432
        self.database = db
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(mode) else {
            throw bad("sslmode must be disable, prefer or require")
        }
        self.sslMode = mode
    }
}
