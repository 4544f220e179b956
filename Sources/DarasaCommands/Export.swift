import ArgumentParser
import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an indicator table (CSV, XLSX, JSON, DHIS2 dataValueSets, ADX, SDMX-CSV), small cells withheld, or a OneRoster bundle. Audited.",
        discussion: """
            Examples:
              darasa export attendance_rate --level 2 --by sex --out attendance-by-district.csv
              darasa export net_enrolment_ratio --level 1 --by sex,locality --format xlsx --out ner.xlsx
              darasa export sdg_4_1_1_reading --level 0 --by sex --format sdmx-csv
              darasa export --format oneroster --unit 10110006 --out roster.zip
            `darasa indicators list` names every indicator and what it can be broken down by.
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "Indicator id (see `darasa indicators list`); not used with --format oneroster.")
    var indicator: String?

    @Option(help: "Depth of the hierarchy to report at (0 = country, 1 = the level below, …).")
    var level: Int = 1

    @Option(help: "Up to three breakdowns, comma-separated: \(Breakdown.allCases.map(\.rawValue).joined(separator: ", ")).")
    var by: String = ""

    @Option(help: "School year (default: the indicator's latest).")
    var year: Int?

    @Option(help: "For assessment indicators: any, sample (weighted, with 95 % intervals) or census.")
    var mode: String?

    @Option(help: "csv, xlsx, json, dhis2-json (DHIS2 dataValueSets), adx (IHE ADX XML), sdmx-csv, or oneroster (a OneRoster 1.2 bundle of --unit, with names).")
    var format: String = "csv"

    @Option(help: "JSON file mapping indicators and categories to DHIS2/SDMX identifiers (without it, Darasa's codes are sent with idScheme CODE; docs/indicators.md).")
    var mapping: String?

    @Option(help: "An indicator catalogue to use instead of the shipped one (indicators/catalogue.yaml).")
    var indicators: String?

    @Option(help: "For --format oneroster: the code of the school or area to export.")
    var unit: String?

    @Option(help: "File to write; standard output when absent (required for xlsx and oneroster).")
    var out: String?

    static let formats = ["csv", "xlsx", "json", "dhis2-json", "adx", "sdmx-csv", "oneroster"]

    func validate() throws {
        guard Self.formats.contains(format) else { throw ValidationError("--format must be one of \(Self.formats.joined(separator: ", ")).") }
        if ["xlsx", "oneroster"].contains(format) && out == nil { throw ValidationError("--format \(format) writes a file; give --out FILE.") }
        if format == "oneroster" {
            guard unit != nil else { throw ValidationError("--format oneroster exports one school or area; give --unit CODE.") }
            return
        }
        guard indicator != nil else { throw ValidationError("Name the indicator to export (see `darasa indicators list`).") }
        guard (0...12).contains(level) else { throw ValidationError("--level must be a depth from 0 (country) to 12.") }
        if let mode, IndicatorDefinition.Mode(rawValue: mode) == nil { throw ValidationError("--mode must be any, sample or census.") }
        for part in by.split(separator: ",") where Breakdown(rawValue: part.trimmingCharacters(in: .whitespaces)) == nil {
            throw ValidationError("--by takes up to three of \(Breakdown.allCases.map(\.rawValue).joined(separator: ", ")); \"\(part)\" is not one.")
        }
    }

    func run() async throws {
        try await runReportingErrors {
            let catalogue = try indicators.map { try IndicatorCatalogue.load(url: URL(fileURLWithPath: $0), displayName: $0) } ?? .shipped
            let db = try await store.open()
            do {
                guard let root = try await db.rootOrgUnit() else {
                    throw UserFacingError("The database holds no school year yet; import data (or run the demo) first.")
                }
                let data: Data
                let detail: String
                let target: String
                if format == "oneroster" {
                    guard let code = unit, let area = try await db.orgUnit(code: code) else {
                        throw UserFacingError("No school or area has the code \(unit ?? ""); check --unit.")
                    }
                    var chosen = year
                    if chosen == nil { chosen = try await db.latestYearID() }
                    guard let y = chosen, let extract = try await db.rosterExtract(underPath: area.path, yearID: y) else {
                        throw UserFacingError("No school year \(year.map(String.init) ?? "") is loaded; check --year.")
                    }
                    data = try OneRosterExport.zip(extract)
                    target = "oneroster:\(code)"
                    detail = "year=\(y) learners=\(extract.students.count) teachers=\(extract.teachers.count) format=oneroster"
                } else {
                    guard let id = indicator, let definition = catalogue.named(id) else {
                        throw UserFacingError("No indicator is called \(indicator ?? ""); `darasa indicators list` names them.")
                    }
                    let scope = AccessScope(role: .nationalAnalyst, orgUnitID: root.id, orgPath: root.path)
                    let breakdowns = by.split(separator: ",").compactMap { Breakdown(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
                    let table = try await IndicatorEngine(store: db, catalogue: catalogue).table(
                        definition, yearID: year, depth: level, by: breakdowns, scope: scope, suppress: true,
                        mode: mode.flatMap(IndicatorDefinition.Mode.init(rawValue:)))
                    let map = try mapping.map { try ExportMapping.load($0) }
                    switch format {
                    case "csv": data = Data(IndicatorCSV.render(table).utf8)
                    case "xlsx": data = try IndicatorCSV.xlsx(table)
                    case "dhis2-json": data = Data(try StandardExports.dhis2(table, mapping: map).utf8)
                    case "adx": data = Data(try StandardExports.adx(table, mapping: map).utf8)
                    case "sdmx-csv": data = Data(StandardExports.sdmxCSV(table, mapping: map).utf8)
                    default:
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                        data = try encoder.encode(table) + Data("\n".utf8)
                    }
                    target = "indicator:\(id)"
                    detail = "level=\(level) by=\(by) rows=\(table.rows.count) format=\(format)"
                }
                if let out {
                    do { try data.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                        throw UserFacingError("Darasa cannot write \(out); choose a file in a folder you can write to.")
                    }
                } else {
                    FileHandle.standardOutput.write(data)
                }
                try await db.audit(actor: "cli", action: "export", target: target, detail: detail)
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }
}
