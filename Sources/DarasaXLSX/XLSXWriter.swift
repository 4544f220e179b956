import Foundation
import ZIPFoundation

/// A cell value for `XLSXWriter`.
public enum XLSXValue: Sendable {
    case string(String)
    case number(Double)
    case int(Int)
    /// Written as an Excel date serial (1900 system) with a yyyy-mm-dd format; days since 1970-01-01.
    case date(daysSinceEpoch: Int)
    case empty
}

public struct XLSXSheet: Sendable {
    public var name: String
    public var rows: [[XLSXValue]]
    /// Merged ranges such as "C1:E1".
    public var merges: [String] = []
    /// Rows styled bold (header rows), 1-based.
    public var headerRows: Int = 1

    public init(name: String, rows: [[XLSXValue]], merges: [String] = [], headerRows: Int = 1) {
        self.name = name
        self.rows = rows
        self.merges = merges
        self.headerRows = headerRows
    }
}

/// Writes a minimal, valid Office Open XML workbook: content types, package and workbook
/// relationships, workbook, styles, shared strings and one worksheet part per sheet.
///
/// Deterministic: entries are written in a fixed order with a fixed modification time, strings
/// are numbered in order of first use, and numbers use Swift's shortest round-trip text.
public enum XLSXWriter {
    /// 2025-01-01 00:00:00 UTC: ZIP entries carry this time instead of "now".
    static let fixedDate = Date(timeIntervalSince1970: 1_735_689_600)

