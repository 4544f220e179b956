import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the direct readers (`WideRegisterReader`, `LongAttendanceReader`) share: a whole file in
/// one buffer, its lines and fields as byte ranges, its header cleaned as every reader cleans it,
/// and keys as their bytes. Each step answers nil where the general reader could read the bytes
/// differently (a quote, a bare carriage return, a header that is not ASCII), so that the caller
/// declines the file and the general reader reads it.
struct DirectCSV {
    /// Files larger than this are read the general way (streamed).
    static let maxBytes = 16 << 20

    private var buffer: [UInt8] = []
    private(set) var count = 0

    /// Reads the whole file into the buffer; false when it cannot be read or is too large.
    mutating func load(_ path: String) -> Bool {
        count = 0
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
        count = ok ? done : 0
        return ok
    }

    /// The loaded bytes.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let n = count
        return buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[..<n])) }
    }

    /// A loaded file past its header: the lines left, the delimiter, each column's position.
    struct Opened {
        var lines: Lines
        let delimiter: UInt8
        let position: [String: Int]
        /// The header's number of fields (every row must have as many).
        let width: Int
    }

    /// Loads a CSV file and reads its header, then hands its bytes to `body`; nil (read the file
    /// the general way) when its extension names another format, it cannot be loaded, or its
    /// header is not one the direct readers take (`header`).
    mutating func read<R>(_ url: URL, _ options: ReadOptions, _ body: (UnsafeBufferPointer<UInt8>, inout Opened) -> R?) -> R? {
        if let ext = ReadOptions.Format(rawValue: url.pathExtension.lowercased()), ext != .csv { return nil }
        guard load(url.path) else { return nil }
        return withBytes { all in
            var lines = Lines(all)
            let delimiter = Self.delimiter(options, all)
            guard let headerLine = lines.next(), let names = Self.header(all, headerLine, delimiter) else { return nil }
            var opened = Opened(lines: lines, delimiter: delimiter, position: Self.positions(names), width: names.count)
            return body(all, &opened)
        }
    }

    /// The lines of `all`, without their line breaks, blank lines skipped (as `CSVReader` skips
    /// them). Refuses (`declined`) a file with a quote or a carriage return not before a line feed.
    struct Lines {
        let all: UnsafeBufferPointer<UInt8>
        private var p = 0
        private(set) var declined = false

        init(_ all: UnsafeBufferPointer<UInt8>) {
            self.all = all
            if all.isEmpty || memchr(all.baseAddress!, 34, all.count) != nil { declined = true }
            if all.count >= 3, all[0] == 0xEF, all[1] == 0xBB, all[2] == 0xBF { p = 3 }
        }

        /// The next line, or nil at the end (or when declined).
        mutating func next() -> Range<Int>? {
            guard !declined, let base = all.baseAddress else { return nil }
            let n = all.count
            while p < n {
                let start = p
                let found = memchr(base + p, 10, n - p)
                let lineEnd = found.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? n
                p = found == nil ? n : lineEnd + 1
                var end = lineEnd
                if end > start && all[end - 1] == 13 { end -= 1 }
                if memchr(base + start, 13, end - start) != nil { declined = true; return nil }
                if end > start { return start..<end }
            }
            return nil
        }
    }

    /// The delimiter `options` names, or the one the general reader would sniff.
    static func delimiter(_ options: ReadOptions, _ all: UnsafeBufferPointer<UInt8>) -> UInt8 {
        options.delimiter ?? CSVTable.sniffDelimiter(head: UnsafeBufferPointer(rebasing: all[..<min(all.count, 1 << 16)]))
    }

    /// The header's names, cleaned as every reader cleans them (`cleanHeader`); nil when not ASCII
    /// or wider than the general reader reads.
    static func header(_ all: UnsafeBufferPointer<UInt8>, _ line: Range<Int>, _ delimiter: UInt8) -> [String]? {
        var names: [String] = []
        var fieldStart = line.lowerBound
        for i in line.lowerBound...line.upperBound where i == line.upperBound || all[i] == delimiter {
            guard all[fieldStart..<i].allSatisfy({ $0 < 0x80 }) else { return nil }
            names.append(String(decoding: UnsafeBufferPointer(rebasing: all[fieldStart..<i]), as: UTF8.self))
            fieldStart = i + 1
        }
        guard names.count <= InputLimits.maxFields else { return nil }
        return cleanHeader(names)
    }

    /// Each name's first position, as `MappedReader` finds columns.
    static func positions(_ names: [String]) -> [String: Int] {
        var position: [String: Int] = [:]
        for (i, name) in names.enumerated() where position[name] == nil { position[name] = i }
        return position
    }

    /// Splits `line` on the delimiter into exactly `ends.count` fields (`ends[k]` is field k's
    /// end; it starts after the previous one's delimiter); false for any other number of fields.
    static func split(_ all: UnsafeBufferPointer<UInt8>, _ line: Range<Int>, _ delimiter: UInt8, _ ends: inout [Int]) -> Bool {
        let width = ends.count
        var k = 0
        var i = line.lowerBound
        while i < line.upperBound {
            if all[i] == delimiter {
                guard k < width - 1 else { return false }
                ends[k] = i
                k += 1
            }
            i += 1
        }
        guard k == width - 1 else { return false }
        ends[k] = line.upperBound
        return true
    }

    /// Field `c` of a line split by `split`.
    @inline(__always)
    static func field(_ c: Int, _ line: Range<Int>, _ ends: [Int]) -> Range<Int> {
        (c == 0 ? line.lowerBound : ends[c - 1] + 1)..<ends[c]
    }

    /// A key field's bytes without surrounding spaces and tabs (as `CSVRecord.trimmed`), or nil
    /// when empty, not printable ASCII, or starting with an apostrophe (the general reader may
    /// strip it).
    static func key(_ all: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UnsafeBufferPointer<UInt8>? {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi, all[lo] == 32 || all[lo] == 9 { lo += 1 }
        while hi > lo, all[hi - 1] == 32 || all[hi - 1] == 9 { hi -= 1 }
        guard lo < hi, all[lo] != 39 else { return nil }
        for i in lo..<hi where all[i] < 32 || all[i] >= 127 { return nil }
        return UnsafeBufferPointer(rebasing: all[lo..<hi])
    }
}

/// Schools by code, looked up from a field's bytes; the last school is kept, since a file is
/// usually one school's.
struct SchoolCodes {
    let schools: [String: Int64]
    private var last: (code: [UInt8], id: Int64) = ([], 0)

    init(_ schools: [String: Int64]) { self.schools = schools }

    mutating func id(_ all: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
        guard let key = DirectCSV.key(all, range) else { return nil }
        if key.elementsEqual(last.code) { return last.id }
        guard let id = schools[String(decoding: key, as: UTF8.self)] else { return nil }
        last = (Array(key), id)
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
