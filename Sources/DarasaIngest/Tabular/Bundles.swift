import Foundation
import ZIPFoundation

/// A folder that exists while anything holds it: the unpacked contents of an imported .zip.
public final class TemporaryFolder: Sendable {
    public let url: URL
    public init(prefix: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Unpacks an imported .zip (a OneRoster bundle, or a folder of exports zipped to send) with
/// the guards a file from outside needs: no paths that climb out of the folder, a cap on
/// entries, and a cap on bytes actually written (not the sizes the archive claims), so a zip
/// bomb stops at the cap instead of filling the disk.
public enum ZipBundle {
    public static let maxEntries = 10_000
    /// Bytes written for the whole archive.
    public static let maxBytes: Int64 = 8 << 30
    /// An entry that expands more than this many times its compressed size, past 100 MB.
    public static let maxRatio: Int64 = 200

    public static func extract(_ url: URL, displayName: String) throws -> TemporaryFolder {
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw InputError(file: displayName, problem: "the file is not a ZIP archive that can be opened",
                             fix: "Send the bundle again as a .zip, or unpack it and import the folder")
        }
        let folder = try TemporaryFolder(prefix: "darasa-bundle")
        var entries = 0
        var written: Int64 = 0
        for entry in archive where entry.type == .file {
            entries += 1
            guard entries <= maxEntries else {
                throw InputError(file: displayName, problem: "the archive has more than \(maxEntries) files",
                                 fix: "Split the bundle, or unpack it and import the folder")
            }
            let parts = entry.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            guard !entry.path.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !entry.path.contains("\\") else {
                throw InputError(file: displayName, column: nil,
                                 problem: "the archive holds a file named \"\(entry.path.prefix(80))\" that points outside its folder",
                                 fix: "Make the bundle again from the export folder; Darasa will not unpack it")
            }
            // macOS resource forks and hidden files are not data.
            if parts.contains("__MACOSX") || parts.last?.hasPrefix(".") == true { continue }
            let target = parts.reduce(folder.url) { $0.appendingPathComponent($1) }
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: target.path, contents: nil), let out = try? FileHandle(forWritingTo: target) else {
                throw InputError(file: displayName, problem: "\(entry.path) could not be unpacked", fix: "Check the disk has room, then try again")
            }
            defer { try? out.close() }
            var entryBytes: Int64 = 0
            let compressed = max(Int64(clamping: entry.compressedSize), 1)
            let (ceiling, overflow) = compressed.multipliedReportingOverflow(by: maxRatio)
            let limit = overflow ? Int64.max : ceiling
            let bomb = InputError(file: displayName + "/" + entry.path,
                                  problem: "the file expands far beyond its compressed size (a zip bomb, or a damaged archive)",
                                  fix: "Make the bundle again from the export folder")
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    entryBytes += Int64(chunk.count)
                    written += Int64(chunk.count)
                    if written > maxBytes || (entryBytes > 100 << 20 && entryBytes > limit) { throw bomb }
                    out.write(chunk)
                }
            } catch let e as InputError {
                throw e
            } catch {
                throw InputError(file: displayName + "/" + entry.path, problem: "the archive is damaged (the file could not be unpacked)",
                                 fix: "Make the bundle again from the export folder")
            }
        }
        return folder
    }
}

/// A OneRoster 1.1/1.2 `manifest.csv`: which files the bundle holds and whether each is a bulk
/// (the whole set) or a delta (changes since the last exchange) file.
public struct OneRosterManifest: Sendable, Equatable {
    public enum Mode: String, Sendable { case bulk, delta, absent }
    public var version: String
    /// By file name without `.csv` (users, enrollments, …).
    public var files: [String: Mode]

    /// Reads `manifest.csv` in `folder` if there is one. A manifest that is not a OneRoster one
    /// (no `oneroster.version`) is ignored; a OneRoster one that is malformed is an error.
    public static func read(folder: URL, displayFolder: String) throws -> OneRosterManifest? {
        let url = folder.appendingPathComponent("manifest.csv")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let name = displayFolder.isEmpty || displayFolder.hasSuffix("/") ? displayFolder + "manifest.csv" : displayFolder + "/manifest.csv"
        let table = try CSVTable(url: url, file: name, options: ReadOptions())
        guard let p = table.header.firstIndex(of: "propertyName"), let v = table.header.firstIndex(of: "value") else { return nil }
        var props: [(String, String, Int)] = []
        var r = CSVRecord()
        while let row = try table.next(into: &r) { props.append((r.trimmed(p), r.trimmed(v), row)) }
        guard let version = props.first(where: { $0.0 == "oneroster.version" }) else { return nil }
        guard ["1.1", "1.2"].contains(version.1) else {
            throw InputError(file: name, row: version.2, column: "value",
                             problem: "the bundle says it is OneRoster \(version.1.prefix(10)); Darasa reads OneRoster 1.1 and 1.2",
                             fix: "Export the bundle as OneRoster 1.2 CSV")
        }
        var files: [String: Mode] = [:]
        for (key, value, row) in props where key.hasPrefix("file.") {
            guard let mode = Mode(rawValue: value.lowercased()) else {
                throw InputError(file: name, row: row, column: "value",
                                 problem: "\(key) is \"\(value.prefix(20))\", not bulk, delta or absent",
                                 fix: "Write bulk, delta or absent for each file in the manifest")
            }
            files[String(key.dropFirst(5))] = mode
        }
        return OneRosterManifest(version: version.1, files: files)
    }
}
