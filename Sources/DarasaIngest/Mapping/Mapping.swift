import DarasaCore
import Foundation
import Yams

/// A declarative description of how one source file maps onto Darasa's model, read from YAML
/// (docs/import-mappings.md teaches how to write one):
///
/// ```yaml
/// name: HR payroll — teachers
/// source: hr                  # the source system; keys are unique within it
/// target: teachers            # learners | teachers | enrolments | learner_attendance | teacher_attendance
/// files: hr/teachers.csv      # which files of a folder this mapping reads (glob, * and ?)
/// read: { format: csv, delimiter: ",", encoding: auto }
/// fields:
///   source_key: payroll_no
///   family_name: surname
///   sex: { column: sex, values: { F: female, M: male } }
///   birth_date: { column: date_of_birth, format: DD/MM/YYYY }
/// ```
///
/// Every problem in the file is reported with the mapping file's name and line, at load, before
/// any data is read; a malformed mapping never half-applies.
public struct Mapping: Sendable {
    public var file: String
    public var name: String
    public var source: String
    public var target: ImportTarget
    /// Glob(s) relative to an imported folder; empty when the mapping is only used on single files.
    public var files: [String]
    public var read: ReadOptions
    public var joins: [Join]
    /// Keep only rows whose column equals the value (the rest are counted as skipped).
    public var filters: [(column: String, value: String, line: Int)]
    public var fields: [String: FieldSpec]
    /// For `schools`: the names of the hierarchy's levels, country first (default country,
    /// region, district, zone, school).
    public var levels: [String]
    /// For `enrolments`: the last grade of the cycle (a learner in it who does not come back has
    /// completed, not dropped out). Default 8.
    public var finalGrade: Int = 8
    /// Rows whose column holds one of the values ask for the record to be removed (OneRoster
    /// delta files: `status: tobedeleted`). Applied to enrolments and class assignments; for
    /// other targets such rows are counted as skipped (Darasa keeps people, schools and their
    /// history; see docs/import-mappings.md).
    public var deleteWhen: (column: String, values: Set<String>, line: Int)?

    public struct Join: Sendable {
        /// Another file beside the one imported, or (with `sheet`) another sheet of the same workbook.
        public var file: String
        public var sheet: String?
        /// The column of the row read so far that holds the key.
        public var on: String
        /// The column of the joined file that holds the key.
        public var key: String
        /// Prefix for the joined file's columns ("user" → "user.givenName").
        public var alias: String
        public var line: Int
    }

    public struct FieldSpec: Sendable {
        public var column: String?
        /// A fixed value for every row.
        public var constant: String?
        /// A regular expression on the file's path (relative to the imported folder); its first
        /// capture group is the value.
        public var fromPath: String?
        /// A regular expression on the column's text; its first capture group is the value.
        public var pattern: String?
        /// Source text (case-insensitive, trimmed) → canonical value.
        public var values: [String: String]
        /// Date format: YYYY-MM-DD (default), DD/MM/YYYY, MM/DD/YYYY, DD-MM-YYYY, DD.MM.YYYY, YYYY/MM/DD.
        public var format: String?
        public var required: Bool
        public var defaultValue: String?
        /// Allowed values (after `values:`), for text fields with a code list.
        public var codes: Set<String>?
        /// For references: the source whose keys this column holds.
        public var keySource: String?
        /// `days`: the column name template, with {d} (1…31) or {dd} (01…31).
        public var columnTemplate: String?
        public var line: Int
    }

