import DarasaAnalytics
import DarasaCore
import DarasaImport
import DarasaIngest
import DarasaStore
import DarasaTestSupport
import Foundation
import Testing
import ZIPFoundation

/// OneRoster 1.2 bundles as a school-management system sends them: a .zip with the CSVs at its
/// top and a manifest saying which files are bulk, delta or absent.
@Suite struct OneRosterBundleTests {
    static let oneroster = ImporterTests.country.appendingPathComponent("oneroster")

    /// A copy of the country's OneRoster folder, changed by `edit`, zipped.
    func bundle(_ edit: (URL) throws -> Void) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-or-\(UUID().uuidString)")
        let folder = dir.appendingPathComponent("export")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.oneroster, to: folder)
        try edit(folder)
        let zip = dir.appendingPathComponent("shule-sms.zip")
        let archive = try Archive(url: zip, accessMode: .create)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            try archive.addEntry(with: name, relativeTo: folder, compressionMethod: .deflate)
        }
        return zip
    }

    func setManifest(_ folder: URL, _ changes: [String: String]) throws {
        let url = folder.appendingPathComponent("manifest.csv")
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        for (key, value) in changes {
            if let i = lines.firstIndex(where: { $0.hasPrefix(key + ",") }) { lines[i] = key + "," + value } else { lines.append(key + "," + value) }
        }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// Darasa's own OneRoster export reads back through the shipped mappings into an empty store:
    /// the same learners (names, sex, birth date, home language, functioning) in the same classes.
    @Test(arguments: TestEngine.available)
    func darasasOneRosterExportRoundTrips(engine: TestEngine) async throws {
        let source = try await ImporterTests().loadedStore(engine)
        defer { Task { await source.close() } }
        let root = try #require(try await source.rootOrgUnit())
        let year = try #require(try await source.latestYearID())
        let extract = try #require(try await source.rosterExtract(underPath: root.path, yearID: year))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-or-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let bundleURL = dir.appendingPathComponent("darasa-roster.zip")
        try OneRosterExport.zip(extract).write(to: bundleURL)

        let target = try await engine.makeStore()
        defer { Task { await target.close() } }
        let schools = try ImporterTests.mapping("01-schools.yaml")
        _ = try await Importer(store: target, user: "test").run(schools, files: try ImportFile.select(ImporterTests.country, mapping: schools))
        let mappings = try ["04-calendar.yaml", "10-learners.yaml", "30-enrolments.yaml"].map(ImporterTests.mapping)
        for (m, files) in zip(mappings, try ImportFile.select(bundleURL, mappings: mappings)) {
            let r = try await Importer(store: target, user: "test").run(m, files: files)
            #expect(r.addsUp && r.quarantined == 0 && r.rowsRead > 0, "\(m.file): \(r.summary) \(r.sampleProblems)")
        }
        func classes(_ store: DarasaStore) async throws -> Set<String> {
            Set(try await store.database.query("""
                SELECT k.source_key, s.official_code, e.grade, e.section FROM enrolments e JOIN schools s ON s.id = e.school_id
                JOIN learner_source_keys k ON k.learner_id = e.learner_id AND k.source = 'oneroster' WHERE e.year_id = ?
                """, [.int(Int64(year))]).map { r in (0..<4).map { r.text($0) ?? "" }.joined(separator: "|") })
        }
        func people(_ store: DarasaStore) async throws -> Set<String> {
            Set(try await store.database.query("""
                SELECT k.source_key, l.given_name, l.family_name, l.sex, l.birth_date, l.home_language, l.wg_walking, l.wg_cognition
                FROM learners l JOIN learner_source_keys k ON k.learner_id = l.id AND k.source = 'oneroster'
                WHERE l.id IN (SELECT learner_id FROM enrolments WHERE year_id = ?)
                """, [.int(Int64(year))]).map { r in (0..<8).map { r.text($0) ?? "" }.joined(separator: "|") })
        }
        let expected = try await classes(source)
        #expect(!expected.isEmpty)
        #expect(try await classes(target) == expected)
        #expect(try await people(target) == (try await people(source)))
    }

    @Test(arguments: TestEngine.available)
    func aZippedBulkBundleReimportsUnchanged(engine: TestEngine) async throws {
        let store = try await ImporterTests().loadedStore(engine)
        defer { Task { await store.close() } }
        let bundled = try bundle { _ in }
        let mappings = try ["10-learners.yaml", "30-enrolments.yaml", "35-class-assignments.yaml"].map(ImporterTests.mapping)
        let plan = try ImportFile.select(bundled, mappings: mappings)
        for (m, files) in zip(mappings, plan) {
            #expect(files.count == 1, "\(m.file) finds its file at the top of the bundle")
            #expect(files.first?.name.hasPrefix("shule-sms.zip/") == true)
            #expect(files.first?.mode == .bulk)
            let r = try await Importer(store: store, user: "test").run(m, files: files)
            #expect(r.addsUp, "\(r.summary)")
            #expect(r.rowsRead > 0 && r.unchanged == r.rowsRead, "\(m.file): \(r.summary) \(r.sampleProblems)")
        }
    }

    @Test(arguments: TestEngine.available)
    func aDeltaRemovesEnrolmentsMarkedToBeDeletedAndKeepsHistory(engine: TestEngine) async throws {
        let store = try await ImporterTests().loadedStore(engine)
        defer { Task { await store.close() } }
        let before = try await store.count("enrolments")
        var removedLearner = ""
        let zip = try bundle { folder in
            try setManifest(folder, ["file.enrollments": "delta", "file.users": "absent"])
            let url = folder.appendingPathComponent("enrollments.csv")
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
            let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let status = header.firstIndex(of: "status")!, role = header.firstIndex(of: "role")!, user = header.firstIndex(of: "userSourcedId")!
            let students = lines.dropFirst().filter { $0.split(separator: ",", omittingEmptySubsequences: false)[role] == "student" }
            var gone = students[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            gone[status] = "tobedeleted"
            removedLearner = gone[user]
            var kept = students[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            kept[status] = "active"
            var twice = gone
            twice[0] = "another-id"
            try ([lines[0], gone.joined(separator: ","), kept.joined(separator: ","), twice.joined(separator: ",")].joined(separator: "\n") + "\n")
                .write(to: url, atomically: true, encoding: .utf8)
        }
        let m = try ImporterTests.mapping("30-enrolments.yaml")
        let files = try ImportFile.select(zip, mapping: m)
        #expect(files.map(\.mode) == [.delta])
        let r = try await Importer(store: store, user: "sms").run(m, files: files)
        #expect(r.addsUp, "\(r.summary)")
        #expect(r.rowsRead == 3 && r.deleted == 1 && r.unchanged == 1 && r.quarantined == 1, "\(r.summary) \(r.sampleProblems)")
        #expect(try await store.count("enrolments") == before - 1)
        let history = try await store.database.query("SELECT column_name, old_value FROM record_history WHERE table_name = 'enrolments'")
        #expect(history.count == 1 && history.first?.text(0) == "(removed)" && history.first?.text(1)?.hasPrefix("grade ") == true)
        let again = try await Importer(store: store, user: "sms").run(m, files: files)
        #expect(again.deleted == 0 && again.addsUp, "removing again finds nothing: \(again.summary)")
        // The learner's record stays (a feed never removes a child); only the enrolment went.
        #expect(try await store.database.scalarInt(
            "SELECT COUNT(*) FROM learner_source_keys WHERE source = 'oneroster' AND source_key = ?", [.text(removedLearner)]) == 1)
    }

    @Test func aManifestThatPromisesAMissingFileOrAnUnknownVersionIsRefused() throws {
        let m = try ImporterTests.mapping("30-enrolments.yaml")
        let missing = try bundle { folder in try FileManager.default.removeItem(at: folder.appendingPathComponent("enrollments.csv")) }
        // The mapping's file is not in the bundle at all: nothing selected (the CLI says so).
        #expect(try ImportFile.select(missing, mapping: m).isEmpty)
        let absent = try bundle { folder in try setManifest(folder, ["file.enrollments": "absent"]) }
        #expect(try ImportFile.select(absent, mapping: m).isEmpty, "a file the manifest calls absent is not read")
        let old = try bundle { folder in try setManifest(folder, ["oneroster.version": "1.0"]) }
        #expect {
            _ = try ImportFile.select(old, mapping: m)
        } throws: { e in
            (e as? InputError).map { $0.file == "shule-sms.zip/manifest.csv" && $0.problem.contains("OneRoster 1.0") } ?? false
        }
        let badMode = try bundle { folder in try setManifest(folder, ["file.enrollments": "sometimes"]) }
        #expect {
            _ = try ImportFile.select(badMode, mapping: m)
        } throws: { e in
            (e as? InputError).map { $0.problem.contains("not bulk, delta or absent") && $0.row != nil } ?? false
        }
    }

    @Test func zipsThatClimbOutOrExplodeAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-zip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let slip = dir.appendingPathComponent("slip.zip")
        let a = try Archive(url: slip, accessMode: .create)
        let text = Data("a,b\n1,2\n".utf8)
        try a.addEntry(with: "../../evil.csv", type: .file, uncompressedSize: Int64(text.count)) { pos, size in
            text.subdata(in: Int(pos)..<Int(pos) + size)
        }
        #expect {
            _ = try ZipBundle.extract(slip, displayName: "slip.zip")
        } throws: { e in (e as? InputError)?.problem.contains("points outside its folder") ?? false }
        #expect(!FileManager.default.fileExists(atPath: dir.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("evil.csv").path))

        // 300 MB of one byte compresses to a few hundred KB: refused once it passes 100 MB.
        let bomb = dir.appendingPathComponent("bomb.zip")
        let b = try Archive(url: bomb, accessMode: .create)
        let size: Int64 = 300 << 20
        let zeros = Data(repeating: 0x41, count: 1 << 20)
        try b.addEntry(with: "big.csv", type: .file, uncompressedSize: size, compressionMethod: .deflate, bufferSize: 1 << 20) { pos, n in
            zeros.prefix(n)
        }
        #expect {
            _ = try ZipBundle.extract(bomb, displayName: "bomb.zip")
        } throws: { e in (e as? InputError)?.problem.contains("zip bomb") ?? false }

        // Finder's hidden files and resource forks are skipped, not refused.
        let mac = dir.appendingPathComponent("mac.zip")
        let m = try Archive(url: mac, accessMode: .create)
        for name in ["export/users.csv", "export/.DS_Store", "__MACOSX/export/._users.csv"] {
            try m.addEntry(with: name, type: .file, uncompressedSize: Int64(text.count)) { pos, size in text.subdata(in: Int(pos)..<Int(pos) + size) }
        }
        let folder = try ZipBundle.extract(mac, displayName: "mac.zip")
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("export/users.csv").path))
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("export/.DS_Store").path))

        let notZip = dir.appendingPathComponent("bundle.zip")
        try Data("not a zip".utf8).write(to: notZip)
        #expect {
            _ = try ZipBundle.extract(notZip, displayName: "bundle.zip")
        } throws: { e in (e as? InputError)?.problem.contains("not a ZIP archive") ?? false }
    }

    @Test func theUnpackedFolderGoesAwayWithItsFiles() throws {
        let zip = try bundle { _ in }
        var path = ""
        do {
            let files = try ImportFile.select(zip, mapping: try ImporterTests.mapping("30-enrolments.yaml"))
            path = files[0].url.deletingLastPathComponent().path
            #expect(FileManager.default.fileExists(atPath: path))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
