import DarasaSQLite
import DarasaStore
import Foundation
import Testing

/// SQLite's write-ahead log under a steady stream of commits with readers between them
/// (docs/architecture.md, "SQLite checkpoints in the background"): the checkpointer starts the
/// log again from the top, so it stays near its 64 MB limit instead of growing with every
/// commit (before: 1.5 GB after 20 s of sync load).
@Suite struct SQLiteLogTests {
    @Test func theLogStaysBoundedUnderSteadyCommits() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-wal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("wal.sqlite").path
        let db = try SQLiteDatabase(path: path)
        try await db.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, b BLOB NOT NULL)", [])
        // A reader that keeps reading, as the server's requests do.
        let reader = Task {
            while !Task.isCancelled {
                _ = try? await db.query("SELECT COUNT(*) FROM blobs", [])
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        // 150 commits of 1 MB, paced at no more than ~60 MB/s, about the rate of the sync bench's
        // load (72 MB/s there): 150 MB through the log, while the table itself stays small. (A
        // busy machine only slows the writes down, which the checkpointer can keep up with.)
        var largest: UInt64 = 0
        let clock = ContinuousClock(), start = clock.now
        for i in Int64(1)...150 {
            try await db.transaction { conn in
                try await conn.execute("INSERT INTO blobs (id, b) VALUES (?, zeroblob(1048576))", [.int(i)])
                try await conn.execute("DELETE FROM blobs WHERE id = ?", [.int(i - 4)])
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? UInt64) ?? 0
            largest = max(largest, size)
            let due = start + .milliseconds(Int(i) * 1_000 / 60)
            if clock.now < due { try await Task.sleep(until: due, clock: clock) }
        }
        reader.cancel()
        _ = await reader.result
        print("SQLiteLogTests: largest log \(largest / 1_048_576) MB")
        #expect(largest < 100 * 1_048_576, "the log stays near its limit (largest seen: \(largest / 1_048_576) MB)")
        #expect(try await db.scalarInt("SELECT COUNT(*) FROM blobs") == 4)
        await db.close()
    }
}
