import Foundation

/// Writes indicator tables in the shapes other systems import. Withheld cells are left out
/// (they are never sent as zeros); numbers are plain decimals, shares as 0…1 rounded to 4
/// places, counts as integers.
public enum StandardExports {
    static func value(_ v: Double, _ unit: IndicatorDefinition.Unit) -> String {
        unit == .count ? String(Int(v.rounded())) : String(format: "%.4f", v)
    }

    /// DHIS2 Web API `dataValueSets` JSON (POST /api/dataValueSets), yearly period. With a
    /// mapping, identifiers come from it (a category missing from it is refused); without one,
    /// Darasa's own codes are sent with `idScheme: CODE`, for a DHIS2 whose data elements, org
    /// units and category option combos carry those codes (the data element's code is the
    /// indicator id in upper case; a combo's code is the category, e.g. FEMALE_RURAL).
    public static func dhis2(_ table: IndicatorTable, mapping: ExportMapping?) throws -> String {
        var values: [[String: String]] = []
        let map = mapping?.indicators[table.indicator.id]
        if mapping != nil && map == nil {
            throw MappingError("The mapping has no entry for \(table.indicator.id); add its dataElement and categoryOptionCombos.")
        }
        for row in table.rows {
            guard let v = row.value else { continue }
            let coc: String
            if let map {
                guard let c = map.categoryOptionCombos[row.category] else {
                    throw MappingError("The mapping for \(table.indicator.id) has no category option combo for \"\(row.category)\"; add it.")
                }
                coc = c
            } else {
                coc = row.categories.isEmpty ? "DEFAULT" : row.categories.map { $0.uppercased() }.joined(separator: "_")
            }
            values.append(["dataElement": map?.dataElement ?? table.indicator.id.uppercased(), "period": String(table.yearID),
                           "orgUnit": mapping?.orgUnit(row.unitCode) ?? row.unitCode, "categoryOptionCombo": coc,
                           "value": value(v, table.indicator.unit)])
        }
        var body: [String: Any] = ["dataValues": values]
        if let ds = mapping?.dataSet { body["dataSet"] = ds }
        if mapping == nil { body["idScheme"] = "CODE" } else if mapping?.orgUnitIdScheme == "code" { body["orgUnitIdScheme"] = "CODE" }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// IHE ADX (urn:ihe:qrph:adx:2015): one `group` per org unit, ISO 8601 period with duration,
    /// each breakdown as a disaggregation attribute (e.g. SEX="female" LOCALITY="rural").
    public static func adx(_ table: IndicatorTable, mapping: ExportMapping?, exported: Date = Date()) throws -> String {
        let map = mapping?.indicators[table.indicator.id]
        if mapping != nil && map == nil { throw MappingError("The mapping has no entry for \(table.indicator.id); add its dataElement.") }
        let stamp = ISO8601DateFormatter().string(from: exported)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<adx xmlns=\"urn:ihe:qrph:adx:2015\" exported=\"\(stamp)\">\n"
        let attributes = table.breakdowns.map { $0.rawValue.uppercased() }
        let start = table.yearName.prefix(4).allSatisfy(\.isNumber) ? String(table.yearName.prefix(4)) : String(table.yearID)
        for (unit, rows) in Dictionary(grouping: table.rows, by: \.unitCode).sorted(by: { $0.key < $1.key }) {
            let shown = rows.filter { $0.value != nil }
            guard !shown.isEmpty else { continue }
            let ds = mapping?.dataSet.map { " dataSet=\"\(escape($0))\"" } ?? ""
            xml += "  <group orgUnit=\"\(escape(mapping?.orgUnit(unit) ?? unit))\" period=\"\(start)-01-01/P1Y\"\(ds)>\n"
            for row in shown {
                let disaggregation = zip(attributes, row.categories).map { " \($0)=\"\(escape($1))\"" }.joined()
                xml += "    <dataValue dataElement=\"\(escape(map?.dataElement ?? table.indicator.id.uppercased()))\"\(disaggregation) value=\"\(value(row.value!, table.indicator.unit))\"/>\n"
            }
            xml += "  </group>\n"
        }
        return xml + "</adx>\n"
    }

    /// SDMX-CSV (version 1 layout, as UIS publishes SDG 4 data): one column per UIS
    /// disaggregation (SEX F/M, AGE Y6…, GRADE, LOCATION URB/RUR, WEALTH_QUINTILE Q1…Q5,
    /// DISABILITY DIS/NDIS; _T for the total, _U unknown), shares as percentages (PT), and the
    /// 95 % bounds where a sample gives them.
    public static func sdmxCSV(_ table: IndicatorTable, mapping: ExportMapping?, dataflow: String = "DARASA:EDU_INDICATORS(1.0)") -> String {
        let code = mapping?.indicators[table.indicator.id]?.sdmxIndicator ?? table.indicator.id.uppercased()
        let unit: String = switch table.indicator.unit {
        case .count: "NB"
        case .share: "PT"
        case .ratio: "RATIO"
        case .mean: "CWPM"
        }
        let columns: [(String, Breakdown, (String) -> String)] = [
            ("SEX", .sex, { $0 == "female" ? "F" : $0 == "male" ? "M" : "_U" }),
            ("AGE", .age, { Int($0).map { "Y\($0)" } ?? "_U" }),
            ("GRADE", .grade, { Int($0).map(String.init) ?? "_U" }),
            ("LOCATION", .locality, { $0 == "urban" ? "URB" : $0 == "rural" ? "RUR" : "_U" }),
            ("WEALTH_QUINTILE", .povertyQuintile, { $0.hasPrefix("q") ? $0.uppercased() : "_U" }),
            ("DISABILITY", .disability, { $0 == "with_disability" ? "DIS" : $0 == "without_disability" ? "NDIS" : "_U" }),
        ]
        var lines = [(["DATAFLOW", "REF_AREA", "INDICATOR"] + columns.map(\.0)
                      + ["TIME_PERIOD", "OBS_VALUE", "LOWER_BOUND", "UPPER_BOUND", "UNIT_MEASURE", "OBS_STATUS"]).joined(separator: ",")]
        let pct = table.indicator.unit == .share
        func shown(_ v: Double) -> String { pct ? String(format: "%.2f", v * 100) : value(v, table.indicator.unit) }
        for row in table.rows {
            guard let v = row.value else { continue }
            let dims = columns.map { name, dim, code -> String in
                guard let i = table.breakdowns.firstIndex(of: dim) else { return "_T" }
                return code(row.categories[i])
            }
            lines.append(([dataflow, mapping?.orgUnit(row.unitCode) ?? row.unitCode, code] + dims
                          + [String(table.yearID), shown(v), row.lower.map(shown) ?? "", row.upper.map(shown) ?? "", unit, "A"]).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
