import DarasaCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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
    public static let maxBytes = 16 << 20

    private let learners: ByteKeyTable
    private let schools: [String: Int64]
    private let compiled: MappedReader.Compiled
    private let learnerColumn: String
    private let schoolColumn: String
    private let fromPath: NSRegularExpression
    private let delimiter: UInt8?
    private var buffer: [UInt8] = []
    private var loaded = 0
    private var lastSchool: (code: [UInt8], id: Int64) = ([], 0)

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
        self.schools = schools
        delimiter = mapping.read.delimiter
    }

    /// The file's rows, or nil when the general reader must read it (see the type's doc).
    /// `file` is the name the user knows the file by (what `from_path:` is matched against).
    public func read(url: URL, file: String) -> File? {
        if let ext = ReadOptions.Format(rawValue: url.pathExtension.lowercased()), ext != .csv { return nil }
        guard let (year, month) = month(of: file), load(url.path) else { return nil }
        let size = loaded
        return buffer.withUnsafeBufferPointer { parse(UnsafeBufferPointer(rebasing: $0[..<size]), year: year, month: month) }
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

    /// Reads the whole file into `buffer` (its first `loaded` bytes); false when it cannot be
    /// read or is too large.
    private func load(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= 0, info.st_size <= Self.maxBytes else { return false }
        // One byte more than the size, to see the end of the file (or that it grew).
        let want = Int(info.st_size) + 1
        if buffer.count < want { buffer = [UInt8](repeating: 0, count: max(want, 2 * buffer.count)) }
        var done = 0
        let ok = buffer.withUnsafeMutableBytes { b -> Bool in
            while done < want {
                let n = readBytes(fd, b.baseAddress! + done, want - done)
                if n < 0 { return false }
                if n == 0 { break }
                done += n
            }
            return done == want - 1
        }
        loaded = ok ? done : 0
        return ok
    }

    private func parse(_ all: UnsafeBufferPointer<UInt8>, year: Int, month: Int) -> File? {
        guard let base = all.baseAddress, !all.isEmpty else { return nil }
        // A quote anywhere, or a carriage return not before a line feed: the general reader.
        if memchr(base, 34, all.count) != nil { return nil }
        var p = 0
        if all.count >= 3, all[0] == 0xEF, all[1] == 0xBB, all[2] == 0xBF { p = 3 }
        let delimiter = self.delimiter ?? CSVTable.sniffDelimiter(head: UnsafeBufferPointer(rebasing: all[..<min(all.count, 1 << 16)]))
        let n = all.count

        // One line: [start, end) without its line break; nil at the end of the file. Blank lines are skipped.
        func nextLine() -> Range<Int>?? {
            while p < n {
                let start = p
                let found = memchr(base + p, 10, n - p)
                let lineEnd = found.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? n
                p = found == nil ? n : lineEnd + 1
                var end = lineEnd
                if end > start && all[end - 1] == 13 { end -= 1 }
                if memchr(base + start, 13, end - start) != nil { return .some(nil) }
                if end > start { return start..<end }
            }
            return nil
        }

        // The header: ASCII, split on the delimiter, cleaned as every reader cleans it.
        guard let headerLine = nextLine(), let header = headerLine else { return nil }
        var names: [String] = []
        var fieldStart = header.lowerBound
        for i in header.lowerBound...header.upperBound where i == header.upperBound || all[i] == delimiter {
            guard all[fieldStart..<i].allSatisfy({ $0 < 0x80 }) else { return nil }
            names.append(String(decoding: UnsafeBufferPointer(rebasing: all[fieldStart..<i]), as: UTF8.self))
            fieldStart = i + 1
        }
        guard names.count <= InputLimits.maxFields else { return nil }
        names = cleanHeader(names)
        var position: [String: Int] = [:]
        for (i, name) in names.enumerated() where position[name] == nil { position[name] = i }
        guard let days = compiled.days, let learnerAt = position[learnerColumn], let schoolAt = position[schoolColumn] else { return nil }
        let dayAt = days.names.map { position[$0] ?? -1 }
        guard dayAt[0...27].allSatisfy({ $0 >= 0 }) else { return nil }
        let width = names.count
        let length = Day.daysIn(month: month, year: year)
        // Per column: the day (1…31) it holds, or 0.
        var dayOf = [Int](repeating: 0, count: width)
        for (d, c) in dayAt.enumerated() where c >= 0 { dayOf[c] = d + 1 }
        let marks = days.byteMarks

        var rows: [Row] = []
        rows.reserveCapacity(n / 64)
        var ends = [Int](repeating: 0, count: width)
        var record = 1
        while let next = nextLine() {
            guard let line = next else { return nil }
            record += 1
            // Field boundaries: ends[k] is the end of field k.
            var k = 0
            var i = line.lowerBound
            while i < line.upperBound {
                if all[i] == delimiter {
                    guard k < width - 1 else { return nil }
                    ends[k] = i
                    k += 1
                }
                i += 1
            }
            guard k == width - 1 else { return nil }
            ends[k] = line.upperBound
            func field(_ c: Int) -> Range<Int> { (c == 0 ? line.lowerBound : ends[c - 1] + 1)..<ends[c] }
            guard let learnerKey = Self.key(all, field(learnerAt)), let learner = learners.value(learnerKey),
                  let school = school(all, field(schoolAt)) else { return nil }
            var m = MonthMarks()
            for c in 0..<width where dayOf[c] != 0 {
                let r = field(c)
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
        // In the stored table's order (a register is one school's month): SQLite then inserts
        // each file's rows side by side instead of at scattered places.
        rows.sort { ($0.school, $0.learner) < ($1.school, $1.learner) }
        return File(year: year, month: month, rows: rows)
    }

    /// A key field's bytes without surrounding spaces and tabs (as `CSVRecord.trimmed`), or nil
    /// when empty, not printable ASCII, or starting with an apostrophe (the general reader may
    /// strip it).
    private static func key(_ all: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UnsafeBufferPointer<UInt8>? {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi, all[lo] == 32 || all[lo] == 9 { lo += 1 }
        while hi > lo, all[hi - 1] == 32 || all[hi - 1] == 9 { hi -= 1 }
        guard lo < hi, all[lo] != 39 else { return nil }
        for i in lo..<hi where all[i] < 32 || all[i] >= 127 { return nil }
        return UnsafeBufferPointer(rebasing: all[lo..<hi])
    }

    private func school(_ all: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
        guard let key = Self.key(all, range) else { return nil }
        if key.elementsEqual(lastSchool.code) { return lastSchool.id }
        guard let id = schools[String(decoding: key, as: UTF8.self)] else { return nil }
        lastSchool = (Array(key), id)
        return id
    }
}

/// read(2), under the name each platform's C library gives it.
private func readBytes(_ fd: Int32, _ into: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, into, count)
    #else
    return Darwin.read(fd, into, count)
    #endif
}
