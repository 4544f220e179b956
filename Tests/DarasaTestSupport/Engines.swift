import DarasaPostgres
import DarasaSQLite
import DarasaStore
import Foundation

/// The engines the store contract runs against.
public enum TestEngine: String, CaseIterable, Sendable {
    case sqlite, postgres

    public var testDescription: String { rawValue }

    /// PostgreSQL runs when DARASA_TEST_POSTGRES_URL names a server (scripts/test.sh starts one).
    public static var available: [TestEngine] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["DARASA_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// When set (by scripts/test.sh), a missing PostgreSQL is a failure, not a skip.
    public static var postgresRequired: Bool {
        ProcessInfo.processInfo.environment["DARASA_REQUIRE_POSTGRES"] == "1"
    }

    /// A fresh, migrated, empty store: a new SQLite file, or a new PostgreSQL schema.
    public func makeStore() async throws -> DarasaStore {
        let store: DarasaStore
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-test-\(UUID().uuidString)")
            store = DarasaStore(database: try SQLiteDatabase(path: dir.appendingPathComponent("test.sqlite").path))
        case .postgres:
            guard let url = Self.postgresURL else { throw TestSetupError("DARASA_TEST_POSTGRES_URL is not set") }
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let admin = try await PostgresDatabase(url: url)
            try await admin.execute("CREATE SCHEMA \(schema)", [])
            await admin.close()
            store = DarasaStore(database: try await PostgresDatabase(url: url, searchPath: String(schema)))
        }
        try await store.migrate()
        return store
    }
}


public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
