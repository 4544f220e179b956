import DarasaCore
import Foundation

/// Attendance one mark per row (a person, a date, a mark: what HR and school-management systems
/// export) read straight from a file's bytes, as `WideRegisterReader` reads registers: a teacher
/// check-in went through `MappedReader`'s Strings, trimming, date splitting and SipHash at about
/// 3.5 µs a row.
///
/// It reads a file only when it would get exactly what `MappedReader` gets, and returns nil
/// otherwise (the importer then reads that file the general way; a test holds the two to the
/// same rows). That is:
/// - the mapping (`init` returns nil otherwise): CSV with one header row, no joins, `where:` or
///   `delete_when:`; the person (`learner` or `teacher`) and, if mapped, the school from columns
///   with no pattern, value map, code list, constant or default; the date from a column in one
///   of the date formats, with no value map; the mark from a column, its words from the
///   mapping's `values:` and the built-in ones; no other field;
/// - the file (`read` returns nil otherwise): what `DirectCSV` accepts; each row exactly as wide
///   as the header; known person and school keys of printable ASCII without a leading
///   apostrophe; a date of digits and the format's separators that is a real day; a mark, of
///   ASCII, that the mapping knows.
/// Rows come back in file order with the row number a spreadsheet shows.
public final class LongAttendanceReader {
    public struct Row: Sendable, Equatable {
        public var person: Int64
        /// nil when the mapping takes no school (a teacher's school is their posting that day).
        public var school: Int64?
        public var day: Day
        public var mark: AttendanceMark
        public var row: Int
    }

    private let people: ByteKeyTable
    private var schools: SchoolCodes
    private let personColumn: String
    private let schoolColumn: String?
    private let dateColumn: String
    private let date: (order: DateFormat.Order, separator: UInt8)
    /// Marks by their words, lowercased, as `MappedReader.canonicalValue` finds them.
    private let marks: [[UInt8]: AttendanceMark]
    private let options: ReadOptions
    private let markColumn: String
    private var file = DirectCSV()

    /// nil when the mapping is not a plain one-mark-per-row attendance mapping (see the type's
    /// doc). `people`: the stored learners or teachers by the key the person column holds.
    public init?(mapping: Mapping, people: [String: Int64], schools: [String: Int64]) {
        let person: String
        switch mapping.target {
        case .learnerAttendance: person = "learner"
        case .teacherAttendance: person = "teacher"
        default: return nil
        }
        let fields = Set(mapping.fields.keys)
        guard mapping.read.format == .csv, mapping.read.headerRows == 1, mapping.joins.isEmpty, mapping.filters.isEmpty,
              mapping.deleteWhen == nil, fields == [person, "date", "mark"] || fields == [person, "date", "mark", "school"] else { return nil }
        let compiled = MappedReader.Compiled(mapping)
        var personColumn: String?, schoolColumn: String?, dateColumn: String?, markColumn: String?
        var date: (DateFormat.Order, UInt8)?
        var marks: [[UInt8]: AttendanceMark] = [:]
        for f in compiled.fields {
            guard let column = f.spec.column, f.spec.pattern == nil, f.spec.codes == nil, f.spec.defaultValue == nil,
                  f.spec.constant == nil else { return nil }
            switch f.field.name {
            case person, "school":
                // As `MappedReader.canonicalValue` returns the text itself: no map, no vocabulary.
                guard f.values.isEmpty, f.field.kind.canonicalValues == nil else { return nil }
                if f.field.name == "school" { schoolColumn = column } else { personColumn = column }
            case "date":
                guard f.values.isEmpty, f.field.kind.canonicalValues == nil, let separator = f.date.separator.asciiValue else { return nil }
                dateColumn = column
                date = (f.date.order, separator)
            case "mark":
                markColumn = column
                // The mapping's words, then the vocabulary itself (`canonicalValue`'s order).
                for word in f.field.kind.canonicalValues ?? [] {
                    if let mark = AttendanceMark(rawValue: word) { marks[Array(word.utf8)] = mark }
                }
                for (word, value) in f.values where word.utf8.allSatisfy({ $0 < 0x80 }) && word == word.lowercased() {
                    guard let mark = AttendanceMark(rawValue: value) else { marks[Array(word.utf8)] = nil; continue }
                    marks[Array(word.utf8)] = mark
                }
            default: return nil
            }
        }
        guard let personColumn, let dateColumn, let markColumn, let date else { return nil }
        self.personColumn = personColumn
        self.schoolColumn = schoolColumn
        self.dateColumn = dateColumn
        self.markColumn = markColumn
        self.date = date
        self.marks = marks
        self.people = ByteKeyTable(people)
        self.schools = SchoolCodes(schools)
        options = mapping.read
    }

