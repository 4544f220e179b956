import ArgumentParser
import DarasaAnalytics
import DarasaStore
import Foundation

struct Indicators: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the indicator catalogue, or check a copy of it.",
        subcommands: [List.self, Check.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every indicator: id, title, unit and the breakdowns it takes.")
        @Option(help: "A catalogue file instead of the shipped one.") var file: String?

        func run() async throws {
            try await runReportingErrors {
                let catalogue = try file.map { try IndicatorCatalogue.load(url: URL(fileURLWithPath: $0), displayName: $0) } ?? .shipped
                // Breakdowns depend only on the definitions; no database is opened.
                let engine = IndicatorEngine(store: DarasaStore(database: NoDatabase()), catalogue: catalogue)
                for d in catalogue.indicators {
                    print("\(d.id)\t\(d.title)\t\(d.unit.rawValue)\tby: \(engine.breakdowns(for: d).map(\.rawValue).sorted().joined(separator: ","))")
                }
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a catalogue file without using it (file and line on every problem).")
        @Argument(help: "The catalogue file (YAML).") var file: String

        func run() async throws {
            try await runReportingErrors {
                let catalogue = try IndicatorCatalogue.load(url: URL(fileURLWithPath: file), displayName: file)
                print("\(file): \(catalogue.indicators.count) indicators, entry age \(catalogue.system.entryAge), levels \(catalogue.system.levels.keys.sorted().joined(separator: ", ")): OK")
            }
        }
    }
}

/// A store that is never asked anything (listing definitions needs none).
struct NoDatabase: SQLDatabase {
    var dialect: SQLDialect { .sqlite }
    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] { [] }
    func execute(_ sql: String, _ arguments: [SQLValue]) async throws {}
    func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws {}
    func bulkUpsert(table: String, columns: [String], conflict: [String], update: [String], rows: [[SQLValue]]) async throws {}
    func transaction<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T { try await body(self) }
    func close() async {}
}