    public static func write(_ sheets: [XLSXSheet], to url: URL, inlineStrings: Bool = false) throws {
        var shared: [String] = []
        var sharedIndex: [String: Int] = [:]
        var sheetXML: [[UInt8]] = []
        for sheet in sheets {
            var x: [UInt8] = []
            x.reserveCapacity(sheet.rows.count * 64)
            x.append(#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n")
            x.append(#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>"#)
            for (ri, row) in sheet.rows.enumerated() {
                let r = ri + 1
                x.append("<row r=\"\(r)\">")
                let header = r <= sheet.headerRows
                for (ci, value) in row.enumerated() {
                    let ref = columnName(ci) + String(r)
                    let style = header ? " s=\"2\"" : ""
                    switch value {
                    case .empty:
                        continue
                    case .string(let s):
                        if inlineStrings {
                            x.append("<c r=\"\(ref)\"\(style) t=\"inlineStr\"><is><t xml:space=\"preserve\">")
                            appendEscaped(s, to: &x)
                            x.append("</t></is></c>")
                        } else {
                            let idx: Int
                            if let i = sharedIndex[s] { idx = i } else {
                                idx = shared.count
                                shared.append(s)
                                sharedIndex[s] = idx
                            }
                            x.append("<c r=\"\(ref)\"\(style) t=\"s\"><v>\(idx)</v></c>")
                        }
                    case .number(let d):
                        x.append("<c r=\"\(ref)\"\(style)><v>\(numberText(d))</v></c>")
                    case .int(let i):
                        x.append("<c r=\"\(ref)\"\(style)><v>\(i)</v></c>")
                    case .date(let days):
                        x.append("<c r=\"\(ref)\" s=\"1\"><v>\(days + 25_569)</v></c>")
                    }
                }
                x.append("</row>")
            }
            x.append("</sheetData>")
            if !sheet.merges.isEmpty {
                x.append("<mergeCells count=\"\(sheet.merges.count)\">")
                for m in sheet.merges { x.append("<mergeCell ref=\"\(m)\"/>") }
                x.append("</mergeCells>")
            }
            x.append("</worksheet>")
            sheetXML.append(x)
        }

        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let pkgRel = "http://schemas.openxmlformats.org/package/2006/relationships"
        let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        var contentTypes = header + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
            + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
            + #"<Default Extension="xml" ContentType="application/xml"/>"#
            + #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        for i in sheets.indices {
            contentTypes += "<Override PartName=\"/xl/worksheets/sheet\(i + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        contentTypes += #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        if !inlineStrings {
            contentTypes += #"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#
        }
        contentTypes += "</Types>"
        let rootRels = header + "<Relationships xmlns=\"\(pkgRel)\"><Relationship Id=\"rId1\" Type=\"\(rel)/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
        var workbook = header + "<workbook xmlns=\"\(main)\" xmlns:r=\"\(rel)\"><sheets>"
        var workbookRels = header + "<Relationships xmlns=\"\(pkgRel)\">"
        for (i, sheet) in sheets.enumerated() {
            var escapedName: [UInt8] = []
            appendEscaped(sheet.name, to: &escapedName)
            workbook += "<sheet name=\"\(String(decoding: escapedName, as: UTF8.self))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
            workbookRels += "<Relationship Id=\"rId\(i + 1)\" Type=\"\(rel)/worksheet\" Target=\"worksheets/sheet\(i + 1).xml\"/>"
        }
        workbook += "</sheets></workbook>"
        workbookRels += "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"\(rel)/styles\" Target=\"styles.xml\"/>"
        if !inlineStrings {
            workbookRels += "<Relationship Id=\"rId\(sheets.count + 2)\" Type=\"\(rel)/sharedStrings\" Target=\"sharedStrings.xml\"/>"
        }
        workbookRels += "</Relationships>"
        let styles = header + "<styleSheet xmlns=\"\(main)\">"
            + #"<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts>"#
            + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>"#
            + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
            + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
            + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
            + #"<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
            + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
            + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>"#
            + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#
        var sst: [UInt8] = []
        sst.append(header + "<sst xmlns=\"\(main)\" count=\"\(shared.count)\" uniqueCount=\"\(shared.count)\">")
        for s in shared {
            sst.append("<si><t xml:space=\"preserve\">")
            appendEscaped(s, to: &sst)
            sst.append("</t></si>")
        }
        sst.append("</sst>")

        var parts: [(String, Data)] = [
            ("[Content_Types].xml", Data(contentTypes.utf8)),
            ("_rels/.rels", Data(rootRels.utf8)),
            ("xl/workbook.xml", Data(workbook.utf8)),
            ("xl/_rels/workbook.xml.rels", Data(workbookRels.utf8)),
            ("xl/styles.xml", Data(styles.utf8)),
        ]
        if !inlineStrings { parts.append(("xl/sharedStrings.xml", Data(sst))) }
        for (i, x) in sheetXML.enumerated() { parts.append(("xl/worksheets/sheet\(i + 1).xml", Data(x))) }

        do {
            try ZipPackage.write(parts, to: url)
        } catch let e as XLSXWriteError {
            throw XLSXWriteError(description: e.description.replacingOccurrences(of: "the file", with: "the workbook"))
        }
    }

    /// A, B, …, Z, AA, AB, …
    static func columnName(_ index: Int) -> String {
        var n = index + 1
        var s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    static func numberText(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return "\(d)"
    }

    static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "&"): out.append("&amp;")
            case UInt8(ascii: "<"): out.append("&lt;")
            case UInt8(ascii: ">"): out.append("&gt;")
            case UInt8(ascii: "\""): out.append("&quot;")
            case 0..<32 where b != 9 && b != 10 && b != 13: continue
            default: out.append(b)
            }
        }
    }
}

extension XLSXWriter {
    /// The workbook as bytes (written through a temporary file).
    public static func data(_ sheets: [XLSXSheet]) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        try write(sheets, to: url)
        return try Data(contentsOf: url)
    }
}

extension Array where Element == UInt8 {
    fileprivate mutating func append(_ s: String) { append(contentsOf: s.utf8) }
}

/// The workbook could not be written (the folder is not writable).
public struct XLSXWriteError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// A ZIP package (an XLSX workbook, a OneRoster bundle) written deterministically: parts in the
/// order given, each deflated, with a fixed modification time.
public enum ZipPackage {
    public static func write(_ parts: [(String, Data)], to url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .create)
        } catch {
            throw XLSXWriteError(description: "Could not create the file \(url.lastPathComponent); check that the folder is writable.")
        }
        for (path, data) in parts {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                 modificationDate: XLSXWriter.fixedDate, permissions: 0o644, compressionMethod: .deflate,
                                 provider: { position, size in
                                     data.subdata(in: Int(position)..<Int(position) + size)
                                 })
        }
    }

    /// The package as bytes (written through a temporary file).
    public static func data(_ parts: [(String, Data)]) throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: url) }
        try write(parts, to: url)
        return try Data(contentsOf: url)
    }
}
