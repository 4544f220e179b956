import DarasaCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// One cell of a worksheet as stored: its kind decides how `value` reads.
public struct XLSXCell: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// Shared, inline or formula-result text.
        case string
        /// A number; `isDate` when the cell's style has a date format.
        case number(isDate: Bool)
        case bool
        case error
    }
    /// 0-based column index (A = 0).
    public var column: Int
    public var kind: Kind
    /// The text (for strings) or the number as written in the XML.
    public var value: String

    public init(column: Int, kind: Kind, value: String) {
        self.column = column
        self.kind = kind
        self.value = value
    }

    public var number: Double? {
        if case .number = kind { return Double(value) }
        if case .string = kind { return Double(value.trimmingCharacters(in: .whitespaces)) }
        return nil
    }

    /// A day from a date serial (1900 date system, with Lotus's phantom 1900-02-29), or from
    /// text written as YYYY-MM-DD or DD/MM/YYYY. `date1904` selects the Mac 1904 system.
    public func day(date1904: Bool = false) -> Day? {
        if case .number = kind, let serial = Double(value) {
            let whole = Int(serial.rounded(.down))
            if date1904 { return Day(daysSinceEpoch: Int32(whole - 24_107)) }
            guard whole >= 1 else { return nil }
            // Serials below 61 predate the phantom 29 February 1900.
            return Day(daysSinceEpoch: Int32(whole - (whole < 61 ? 25_568 : 25_569)))
        }
        let text = value.trimmingCharacters(in: .whitespaces)
        if let d = Day(iso: text) { return d }
        let parts = text.split(separator: "/")
        if parts.count == 3, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]), parts[2].count == 4 {
            return Day(year: y, month: m, day: d)
        }
        return nil
    }
}

/// A worksheet row: its 1-based row number and its non-empty cells in column order.
public struct XLSXRow: Sendable {
    public var number: Int
    public var cells: [XLSXCell]

    public init(number: Int, cells: [XLSXCell]) {
        self.number = number
        self.cells = cells
    }

    public func cell(_ column: Int) -> XLSXCell? { cells.first { $0.column == column } }

    /// The text of a column ("" when empty); numbers as written.
    public subscript(_ column: Int) -> String { cell(column)?.value ?? "" }
}

/// Reads .xlsx workbooks (Office Open XML): the workbook's sheet list and relationships, shared
/// strings, styles (to tell dates from numbers: built-in formats 14–22 and 45–47, and custom
/// formats with day/month/year codes) and worksheets with shared, inline and formula strings,
/// numbers, booleans and errors. Merged cells are reported by `mergedRanges`; only their top-left
/// cell holds a value, as Excel stores them.
public struct XLSXReader: Sendable {
    public let sheetNames: [String]
    public let date1904: Bool
    private let sheetPaths: [String: String]
    private let sharedStrings: [String]
    private let dateStyles: Set<Int>
    private let data: Data

    public struct XLSXError: Error, Sendable, CustomStringConvertible {
        public var problem: String
        public var description: String { problem }
    }

