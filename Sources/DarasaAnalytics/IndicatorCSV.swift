import Foundation

/// CSV of an indicator table: one row per unit and category; withheld cells are empty with the
/// reason in `withheld`. Fields that could start a spreadsheet formula are prefixed with `'`.
public enum IndicatorCSV {
    public static func render(_ table: IndicatorTable) -> String {
        var lines = ["indicator,year,level,unit_code,unit_name,breakdown,category,value,numerator,denominator,base,withheld"]
        for r in table.rows {
            let value = r.value.map { table.indicator.kind == .count ? String(Int($0.rounded())) : String($0) } ?? ""
            let shown = r.withheld == nil
            lines.append([table.indicator.id, String(table.yearID), table.level, r.unitCode, r.unitName, table.breakdown.rawValue,
                          r.category, value, shown ? number(r.numerator) : "", shown && table.indicator.kind != .count ? number(r.denominator) : "",
                          shown ? String(r.base) : "", r.withheld ?? ""].map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
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
