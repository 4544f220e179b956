import DarasaAnalytics
import ArgumentParser
import DarasaCore
import DarasaImport
import DarasaIngest
import DarasaStore
import Foundation

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a file or folder through a mapping: new rows stored, changed rows updated (with history), bad rows quarantined.",
        discussion: """
            Examples:
              darasa import hr/teachers.csv --mapping mappings/synthetic/20-teachers.yaml
              darasa import country/ --mapping mappings/synthetic        (every mapping in the folder, in name order)
            Each mapping is one batch in one transaction. The report always adds up:
            rows read = new + updated + unchanged + quarantined. Get the quarantined rows back with
            `darasa quarantine BATCH --out DIR`, fix them, and import DIR with the same mapping.
            See docs/import-mappings.md.
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "A file, or a folder whose files the mapping's `files:` select.")
    var path: String

    @Option(name: .long, help: "A mapping file (.yaml), or a folder of them (applied in name order). Repeatable.")
    var mapping: [String]

    @Option(help: "Who is importing (recorded in the audit log and the batch).")
    var user: String = ProcessInfo.processInfo.environment["USER"] ?? "cli"

    @Flag(help: "Print the report(s) as JSON.")
    var json = false

    @Flag(help: "No progress bar.")
    var quiet = false

    @Flag(help: "Do not run the data-quality checks after the import.")
    var noChecks = false

    func validate() throws {
        guard !mapping.isEmpty else { throw ValidationError("Name a mapping with --mapping FILE.yaml (see mappings/ and docs/import-mappings.md).") }
    }

    func run() async throws {
        try await runReportingErrors { try await perform() }
    }

    func perform() async throws {
        do {
            let mappings = try Self.loadMappings(mapping)
            let root = URL(fileURLWithPath: path)
            // Check everything before writing anything.
            var plan: [(Mapping, [ImportFile])] = []
            for (m, files) in zip(mappings, try ImportFile.select(root, mappings: mappings)) {
                if files.isEmpty && mappings.count == 1 {
                    throw UserFacingError("No file under \(path) matches the mapping's files: \(m.files.joined(separator: ", ")); check the folder.")
                }
                plan.append((m, files))
            }
            let db = try await store.open()
            try await requireCurrentSchema(db)
            var reports: [ImportReport] = []
            do {
                for (m, files) in plan where !files.isEmpty {
                    let bar: ProgressBar? = quiet || json ? nil : ProgressBar(label: m.name)
                    var callback: (@Sendable (ImportProgress) -> Void)? = nil
                    if let bar { callback = { p in bar.update(p) } }
                    let report = try await Importer(store: db, user: user).run(m, files: files, progress: callback)
                    bar?.finish()
                    reports.append(report)
                    if !json {
                        say("\(m.name): batch \(report.batchID): \(report.summary) in \(String(format: "%.1f", report.seconds)) s")
                        for p in report.sampleProblems { say("  quarantined: \(p)") }
                        if report.quarantined > report.sampleProblems.count {
                            say("  … and more: darasa quarantine \(report.batchID) --out DIR")
                        }
                    }
                }
                if !noChecks && reports.contains(where: { $0.stored + $0.updated + $0.deleted > 0 }) {
                    let q = try await QualityEngine(store: db, rules: try QualityRules.shipped()).run(actor: user)
                    if !json { say("Data-quality checks: \(q.findings) findings (\(q.opened) new, \(q.fixed) fixed) in \(String(format: "%.1f", q.seconds)) s; see darasa quality todo --school CODE.") }
                }
            } catch {
                await db.close()
                throw error
            }
            await db.close()
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                say(String(decoding: try e.encode(reports), as: UTF8.self))
            }
        }
    }

    /// Mapping files, with folders expanded to their .yaml files in name order.
    static func loadMappings(_ paths: [String]) throws -> [Mapping] {
        var out: [Mapping] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
                throw UserFacingError("The mapping \(p) does not exist; check the path (shipped mappings are in mappings/).")
            }
            if isDir.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
                for n in names.filter({ $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }).sorted() {
                    out.append(try Mapping.load(url: URL(fileURLWithPath: p).appendingPathComponent(n), displayName: (p as NSString).appendingPathComponent(n)))
                }
            } else {
                out.append(try Mapping.load(url: URL(fileURLWithPath: p), displayName: p))
            }
        }
        return out
    }
}

/// A one-line progress bar on standard error: share done, rows/s and time left.
final class ProgressBar: @unchecked Sendable {
    let label: String
    let lock = NSLock()
    var drawn = false
    let isTerminal = isatty(2) == 1
    var lastLine = Date.distantPast

    init(label: String) { self.label = label }

    func update(_ p: ImportProgress) {
        lock.lock(); defer { lock.unlock() }
        // Into a log (not a terminal): a line every 10 s, not a redraw.
        if !isTerminal && Date().timeIntervalSince(lastLine) < 10 { return }
        lastLine = Date()
        let share = p.bytesTotal > 0 ? Double(p.bytesDone) / Double(p.bytesTotal) : 0
        let rate = p.elapsed > 0 ? Double(p.rows) / p.elapsed : 0
        let eta = share > 0.01 ? p.elapsed * (1 - share) / share : nil
        let width = 24
        let filled = Int(share * Double(width))
        let line = "\(label.prefix(30)) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] "
            + "\(Int(share * 100))% \(p.rows) rows, \(Int(rate)) rows/s" + (eta.map { ", \(Int($0.rounded())) s left" } ?? "")
        FileHandle.standardError.write(Data(((isTerminal ? "\r" : "") + line + (isTerminal ? "\u{1B}[K" : "\n")).utf8))
        drawn = true
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drawn && isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

struct Quarantine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an import's quarantined rows as CSV files to fix and import again. Audited.",
        discussion: """
            Each source file's rows go to the same relative path under --out, with the file's own
            columns first (fix them there) and the problem in the last columns (darasa_row,
            darasa_column, darasa_problem, darasa_fix), which a re-import ignores.
            Example: darasa quarantine 12 --out fixes/ && darasa import fixes/ --mapping M.yaml
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: "The import batch number (printed by darasa import).")
    var batch: Int64

    @Option(help: "Folder to write into (created if missing).")
    var out: String

    @Option(help: "Who is asking (recorded in the audit log).")
    var user: String = ProcessInfo.processInfo.environment["USER"] ?? "cli"

    func run() async throws {
        try await runReportingErrors {
            let db = try await store.open()
            do {
                let files = try await db.quarantineFiles(batchID: batch)
                guard !files.isEmpty else { throw UserFacingError("Batch \(batch) has no quarantined rows.") }
                let root = URL(fileURLWithPath: out)
                for f in files {
                    let csv = try await db.quarantineCSV(batchID: batch, file: f, user: user)
                    let safe = QuarantineFiles.safeRelativePath(f)
                    let url = root.appendingPathComponent(safe)
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(csv.utf8).write(to: url)
                    say("wrote \(url.path)")
                }
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }
}
