import DarasaCore
import Foundation

/// Something wrong with one value of one row: kept with the row in the quarantine.
public struct RowProblem: Sendable, Codable, Hashable {
    public var column: String?
    public var value: String
    public var reason: String
    public var fix: String
    public init(column: String?, value: String, reason: String, fix: String) {
        self.column = column
        self.value = value
        self.reason = reason
        self.fix = fix
    }
}

/// A file opened through a mapping: its rows (joined and filtered as the mapping says) and
/// typed access to each mapped field, with problems collected per row instead of thrown.
public final class MappedReader {
    public let mapping: Mapping
    /// The file as the user knows it (relative to the imported folder, or the upload's name).
    public let file: String
    public let header: [String]
    /// Rows left out by the mapping's `where:`.
    public private(set) var skipped = 0
    /// The header of the primary file only (what a fixed quarantine file should carry).
    public let primaryHeader: [String]
    private let table: any TabularSource
    private var joinIndexes: [(on: Int, rows: [String: [String]], width: Int)] = []
    private var filterIndexes: [(Int, String)] = []
    private var deleteIndex: (column: Int, values: Set<String>)?
    private var slots: [String: Slot] = [:]
    private var days: DaysSlot?
    private var primary = CSVRecord()
    private var constants: [String: String] = [:]
    private var positions: [String: Int] = [:]
    private var lastMonth: (text: String, value: (year: Int, month: Int)) = ("", (0, 0))
    private let compiled: Compiled

    /// A class, not a struct: it is looked up for every field of every row, and copying a
    /// struct holding a dictionary and a regular expression cost a retain/release each time.
    final class Slot {
        var field: TargetField
        var spec: Mapping.FieldSpec
        var column: Int?
        var constant: String?
        var pattern: NSRegularExpression?
        /// Source text (lowercased) → canonical value: the mapping's `values:` over the built-ins.
        var values: [String: String]
        var date: DateFormat
        init(field: TargetField, spec: Mapping.FieldSpec, column: Int?, constant: String?, pattern: NSRegularExpression?,
             values: [String: String], date: DateFormat) {
            self.field = field
            self.spec = spec
            self.column = column
            self.constant = constant
            self.pattern = pattern
            self.values = values
            self.date = date
        }
    }

    struct DaysSlot {
        var columns: [Int]  // index per day 1…31, -1 when the file has no such column
        var byteMarks: [UInt8]  // 0 blank, 1 present, 2 absent, 3 late, 4 excused, 255 unknown; per lowercased single byte
        var values: [String: String]
        var names: [String]
    }

