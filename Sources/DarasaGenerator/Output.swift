import Foundation

/// CSV encoding as the generator writes it (RFC 4180: fields containing the delimiter, a quote,
/// CR or LF are quoted, quotes doubled; lines end with LF, as most exports do).
public enum CSVEncoding {
    /// One record, without the line ending.
    public static func line(_ fields: [String], delimiter: Character = ",") -> String {
        var bytes: [UInt8] = []
        let d = delimiter.asciiValue ?? UInt8(ascii: ",")
        for (i, f) in fields.enumerated() {
            if i > 0 { bytes.append(d) }
            appendField(Array(f.utf8), delimiter: d, to: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    static func needsQuotes(_ field: [UInt8], delimiter: UInt8) -> Bool {
        for b in field where b == delimiter || b == UInt8(ascii: "\"") || b == 10 || b == 13 { return true }
        return false
    }

    static func appendField(_ field: [UInt8], delimiter: UInt8, to out: inout [UInt8]) {
        if needsQuotes(field, delimiter: delimiter) {
            out.append(UInt8(ascii: "\""))
            for b in field {
                if b == UInt8(ascii: "\"") { out.append(b) }
                out.append(b)
            }
            out.append(UInt8(ascii: "\""))
        } else {
            out.append(contentsOf: field)
        }
    }
}

/// A file written through a large buffer, so that million-row sources stream to disk.
///
/// Uses C stdio: on Linux, Foundation's `Data.write(to:)` and `FileManager.createFile` cost
/// milliseconds per file, which dominates when writing a hundred thousand register files.
final class BufferedFile {
    private var file: UnsafeMutablePointer<FILE>?
    let path: String
    var bytes: [UInt8] = []
    private let flushAt = 1 << 18

    init(url: URL, path: String) throws {
        guard let f = fopen(url.path, "wb") else {
            throw GenerationError(problem: "Could not create \(path) in the output folder",
                                  fix: "Check that the folder is writable and the disk is not full")
        }
        file = f
        self.path = path
        bytes.reserveCapacity(flushAt + 4096)
    }

    deinit { if let file { fclose(file) } }

    @inline(__always)
    func flushIfNeeded() throws {
        if bytes.count >= flushAt { try flush() }
    }

    func flush() throws {
        guard !bytes.isEmpty, let file else { return }
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else {
            throw GenerationError(problem: "Could not write \(path)", fix: "Check that the disk is not full")
        }
        bytes.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        if let file, fclose(file) != 0 {
            self.file = nil
            throw GenerationError(problem: "Could not finish writing \(path)", fix: "Check that the disk is not full")
        }
        file = nil
    }

    /// Writes a whole file in one go.
    static func write(_ bytes: [UInt8], to url: URL, path: String) throws {
        let f = try BufferedFile(url: url, path: path)
        f.bytes = bytes
        try f.close()
    }
}

/// Appending CSV fields to a byte buffer without building Strings per field.
struct CSVLineBuilder {
    var bytes: [UInt8] = []
    private var first = true

    init() { bytes.reserveCapacity(256) }

    @inline(__always)
    private mutating func sep() {
        if first { first = false } else { bytes.append(UInt8(ascii: ",")) }
    }

    mutating func field(_ s: String) {
        sep()
        var s = s
        s.withUTF8 { buf in
            var quote = false
            for b in buf where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 10 || b == 13 { quote = true; break }
            if quote {
                bytes.append(UInt8(ascii: "\""))
                for b in buf {
                    if b == UInt8(ascii: "\"") { bytes.append(b) }
                    bytes.append(b)
                }
                bytes.append(UInt8(ascii: "\""))
            } else {
                bytes.append(contentsOf: buf)
            }
        }
    }

    /// A field known to need no quoting (codes, numbers, names without commas).
    mutating func raw(_ b: [UInt8]) {
        sep()
        bytes.append(contentsOf: b)
    }

    mutating func int(_ v: Int) {
        sep()
        appendInt(v, to: &bytes)
    }

    mutating func double(_ v: Double, decimals: Int) {
        sep()
        bytes.append(contentsOf: formatDecimal(v, decimals: decimals).utf8)
    }

    mutating func empty() { sep() }

    mutating func finish() -> [UInt8] {
        bytes.append(10)
        return bytes
    }
}

@inline(__always)
func appendInt(_ v: Int, to out: inout [UInt8]) {
    if v < 0 { out.append(UInt8(ascii: "-")); appendInt(-v, to: &out); return }
    if v < 10 { out.append(UInt8(48 + v)); return }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var n = v, count = 0
    withUnsafeMutableBytes(of: &digits) { buf in
        while n > 0 { buf[count] = UInt8(48 + n % 10); n /= 10; count += 1 }
        for i in stride(from: count - 1, through: 0, by: -1) { out.append(buf[i]) }
    }
}

/// Fixed-point decimal text without locale or exponent (deterministic on every platform).
func formatDecimal(_ v: Double, decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(v) * scale).rounded()
    let whole = Int(scaled / scale)
    let frac = Int(scaled - Double(whole) * scale)
    var s = (v < 0 && scaled != 0 ? "-" : "") + String(whole)
    if decimals > 0 {
        let f = String(frac)
        s += "." + String(repeating: "0", count: decimals - f.count) + f
    }
    return s
}

/// Keeps count of what was written, per source folder.
final class OutputLedger {
    let root: URL
    var filesBySource: [String: Int] = [:]
    var rowsBySource: [String: Int] = [:]
    private var createdDirectories = Set<String>()

    init(root: URL) { self.root = root }

    func url(_ relative: String) throws -> URL {
        let url = root.appendingPathComponent(relative)
        let dir = url.deletingLastPathComponent().path
        if !createdDirectories.contains(dir) {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw GenerationError(problem: "Could not create the folder \(dir)",
                                      fix: "Choose an output folder you can write to")
            }
            createdDirectories.insert(dir)
        }
        return url
    }

    func open(_ relative: String) throws -> BufferedFile {
        try BufferedFile(url: url(relative), path: relative)
    }

    func record(source: String, rows: Int, files: Int = 1) {
        filesBySource[source, default: 0] += files
        rowsBySource[source, default: 0] += rows
    }

    /// Writes a whole small file at once.
    func write(_ relative: String, bytes: [UInt8]) throws {
        try BufferedFile.write(bytes, to: url(relative), path: relative)
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func append(_ s: String) { append(contentsOf: s.utf8) }
}
