import DarasaCore
import Foundation

/// How a tabular file is read. Parsed from a mapping's `read:` section (see `Mapping`).
public struct ReadOptions: Sendable, Hashable {
    public enum Format: String, Sendable, CaseIterable { case csv, xlsx, json }
    public enum Encoding: String, Sendable, CaseIterable {
        /// UTF-8 where a field is valid UTF-8, else Windows-1252 (which covers Latin-1's printable range).
        case auto
        case utf8 = "utf-8"
        case windows1252 = "windows-1252"
        case latin1 = "latin-1"
    }

    public var format: Format = .csv
    /// A single character, or nil to sniff among `,` `;` tab `|` from the first line.
    public var delimiter: UInt8? = nil
    public var encoding: Encoding = .auto
    /// XLSX: the sheet to read (default: the first).
    public var sheet: String? = nil
    /// Rows that make up the header. With 2 or more, a header cell merged across columns (or
    /// left blank beside a filled one) is carried over, and the rows' labels are joined with a
    /// space: "Enrolment" over "Girls" → "Enrolment Girls".
    public var headerRows = 1
    /// JSON: the key of the array of records (dotted for nested, e.g. "export.rows"); nil when
    /// the file is itself an array.
    public var records: String? = nil

    public init() {}
}

/// The largest file Darasa reads in one import. CSV is streamed and may be larger than memory;
/// XLSX and JSON are read whole, so they are held to smaller limits.
public enum InputLimits {
    public static let maxXLSXBytes = 256 << 20
    public static let maxJSONBytes = 256 << 20
    /// Uncompressed bytes of one workbook part: beyond this the file is treated as a zip bomb.
    public static let maxXLSXPartBytes = 1 << 30
    public static let maxFields = 4096
}

/// A file read as a table: a header and rows, each row's fields in a reusable `CSVRecord`
/// (bytes + ends) with the row number a spreadsheet would show (CSV: the header is row 1;
/// XLSX: the worksheet row; JSON: the 1-based position in the array).
public protocol TabularSource: AnyObject {
    /// The file as the user named it (never a server path).
    var file: String { get }
    var header: [String] { get }
    /// The next row into `record`; its row number, or nil at the end.
    func next(into record: inout CSVRecord) throws -> Int?
}

/// Opens a file as a table according to `options`.
public func openTable(url: URL, displayName: String, options: ReadOptions) throws -> any TabularSource {
    switch options.format {
    case .csv: return try CSVTable(url: url, file: displayName, options: options)
    case .xlsx: return try XLSXTable(url: url, file: displayName, options: options)
    case .json: return try JSONTable(url: url, file: displayName, options: options)
    }
}

// MARK: - Text decoding

enum TextDecoding {
    /// Windows-1252's 0x80–0x9F (the rest of the high half is Latin-1, i.e. the code point itself).
    static let cp1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]

    static func windows1252(_ bytes: some Sequence<UInt8>, latin1: Bool = false) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes {
            let v: UInt32 = (!latin1 && b >= 0x80 && b <= 0x9F) ? cp1252High[Int(b - 0x80)] : UInt32(b)
            s.append(Unicode.Scalar(v) ?? "?")
        }
        return String(s)
    }

    /// Rewrites `record` so every field is UTF-8: fields that are not valid UTF-8 (or all fields,
    /// for an explicit single-byte encoding) are transcoded. ASCII-only records are left alone.
    static func normalise(_ record: inout CSVRecord, encoding: ReadOptions.Encoding) {
        if encoding == .utf8 { return }
        var ascii = true
        for b in record.bytes where b >= 0x80 { ascii = false; break }
        if ascii { return }
        var out = CSVRecord()
        for i in 0..<record.count {
            let slice = record.bytes[record.range(i)]
            let text: String
            switch encoding {
            case .auto: text = String(validating: slice, as: UTF8.self) ?? windows1252(slice)
            case .windows1252: text = windows1252(slice)
            case .latin1: text = windows1252(slice, latin1: true)
            case .utf8: text = String(decoding: slice, as: UTF8.self)
            }
            out.bytes.append(contentsOf: text.utf8)
            out.ends.append(out.bytes.count)
        }
        record = out
    }
}