    /// Opens `url` (named `file` for messages; `path` is matched by `from_path:`) through
    /// `mapping`. Join files are looked up beside it. Throws `InputError` when the file cannot
    /// be read or lacks a mapped column.
    /// `previous`, the reader of the same import's last file, lends its per-mapping preparation.
    public init(mapping: Mapping, url: URL, file: String, reusing previous: MappedReader? = nil) throws {
        self.mapping = mapping
        self.file = file
        table = try openTable(url: url, displayName: file, options: mapping.read)
        primaryHeader = table.header
        var header = table.header
        for join in mapping.joins {
            guard let on = header.firstIndex(of: join.on) else {
                throw InputError(file: file, row: 1, column: join.on,
                                 problem: "the mapping \(mapping.file) (line \(join.line)) joins on a column \"\(join.on)\" the file does not have",
                                 fix: "Correct `on:` in the mapping to one of the file's columns")
            }
            var joinURL = url.deletingLastPathComponent().appendingPathComponent(join.file)
            var joinName = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(join.file)
            var options = mapping.read
            options.headerRows = 1
            if let sheet = join.sheet {
                joinURL = url
                joinName = file + " (" + sheet + ")"
                options.sheet = sheet
            }
            let other = try openTable(url: joinURL, displayName: joinName, options: options)
            guard let key = other.header.firstIndex(of: join.key) else {
                throw InputError(file: joinName, row: 1, column: join.key, problem: "the file has no column \"\(join.key)\" to join on",
                                 fix: "Correct `key:` in the mapping \(mapping.file) (line \(join.line))")
            }
            var rows: [String: [String]] = [:]
            var r = CSVRecord()
            while try other.next(into: &r) != nil { rows[r.trimmed(key)] = r.fields }
            joinIndexes.append((on, rows, other.header.count))
            header += other.header.map { join.alias + "." + $0 }
        }
        self.header = header
        let position = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        positions = position
        func column(_ name: String, line: Int) throws -> Int {
            if let i = position[name] { return i }
            let similar = header.first { $0.lowercased() == name.lowercased() }
            throw InputError(file: file, row: 1, column: name,
                             problem: "the mapping \(mapping.file) (line \(line)) names a column \"\(name)\" the file does not have"
                                + (similar.map { " (it has \"\($0)\")" } ?? ""),
                             fix: "Correct the column name in the mapping, or export the file with that column")
        }
        for f in mapping.filters { filterIndexes.append((try column(f.column, line: f.line), f.value)) }
        if let d = mapping.deleteWhen { deleteIndex = (try column(d.column, line: d.line), d.values) }
        let compiled = previous.flatMap { $0.compiled.mappingFile == mapping.file ? $0.compiled : nil } ?? Compiled(mapping)
        self.compiled = compiled
        // The day columns, checked in the mapping's field order (errors name the first missing column).
        func takeDays() throws {
            guard let template = compiled.days else { return }
            let columns = template.names.map { position[$0] ?? -1 }
            guard columns[0...27].allSatisfy({ $0 >= 0 }) else {
                let missing = template.names[columns.firstIndex(of: -1) ?? 0]
                throw InputError(file: file, row: 1, column: missing,
                                 problem: "the mapping \(mapping.file) (line \(template.line)) expects a column \"\(missing)\" for each day, which the file does not have",
                                 fix: "Correct `columns:` of days in the mapping")
            }
            days = DaysSlot(columns: columns, byteMarks: template.byteMarks, values: template.values, names: template.names)
        }
        for (k, f) in compiled.fields.enumerated() {
            if k == compiled.daysAt { try takeDays() }
            let slot = Slot(field: f.field, spec: f.spec, column: nil, constant: f.spec.constant, pattern: f.pattern, values: f.values, date: f.date)
            if let c = f.spec.column { slot.column = try column(c, line: f.spec.line) }
            if let fp = f.spec.fromPath, let re = f.fromPath {
                let ns = file as NSString
                if let m = re.firstMatch(in: file, range: NSRange(location: 0, length: ns.length)), m.range(at: 1).location != NSNotFound {
                    slot.constant = ns.substring(with: m.range(at: 1))
                } else {
                    throw InputError(file: file, problem: "the mapping \(mapping.file) (line \(f.spec.line)) takes \(f.field.name) from the file's path, but \"\(file)\" does not match \(fp)",
                                     fix: "Name the file as the mapping expects, or correct `from_path:`")
                }
            }
            slots[f.field.name] = slot
        }
        if compiled.daysAt >= compiled.fields.count { try takeDays() }
    }

    /// What a mapping's fields need that does not depend on the file: value maps merged with the
    /// built-in words, date formats, compiled patterns, the day columns' names. Built once per
    /// import and reused for each of its files (a folder of 24,881 register files built it 24,881
    /// times: 9 % of the import's CPU samples).
    final class Compiled {
        struct Field {
            var field: TargetField
            var spec: Mapping.FieldSpec
            var values: [String: String]
            var date: DateFormat
            var pattern: NSRegularExpression?
            var fromPath: NSRegularExpression?
        }
        struct Days {
            var names: [String]
            var byteMarks: [UInt8]
            var values: [String: String]
            var line: Int
        }
        let mappingFile: String
        var fields: [Field] = []
        var days: Days?
        /// Where the days come among the fields, in the target's order.
        var daysAt = Int.max