    public init(url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw XLSXError(problem: "the workbook could not be read")
        }
        try self.init(data: data)
    }

    public init(data: Data) throws {
        self.data = data
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch {
            throw XLSXError(problem: "the file is not an .xlsx workbook (not a ZIP archive)")
        }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var out = Data()
            try Self.guardSize(entry)
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                out.append(chunk)
                if out.count > InputLimits.maxXLSXPartBytes { throw XLSXError(problem: Self.bombMessage) }
            }
            return out
        }
        guard let workbook = try part("xl/workbook.xml") else {
            throw XLSXError(problem: "the workbook has no xl/workbook.xml part")
        }
        let wb = WorkbookParser()
        try wb.parse(workbook)
        date1904 = wb.date1904
        var targets: [String: String] = [:]
        if let rels = try part("xl/_rels/workbook.xml.rels") {
            let rp = RelationshipsParser()
            try rp.parse(rels)
            targets = rp.targets
        }
        var paths: [String: String] = [:]
        var names: [String] = []
        for (index, sheet) in wb.sheets.enumerated() {
            names.append(sheet.name)
            var target = targets[sheet.relationshipID] ?? "worksheets/sheet\(index + 1).xml"
            if target.hasPrefix("/") { target.removeFirst() } else { target = "xl/" + target }
            paths[sheet.name] = target
        }
        sheetNames = names
        sheetPaths = paths
        if let sst = try part("xl/sharedStrings.xml") {
            let sp = SharedStringsParser()
            try sp.parse(sst)
            sharedStrings = sp.strings
        } else {
            sharedStrings = []
        }
        if let styles = try part("xl/styles.xml") {
            let st = StylesParser()
            try st.parse(styles)
            dateStyles = st.dateStyleIndices
        } else {
            dateStyles = []
        }
    }

    /// All rows of the named sheet that have at least one cell, in order.
    public func rows(sheet name: String) throws -> [XLSXRow] {
        try parseSheet(name).rows
    }

    /// The merged ranges of a sheet, e.g. "C1:E1".
    public func mergedRanges(sheet name: String) throws -> [String] {
        try parseSheet(name).merges
    }

    private func parseSheet(_ name: String) throws -> (rows: [XLSXRow], merges: [String]) {
        guard let path = sheetPaths[name] else {
            throw XLSXError(problem: "the workbook has no sheet named \"\(name)\" (it has \(sheetNames.joined(separator: ", ")))")
        }
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch {
            throw XLSXError(problem: "the file is not an .xlsx workbook")
        }
        guard let entry = archive[path] else { throw XLSXError(problem: "the sheet \"\(name)\" has no part \(path)") }
        var xml = Data()
        try Self.guardSize(entry)
        _ = try archive.extract(entry) { chunk in
            xml.append(chunk)
            if xml.count > InputLimits.maxXLSXPartBytes { throw XLSXError(problem: Self.bombMessage) }
        }
        let parser = SheetParser(sharedStrings: sharedStrings, dateStyles: dateStyles)
        try parser.parse(xml)
        return (parser.rows, parser.merges)
    }

    static let bombMessage = "a part of the workbook expands to more than \(InputLimits.maxXLSXPartBytes >> 20) MB (a damaged or malicious file)"

    /// Refuses a part whose declared size is beyond the limit before inflating anything.
    static func guardSize(_ entry: Entry) throws {
        if entry.uncompressedSize > UInt64(InputLimits.maxXLSXPartBytes) { throw XLSXError(problem: bombMessage) }
    }

    /// "C12" → (column 2, row 12).
    public static func parseReference(_ ref: String) -> (column: Int, row: Int)? {
        var column = 0, row = 0, sawLetter = false, sawDigit = false
        for u in ref.utf8 {
            if u >= 65 && u <= 90, !sawDigit { column = column * 26 + Int(u - 64); sawLetter = true }
            else if u >= 97 && u <= 122, !sawDigit { column = column * 26 + Int(u - 96); sawLetter = true }
            else if u >= 48 && u <= 57 { row = row * 10 + Int(u - 48); sawDigit = true }
            else if u == 36 { continue }  // "$A$1"
            else { return nil }
        }
        guard sawLetter else { return nil }
        return (column - 1, row)
    }
}

// MARK: - XML parts

/// The delegate methods live here (not in subclasses): on Linux, XMLParserDelegate's methods have
/// default implementations in a protocol extension, so only the conforming class's own methods
/// are called. Subclasses override `start`, `end` and `characters`.
private class PartParser: NSObject, XMLParserDelegate {
    var failure: Error?
    func parse(_ data: Data) throws {
        let parser = XMLParser(data: data)
        parser.delegate = self
        if !parser.parse() {
            throw failure ?? XLSXReader.XLSXError(problem: "a part of the workbook is not well-formed XML")
        }
    }
    /// Element names without a namespace prefix ("x:row" → "row").
    func local(_ name: String) -> Substring {
        if let i = name.lastIndex(of: ":") { return name[name.index(after: i)...] }
        return name[...]
    }
    func start(_ name: Substring, _ attributes: [String: String]) {}
    func end(_ name: Substring) {}
    func characters(_ string: String) {}

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        start(local(elementName), attributeDict)
    }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        end(local(elementName))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        characters(string)
    }
}

private final class WorkbookParser: PartParser {
    var sheets: [(name: String, relationshipID: String)] = []
    var date1904 = false
    override func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "sheet":
            let rid = attributes.first { $0.key == "r:id" || $0.key.hasSuffix(":id") || $0.key == "id" }?.value ?? ""
            sheets.append((attributes["name"] ?? "Sheet\(sheets.count + 1)", rid))
        case "workbookPr":
            let v = attributes["date1904"] ?? "0"
            date1904 = v == "1" || v == "true"
        default: break
        }
    }
}

