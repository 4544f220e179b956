import Foundation

/// One CSV record as bytes plus field boundaries, reused between reads so that million-row files
/// do not allocate a String per field unless the caller asks for one.
public struct CSVRecord: Sendable {
    /// The unescaped bytes of all fields, back to back.
    public internal(set) var bytes: [UInt8] = []
    /// `ends[i]` is the end offset in `bytes` of field i (its start is `ends[i-1]`, or 0).
    public internal(set) var ends: [Int] = []

    public init() {}

    public var count: Int { ends.count }

    /// Byte range of field `i` in `bytes` (0 ≤ i < count).
    public func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }

    /// Field `i` as a String, or "" when the record has fewer fields.
    public subscript(_ i: Int) -> String {
        guard i >= 0, i < ends.count else { return "" }
        return String(decoding: bytes[range(i)], as: UTF8.self)
    }

    public func isEmpty(_ i: Int) -> Bool { i < 0 || i >= ends.count || range(i).isEmpty }

    /// The first byte of field `i` when the field is exactly one byte long.
    public func singleByte(_ i: Int) -> UInt8? {
        guard i >= 0, i < ends.count else { return nil }
        let r = range(i)
        return r.count == 1 ? bytes[r.lowerBound] : nil
    }

    /// Field `i` as a decimal integer (optional sign, ASCII digits, surrounding spaces allowed);
    /// nil when empty or not an integer.
    public func int(_ i: Int) -> Int? {
        guard i >= 0, i < ends.count else { return nil }
        var r = range(i)
        while r.lowerBound < r.upperBound && bytes[r.lowerBound] == 32 { r = (r.lowerBound + 1)..<r.upperBound }
        while r.lowerBound < r.upperBound && bytes[r.upperBound - 1] == 32 { r = r.lowerBound..<(r.upperBound - 1) }
        guard !r.isEmpty else { return nil }
        var k = r.lowerBound
        var negative = false
        if bytes[k] == UInt8(ascii: "-") || bytes[k] == UInt8(ascii: "+") {
            negative = bytes[k] == UInt8(ascii: "-")
            k += 1
        }
        guard k < r.upperBound, r.upperBound - k <= 18 else { return nil }
        var v = 0
        while k < r.upperBound {
            let d = Int(bytes[k]) - 48
            guard d >= 0 && d <= 9 else { return nil }
            v = v * 10 + d
            k += 1
        }
        return negative ? -v : v
    }

    public var fields: [String] { (0..<ends.count).map { self[$0] } }

    /// Direct access for hot loops: the field bytes and the end offsets (see `ends`).
    public func withUnsafeFields<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Int>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { b in try ends.withUnsafeBufferPointer { e in try body(b, e) } }
    }

    /// The bytes of field `i` without leading or trailing ASCII spaces and tabs (i must exist).
    private func trimmedRange(_ i: Int) -> Range<Int> {
        var r = range(i)
        while r.lowerBound < r.upperBound, bytes[r.lowerBound] == 32 || bytes[r.lowerBound] == 9 { r = (r.lowerBound + 1)..<r.upperBound }
        while r.lowerBound < r.upperBound, bytes[r.upperBound - 1] == 32 || bytes[r.upperBound - 1] == 9 { r = r.lowerBound..<(r.upperBound - 1) }
        return r
    }

    /// Field `i` without leading or trailing ASCII spaces and tabs ("" when absent).
    public func trimmed(_ i: Int) -> String {
        guard i >= 0, i < ends.count else { return "" }
        return String(decoding: bytes[trimmedRange(i)], as: UTF8.self)
    }

    /// True when field `i`, trimmed as `trimmed(i)` trims it, is `other` (without building a String).
    public func equals(trimmed i: Int, _ other: String) -> Bool {
        guard i >= 0, i < ends.count else { return other.isEmpty }
        return bytes[trimmedRange(i)].elementsEqual(other.utf8)
    }

    /// True when field `i` holds exactly `other`'s bytes.
    public func equals(_ i: Int, _ other: [UInt8]) -> Bool {
        guard i >= 0, i < ends.count else { return other.isEmpty }
        let r = range(i)
        guard r.count == other.count else { return false }
        var k = 0
        for b in bytes[r] {
            if b != other[k] { return false }
            k += 1
        }
        return true
    }

    /// Field `i` parsed as YYYY-MM-DD, without building a String; nil when it is not one.
    public func isoDate(_ i: Int) -> (year: Int, month: Int, day: Int)? {
        guard i >= 0, i < ends.count else { return nil }
        let r = range(i)
        guard r.count == 10, bytes[r.lowerBound + 4] == 45, bytes[r.lowerBound + 7] == 45 else { return nil }
        var parts = (0, 0, 0)
        var value = 0
        for k in 0..<10 {
            let b = bytes[r.lowerBound + k]
            if k == 4 { parts.0 = value; value = 0; continue }
            if k == 7 { parts.1 = value; value = 0; continue }
            guard b >= 48 && b <= 57 else { return nil }
            value = value * 10 + Int(b - 48)
        }
        parts.2 = value
        return (parts.0, parts.1, parts.2)
    }

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}

