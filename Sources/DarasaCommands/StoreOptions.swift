import ArgumentParser
import DarasaAnalytics
import DarasaGenerator
import DarasaIngest
import DarasaPostgres
import DarasaSQLite
import DarasaStore
import Foundation

/// Where the data lives. Read in one place for every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A SQLite file path or a postgres:// URL. Default: darasa.sqlite inside --data-dir.",
        valueName: "path-or-url"))
    var database: String?

    @Option(name: .long, help: "Folder for Darasa's files (the SQLite database, generated demo data).")
    var dataDir: String = "darasa-data"

    mutating func validate() throws {
        if let database, database.contains("://"), !(database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")) {
            throw ValidationError("--database must be a file path or a postgres:// URL; \(database.prefix(20))… is neither.")
        }
        if let database, database.hasPrefix("postgres") {
            _ = try PostgresURL(database)  // reject a malformed URL before doing anything
        }
    }

    var isPostgres: Bool { database.map { $0.hasPrefix("postgres://") || $0.hasPrefix("postgresql://") } ?? false }

    var sqlitePath: String { database ?? (dataDir as NSString).appendingPathComponent("darasa.sqlite") }

    /// Opens the chosen engine. Does not migrate.
    func open() async throws -> DarasaStore {
        if let database, isPostgres {
            return DarasaStore(database: try await PostgresDatabase(url: database))
        }
        return DarasaStore(database: try SQLiteDatabase(path: sqlitePath))
    }

    /// What to print about the database: the file, or host/port/db with no password.
    var displayName: String {
        if isPostgres, let database, let url = try? PostgresURL(database) { return "PostgreSQL \(url.host):\(url.port)/\(url.database)" }
        return "SQLite \(sqlitePath)"
    }
}

/// Runs a command body and turns a user-facing failure into one sentence and exit code 1.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as StoreError {
        // The engine's own words stay out of the sentence; DARASA_DEBUG=1 shows them.
        complain(ProcessInfo.processInfo.environment["DARASA_DEBUG"] == "1" ? error.debugDescription : error.message)
        throw ExitCode(1)
    } catch let error as UserFacingError {
        complain(error.message)
        throw ExitCode(1)
    } catch let error as InputError {
        complain(error.description)
        throw ExitCode(1)
    } catch let error as MappingError {
        complain(error.description)
        throw ExitCode(1)
    } catch let error as DarasaIngest.Mapping.MappingError {
        complain(error.description)
        throw ExitCode(1)
    } catch let error as QualityRules.RulesError {
        complain(error.description)
        throw ExitCode(1)
    } catch let error as IndicatorCatalogue.CatalogueError {
        complain(error.description)
        throw ExitCode(1)
    } catch let error as IndicatorError {
        complain(error.message)
        throw ExitCode(1)
    } catch let error as GenerationError {
        complain("\(error)")
        throw ExitCode(1)
    }
}

/// One sentence on standard error, prefixed with the program's name unless it already names it.
func complain(_ message: String) {
    let line = message.hasPrefix("Darasa") ? message : "darasa: \(message)"
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

struct UserFacingError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