extension CSVRecord {
    /// Replaces the record with these fields.
    mutating func set(_ fields: [String]) {
        reset()
        for f in fields {
            bytes.append(contentsOf: f.utf8)
            ends.append(bytes.count)
        }
    }
}

/// Header cleanup common to every format: trimmed, a UTF-8 BOM dropped, empty names given their
/// position ("column 7") so that they can still be named in a message.
func cleanHeader(_ names: [String]) -> [String] {
    names.enumerated().map { i, n in
        // Most names need nothing done: printable ASCII at both ends (no space, no BOM).
        if let a = n.utf8.first, let b = n.utf8.last, a > 32 && a < 127 && b > 32 && b < 127 { return n }
        var t = n.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.hasPrefix("\u{FEFF}") { t.removeFirst() }
        return t.isEmpty ? "column \(i + 1)" : t
    }
}

// MARK: - CSV

/// A CSV (or other delimited text) file, streamed.
public final class CSVTable: TabularSource {
    public let file: String
    public private(set) var header: [String] = []
    public let delimiter: UInt8
    let encoding: ReadOptions.Encoding
    private let reader: CSVReader

    public init(url: URL, file: String, options: ReadOptions) throws {
        self.file = file
        encoding = options.encoding
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else {
            throw InputError(file: file, problem: "the file could not be found", fix: "Check the file name and that the file exists")
        }
        delimiter = try options.delimiter ?? Self.sniffDelimiter(url: url, file: file)
        do { reader = try CSVReader(url: url, delimiter: Character(Unicode.Scalar(delimiter))) } catch {
            throw InputError(file: file, problem: "the file could not be opened", fix: "Check that the file exists and is readable")
        }
        var rows: [[String]] = []
        var r = CSVRecord()
        for _ in 0..<max(1, options.headerRows) {
            guard try read(&r) else { break }
            rows.append(r.fields)
        }
        guard !rows.isEmpty else {
            throw InputError(file: file, row: 1, problem: "the file is empty",
                             fix: "Export the file again with its header row and data")
        }
        if let bad = rows.first(where: { $0.count > InputLimits.maxFields }) {
            throw InputError(file: file, row: 1, problem: "the header has \(bad.count) columns, more than the \(InputLimits.maxFields) Darasa reads",
                             fix: "Check the delimiter in the mapping's read section; the file may not be delimited by \"\(Character(Unicode.Scalar(delimiter)))\"")
        }
        header = cleanHeader(combineHeaderRows(rows))
    }

    private func read(_ r: inout CSVRecord) throws -> Bool {
        do {
            guard try reader.next(into: &r) else { return false }
        } catch let e as CSVReader.CSVError {
            throw InputError(file: file, row: e.line, problem: e.problem,
                             fix: "Close the quoted field or remove the stray quote, then export again")
        }
        TextDecoding.normalise(&r, encoding: encoding)
        return true
    }

    public func next(into record: inout CSVRecord) throws -> Int? {
        guard try read(&record) else { return nil }
        if record.count > InputLimits.maxFields {
            throw InputError(file: file, row: reader.recordNumber, problem: "the row has \(record.count) fields, more than the \(InputLimits.maxFields) Darasa reads",
                             fix: "Check that the file is a delimited text file and not a binary one")
        }
        return reader.recordNumber
    }

    /// The delimiter among `,` `;` tab `|` that occurs most often (outside quotes) on the first
    /// line; `,` when none does.
    static func sniffDelimiter(url: URL, file: String) throws -> UInt8 {
        guard let h = try? FileHandle(forReadingFrom: url) else {
            throw InputError(file: file, problem: "the file could not be opened", fix: "Check that the file exists and is readable")
        }
        defer { try? h.close() }
        return sniffDelimiter(head: h.readData(ofLength: 1 << 16))
    }

