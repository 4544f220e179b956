import ArgumentParser
import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation

/// Data-quality checks from the command line: run them, check a rules file, print a school's
/// to-do list (as text messages too), and write the scorecard.
struct Quality: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the data-quality checks, print a school's to-do list, or write scorecards.",
        subcommands: [QualityRun.self, QualityRulesCheck.self, QualityTodo.self, QualityScores.self])
}

/// The rules to use: a file given, else the shipped quality/rules.yaml.
func loadRules(_ path: String?) throws -> QualityRules {
    if let path { return try QualityRules.load(url: URL(fileURLWithPath: path), displayName: path) }
    return try QualityRules.shipped()
}

struct QualityRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run",
        abstract: "Run every enabled rule over the whole database; new findings open, ones no longer found close.")
    @OptionGroup var store: StoreOptions
    @Option(help: "A rules file (default: the shipped quality/rules.yaml).")
    var rules: String?
    @Option(help: "Who is running the checks (audited).")
    var user: String = ProcessInfo.processInfo.environment["USER"] ?? "cli"
    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        try await runReportingErrors {
            let r = try loadRules(rules)
            let db = try await store.open()
            do {
                try await db.migrate()
                let report = try await QualityEngine(store: db, rules: r).run(actor: user)
                if json {
                    let e = JSONEncoder()
                    e.outputFormatting = [.sortedKeys]
                    say(String(decoding: try e.encode(report), as: UTF8.self))
                } else {
                    say("\(report.rules) rules over \(report.schools) schools in \(String(format: "%.1f", report.seconds)) s: \(report.findings) findings (\(report.opened) new, \(report.fixed) fixed since the last run).")
                    for (rule, n) in report.byRule.sorted(by: { $0.key < $1.key }) { say("  \(rule): \(n)") }
                }
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }
}

struct QualityRulesCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-rules",
        abstract: "Check a rules file without running it: every rule, setting and threshold.")
    @Argument(help: "The rules file.")
    var file: String

    func run() async throws {
        try await runReportingErrors {
            let r = try loadRules(file)
            say("\(file): \(r.rules.count) rules, \(r.enabled.count) enabled.")
            for rule in r.rules {
                let params = rule.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                say("  \(rule.name): \(rule.check.rawValue) (\(rule.check.dimension.rawValue), \(rule.severity.rawValue))\(rule.enabled ? "" : " — off") \(params)")
            }
        }
    }
}

struct QualityTodo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "todo",
        abstract: "A school's open findings, plainest first (no learner names); --sms prints them as text messages.")
    @OptionGroup var store: StoreOptions
    @Option(help: "The school's official code.")
    var school: String
    @Flag(help: "As text messages of at most 160 characters.")
    var sms = false

    func run() async throws {
        try await runReportingErrors {
            let db = try await store.open()
            do {
                guard let unit = try await db.orgUnit(code: school) else { throw UserFacingError("No school has the code \(school); check the code.") }
                let findings = try await QualityStore.findings(db, under: unit.path)
                if sms {
                    for m in QualityText.sms(school: unit.name, findings: findings) { say(m) }
                } else if findings.isEmpty {
                    say("\(unit.name): no open findings.")
                } else {
                    say("\(unit.name): \(findings.count) open finding\(findings.count == 1 ? "" : "s"), plainest first")
                    for f in findings { say("- [\(f.severity.rawValue)] \(f.period): \(f.message). \(f.fix).") }
                }
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }
}

struct QualityScores: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scores",
        abstract: "Scorecard (completeness, timeliness, validity, consistency) for the units under one, as CSV or XLSX.")
    @OptionGroup var store: StoreOptions
    @Option(help: "The org unit's code (default: the country).")
    var unit: String?
    @Option(help: "csv or xlsx.")
    var format: String = "csv"
    @Option(help: "Write to this file (default: standard output, CSV only).")
    var out: String?

    func run() async throws {
        try await runReportingErrors {
            guard ["csv", "xlsx"].contains(format) else { throw UserFacingError("--format must be csv or xlsx.") }
            if format == "xlsx" && out == nil { throw UserFacingError("An XLSX scorecard needs --out FILE.xlsx.") }
            let db = try await store.open()
            do {
                let anchor: OrgUnit?
                if let unit { anchor = try await db.orgUnit(code: unit) } else { anchor = try await db.rootOrgUnit() }
                guard let anchor else { throw UserFacingError("No org unit has the code \(unit ?? "?"); check the code.") }
                let scores = try await QualityStore.scores(db, under: anchor)
                let table = QualityScoreTable(scores)
                let data = format == "csv" ? Data(table.csv().utf8) : try table.xlsx()
                if let out { try data.write(to: URL(fileURLWithPath: out)) } else { FileHandle.standardOutput.write(data) }
                try await db.audit(actor: ProcessInfo.processInfo.environment["USER"] ?? "cli", action: "export.quality_scores", target: anchor.path, detail: format)
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }
}
