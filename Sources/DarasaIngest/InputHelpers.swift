import DarasaCore
import Foundation

/// Column positions of a CSV header, with checks that name the file and the missing column.
struct HeaderMap {
    let file: String
    private var index: [String: Int] = [:]
    let names: [String]

    /// - Throws: `InputError` naming the first required column that is missing.
    init(file: String, header: CSVRecord, required: [String]) throws {
        self.file = file
        names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        for name in required where index[name] == nil {
            throw InputError(file: file, row: 1, column: name,
                             problem: "the header has no column \"\(name)\"",
                             fix: "Export the file again with all of its standard columns (\(required.joined(separator: ", ")))")
        }
    }

    func column(_ name: String) -> Int? { index[name] }

    /// The position of a column checked present by `init`.
    subscript(_ name: String) -> Int { index[name] ?? -1 }
}

/// Field parsers that turn a bad value into an `InputError` with file, row, column and a fix.
enum Field {
    static func text(_ r: CSVRecord, _ i: Int) -> String { r.trimmed(i) }

    static func optionalText(_ r: CSVRecord, _ i: Int) -> String? {
        let t = text(r, i)
        return t.isEmpty ? nil : t
    }

    static func required(_ r: CSVRecord, _ i: Int, file: String, row: Int, column: String) throws -> String {
        let t = text(r, i)
        guard !t.isEmpty else {
            throw InputError(file: file, row: row, column: column, problem: "the \(column) is empty",
                             fix: "Fill in the \(column) for this row or remove the row")
        }
        return t
    }

    static func int(_ r: CSVRecord, _ i: Int, file: String, row: Int, column: String) throws -> Int {
        if let v = r.int(i) { return v }
        throw InputError(file: file, row: row, column: column,
                         problem: "\"\(String(text(r, i).prefix(20)))\" is not a whole number",
                         fix: "Write the \(column) as a whole number such as 3")
    }

    static func optionalInt(_ r: CSVRecord, _ i: Int, file: String, row: Int, column: String) throws -> Int? {
        if r.isEmpty(i) || text(r, i).isEmpty { return nil }
        return try int(r, i, file: file, row: row, column: column)
    }

    static func double(_ r: CSVRecord, _ i: Int, file: String, row: Int, column: String) throws -> Double {
        if let v = Double(text(r, i)) { return v }
        throw InputError(file: file, row: row, column: column,
                         problem: "\"\(String(text(r, i).prefix(20)))\" is not a number",
                         fix: "Write the \(column) as a number such as 1.5")
    }

    /// YYYY-MM-DD.
    static func isoDay(_ r: CSVRecord, _ i: Int, file: String, row: Int, column: String) throws -> Day {
        let t = text(r, i)
        if let d = Day(iso: t) { return d }
        throw InputError(file: file, row: row, column: column,
                         problem: "\"\(String(t.prefix(20)))\" is not a date written as YYYY-MM-DD",
                         fix: "Write the \(column) as YYYY-MM-DD, e.g. 2024-03-15")
    }

    static func optionalIsoDay(_ r: CSVRecord, _ i: Int, file: String, row: Int, column: String) throws -> Day? {
        text(r, i).isEmpty ? nil : try isoDay(r, i, file: file, row: row, column: column)
    }

    /// DD/MM/YYYY (HR and ASER exports).
    static func dmyDay(_ r: CSVRecord, _ i: Int, file: String, row: Int, column: String) throws -> Day {
        let t = text(r, i)
        if let d = parseDMY(t) { return d }
        throw InputError(file: file, row: row, column: column,
                         problem: "\"\(String(t.prefix(20)))\" is not a date written as DD/MM/YYYY",
                         fix: "Write the \(column) as DD/MM/YYYY, e.g. 15/03/2024")
    }

    static func parseDMY(_ t: String) -> Day? {
        let parts = t.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].count == 4, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]) else {
            return nil
        }
        return Day(year: y, month: m, day: d)
    }

    /// "female"/"F"/"girl" and "male"/"M"/"boy", any case.
    static func sex(_ value: String) -> Sex? {
        switch value.lowercased() {
        case "f", "female", "girl", "g": .female
        case "m", "male", "boy", "b": .male
        default: nil
        }
    }

    /// The first run of digits in text such as "Grade 3", "03" or "Std 3".
    static func grade(_ value: String) -> Int? {
        let digits = value.drop { !$0.isNumber }.prefix { $0.isNumber }
        return Int(digits)
    }
}

/// Name normalisation for exact linkage: case- and accent-folded, letters and digits only,
/// single spaces. "Kipng'eno" and "KIPNGENO" normalise alike; "Ole  Sankale" → "OLE SANKALE".
func normalizedName(_ name: String) -> String {
    let folded = name.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).uppercased()
    var out = ""
    var pendingSpace = false
    for ch in folded {
        if ch.isLetter || ch.isNumber {
            if pendingSpace && !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(ch)
        } else if ch == " " || ch == "-" || ch == "\t" {
            pendingSpace = true
        }
    }
    return out
}

/// Collects records of one kind and hands them to the sink in chunks of at most `limit`.
struct Chunker<Record: Sendable> {
    let file: SourceFile
    let limit: Int
    let wrap: @Sendable ([Record]) -> RecordBatch
    private(set) var records: [Record] = []
    private(set) var rows: [Int] = []
    private(set) var delivered = 0

    init(file: SourceFile, limit: Int, wrap: @escaping @Sendable ([Record]) -> RecordBatch) {
        self.file = file
        self.limit = limit
        self.wrap = wrap
        records.reserveCapacity(min(limit, 1024))
    }

    /// Adds a record; true when the chunk is full and should be flushed (kept synchronous so
    /// that a million rows do not cost a million suspension points).
    mutating func append(_ record: Record, row: Int) -> Bool {
        records.append(record)
        rows.append(row)
        return records.count >= limit
    }

    mutating func flush(to sink: some RecordSink) async throws {
        guard !records.isEmpty else { return }
        let batch = wrap(records)
        let r = rows
        records.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
        delivered += batch.count
        try await sink.receive(batch, from: file, rows: r)
    }
}

/// Files under `dir/sub` whose names match, sorted by name (relative paths).
func listFiles(_ root: URL, _ sub: String, prefix: String, suffix: String) -> [String] {
    let dir = root.appendingPathComponent(sub)
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
    return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.sorted().map { sub + "/" + $0 }
}
