import DarasaCore
import Foundation

/// Wide registers (one row per learner and month, one column per day: the shape paper
/// registers are typed up in) read straight from a file's bytes. `MappedReader` builds a String
/// per key, trims it, looks each field up by name and hashes keys with SipHash; over the 6.5
/// million rows of a country's registers that was three quarters of the import's time.
///
/// It reads a file only when it would get exactly what `MappedReader` gets, and returns nil
/// otherwise: the caller then reads that file the general way, so that messages, the quarantine
/// and the counts never depend on which way a file was read (a test holds the two to the same
/// rows). That is:
/// - the mapping (`init` returns nil otherwise): CSV with one header row, no joins, `where:` or
///   `delete_when:`; learner and school from columns, with no pattern, value map, code list,
///   constant or default; the month from the file's path; the days from columns; no other field;
/// - the file (`read` returns nil otherwise): not larger than `maxBytes`; no quote character and
///   no carriage return other than before a line feed; a header of ASCII naming every mapped
///   column; each row with exactly the header's number of fields; learner and school keys of
///   printable ASCII (no leading apostrophe) that are stored; each day's mark blank or one byte
///   the mapping knows, and none past the month's last day; the path giving a valid month.
///
/// Everything else (a quarantined row, a stray quote, an unknown learner) is left to the
/// general reader, which explains it. Rows come back in the stored table's order (school, then
/// learner), each with the row number a spreadsheet shows (the header is row 1; blank lines are
/// skipped, not counted).
public final class WideRegisterReader {
    public struct Row: Sendable {
        public var learner: Int64
        public var school: Int64
        public var row: Int
        public var marks: MonthMarks
    }

    public struct File: Sendable {
        public var year: Int
        public var month: Int
        public var rows: [Row]
    }

    /// Files larger than this are read the general way (streamed); registers are one class or
    /// school and month, a few tens of kilobytes.
    public static let maxBytes = DirectCSV.maxBytes

    private let learners: ByteKeyTable
    private var schools: SchoolCodes
    private let compiled: MappedReader.Compiled
    private let learnerColumn: String
    private let schoolColumn: String
    private let fromPath: NSRegularExpression
    private let options: ReadOptions
    private var file = DirectCSV()

    /// nil when the mapping is not a plain wide-register mapping (see the type's doc).
    /// `learners`: the stored learners by the key the mapping's learner column holds.
    public init?(mapping: Mapping, learners: [String: Int64], schools: [String: Int64]) {
        guard mapping.target == .learnerAttendance, mapping.read.format == .csv, mapping.read.headerRows == 1,
              mapping.joins.isEmpty, mapping.filters.isEmpty, mapping.deleteWhen == nil,
              Set(mapping.fields.keys) == ["learner", "school", "month", "days"] else { return nil }
        let compiled = MappedReader.Compiled(mapping)
        guard compiled.days != nil, compiled.fields.count == 3 else { return nil }
        var learnerColumn: String?, schoolColumn: String?, fromPath: NSRegularExpression?
        for f in compiled.fields {
            // As `MappedReader.canonicalValue` returns the text itself: no map, no vocabulary.
            guard f.spec.pattern == nil, f.spec.codes == nil, f.spec.defaultValue == nil, f.spec.constant == nil,
                  f.values.isEmpty, f.field.kind.canonicalValues == nil else { return nil }
            switch f.field.name {
            case "learner": learnerColumn = f.spec.column
            case "school": schoolColumn = f.spec.column
            case "month": guard f.spec.column == nil else { return nil }; fromPath = f.fromPath
            default: return nil
            }
        }
        guard let learnerColumn, let schoolColumn, let fromPath else { return nil }
        self.learnerColumn = learnerColumn
        self.schoolColumn = schoolColumn
        self.fromPath = fromPath
        self.compiled = compiled
        self.learners = ByteKeyTable(learners)
        self.schools = SchoolCodes(schools)
        options = mapping.read
    }

    /// The file's rows, or nil when the general reader must read it (see the type's doc).
    /// `file` is the name the user knows the file by (what `from_path:` is matched against).
    public func read(url: URL, file: String) -> File? {
        guard let (year, month) = month(of: file) else { return nil }
        return self.file.read(url, options) { parse($0, &$1, year: year, month: month) }
    }

    /// The month `from_path:` takes from the file's name, as `MappedReader.month` reads it.
    private func month(of file: String) -> (Int, Int)? {
        let ns = file as NSString
        guard let m = fromPath.firstMatch(in: file, range: NSRange(location: 0, length: ns.length)),
              m.range(at: 1).location != NSNotFound else { return nil }
        let text = ns.substring(with: m.range(at: 1))
        guard !text.isEmpty, let value = MappedReader.month(text) else { return nil }
        return (value.year, value.month)
    }

    private func parse(_ all: UnsafeBufferPointer<UInt8>, _ csv: inout DirectCSV.Opened, year: Int, month: Int) -> File? {
        let position = csv.position, delimiter = csv.delimiter, width = csv.width
        guard let days = compiled.days, let learnerAt = position[learnerColumn], let schoolAt = position[schoolColumn] else { return nil }
        let dayAt = days.names.map { position[$0] ?? -1 }
        guard dayAt[0...27].allSatisfy({ $0 >= 0 }) else { return nil }
        let length = Day.daysIn(month: month, year: year)
        // Per column: the day (1…31) it holds, or 0.
        var dayOf = [Int](repeating: 0, count: width)
        for (d, c) in dayAt.enumerated() where c >= 0 { dayOf[c] = d + 1 }
        let marks = days.byteMarks

        var rows: [Row] = []
        rows.reserveCapacity(all.count / 64)
        var ends = [Int](repeating: 0, count: width)
        var record = 1
        while let line = csv.lines.next() {
            record += 1
            guard DirectCSV.split(all, line, delimiter, &ends),
                  let learnerKey = DirectCSV.key(all, DirectCSV.field(learnerAt, line, ends)), let learner = learners.value(learnerKey),
                  let school = schools.id(all, DirectCSV.field(schoolAt, line, ends)) else { return nil }
            var m = MonthMarks()
            for c in 0..<width where dayOf[c] != 0 {
                let r = DirectCSV.field(c, line, ends)
                let code: UInt8
                switch r.count {
                case 0: code = marks[0]
                case 1: code = marks[Int(all[r.lowerBound])]
                default: return nil
                }
                if code == 0 { continue }
                let day = dayOf[c]
                guard code != 255, day <= length else { return nil }
                let bit = UInt32(1) << UInt32(day - 1)
                switch code {
                case 1: m.present |= bit
                case 2: m.absent |= bit
                case 3: m.late |= bit
                default: m.excused |= bit
                }
            }
            rows.append(Row(learner: learner, school: school, row: record, marks: m))
        }
        guard !csv.lines.declined else { return nil }
        // In the stored table's order (a register is one school's month): SQLite then inserts
        // each file's rows side by side instead of at scattered places.
        rows.sort { ($0.school, $0.learner) < ($1.school, $1.learner) }
        return File(year: year, month: month, rows: rows)
    }
}