    /// `sniffDelimiter(url:file:)` on a file's first bytes (64 KiB are enough).
    static func sniffDelimiter(head: some Sequence<UInt8>) -> UInt8 {
        var counts: [UInt8: Int] = [:]
        var inQuotes = false
        for b in head {
            if b == UInt8(ascii: "\"") { inQuotes.toggle(); continue }
            if inQuotes { continue }
            if b == 10 || b == 13 { break }
            if b == 44 || b == 59 || b == 9 || b == 124 { counts[b, default: 0] += 1 }
        }
        return counts.max { a, b in a.value == b.value ? a.key > b.key : a.value < b.value }?.key ?? 44
    }
}

/// Joins header rows: a blank cell takes the label to its left in the same row when that
/// label spans it (merged), and the labels of a column are joined with a space.
func combineHeaderRows(_ rows: [[String]], merges: [(row: Int, from: Int, to: Int)] = []) -> [String] {
    guard rows.count > 1 else { return rows.first ?? [] }
    let width = rows.map(\.count).max() ?? 0
    var filled = rows.map { $0 + Array(repeating: "", count: width - $0.count) }
    for m in merges where m.row < filled.count {
        let label = filled[m.row][m.from]
        for c in (m.from + 1)...max(m.from + 1, m.to) where c < width && filled[m.row][c].isEmpty { filled[m.row][c] = label }
    }
    return (0..<width).map { c in
        var parts: [String] = []
        for r in filled.indices {
            let t = filled[r][c].trimmingCharacters(in: .whitespaces)
            if !t.isEmpty, parts.last != t { parts.append(t) }
        }
        return parts.joined(separator: " ")
    }
}

// MARK: - XLSX

/// One sheet of a workbook. Dates stored as serial numbers are given as YYYY-MM-DD (their cell
/// has a date format); formulas are read as their last computed value and never evaluated.
public final class XLSXTable: TabularSource {
    public let file: String
    public let header: [String]
    private let rows: [XLSXRow]
    private let width: Int
    private var index = 0
    private let date1904: Bool

    public init(url: URL, file: String, options: ReadOptions) throws {
        self.file = file
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        guard let size else {
            throw InputError(file: file, problem: "the file could not be found", fix: "Check the file name and that the file exists")
        }
        if size == 0 {
            throw InputError(file: file, problem: "the file is empty", fix: "Save the workbook again from a spreadsheet program")
        }
        if size > InputLimits.maxXLSXBytes {
            throw InputError(file: file, problem: "the workbook is \(size >> 20) MB, larger than the \(InputLimits.maxXLSXBytes >> 20) MB Darasa reads",
                             fix: "Save the sheet as CSV (which has no size limit) and import that")
        }
        let book: XLSXReader
        let sheet: String
        do {
            book = try XLSXReader(url: url)
            sheet = options.sheet ?? book.sheetNames.first ?? "Sheet1"
            let all = try book.rows(sheet: sheet)
            let merges = try book.mergedRanges(sheet: sheet)
            guard let first = all.first else {
                throw InputError(file: file, row: 1, problem: "the sheet \"\(sheet)\" is empty", fix: "Choose the sheet with the data in the mapping's read section")
            }
            let headerCount = max(1, options.headerRows)
            let headerRows = all.prefix { $0.number < first.number + headerCount }
            let w = max(all.lazy.map { ($0.cells.last?.column ?? -1) + 1 }.max() ?? 0, 0)
            let labels = headerRows.map { r in (0..<w).map { r[$0] } }
            var spans: [(row: Int, from: Int, to: Int)] = []
            for m in merges {
                let ends = m.split(separator: ":").compactMap { XLSXReader.parseReference(String($0)) }
                guard ends.count == 2 else { continue }
                for r in ends[0].row...ends[1].row {
                    let k = r - first.number
                    if k >= 0 && k < headerCount { spans.append((k, ends[0].column, ends[1].column)) }
                }
            }
            header = cleanHeader(combineHeaderRows(labels, merges: spans))
            rows = Array(all.dropFirst(headerRows.count))
            width = w
            date1904 = book.date1904
        } catch let e as XLSXReader.XLSXError {
            throw InputError(file: file, problem: e.problem, fix: "Save the workbook again as .xlsx from a spreadsheet program")
        }
    }

