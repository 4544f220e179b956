import DarasaAnalytics
import DarasaCore
import DarasaStore
import DarasaTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite struct StandardExportTests {
    static let mapping = ExportMapping(dataSet: "DS_EDU", orgUnitIdScheme: "code", orgUnits: ["D1": "uidD1", "D2": "uidD2"],
        indicators: ["attendance_rate": .init(dataElement: "DE_ATT", categoryOptionCombos: ["all": "COC_T", "female": "COC_F", "male": "COC_M"],
                                              sdmxIndicator: "ATT_RATE")])

    func attendanceBySex() async throws -> IndicatorTable {
        let store = try await TestEngine.sqlite.makeStore()
        try await TinyCountry.load(into: store)
        let scope = AccessScope(role: .nationalAnalyst, orgUnitID: TinyCountry.country, orgPath: "/TL/")
        let table = try await IndicatorEngine(store: store).table(IndicatorCatalogue.shipped.named("attendance_rate")!, yearID: 2025,
                                                                  depth: 2, by: [.sex], scope: scope, suppress: false)
        await store.close()
        return table
    }

    @Test func dhis2DataValueSetHasTheDocumentedShape() async throws {
        let json = try StandardExports.dhis2(try await attendanceBySex(), mapping: Self.mapping)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(doc["dataSet"] as? String == "DS_EDU")
        let values = try #require(doc["dataValues"] as? [[String: String]])
        // D1 girls 81/82, boys 36/41; D2 girls 10/20 (Eshe), boys 37/41 (Daudi)
        #expect(values.count == 4)
        #expect(values.allSatisfy { Set($0.keys) == ["dataElement", "period", "orgUnit", "categoryOptionCombo", "value"] })
        let d1girls = try #require(values.first { $0["orgUnit"] == "uidD1" && $0["categoryOptionCombo"] == "COC_F" })
        #expect(d1girls["value"] == String(format: "%.4f", 81.0 / 82.0) && d1girls["period"] == "2025")
    }

    @Test func dhis2RefusesACategoryTheMappingLacks() async throws {
        var mapping = Self.mapping
        mapping.indicators["attendance_rate"]?.categoryOptionCombos.removeValue(forKey: "male")
        let table = try await attendanceBySex()
        #expect(throws: MappingError.self) { try StandardExports.dhis2(table, mapping: mapping) }
    }

    @Test func adxIsWellFormedXMLWithOneGroupPerUnit() async throws {
        let xml = try StandardExports.adx(try await attendanceBySex(), mapping: Self.mapping, exported: Date(timeIntervalSince1970: 0))
        final class Counter: NSObject, XMLParserDelegate {
            var groups = 0, values = 0, sexes: [String] = []
            func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                if name == "group" { groups += 1; #expect(attributes["period"] == "2025-01-01/P1Y") }
                if name == "dataValue" { values += 1; sexes.append(attributes["SEX"] ?? "") }
            }
        }
        let parser = XMLParser(data: Data(xml.utf8))
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "ADX must be well-formed XML")
        #expect(counter.groups == 2 && counter.values == 4)
        #expect(Set(counter.sexes) == ["female", "male"])
        #expect(xml.contains(#"xmlns="urn:ihe:qrph:adx:2015""#))
    }

    @Test func sdmxCSVUsesSexCodesAndPercentages() async throws {
        let csv = StandardExports.sdmxCSV(try await attendanceBySex(), mapping: Self.mapping)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "DATAFLOW,REF_AREA,INDICATOR,SEX,AGE,GRADE,LOCATION,WEALTH_QUINTILE,DISABILITY,TIME_PERIOD,OBS_VALUE,LOWER_BOUND,UPPER_BOUND,UNIT_MEASURE,OBS_STATUS")
        #expect(lines.count == 5)
        #expect(lines.contains { $0.contains(",uidD1,ATT_RATE,F,_T,_T,_T,_T,_T,2025,\(String(format: "%.2f", 8100.0 / 82.0)),,,PT,A") })
    }

    @Test func withheldCellsAreLeftOutNotSentAsZero() async throws {
        var table = try await attendanceBySex()
        table.rows = IndicatorEngine.suppress(table.rows, minimum: 10, breakdowns: 1)
        let json = try StandardExports.dhis2(table, mapping: Self.mapping)
        #expect(!json.contains("\"value\""))
        #expect(StandardExports.sdmxCSV(table, mapping: nil).split(separator: "\n").count == 1)
    }
}
