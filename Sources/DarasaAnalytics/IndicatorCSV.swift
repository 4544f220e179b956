import DarasaXLSX
import Foundation

/// CSV and XLSX of an indicator table: one row per unit and category, a column per breakdown;
/// withheld cells are empty with the reason in `withheld`. Fields that could start a spreadsheet
/// formula are prefixed with `'`.
public enum IndicatorCSV {
    /// The header and the cells of every row, as text (shares as 0…1 decimals).
    public static func cells(_ table: IndicatorTable) -> [[String]] {
        let count = table.indicator.unit == .count
        var out = [["indicator", "year", "level", "unit_code", "unit_name"] + table.breakdowns.map(\.rawValue)
                   + ["value", "standard_error", "lower_95", "upper_95", "numerator", "denominator", "base", "withheld"]]
        for r in table.rows {
            let shown = r.withheld == nil
            let value = r.value.map { count ? String(Int($0.rounded())) : String($0) } ?? ""
            out.append([table.indicator.id, String(table.yearID), table.level, r.unitCode, r.unitName] + r.categories
                       + [value, r.standardError.map { String($0) } ?? "", r.lower.map { String($0) } ?? "", r.upper.map { String($0) } ?? "",
                          shown && r.components == nil ? number(r.numerator) : "",
                          shown && !count && r.components == nil ? number(r.denominator) : "",
                          shown ? String(r.base) : "", r.withheld ?? ""])
        }
        return out
    }

    public static func render(_ table: IndicatorTable) -> String {
        cells(table).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// The same table as a workbook: the figures on one sheet (numbers as numbers), the
    /// definition and notes on a second.
    public static func xlsx(_ table: IndicatorTable) throws -> Data {
        let numeric: Set<String> = ["value", "standard_error", "lower_95", "upper_95", "numerator", "denominator", "base", "year"]
        let rows = cells(table)
        let header = rows[0]
        let body: [[XLSXValue]] = [header.map { .string($0) }] + rows.dropFirst().map { row in
            row.enumerated().map { i, cell in
                numeric.contains(header[i]) ? (Double(cell).map { .number($0) } ?? .string(cell)) : .string(cell)
            }
        }
        var about: [[XLSXValue]] = [[.string("Indicator"), .string(table.indicator.title)], [.string("Definition"), .string(table.indicator.definition)],
                                    [.string("School year"), .string(table.yearName)], [.string("Level"), .string(table.level)]]
        about += table.notes.map { [.string("Note"), .string($0)] }
        about.append([.string("Withheld"), .string("Figures on fewer than 10 learners are withheld outside the school, with a second cell where one could be worked out from a total.")])
        return try XLSXWriter.data([XLSXSheet(name: "Figures", rows: body), XLSXSheet(name: "About", rows: about)])
    }

    static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x) }

    static func field(_ s: String) -> String {
        var s = s
        if let first = s.first, "=+-@".contains(first), Double(s) == nil { s = "'" + s }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}