/// A streaming CSV reader (RFC 4180 and the usual deviations): quoted fields with doubled
/// quotes, delimiters and line breaks inside quotes, CRLF / LF / CR line endings, a UTF-8 byte
/// order mark, and any single-byte delimiter. Reads the file in 256 KiB chunks, so memory does
/// not grow with the file.
///
/// `line` is the 1-based physical line the current record started on; `recordNumber` counts
/// records (the header is record 1), which is the row number a spreadsheet would show.
/// A quote inside an unquoted field is kept as a literal character; a file ending inside a
/// quoted field throws `CSVError.unterminatedQuote`.
public final class CSVReader {
    public let delimiter: UInt8
    private let handle: FileHandle?
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEOF = false
    private var currentLine = 1
    private var started = false
    public private(set) var line = 0
    public private(set) var recordNumber = 0
    private let chunkSize = 1 << 18

    public struct CSVError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    public init(url: URL, delimiter: Character = ",") throws {
        self.delimiter = delimiter.asciiValue ?? UInt8(ascii: ",")
        handle = try FileHandle(forReadingFrom: url)
    }

    /// Reads from bytes already in memory.
    public init(data: Data, delimiter: Character = ",") {
        self.delimiter = delimiter.asciiValue ?? UInt8(ascii: ",")
        handle = nil
        buffer = Array(data)
        atEOF = true
    }

    deinit { try? handle?.close() }

    private func fill() -> Bool {
        guard !atEOF, let handle else { return false }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        let data = handle.readData(ofLength: chunkSize)
        if data.isEmpty { atEOF = true; return false }
        buffer.append(contentsOf: data)
        return true
    }

    @inline(__always)
    private func peek() -> UInt8? {
        if position < buffer.count { return buffer[position] }
        if fill(), position < buffer.count { return buffer[position] }
        return nil
    }

    /// Reads the next record into `record`; false at end of input. Blank lines are skipped.
    public func next(into record: inout CSVRecord) throws -> Bool {
        if !started {
            started = true
            if peek() == 0xEF, position + 2 < buffer.count || fill() {
                if buffer.count >= position + 3 && buffer[position + 1] == 0xBB && buffer[position + 2] == 0xBF { position += 3 }
            }
        }
        while true {
            record.reset()
            guard let first = peek() else { return false }
            if first == 10 || first == 13 {
                // A blank line.
                position += 1
                if first == 13, peek() == 10 { position += 1 }
                currentLine += 1
                continue
            }
            line = currentLine
            try readRecord(into: &record)
            recordNumber += 1
            return true
        }
    }

    /// The next record as Strings, or nil at end of input.
    public func next() throws -> [String]? {
        var record = CSVRecord()
        return try next(into: &record) ? record.fields : nil
    }

    private func readRecord(into record: inout CSVRecord) throws {
        // States carried across buffer refills.
        var fieldStart = true
        var inQuotes = false
        let delimiter = self.delimiter
        while true {
            if position >= buffer.count && !fill() {
                if inQuotes {
                    throw CSVError(line: line, problem: "a quoted field is not closed before the end of the file")
                }
                record.ends.append(record.bytes.count)
                return
            }
            let eof = atEOF
            // Scan what is buffered; stop early (without consuming) when a decision needs the
            // next byte and it is not buffered yet.
            var lines = 0
            let (consumed, finished, needMore) = buffer.withUnsafeBufferPointer { buf -> (Int, Bool, Bool) in
                let quote = UInt8(ascii: "\"")
                var p = position
                let end = buf.count
                while p < end {
                    let b = buf[p]
                    if inQuotes {
                        if b == quote {
                            if p + 1 >= end && !eof { return (p, false, true) }
                            if p + 1 < end && buf[p + 1] == quote {
                                record.bytes.append(quote)
                                p += 2
                            } else {
                                inQuotes = false
                                p += 1
                            }
                            continue
                        }
                        // Copy the run up to the next quote.
                        var q = p
                        while q < end && buf[q] != quote {
                            if buf[q] == 10 { lines += 1 } else if buf[q] == 13 && (q + 1 >= end || buf[q + 1] != 10) { lines += 1 }
                            q += 1
                        }
                        record.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[p..<q]))
                        p = q
                        continue
                    }
                    if fieldStart && b == quote {
                        inQuotes = true
                        fieldStart = false
                        p += 1
                        continue
                    }
                    if b == delimiter {
                        record.ends.append(record.bytes.count)
                        fieldStart = true
                        p += 1
                        continue
                    }
                    if b == 10 || b == 13 {
                        if b == 13 && p + 1 >= end && !eof { return (p, false, true) }
                        p += (b == 13 && p + 1 < end && buf[p + 1] == 10) ? 2 : 1
                        lines += 1
                        record.ends.append(record.bytes.count)
                        return (p, true, false)
                    }
                    // An unquoted run (a quote inside it is kept as a character).
                    fieldStart = false
                    var q = p + 1
                    while q < end {
                        let c = buf[q]
                        if c == delimiter || c == 10 || c == 13 { break }
                        q += 1
                    }
                    record.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[p..<q]))
                    p = q
                }
                return (p, false, false)
            }
            position = consumed
            currentLine += lines
            if finished { return }
            if needMore && !fill() {
                // End of input right after a quote or CR: the next loop iteration sees eof.
                continue
            }
        }
    }
}