private final class RelationshipsParser: PartParser {
    var targets: [String: String] = [:]
    override func start(_ name: Substring, _ attributes: [String: String]) {
        if name == "Relationship", let id = attributes["Id"], let target = attributes["Target"] {
            targets[id] = target
        }
    }
}

private final class SharedStringsParser: PartParser {
    var strings: [String] = []
    private var current = ""
    private var inText = false
    private var inPhonetic = false
    override func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "si": current = ""
        case "t": inText = !inPhonetic
        case "rPh": inPhonetic = true
        default: break
        }
    }
    override func end(_ name: Substring) {
        switch name {
        case "si": strings.append(current)
        case "t": inText = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
    override func characters(_ string: String) {
        if inText { current += string }
    }
}

private final class StylesParser: PartParser {
    var dateStyleIndices = Set<Int>()
    private var customDateFormats = Set<Int>()
    private var inCellXfs = false
    private var xfIndex = 0
    static let builtInDateFormats: Set<Int> = Set(14...22).union(45...47).union([27, 30, 36, 50, 57])

    override func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap(Int.init), let code = attributes["formatCode"],
               StylesParser.isDateFormat(code) {
                customDateFormats.insert(id)
            }
        case "cellXfs": inCellXfs = true; xfIndex = 0
        case "xf" where inCellXfs:
            let id = attributes["numFmtId"].flatMap(Int.init) ?? 0
            if StylesParser.builtInDateFormats.contains(id) || customDateFormats.contains(id) { dateStyleIndices.insert(xfIndex) }
            xfIndex += 1
        default: break
        }
    }
    override func end(_ name: Substring) {
        if name == "cellXfs" { inCellXfs = false }
    }

    /// A format is a date format when, outside quoted text and [colour] blocks, it has y, d or m
    /// (and is not a pure elapsed-time format).
    static func isDateFormat(_ code: String) -> Bool {
        var inQuote = false, inBracket = false, escaped = false
        for ch in code.lowercased() {
            if escaped { escaped = false; continue }
            switch ch {
            case "\\": escaped = true
            case "\"": inQuote.toggle()
            case "[": if !inQuote { inBracket = true }
            case "]": if !inQuote { inBracket = false }
            case "y", "d", "m": if !inQuote && !inBracket { return true }
            default: break
            }
        }
        return false
    }
}

private final class SheetParser: PartParser {
    let sharedStrings: [String]
    let dateStyles: Set<Int>
    var rows: [XLSXRow] = []
    var merges: [String] = []
    private var rowNumber = 0
    private var cells: [XLSXCell] = []
    private var cellColumn = 0
    private var cellType = ""
    private var cellStyle = 0
    private var text = ""
    private var collecting = false
    private var inInline = false
    private var nextColumn = 0

    init(sharedStrings: [String], dateStyles: Set<Int>) {
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
    }

    override func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "row":
            rowNumber = attributes["r"].flatMap(Int.init) ?? rowNumber + 1
            cells = []
            nextColumn = 0
        case "c":
            if let ref = attributes["r"], let parsed = XLSXReader.parseReference(ref) { cellColumn = parsed.column } else { cellColumn = nextColumn }
            nextColumn = cellColumn + 1
            cellType = attributes["t"] ?? "n"
            cellStyle = attributes["s"].flatMap(Int.init) ?? 0
            text = ""
            inInline = false
        case "v": collecting = true
        case "is": inInline = true
        case "t": if inInline { collecting = true }
        case "mergeCell": if let ref = attributes["ref"] { merges.append(ref) }
        default: break
        }
    }

    override func characters(_ string: String) {
        if collecting { text += string }
    }

    override func end(_ name: Substring) {
        switch name {
        case "v", "t": collecting = false
        case "c":
            let cell: XLSXCell?
            switch cellType {
            case "s":
                if let i = Int(text), i >= 0, i < sharedStrings.count { cell = XLSXCell(column: cellColumn, kind: .string, value: sharedStrings[i]) }
                else { cell = nil }
            case "inlineStr", "str": cell = XLSXCell(column: cellColumn, kind: .string, value: text)
            case "b": cell = XLSXCell(column: cellColumn, kind: .bool, value: text)
            case "e": cell = XLSXCell(column: cellColumn, kind: .error, value: text)
            default:
                cell = text.isEmpty ? nil : XLSXCell(column: cellColumn, kind: .number(isDate: dateStyles.contains(cellStyle)), value: text)
            }
            if let cell { cells.append(cell) }
        case "row":
            if !cells.isEmpty { rows.append(XLSXRow(number: rowNumber, cells: cells)) }
        default: break
        }
    }
}