    /// The file's rows, or nil when the general reader must read it (see the type's doc).
    public func read(url: URL) -> [Row]? {
        file.read(url, options) { parse($0, &$1) }
    }

    private func parse(_ all: UnsafeBufferPointer<UInt8>, _ csv: inout DirectCSV.Opened) -> [Row]? {
        let position = csv.position, delimiter = csv.delimiter
        guard let personAt = position[personColumn], let dateAt = position[dateColumn], let markAt = position[markColumn] else { return nil }
        var schoolAt: Int?
        if let schoolColumn { guard let at = position[schoolColumn] else { return nil }; schoolAt = at }
        var ends = [Int](repeating: 0, count: csv.width)
        var rows: [Row] = []
        rows.reserveCapacity(all.count / 24)
        var record = 1
        var word: [UInt8] = []
        while let line = csv.lines.next() {
            record += 1
            guard DirectCSV.split(all, line, delimiter, &ends),
                  let key = DirectCSV.key(all, DirectCSV.field(personAt, line, ends)), let person = people.value(key),
                  let day = day(all, DirectCSV.field(dateAt, line, ends)),
                  let mark = mark(all, DirectCSV.field(markAt, line, ends), &word) else { return nil }
            var school: Int64?
            if let schoolAt {
                guard let id = schools.id(all, DirectCSV.field(schoolAt, line, ends)) else { return nil }
                school = id
            }
            rows.append(Row(person: person, school: school, day: day, mark: mark, row: record))
        }
        return csv.lines.declined ? nil : rows
    }

    /// A date as `DateFormat.parse` reads it, from ASCII digits and the format's separator only
    /// (spaces around it trimmed, as the general reader trims); nil otherwise.
    private func day(_ all: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Day? {
        guard let bytes = DirectCSV.key(all, range) else { return nil }
        var parts: (Int, Int, Int) = (0, 0, 0)
        var lengths: (Int, Int, Int) = (0, 0, 0)
        var k = 0
        for b in bytes {
            if b == date.separator {
                k += 1
                guard k < 3 else { return nil }
                continue
            }
            guard b >= 48 && b <= 57 else { return nil }
            let d = Int(b - 48)
            switch k {
            case 0: parts.0 = parts.0 * 10 + d; lengths.0 += 1
            case 1: parts.1 = parts.1 * 10 + d; lengths.1 += 1
            default: parts.2 = parts.2 * 10 + d; lengths.2 += 1
            }
        }
        guard k == 2, lengths.0 > 0, lengths.1 > 0, lengths.2 > 0, lengths.0 <= 9, lengths.1 <= 9, lengths.2 <= 9 else { return nil }
        switch date.order {
        case .ymd: return lengths.0 == 4 ? Day(year: parts.0, month: parts.1, day: parts.2) : nil
        case .dmy: return lengths.2 == 4 ? Day(year: parts.2, month: parts.1, day: parts.0) : nil
        case .mdy: return lengths.2 == 4 ? Day(year: parts.2, month: parts.0, day: parts.1) : nil
        }
    }

    /// A mark's word, trimmed and lowercased, looked up as `MappedReader.canonicalValue` looks it up.
    private func mark(_ all: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ word: inout [UInt8]) -> AttendanceMark? {
        guard let bytes = DirectCSV.key(all, range) else { return nil }
        word.removeAll(keepingCapacity: true)
        for b in bytes { word.append(b >= 65 && b <= 90 ? b + 32 : b) }
        return marks[word]
    }
}
