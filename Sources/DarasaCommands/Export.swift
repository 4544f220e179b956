import ArgumentParser
import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an indicator table as CSV or JSON, with small cells withheld (it leaves the school tier). Audited.",
        discussion: "Example: darasa export attendance_rate --level 2 --by sex --out attendance-by-district.csv")

    @OptionGroup var store: StoreOptions

    @Argument(help: "Indicator id: \(IndicatorDefinition.catalogue.map(\.id).joined(separator: ", ")).")
    var indicator: String

    @Option(help: "Depth of the hierarchy to report at (0 = country, 1 = the level below, …).")
    var level: Int = 1

    @Option(help: "Breakdown: \(Breakdown.allCases.map(\.rawValue).joined(separator: ", ")).")
    var by: String = "none"

    @Option(help: "csv, json, dhis2-json (DHIS2 dataValueSets), adx (IHE ADX XML) or sdmx-csv.")
    var format: String = "csv"

    @Option(help: "JSON file mapping indicators and categories to DHIS2/SDMX identifiers (needed for dhis2-json and adx; see docs/exports.md).")
    var mapping: String?

    @Option(help: "File to write; standard output when absent.")
    var out: String?

    func validate() throws {
        guard let definition = IndicatorDefinition.named(indicator) else {
            throw ValidationError("No indicator is called \(indicator); choose one of \(IndicatorDefinition.catalogue.map(\.id).joined(separator: ", ")).")
        }
        guard let breakdown = Breakdown(rawValue: by), definition.measure.breakdowns.contains(breakdown) else {
            throw ValidationError("--by for \(indicator) must be one of \(definition.measure.breakdowns.map(\.rawValue).sorted().joined(separator: ", ")).")
        }
        guard ["csv", "json", "dhis2-json", "adx", "sdmx-csv"].contains(format) else {
            throw ValidationError("--format must be csv, json, dhis2-json, adx or sdmx-csv.")
        }
        if ["dhis2-json", "adx"].contains(format) && mapping == nil {
            throw ValidationError("--format \(format) needs --mapping FILE naming the DHIS2 data element and category option combos (see docs/exports.md).")
        }
        guard (0...12).contains(level) else { throw ValidationError("--level must be a depth from 0 (country) to 12.") }
    }

    func run() async throws {
        try await runReportingErrors {
            let db = try await store.open()
            do {
                guard let year = try await db.latestYearID(), let root = try await db.rootOrgUnit() else {
                    throw UserFacingError("The database holds no school year yet; import data (or run the demo) first.")
                }
                let scope = AccessScope(role: .nationalAnalyst, orgUnitID: root.id, orgPath: root.path)
                let table = try await IndicatorEngine(store: db).table(IndicatorDefinition.named(indicator)!, yearID: year, depth: level,
                                                                      by: Breakdown(rawValue: by)!, scope: scope, suppress: true)
                let map = try mapping.map { try ExportMapping.load($0) }
                let text: String
                switch format {
                case "csv": text = IndicatorCSV.render(table)
                case "dhis2-json": text = try StandardExports.dhis2(table, mapping: map!)
                case "adx": text = try StandardExports.adx(table, mapping: map!)
                case "sdmx-csv": text = StandardExports.sdmxCSV(table, mapping: map)
                default:
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    text = String(decoding: try encoder.encode(table), as: UTF8.self) + "\n"
                }
                if let out {
                    do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch {
                        throw UserFacingError("Darasa cannot write \(out); choose a file in a folder you can write to.")
                    }
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
                try await db.audit(actor: "cli", action: "export", target: "indicator:\(indicator)",
                                   detail: "level=\(level) by=\(by) rows=\(table.rows.count) format=\(format)")
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }
}
