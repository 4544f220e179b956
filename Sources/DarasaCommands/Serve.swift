import ArgumentParser
import DarasaAnalytics
import DarasaCore
import DarasaServer
import DarasaStore
import Foundation
import Hummingbird
import Logging

struct ServerOptions: ParsableArguments {
    @Option(help: "TCP port to listen on.")
    var port: Int = 8080

    @Option(help: "Interface to listen on. Keep 127.0.0.1 unless a TLS proxy sits in front.")
    var host: String = "127.0.0.1"

    @Flag(help: "Mark session cookies Secure (use when served over HTTPS).")
    var secureCookies = false

    @Option(help: "A data-quality rules file (default: the shipped quality/rules.yaml); checked at start.")
    var qualityRules: String?

    @Option(help: "An indicator catalogue (default: the shipped indicators/catalogue.yaml); checked at start.")
    var indicators: String?

    @Option(help: "A JSON file mapping indicators and categories to DHIS2/SDMX identifiers, for downloads (docs/indicators.md).")
    var exportMapping: String?

    @Option(help: "Turn on the SMS webhook (POST /api/v1/sms/inbound) with this shared secret, which the gateway sends in X-Darasa-Token (docs/sms-guide.md). The environment variable DARASA_SMS_TOKEN works too.")
    var smsToken: String?

    @Option(help: "The day to take as today, YYYY-MM-DD (default: the real date; the demo uses the last school day of its data).")
    var today: String?

    mutating func validate() throws {
        if let today, Day(iso: today) == nil { throw ValidationError("--today must be a date as YYYY-MM-DD; \(today.prefix(20)) is not.") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535 (0 picks a free port); \(port) is not.") }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the web app and API on an existing database.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var server: ServerOptions

    func run() async throws {
        try await runReportingErrors {
            let db = try await store.open()
            try await requireCurrentSchema(db)
            try await serve(db, server, demo: false, banner: [])
        }
    }
}

/// Runs the HTTP server until SIGINT/SIGTERM, then closes the store.
func serve(_ db: DarasaStore, _ options: ServerOptions, demo: Bool, banner: [String], today: Day? = nil) async throws {
    var logger = Logger(label: "darasa")
    logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    var settings = ServerSettings(host: options.host, port: options.port, secureCookies: options.secureCookies, demoMode: demo)
    settings.qualityRules = try loadRules(options.qualityRules)
    if let file = options.indicators {
        settings.catalogue = try IndicatorCatalogue.load(url: URL(fileURLWithPath: file), displayName: file)
    }
    settings.exportMapping = try options.exportMapping.map { try ExportMapping.load($0) }
    settings.today = options.today.flatMap { Day(iso: $0) } ?? today
    settings.smsToken = options.smsToken ?? ProcessInfo.processInfo.environment["DARASA_SMS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    let app = try buildApplication(store: db, settings: settings, logger: logger) { port in
        say("Darasa is ready at http://\(options.host):\(port)")
        for line in banner { say(line) }
        say("Press Ctrl-C to stop.")
    }
    do {
        try await app.runService()
    } catch {
        await db.close()
        let text = "\(error)"
        if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
            throw UserFacingError("Port \(options.port) on \(options.host) is already in use; stop the other program or choose another with --port.")
        }
        if text.contains("Permission denied") || text.contains("errno: 13") {
            throw UserFacingError("Darasa may not listen on port \(options.port); choose a port above 1024 with --port.")
        }
        throw UserFacingError("The server stopped: \(text.prefix(200)).")
    }
    await db.close()
    say("Darasa stopped.")
}

/// Writes a line to standard output at once (print() is block-buffered when piped, and scripts
/// wait for the "ready" line).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Stops with one sentence when the database's schema is behind this version of Darasa.
func requireCurrentSchema(_ db: DarasaStore) async throws {
    let applied = Set((try? await db.appliedMigrations()) ?? [])
    let pending = Schema.migrations.map(\.name).filter { !applied.contains($0) }
    if !pending.isEmpty {
        await db.close()
        throw UserFacingError("The database schema is not up to date (\(pending.count) migration\(pending.count == 1 ? "" : "s") pending); run `darasa migrate` with the same --database first.")
    }
}
