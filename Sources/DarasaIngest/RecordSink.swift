import DarasaCore

/// A file a batch of records was read from, named as the user knows it (relative to the
/// import's root folder; never an absolute server path).
public struct SourceFile: Hashable, Sendable {
    /// The source system, e.g. "census", "oneroster", "hr", "register", "assessment", "visits".
    public var source: String
    public var path: String
    public init(source: String, path: String) {
        self.source = source
        self.path = path
    }
}

/// Where readers deliver what they read. The store adapter writes each batch with provenance
/// (source, file, row); `rows[i]` is the 1-based line or row of `batch`'s i-th record in `file`
/// (0 where a record has no single row, e.g. an org unit implied by many rows).
public protocol RecordSink: Sendable {
    func receive(_ batch: RecordBatch, from file: SourceFile, rows: [Int]) async throws
}

/// A problem in an input file, told the way a data officer can act on it: what, where, what to do.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var row: Int?
    public var column: String?
    public var problem: String
    public var fix: String

    public init(file: String, row: Int? = nil, column: String? = nil, problem: String, fix: String) {
        self.file = file
        self.row = row
        self.column = column
        self.problem = problem
        self.fix = fix
    }

    public var description: String {
        var place = file
        if let row { place += ", row \(row)" }
        if let column { place += ", column \(column)" }
        return "\(place): \(problem). \(fix)"
    }
}
