import ArgumentParser

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or update the database schema (safe to run again).")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await runReportingErrors {
            let db = try await store.open()
            let applied = try await db.migrate()
            say(applied.isEmpty ? "\(store.displayName): schema is up to date." : "\(store.displayName): applied \(applied.joined(separator: ", ")).")
            await db.close()
        }
    }
}
