import DarasaXLSX
import Foundation

/// A scorecard as a table: one row per unit and year with the four dimension scores, the overall
/// score and the open findings; as CSV or XLSX (the same columns).
public struct QualityScoreTable: Sendable {
    public var scores: [QualityScore]
    public init(_ scores: [QualityScore]) { self.scores = scores }

    public static let header = ["unit_code", "unit", "year", "completeness", "timeliness", "validity", "consistency", "overall", "open_findings"]

    func cells(_ s: QualityScore) -> [String] {
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f", $0 * 100) } ?? "" }
        return [s.unitCode, s.unitName, "\(s.yearID)"] + QualityDimension.allCases.map { pct(s.score($0)) } + [pct(s.overall), "\(s.openFindings)"]
    }

    public func csv() -> String {
        var out = Self.header.joined(separator: ",") + "\n"
        for s in scores {
            out += cells(s).map { c in
                var t = c
                if let f = t.first, "=+-@".contains(f), Double(t) == nil { t = "'" + t }
                return t.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : t
            }.joined(separator: ",") + "\n"
        }
        return out
    }

    public func xlsx() throws -> Data {
        var rows: [[XLSXValue]] = [Self.header.map { .string($0) }]
        for s in scores {
            var row: [XLSXValue] = [.string(s.unitCode), .string(s.unitName), .int(s.yearID)]
            for d in QualityDimension.allCases { row.append(s.score(d).map { .number(($0 * 1000).rounded() / 10) } ?? .empty) }
            row.append(s.overall.map { .number(($0 * 1000).rounded() / 10) } ?? .empty)
            row.append(.int(s.openFindings))
            rows.append(row)
        }
        return try XLSXWriter.data([XLSXSheet(name: "Data quality", rows: rows)])
    }
}