    /// A problem with the mapping itself, told with the file and line.
    public struct MappingError: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var problem: String
        public var fix: String
        public var description: String {
            "\(file)\(line.map { ", line \($0)" } ?? ""): \(problem). \(fix)"
        }
    }

    public static func load(url: URL, displayName: String? = nil) throws -> Mapping {
        let name = displayName ?? url.lastPathComponent
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            throw MappingError(file: name, problem: "the mapping file could not be read as UTF-8 text",
                               fix: "Check the path, and save the mapping as UTF-8 text")
        }
        return try parse(text, file: name)
    }

    public static func parse(_ text: String, file: String) throws -> Mapping {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw MappingError(file: file, problem: "the mapping file is empty", fix: "Start from one of the mappings shipped in mappings/")
            }
            root = node
        } catch let e as MappingError { throw e } catch let e as YamlError {
            throw MappingError(file: file, line: Self.line(of: e), problem: "the file is not valid YAML (\(Self.short(e)))",
                               fix: "Check the indentation and the quoting around that line")
        } catch {
            throw MappingError(file: file, problem: "the file is not valid YAML", fix: "Check the indentation and quoting")
        }
        var p = Parser(file: file)
        return try p.mapping(root)
    }

    static func line(of e: YamlError) -> Int? {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    static func short(_ e: YamlError) -> String {
        switch e {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(e)".split(separator: "\n").first.map(String.init) ?? "syntax error"
        }
    }
}

/// Walks the YAML node tree, checking every key and value as it goes.
private struct Parser {
    let file: String

    func fail(_ node: Node?, _ problem: String, _ fix: String) -> Mapping.MappingError {
        Mapping.MappingError(file: file, line: node?.mark?.line, problem: problem, fix: fix)
    }

    func pairs(_ node: Node, _ what: String) throws -> [(key: String, keyNode: Node, value: Node)] {
        guard let m = node.mapping else {
            throw fail(node, "\(what) should be a set of `key: value` lines", "Indent the entries under \(what)")
        }
        var out: [(String, Node, Node)] = []
        var seen: Set<String> = []
        for (k, v) in m {
            guard let key = k.string else { throw fail(k, "a key in \(what) is not text", "Write keys as plain words") }
            guard seen.insert(key).inserted else { throw fail(k, "\"\(key)\" appears twice in \(what)", "Keep one of them") }
            out.append((key, k, v))
        }
        return out
    }

    func scalar(_ node: Node, _ what: String) throws -> String {
        guard case .scalar(let s) = node else {
            throw fail(node, "\(what) should be a single value", "Write \(what) on one line, e.g. `\(what): value`")
        }
        return s.string
    }

    func strings(_ node: Node, _ what: String) throws -> [String] {
        if case .sequence(let seq) = node { return try seq.map { try scalar($0, what) } }
        return [try scalar(node, what)]
    }

