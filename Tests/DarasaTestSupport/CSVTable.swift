import DarasaIngest
import Foundation

/// Reads a whole CSV file as dictionaries keyed by header (test-sized files only).
public func readTable(_ url: URL) throws -> [[String: String]] {
    let reader = try CSVReader(url: url)
    guard let header = try reader.next() else { return [] }
    var out: [[String: String]] = []
    while let fields = try reader.next() {
        var row: [String: String] = [:]
        for (i, name) in header.enumerated() { row[name] = i < fields.count ? fields[i] : "" }
        out.append(row)
    }
    return out
}