        init(_ mapping: Mapping) {
            mappingFile = mapping.file
            for field in mapping.target.fields {
                guard let spec = mapping.fields[field.name] else { continue }
                let builtIn = field.kind.builtInValues
                var values = builtIn
                for (k, v) in spec.values { values[k] = builtIn[v] ?? v }
                if field.kind == .days, let template = spec.columnTemplate {
                    var names: [String] = []
                    for d in 1...31 {
                        names.append(template.contains("{dd}") ? template.replacingOccurrences(of: "{dd}", with: d < 10 ? "0\(d)" : "\(d)")
                            : template.replacingOccurrences(of: "{d}", with: "\(d)"))
                    }
                    var bytes = [UInt8](repeating: 255, count: 256)
                    bytes[0] = 0
                    let code: [String: UInt8] = ["": 0, "present": 1, "absent": 2, "late": 3, "excused": 4]
                    for (k, v) in values where k.utf8.count == 1 {
                        let b = k.utf8.first!
                        bytes[Int(b)] = code[v] ?? 255
                        if b >= 97 && b <= 122 { bytes[Int(b - 32)] = code[v] ?? 255 }
                    }
                    if let blank = values[""] { bytes[0] = code[blank] ?? 0 }
                    days = Days(names: names, byteMarks: bytes, values: values, line: spec.line)
                    daysAt = fields.count
                    continue
                }
                fields.append(Field(field: field, spec: spec, values: values, date: DateFormat(spec.format ?? "YYYY-MM-DD")!,
                                    pattern: spec.pattern.flatMap { try? NSRegularExpression(pattern: $0) },
                                    fromPath: spec.fromPath.flatMap { try? NSRegularExpression(pattern: $0) }))
            }
        }
    }

    /// Whether the mapping fills `field` for this file.
    public func has(_ field: String) -> Bool { slots[field] != nil || (field == "days" && days != nil) }

    /// The next row kept by `where:`, joined; its row number or nil at the end.
    public func next(into record: inout CSVRecord) throws -> Int? {
        while true {
            guard let n = try table.next(into: &primary) else { return nil }
            // `where:` on the file's own columns is checked before the join: a file whose rows
            // are mostly for another mapping (teachers' enrolments among learners') skips them
            // without building the joined row.
            var keep = true
            for (i, v) in filterIndexes where i < primaryWidth && !primary.equals(trimmed: i, v) { keep = false; break }
            if !keep { skipped += 1; continue }
            if joinIndexes.isEmpty {
                swap(&record, &primary)
            } else {
                var fields = primary.fields
                for j in joinIndexes {
                    // Keys are trimmed of ASCII spaces and tabs, as the joined file's keys were.
                    let key = j.on < fields.count ? Self.asciiTrimmed(fields[j.on]) : ""
                    fields += j.rows[key] ?? Array(repeating: "", count: j.width)
                }
                record.set(fields)
            }
            for (i, v) in filterIndexes where i >= primaryWidth && record.trimmed(i) != v { keep = false; break }
            if keep { return n }
            if joinIndexes.isEmpty { swap(&record, &primary) }
            skipped += 1
        }
    }

    /// Columns of the primary file (the joined files' columns follow them).
    private var primaryWidth: Int { primaryHeader.count }

    /// `s` without leading or trailing ASCII spaces and tabs (`s` itself when it has none).
    static func asciiTrimmed(_ s: String) -> String {
        let u = s.utf8
        guard let first = u.first, let last = u.last, first == 32 || first == 9 || last == 32 || last == 9 else { return s }
        var lo = u.startIndex, hi = u.endIndex
        while lo < hi, u[lo] == 32 || u[lo] == 9 { lo = u.index(after: lo) }
        while hi > lo, u[u.index(before: hi)] == 32 || u[u.index(before: hi)] == 9 { hi = u.index(before: hi) }
        return String(s[lo..<hi])
    }

    /// Whether the row asks for its record to be removed (`delete_when:`).
    public func isDeletion(_ record: CSVRecord) -> Bool {
        guard let d = deleteIndex else { return false }
        return d.values.contains(record.trimmed(d.column).lowercased())
    }

    /// The row as read from the primary file (for the quarantine), given the joined record.
    public func primaryFields(_ record: CSVRecord) -> [String] {
        Array(record.fields.prefix(primaryHeader.count))
    }

    // MARK: Field values