    mutating func mapping(_ root: Node) throws -> Mapping {
        var name = "", source: String?, target: ImportTarget?, files: [String] = []
        var read = ReadOptions()
        var joins: [Mapping.Join] = []
        var filters: [(String, String, Int)] = []
        var fieldsNode: Node?
        var levels: [String] = []
        var finalGrade = 8
        var deleteWhen: (column: String, values: Set<String>, line: Int)?
        for (key, keyNode, value) in try pairs(root, "the mapping") {
            switch key {
            case "name": name = try scalar(value, "name")
            case "mapping": _ = try scalar(value, "mapping")
            case "source":
                let s = try scalar(value, "source")
                guard !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                    throw fail(value, "the source \"\(s)\" should be one word (letters, digits, - or _)", "Name the source system, e.g. `source: hr`")
                }
                source = s
            case "target":
                let t = try scalar(value, "target")
                guard let tt = ImportTarget(rawValue: t) else {
                    throw fail(value, "\"\(t)\" is not a target", "Use one of: \(ImportTarget.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                target = tt
            case "files": files = try strings(value, "files")
            case "read": (read, joins) = try readOptions(value)
            case "where":
                for (col, _, v) in try pairs(value, "where") { filters.append((col, try scalar(v, "where.\(col)"), v.mark?.line ?? 0)) }
            case "fields": fieldsNode = value
            case "delete_when":
                let pairs = try pairs(value, "delete_when")
                guard pairs.count == 1, let (col, _, v) = pairs.first else {
                    throw fail(value, "delete_when should name one column and its value(s)", "e.g. `delete_when: { status: tobedeleted }`")
                }
                let values = try strings(v, "delete_when.\(col)")
                guard !values.isEmpty, values.allSatisfy({ !$0.isEmpty }) else {
                    throw fail(v, "delete_when.\(col) should give the value(s) that mean \"delete\"", "e.g. `delete_when: { status: tobedeleted }`")
                }
                deleteWhen = (col, Set(values.map { $0.lowercased() }), v.mark?.line ?? 0)
            case "final_grade":
                guard let g = Int(try scalar(value, "final_grade")), (1...13).contains(g) else {
                    throw fail(value, "final_grade should be a grade from 1 to 13", "Write the last grade of the cycle, e.g. `final_grade: 8`")
                }
                finalGrade = g
            case "levels":
                levels = try strings(value, "levels")
                guard (2...8).contains(levels.count) else {
                    throw fail(value, "levels should name 2 to 8 levels, country first and school last", "e.g. `levels: [country, region, district, zone, school]`")
                }
            default:
                throw fail(keyNode, "\"\(key)\" is not a mapping setting",
                           "Use name, source, target, files, read, where, delete_when, levels, final_grade and fields (see docs/import-mappings.md)")
            }
        }
        guard let source else { throw fail(root, "the mapping has no `source:`", "Add `source: <system name>`, e.g. `source: hr`") }
        guard let target else { throw fail(root, "the mapping has no `target:`", "Add `target:` with one of \(ImportTarget.allCases.map(\.rawValue).joined(separator: ", "))") }
        guard let fieldsNode else { throw fail(root, "the mapping has no `fields:`", "Add `fields:` listing each field and the column it comes from") }
        var fields: [String: Mapping.FieldSpec] = [:]
        for (key, keyNode, value) in try pairs(fieldsNode, "fields") {
            guard let field = target.field(key) else {
                throw fail(keyNode, "\"\(key)\" is not a field of \(target.rawValue)",
                           "Use one of: \(target.fields.map(\.name).joined(separator: ", "))")
            }
            fields[key] = try fieldSpec(value, field: field)
        }
        for f in target.fields where f.required && fields[f.name] == nil {
            throw fail(fieldsNode, "the required field \(f.name) (\(f.help)) is not mapped", "Add `\(f.name): <column>` under fields")
        }
        if target == .learnerAttendance {
            let wide = fields["month"] != nil && fields["days"] != nil
            let long = fields["date"] != nil && fields["mark"] != nil
            guard wide != long else {
                throw fail(fieldsNode, "learner_attendance needs either `month` and `days` (one row per learner and month) or `date` and `mark` (one row per learner and day)",
                           "Map one of the two pairs")
            }
        }
        if target == .schools && !levels.isEmpty {
            let areas = fields.keys.filter { $0.hasPrefix("area") && $0.hasSuffix("_code") }.count
            guard levels.count == areas + 2 else {
                throw fail(fieldsNode, "levels names \(levels.count) levels but the fields map \(areas) area codes between the country and the school",
                           "Name one level per area code, plus country and school")
            }
        }
        return Mapping(file: file, name: name.isEmpty ? file : name, source: source, target: target, files: files, read: read,
                       joins: joins, filters: filters.map { (column: $0.0, value: $0.1, line: $0.2) }, fields: fields, levels: levels, finalGrade: finalGrade, deleteWhen: deleteWhen)
    }

    func readOptions(_ node: Node) throws -> (ReadOptions, [Mapping.Join]) {
        var o = ReadOptions()
        var joins: [Mapping.Join] = []
        for (key, keyNode, value) in try pairs(node, "read") {
            switch key {
            case "format":
                let f = try scalar(value, "format")
                guard let ff = ReadOptions.Format(rawValue: f.lowercased()) else {
                    throw fail(value, "\"\(f)\" is not a file format Darasa reads", "Use csv, xlsx or json")
                }
                o.format = ff
            case "delimiter":
                let d = try scalar(value, "delimiter")
                let resolved: String = switch d.lowercased() { case "tab", "\\t": "\t"; case "auto": ""; default: d }
                if resolved.isEmpty { o.delimiter = nil; continue }
                guard resolved.utf8.count == 1, let b = resolved.utf8.first, b != 34, b != 10, b != 13 else {
                    throw fail(value, "the delimiter \"\(d)\" is not a single character", "Use one character such as , ; | or the word tab (or auto)")
                }
                o.delimiter = b
            case "encoding":
                let e = try scalar(value, "encoding").lowercased()
                let aliases = ["utf8": "utf-8", "cp1252": "windows-1252", "latin1": "latin-1", "iso-8859-1": "latin-1"]
                guard let enc = ReadOptions.Encoding(rawValue: aliases[e] ?? e) else {
                    throw fail(value, "\"\(e)\" is not an encoding Darasa reads", "Use auto, utf-8, windows-1252 or latin-1")
                }
                o.encoding = enc
            case "sheet": o.sheet = try scalar(value, "sheet")
            case "header_rows":
                guard let n = Int(try scalar(value, "header_rows")), (1...5).contains(n) else {
                    throw fail(value, "header_rows should be a whole number from 1 to 5", "Count the rows above the first data row")
                }
                o.headerRows = n
            case "records": o.records = try scalar(value, "records")
            case "join":
                let items: [Node] = if case .sequence(let s) = value { Array(s) } else { [value] }
                for item in items {
                    var file = "", on = "", keyCol = "", alias = ""
                    var sheet: String?
                    for (k, kn, v) in try pairs(item, "join") {
                        switch k {
                        case "file": file = try scalar(v, "join.file")
                        case "sheet": sheet = try scalar(v, "join.sheet")
                        case "on": on = try scalar(v, "join.on")
                        case "key": keyCol = try scalar(v, "join.key")
                        case "as": alias = try scalar(v, "join.as")
                        default: throw fail(kn, "\"\(k)\" is not a join setting", "Use file (or sheet), on, key and as")
                        }
                    }
                    guard !file.isEmpty || sheet != nil, !on.isEmpty else {
                        throw fail(item, "a join needs `file:` (or `sheet:`) and `on:`", "e.g. `join: { file: users.csv, on: sourcedId, as: user }`")
                    }
                    guard !file.contains(".."), !file.hasPrefix("/") else {
                        throw fail(item, "the join file must be beside the file imported", "Name it without .. or a leading /")
                    }
                    let base = (file as NSString).lastPathComponent
                    let defaultAlias = sheet ?? (base as NSString).deletingPathExtension
                    joins.append(Mapping.Join(file: file, sheet: sheet, on: on, key: keyCol.isEmpty ? on : keyCol,
                                              alias: alias.isEmpty ? defaultAlias : alias, line: item.mark?.line ?? 0))
                }
            default:
                throw fail(keyNode, "\"\(key)\" is not a read setting", "Use format, delimiter, encoding, sheet, header_rows, records and join")
            }
        }
        return (o, joins)
    }

    func fieldSpec(_ node: Node, field: TargetField) throws -> Mapping.FieldSpec {
        var spec = Mapping.FieldSpec(column: nil, constant: nil, fromPath: nil, pattern: nil, values: [:], format: nil,
                                     required: field.required, defaultValue: nil, codes: nil, keySource: nil,
                                     columnTemplate: nil, line: node.mark?.line ?? 0)
        if case .scalar(let s) = node {
            if field.kind == .days { spec.columnTemplate = s.string } else { spec.column = s.string }
            return spec
        }
        for (key, keyNode, value) in try pairs(node, "field \(field.name)") {
            switch key {
            case "column": spec.column = try scalar(value, "column")
            case "columns":
                guard field.kind == .days else { throw fail(keyNode, "`columns` is only for the days field", "Use `column:` for \(field.name)") }
                spec.columnTemplate = try scalar(value, "columns")
            case "value": spec.constant = try scalar(value, "value")
            case "from_path": spec.fromPath = try regex(value, "from_path")
            case "pattern": spec.pattern = try regex(value, "pattern")
            case "format":
                let f = try scalar(value, "format").uppercased()
                guard DateFormat(f) != nil else {
                    throw fail(value, "\"\(f)\" is not a date format Darasa knows",
                               "Use YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY, DD-MM-YYYY, DD.MM.YYYY or YYYY/MM/DD")
                }
                spec.format = f
            case "required":
                guard let b = value.bool else { throw fail(value, "required should be true or false", "Write `required: true`") }
                spec.required = b || field.required
            case "default": spec.defaultValue = try scalar(value, "default")
            case "source": spec.keySource = try scalar(value, "source")
            case "codes": spec.codes = Set(try strings(value, "codes"))
            case "values":
                for (from, _, to) in try pairs(value, "values") {
                    let canonical = try scalar(to, "a value").lowercased()
                    if let allowed = field.kind.canonicalValues, !allowed.contains(canonical), field.kind.builtInValues[canonical] == nil {
                        throw fail(to, "\"\(canonical)\" is not a value of \(field.name)",
                                   "Map to one of: \(allowed.filter { !$0.isEmpty }.sorted().joined(separator: ", "))")
                    }
                    spec.values[from.trimmingCharacters(in: .whitespaces).lowercased()] = canonical
                }
            default:
                throw fail(keyNode, "\"\(key)\" is not a field setting",
                           "Use column, value, from_path, pattern, values, format, required, default, codes or source")
            }
        }
        let sources = [spec.column, spec.constant, spec.fromPath, spec.columnTemplate].compactMap { $0 }.count
        guard sources == 1 || (sources == 0 && spec.defaultValue != nil) else {
            throw fail(node, "the field \(field.name) should take its value from exactly one of column, value or from_path",
                       "Keep one of them (a `pattern:` then works on the column's text)")
        }
        if spec.keySource != nil, ![.learner, .teacher].contains(field.kind) {
            throw fail(node, "`source:` is only for the learner and teacher references", "Remove it from \(field.name)")
        }
        if field.kind == .days, let t = spec.columnTemplate, !(t.contains("{d}") || t.contains("{dd}")) {
            throw fail(node, "the days columns \"\(t)\" do not say where the day number goes", "Write e.g. `columns: d{dd}` for d01 … d31")
        }
        return spec
    }

    func regex(_ node: Node, _ what: String) throws -> String {
        let r = try scalar(node, what)
        guard let re = try? NSRegularExpression(pattern: r), re.numberOfCaptureGroups >= 1 else {
            throw fail(node, "\(what) \"\(r)\" is not a regular expression with a capture group", "Put the part you want in parentheses, e.g. (\\d{4}-\\d{2})")
        }
        return r
    }
}

/// The date layouts a mapping may name.
public struct DateFormat: Sendable {
    enum Order { case ymd, dmy, mdy }
    let order: Order
    let separator: Character

    public init?(_ name: String) {
        switch name {
        case "YYYY-MM-DD": (order, separator) = (.ymd, "-")
        case "YYYY/MM/DD": (order, separator) = (.ymd, "/")
        case "DD/MM/YYYY": (order, separator) = (.dmy, "/")
        case "DD-MM-YYYY": (order, separator) = (.dmy, "-")
        case "DD.MM.YYYY": (order, separator) = (.dmy, ".")
        case "MM/DD/YYYY": (order, separator) = (.mdy, "/")
        default: return nil
        }
    }

    public func parse(_ text: String) -> Day? {
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 3, let a = Int(parts[0]), let b = Int(parts[1]), let c = Int(parts[2]) else { return nil }
        switch order {
        case .ymd: guard parts[0].count == 4 else { return nil }; return Day(year: a, month: b, day: c)
        case .dmy: guard parts[2].count == 4 else { return nil }; return Day(year: c, month: b, day: a)
        case .mdy: guard parts[2].count == 4 else { return nil }; return Day(year: c, month: a, day: b)
        }
    }
}
