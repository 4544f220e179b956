import Foundation

/// Writes indicator tables in the shapes other systems import. Withheld cells are left out
/// (they are never sent as zeros); numbers are plain decimals, rates as shares 0…1 rounded to
/// 4 places, counts as integers.
public enum StandardExports {
    static func value(_ v: Double, _ kind: IndicatorDefinition.Kind) -> String {
        kind == .count ? String(Int(v.rounded())) : String(format: "%.4f", v)
    }

    /// DHIS2 Web API `dataValueSets` JSON (POST /api/dataValueSets), yearly period.
    /// Throws when the mapping lacks the indicator or a category present in the table.
    public static func dhis2(_ table: IndicatorTable, mapping: ExportMapping) throws -> String {
        guard let map = mapping.indicators[table.indicator.id] else {
            throw MappingError("The mapping has no entry for \(table.indicator.id); add its dataElement and categoryOptionCombos.")
        }
        var values: [[String: String]] = []
        for row in table.rows {
            guard let v = row.value else { continue }
            guard let coc = map.categoryOptionCombos[row.category] else {
                throw MappingError("The mapping for \(table.indicator.id) has no category option combo for \"\(row.category)\"; add it.")
            }
            values.append(["dataElement": map.dataElement, "period": String(table.yearID), "orgUnit": mapping.orgUnit(row.unitCode),
                           "categoryOptionCombo": coc, "value": value(v, table.indicator.kind)])
        }
        var body: [String: Any] = ["dataValues": values]
        if let ds = mapping.dataSet { body["dataSet"] = ds }
        if mapping.orgUnitIdScheme == "code" { body["orgUnitIdScheme"] = "CODE" }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// IHE ADX (urn:ihe:qrph:adx:2015): one `group` per org unit, ISO 8601 period with duration,
    /// the breakdown as a disaggregation attribute (e.g. SEX="female").
    public static func adx(_ table: IndicatorTable, mapping: ExportMapping, exported: Date = Date()) throws -> String {
        guard let map = mapping.indicators[table.indicator.id] else {
            throw MappingError("The mapping has no entry for \(table.indicator.id); add its dataElement.")
        }
        let stamp = ISO8601DateFormatter().string(from: exported)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<adx xmlns=\"urn:ihe:qrph:adx:2015\" exported=\"\(stamp)\">\n"
        let attribute = table.breakdown == .none ? nil : table.breakdown.rawValue.uppercased()
        for (unit, rows) in Dictionary(grouping: table.rows, by: \.unitCode).sorted(by: { $0.key < $1.key }) {
            let shown = rows.filter { $0.value != nil }
            guard !shown.isEmpty else { continue }
            let ds = mapping.dataSet.map { " dataSet=\"\(escape($0))\"" } ?? ""
            xml += "  <group orgUnit=\"\(escape(mapping.orgUnit(unit)))\" period=\"\(table.yearID)-01-01/P1Y\"\(ds)>\n"
            for row in shown {
                let disaggregation = attribute.map { " \($0)=\"\(escape(row.category))\"" } ?? ""
                xml += "    <dataValue dataElement=\"\(escape(map.dataElement))\"\(disaggregation) value=\"\(value(row.value!, table.indicator.kind))\"/>\n"
            }
            xml += "  </group>\n"
        }
        return xml + "</adx>\n"
    }

    /// SDMX-CSV (version 1 layout, as UIS publishes SDG 4 data): DATAFLOW, REF_AREA,
    /// INDICATOR, SEX, TIME_PERIOD, OBS_VALUE, UNIT_MEASURE, OBS_STATUS. Sex codes F/M/_T.
    public static func sdmxCSV(_ table: IndicatorTable, mapping: ExportMapping?, dataflow: String = "DARASA:EDU_INDICATORS(1.0)") -> String {
        let code = mapping?.indicators[table.indicator.id]?.sdmxIndicator ?? table.indicator.id.uppercased()
        let unit = table.indicator.kind == .count ? "NB" : (table.indicator.kind == .rate ? "PT" : "CWPM")
        var lines = ["DATAFLOW,REF_AREA,INDICATOR,SEX,GRADE,LOCATION,DISABILITY,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS"]
        for row in table.rows {
            guard let v = row.value else { continue }
            let sex = table.breakdown == .sex ? (row.category == "female" ? "F" : row.category == "male" ? "M" : "_U") : "_T"
            let grade = table.breakdown == .grade ? row.category : "_T"
            let location = table.breakdown == .locality ? (row.category == "urban" ? "URB" : "RUR") : "_T"
            let disability = table.breakdown == .disability
                ? (row.category == "with_disability" ? "DIS" : row.category == "without_disability" ? "NDIS" : "_U") : "_T"
            let shown = table.indicator.kind == .rate ? String(format: "%.2f", v * 100) : value(v, table.indicator.kind)
            lines.append([dataflow, mapping?.orgUnit(row.unitCode) ?? row.unitCode, code, sex, grade, location, disability,
                          String(table.yearID), shown, unit, "A"].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