    public func next(into record: inout CSVRecord) throws -> Int? {
        guard index < rows.count else { return nil }
        let row = rows[index]
        index += 1
        record.set((0..<width).map { c in
            guard let cell = row.cell(c) else { return "" }
            if case .number(isDate: true) = cell.kind, let d = cell.day(date1904: date1904) { return d.iso }
            return cell.value
        })
        return row.number
    }
}

// MARK: - JSON

/// A JSON value as read from a file (objects keep no key order; keys are sorted where it matters).
enum JSONValue: Decodable {
    case null, bool(Bool), int(Int64), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// The value as a cell: numbers in plain notation, arrays and objects as compact JSON.
    var text: String {
        switch self {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): s
        case .array, .object: json
        }
    }

    var json: String {
        switch self {
        case .null: "null"
        case .bool, .int, .double: text
        case .string(let s):
            String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
        case .array(let a): "[" + a.map(\.json).joined(separator: ",") + "]"
        case .object(let o): "{" + o.keys.sorted().map { JSONValue.string($0).json + ":" + o[$0]!.json }.joined(separator: ",") + "}"
        }
    }
}

/// An array of JSON objects, each a row. Nested objects are flattened with dots
/// ("visitor.id"); arrays are kept as JSON text; the header is every key seen, sorted.
public final class JSONTable: TabularSource {
    public let file: String
    public let header: [String]
    private let objects: [[String: JSONValue]]
    private var index = 0

    public init(url: URL, file: String, options: ReadOptions) throws {
        self.file = file
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        guard let size else {
            throw InputError(file: file, problem: "the file could not be found", fix: "Check the file name and that the file exists")
        }
        if size > InputLimits.maxJSONBytes {
            throw InputError(file: file, problem: "the file is \(size >> 20) MB, larger than the \(InputLimits.maxJSONBytes >> 20) MB Darasa reads as JSON",
                             fix: "Split the export into smaller files, or export it as CSV")
        }
        guard size > 0, let data = try? Data(contentsOf: url) else {
            throw InputError(file: file, problem: "the file is empty", fix: "Export the file again")
        }
        let root: JSONValue
        do { root = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw InputError(file: file, problem: "the file is not valid JSON", fix: "Export the file again, or check it with a JSON validator")
        }
        var node: JSONValue? = root
        if let path = options.records {
            for part in path.split(separator: ".") {
                if case .object(let o)? = node { node = o[String(part)] } else { node = nil }
            }
        }
        guard case .array(let array)? = node else {
            throw InputError(file: file, problem: options.records.map { "the file has no array of records at \"\($0)\"" } ?? "the file is not an array of records",
                             fix: "Set read.records in the mapping to the key that holds the records")
        }
        var objects: [[String: JSONValue]] = []
        var seen: Set<String> = []
        for (i, element) in array.enumerated() {
            guard case .object(let object) = element else {
                throw InputError(file: file, row: i + 1, problem: "record \(i + 1) is not a JSON object", fix: "Each record must be an object such as {\"id\": 1}")
            }
            var flat: [String: JSONValue] = [:]
            Self.flatten(object, prefix: "", into: &flat)
            seen.formUnion(flat.keys)
            objects.append(flat)
        }
        self.objects = objects
        header = seen.sorted()
    }

    static func flatten(_ object: [String: JSONValue], prefix: String, into out: inout [String: JSONValue]) {
        for (k, v) in object {
            if case .object(let nested) = v { flatten(nested, prefix: prefix + k + ".", into: &out) } else { out[prefix + k] = v }
        }
    }

    public func next(into record: inout CSVRecord) throws -> Int? {
        guard index < objects.count else { return nil }
        let o = objects[index]
        index += 1
        record.set(header.map { o[$0]?.text ?? "" })
        return index
    }
}