    /// The trimmed source text of a field (column, constant or path), after `pattern:`; nil when
    /// blank and without a default.
    public func text(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> String? {
        guard let slot = slots[field] else { return nil }
        var t: String
        if let c = slot.column {
            t = r.trimmed(c)
            if t.hasPrefix("'"), let second = t.dropFirst().first, "=+-@".contains(second) { t.removeFirst() }
        } else {
            t = slot.constant ?? ""
        }
        if let re = slot.pattern, !t.isEmpty {
            let ns = t as NSString
            if let m = re.firstMatch(in: t, range: NSRange(location: 0, length: ns.length)), m.range(at: 1).location != NSNotFound {
                t = ns.substring(with: m.range(at: 1))
            } else {
                problems.append(RowProblem(column: slot.spec.column, value: t, reason: "\"\(t.prefix(40))\" does not have the expected form",
                                           fix: "Write it in the form the mapping's pattern expects (\(slot.spec.pattern ?? ""))"))
                return nil
            }
        }
        if t.isEmpty {
            if let d = slot.spec.defaultValue { return d }
            if slot.spec.required {
                problems.append(RowProblem(column: slot.spec.column, value: "", reason: "the \(field.replacingOccurrences(of: "_", with: " ")) is empty",
                                           fix: "Fill in the \(slot.spec.column ?? field) for this row"))
            }
            return nil
        }
        if let codes = slot.spec.codes, !codes.contains(slot.values[t.lowercased()] ?? t) {
            problems.append(RowProblem(column: slot.spec.column, value: t, reason: "\"\(t.prefix(40))\" is not one of the allowed codes",
                                       fix: "Use one of: \(codes.sorted().prefix(12).joined(separator: ", "))"))
            return nil
        }
        return t
    }

    /// A field's value after `values:` and the built-in words; a problem when the field has a
    /// fixed vocabulary and the text is not in it.
    func canonical(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> String? {
        guard let slot = slots[field] else { return nil }
        // A field with a fixed value (a constant or taken from the path) is the same on every row.
        if slot.column == nil, let cached = constants[field] { return cached }
        guard let t = text(field, r, &problems) else { return nil }
        if slot.column == nil, problems.isEmpty {
            let value = canonicalValue(t, slot, field, &problems)
            if problems.isEmpty { constants[field] = value }
            return value
        }
        return canonicalValue(t, slot, field, &problems)
    }

    private func canonicalValue(_ t: String, _ slot: Slot, _ field: String, _ problems: inout [RowProblem]) -> String? {
        if slot.values.isEmpty && slot.field.kind.canonicalValues == nil { return t }
        if let v = slot.values[t.lowercased()] { return v }
        if let allowed = slot.field.kind.canonicalValues {
            if allowed.contains(t.lowercased()) { return t.lowercased() }
            problems.append(RowProblem(column: slot.spec.column, value: t,
                                       reason: "\"\(t.prefix(40))\" is not a recognised \(field.replacingOccurrences(of: "_", with: " ")) value",
                                       fix: "Use one of \(allowed.filter { !$0.isEmpty }.sorted().joined(separator: ", ")), or map it under values: in \(mapping.file)"))
            return nil
        }
        return t
    }

    public func string(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> String? {
        canonical(field, r, &problems)
    }

    public func int(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> Int? {
        guard let t = canonical(field, r, &problems) else { return nil }
        if let v = Int(t) { return v }
        if let d = Double(t), d == d.rounded(), abs(d) < 1e12 { return Int(d) }
        problems.append(RowProblem(column: slots[field]?.spec.column, value: t, reason: "\"\(t.prefix(20))\" is not a whole number",
                                   fix: "Write the \(slots[field]?.spec.column ?? field) as a whole number such as 3"))
        return nil
    }

    public func day(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> Day? {
        guard let t = canonical(field, r, &problems), let slot = slots[field] else { return nil }
        if let d = slot.date.parse(t) { return d }
        let format = slot.spec.format ?? "YYYY-MM-DD"
        problems.append(RowProblem(column: slot.spec.column, value: t, reason: "\"\(t.prefix(20))\" is not a date written as \(format)",
                                   fix: "Write the \(slot.spec.column ?? field) as \(format), or set its format: in \(mapping.file)"))
        return nil
    }

    /// YYYY-MM (or YYYY-MM-DD, taking its month).
    public func month(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> (year: Int, month: Int)? {
        guard let t = canonical(field, r, &problems) else { return nil }
        if t == lastMonth.text { return lastMonth.value }
        if let value = Self.month(t) {
            lastMonth = (t, value)
            return value
        }
        problems.append(RowProblem(column: slots[field]?.spec.column, value: t, reason: "\"\(t.prefix(20))\" is not a month written as YYYY-MM",
                                   fix: "Write the month as YYYY-MM, e.g. 2024-03"))
        return nil
    }

    /// A month written YYYY-MM (or YYYY-MM-DD, taking its month); nil when it is not one.
    static func month(_ t: String) -> (year: Int, month: Int)? {
        let parts = t.split(separator: "-")
        guard parts.count >= 2, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m) else { return nil }
        return (y, m)
    }

    public func double(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> Double? {
        guard let t = canonical(field, r, &problems) else { return nil }
        if let v = Double(t.replacingOccurrences(of: ",", with: ".")), v.isFinite { return v }
        problems.append(RowProblem(column: slots[field]?.spec.column, value: t, reason: "\"\(t.prefix(20))\" is not a number",
                                   fix: "Write the \(slots[field]?.spec.column ?? field) as a number such as 1.5"))
        return nil
    }

    /// A list separated by ; or , — each item through `values:` (and the built-ins); items of
    /// a fixed vocabulary that are not in it are problems.
    public func list(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> [String] {
        guard let t = text(field, r, &problems), let slot = slots[field] else { return [] }
        var out: [String] = []
        for part in t.split(whereSeparator: { $0 == ";" || $0 == "," }) {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else { continue }
            if let v = slot.values[item.lowercased()] { out.append(v); continue }
            if slot.field.kind == .levels {
                problems.append(RowProblem(column: slot.spec.column, value: item, reason: "\"\(item.prefix(30))\" is not a level of education",
                                           fix: "Use Pre-primary, Primary, Lower secondary or Upper secondary, or map it under values: in \(mapping.file)"))
                continue
            }
            out.append(item.lowercased())
        }
        return out
    }

    public func sex(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> Sex? {
        canonical(field, r, &problems).flatMap { Sex(rawValue: $0) }
    }

    public func bool(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> Bool? {
        canonical(field, r, &problems).map { $0 == "true" }
    }

    public func difficulty(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> Difficulty? {
        canonical(field, r, &problems).flatMap { Int($0) }.flatMap { Difficulty(rawValue: $0) }
    }

    public func status(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> EnrolmentStatus? {
        canonical(field, r, &problems).flatMap { EnrolmentStatus(rawValue: $0) }
    }

    public func mark(_ field: String, _ r: CSVRecord, _ problems: inout [RowProblem]) -> AttendanceMark? {
        canonical(field, r, &problems).flatMap { AttendanceMark(rawValue: $0) }
    }

    /// The day columns of a register row for a month of `length` days. Marks on days past the
    /// month's end, or not recognised, are problems.
    public func days(_ r: CSVRecord, length: Int, _ problems: inout [RowProblem]) -> MonthMarks {
        guard let d = days else { return MonthMarks() }
        var marks = MonthMarks()
        r.withUnsafeFields { bytes, ends in
            for day in 1...31 {
                let c = d.columns[day - 1]
                guard c >= 0, c < ends.count else { continue }
                let start = c == 0 ? 0 : ends[c - 1]
                let end = ends[c]
                var code: UInt8
                if end == start { code = d.byteMarks[0] } else if end - start == 1 { code = d.byteMarks[Int(bytes[start])] } else {
                    let t = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
                    switch d.values[t] ?? (t.isEmpty ? "" : nil) {
                    case "": code = 0
                    case "present": code = 1
                    case "absent": code = 2
                    case "late": code = 3
                    case "excused": code = 4
                    default: code = 255
                    }
                }
                if code == 0 { continue }
                let bit = UInt32(1) << UInt32(day - 1)
                if day > length || code == 255 {
                    let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                    problems.append(day > length
                        ? RowProblem(column: d.names[day - 1], value: value, reason: "a mark on day \(day) of a month with \(length) days",
                                     fix: "Clear the mark, or check the register's month")
                        : RowProblem(column: d.names[day - 1], value: value, reason: "\"\(value.prefix(10))\" is not an attendance mark",
                                     fix: "Use P (present), A (absent), L (late), E (excused) or leave blank, or map it under values: in \(mapping.file)"))
                    continue
                }
                switch code {
                case 1: marks.present |= bit
                case 2: marks.absent |= bit
                case 3: marks.late |= bit
                default: marks.excused |= bit
                }
            }
        }
        return marks
    }

    /// The position of a column of the (joined) header, by name.
    public func position(of column: String) -> Int? { positions[column] }

    /// The column a field is read from, for messages.
    public func column(of field: String) -> String? { slots[field]?.spec.column }
}
