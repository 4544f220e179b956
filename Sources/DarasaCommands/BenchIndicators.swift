import ArgumentParser
import DarasaAnalytics
import DarasaCore
import DarasaGenerator
import DarasaImport
import DarasaIngest
import DarasaServer
import DarasaStore
import Foundation
import NIOCore
import NIOHTTP1

/// The indicator engine at scale: a generated country loaded with its latest register month
/// held back; then (1) the whole catalogue for every district with each single breakdown, (2) a
/// district officer's dashboard (the home page) requested over HTTP from a real server in this
/// process, (3) the held-back month imported through the shipped register mapping, first one
/// school then the rest of the country, timing until the district's attendance rate shows it.
/// Prints JSON; bench/indicators.py computes the same figures with DuckDB and pandas.
struct BenchIndicators: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "indicators",
        abstract: "Indicator catalogue time, district dashboard latency and new-data-to-figure time on a generated country (JSON).")

    @OptionGroup var store: StoreOptions

    @Option(help: "Learners in the generated country.")
    var learners: Int = 20_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Use this already generated country instead of generating one (it is not removed).")
    var country: String?

    @Option(help: "Keep the generated country in this folder (for bench/indicators.py).")
    var keep: String?

    @Option(help: "Years with class registers (comma-separated; default: the latest year only, about 180 school days per learner).")
    var registerYears: String?

    @Option(help: "District dashboards to request.")
    var dashboards: Int = 10

    @Option(help: "Requests per dashboard (the first of each is reported apart as the cold one).")
    var requests: Int = 20

    @Flag(help: "Print JSON only.")
    var json = false

    func validate() throws {
        guard learners >= 100 else { throw ValidationError("--learners must be at least 100.") }
        guard dashboards >= 1, requests >= 2 else { throw ValidationError("--dashboards must be at least 1 and --requests at least 2.") }
    }

    func run() async throws {
        try await runReportingErrors {
            let note: (String) -> Void = { line in if !json { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
            let clock = ContinuousClock()
            var generated: URL?
            let dir: URL
            var generateSeconds = 0.0
            if let country { dir = URL(fileURLWithPath: country) } else {
                dir = keep.map { URL(fileURLWithPath: $0) }
                    ?? FileManager.default.temporaryDirectory.appendingPathComponent("darasa-bench-indicators-\(UUID().uuidString)")
                if keep == nil { generated = dir }
                let years = [2023, 2024, 2025]
                let registers = try registerYears.map { text in
                    try text.split(separator: ",").map { part -> Int in
                        guard let y = Int(part.trimmingCharacters(in: .whitespaces)), years.contains(y) else {
                            throw ValidationError("--register-years takes years among \(years.map(String.init).joined(separator: ", ")), e.g. 2025.")
                        }
                        return y
                    }
                } ?? [years.last!]
                let t = clock.now
                _ = try generateCountry(CountrySpec(learners: learners, seed: seed, years: years, registerYears: registers,
                                                    teacherAttendanceYears: registers), to: dir)
                generateSeconds = (clock.now - t).seconds
                note("generated \(learners) learners in \(Int(generateSeconds)) s")
            }
            defer { if let generated { try? FileManager.default.removeItem(at: generated) } }

            // The latest register month is held back: a shadow folder links every other file.
            let (shadow, heldBack) = try Self.holdBackLatestMonth(dir)
            defer { try? FileManager.default.removeItem(at: shadow) }
            guard !heldBack.isEmpty else { throw UserFacingError("The country has no class registers to hold a month back from; generate it with registers.") }

            let db = try await store.open()
            do {
                try await db.migrate()
                try await db.eraseDemoData()
                try await db.setSetting("mode", "demo")
                let t0 = clock.now
                let sink = ChunkedNativeSink(store: db, quiet: json)
                let loaded = try await SyntheticCountryLoader().load(from: shadow, into: sink)
                try await sink.flush()
                let loadSeconds = (clock.now - t0).seconds
                note("loaded in \(Int(loadSeconds)) s (\(loaded.count("learnerAttendance")) learner-month rows)")
                var out = try await measure(db, heldBack: heldBack, root: dir, note: note)
                out["generate_seconds"] = generateSeconds
                out["load_seconds"] = loadSeconds
                out["learners"] = learners
                out["seed"] = seed
                out["country"] = keep ?? country ?? NSNull()
                let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys, .prettyPrinted])
                print(String(decoding: data, as: UTF8.self))
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }

    /// A folder beside `dir` mirroring it with symbolic links, leaving out the register files of
    /// the latest month; returns it and the files left out (relative paths, sorted).
    static func holdBackLatestMonth(_ dir: URL) throws -> (URL, [String]) {
        let fm = FileManager.default
        let root = dir.standardizedFileURL.path
        var files: [String] = []
        guard let e = fm.enumerator(atPath: root) else { throw UserFacingError("Darasa cannot read the folder \(root).") }
        while let rel = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue { files.append(rel) }
        }
        let month = files.filter { $0.hasPrefix("registers/") && $0.hasSuffix(".csv") }
            .map { String(($0 as NSString).lastPathComponent.dropLast(4)) }.max()
        let held = Set(files.filter { month != nil && $0.hasPrefix("registers/") && $0.hasSuffix("/\(month!).csv") })
        let shadow = dir.deletingLastPathComponent().appendingPathComponent(dir.lastPathComponent + ".held-back-\(UUID().uuidString.prefix(8))")
        for rel in files where !held.contains(rel) {
            let target = shadow.appendingPathComponent(rel)
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: target.path, withDestinationPath: root + "/" + rel)
        }
        return (shadow, held.sorted())
    }

    func measure(_ db: DarasaStore, heldBack: [String], root: URL, note: (String) -> Void) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let levels = try await db.orgLevels()
        guard let districtDepth = levels.first(where: { $0.name == "district" })?.depth ?? levels.dropFirst(2).first?.depth else {
            throw UserFacingError("The country has no district level.")
        }
        guard let nation = try await db.database.query("SELECT id FROM org_units WHERE depth = 0").first?.int(0),
              let nationUnit = try await db.orgUnit(id: OrgUnitID(nation)) else { throw UserFacingError("The country has no national unit.") }
        let national = AccessScope(role: .nationalAnalyst, orgUnitID: nationUnit.id, orgPath: nationUnit.path)
        let catalogue = IndicatorCatalogue.shipped
        let engine = IndicatorEngine(store: db, catalogue: catalogue).sharingLookups()  // one command, many tables

        // (1) The whole catalogue, every district, no breakdown and each single breakdown.
        var perIndicator: [String: Double] = [:]
        var tables = 0, cells = 0
        var skipped: [String: String] = [:]
        var values: [String: [String: Double]] = [:]
        var checkSeconds = 0.0
        // The tables bench/indicators.py computes with DuckDB and pandas from the raw files.
        let compared: Set<String> = ["attendance_rate|", "attendance_rate|sex",
                                     "attendance_rate|grade", "chronic_absence_rate|", "chronic_absence_rate|sex"]
        let t0 = clock.now
        for d in catalogue.indicators {
            let cuts: [[Breakdown]] = [[]] + engine.breakdowns(for: d).sorted { $0.rawValue < $1.rawValue }.map { [$0] }
            for by in cuts {
                let key = d.id + "|" + (by.first?.rawValue ?? "")
                let t = clock.now
                do {
                    let table = try await engine.table(d, depth: districtDepth, by: by, scope: national, suppress: true)
                    tables += 1
                    cells += table.rows.count
                    if compared.contains(key) {
                        checkSeconds += (clock.now - t).seconds
                        var v: [String: Double] = [:]
                        for r in table.rows { if let x = r.value { v[r.unitCode + "|" + r.category] = x } }
                        values[key] = v
                    }
                } catch let e as IndicatorError {
                    skipped[key] = e.message
                }
                perIndicator[d.id, default: 0] += (clock.now - t).seconds
            }
        }
        let catalogueSeconds = (clock.now - t0).seconds
        note("catalogue: \(tables) tables, \(cells) cells in \(String(format: "%.2f", catalogueSeconds)) s")

        // (2) District dashboards over HTTP, as a district officer's browser asks for them.
        let districts = try await db.database.query("SELECT id, code FROM org_units WHERE depth = ? ORDER BY code", .int(Int64(districtDepth)))
            .prefix(dashboards).compactMap { r in r.int(0).map { ($0, r.text(1) ?? "") } }
        var officers: [UserID] = []
        for (id, code) in districts {
            officers.append(try await db.createUser(username: "bench-officer-\(code)", displayName: "Bench officer \(code)", passwordHash: "!",
                                                    role: .districtOfficer, orgUnitID: OrgUnitID(id), actor: "bench"))
        }
        let sessions = try await BenchSessions.issue(store: db, users: officers)
        let server = try await BenchServer.start(store: db)
        let port = server.port
        var cold: [Double] = [], warm: [Double] = [], pageBytes: [Int] = []
        for s in sessions {
            let got = try await Self.get(port: port, path: "/", cookie: s.cookie, times: requests)
            cold.append(got.latencies[0])
            warm += got.latencies.dropFirst()
            pageBytes.append(got.bytes)
        }
        note("dashboards: \(districts.count) districts × \(requests) requests")

        // (3) The held-back month arrives: one school's register file, then the rest.
        guard let registers = try ShippedMappings.synthetic().first(where: { $0.target.rawValue == "learner_attendance" }) else {
            throw UserFacingError("The shipped register mapping is missing from this build.")
        }
        let first = districts.first!
        guard let districtUnit = try await db.orgUnit(id: OrgUnitID(first.0)) else { throw UserFacingError("The district is missing.") }
        let districtScope = AccessScope(role: .districtOfficer, orgUnitID: districtUnit.id, orgPath: districtUnit.path)
        var schoolOfDistrict = Set<String>()
        for r in try await db.database.query("SELECT s.official_code FROM schools s JOIN org_units u ON u.id = s.id WHERE u.path LIKE ?",
                                             .text(districtUnit.path + "%")) { schoolOfDistrict.insert(r.text(0) ?? "") }
        guard let oneFile = heldBack.first(where: { schoolOfDistrict.contains(($0 as NSString).deletingLastPathComponent.components(separatedBy: "/").last ?? "") }) else {
            throw UserFacingError("No held-back register file belongs to the district \(first.1).")
        }
        let attendance = catalogue.named("attendance_rate")!
        func districtRate() async throws -> (Double?, Double) {
            let t = clock.now
            let table = try await IndicatorEngine(store: db, catalogue: catalogue).table(attendance, depth: districtDepth, scope: districtScope, suppress: true)
            return (table.rows.first { $0.unitID == first.0 }?.denominator, (clock.now - t).seconds)
        }
        let (before, _) = try await districtRate()
        let t1 = clock.now
        let school = try await Importer(store: db, user: "bench").run(registers, files: [ImportFile(url: root.appendingPathComponent(oneFile), name: oneFile)])
        let schoolImported = (clock.now - t1).seconds
        let (afterSchool, schoolQuery) = try await districtRate()
        let schoolVisible = (clock.now - t1).seconds
        let rest = heldBack.filter { $0 != oneFile }.map { ImportFile(url: root.appendingPathComponent($0), name: $0) }
        let t2 = clock.now
        let country = try await Importer(store: db, user: "bench").run(registers, files: rest)
        let countryImported = (clock.now - t2).seconds
        let (afterCountry, _) = try await districtRate()
        let countryVisible = (clock.now - t2).seconds
        note("new month: one school \(school.rowsRead) rows visible after \(String(format: "%.2f", schoolVisible)) s; the rest \(country.rowsRead) rows after \(String(format: "%.1f", countryVisible)) s")

        // The dashboard again, after the month landed: is it as fast once the summaries grew?
        let again = try await Self.get(port: port, path: "/", cookie: sessions[0].cookie, times: requests)
        await server.stop()

        let pct = percentileMilliseconds
        let attendanceRows = try await db.database.scalarInt("SELECT COUNT(*) FROM learner_attendance") ?? 0
        let dayMarks = try await db.database.scalarInt("SELECT SUM(recorded_days) FROM summary_attendance") ?? 0
        return [
            "benchmark": "indicators", "engine": db.dialect.rawValue,
            "learner_month_rows": attendanceRows, "recorded_learner_days": dayMarks,
            "schools": try await db.database.scalarInt("SELECT COUNT(*) FROM schools") ?? 0,
            "districts": try await db.database.scalarInt("SELECT COUNT(*) FROM org_units WHERE depth = ?", [.int(Int64(districtDepth))]) ?? 0,
            "catalogue": [
                "indicators": catalogue.indicators.count, "tables": tables, "cells": cells, "seconds": catalogueSeconds,
                "level": "district", "breakdowns": "none and each single one the indicator takes", "suppression": true,
                "skipped": skipped, "seconds_by_indicator": perIndicator,
            ],
            "compared": ["tables": compared.sorted(), "seconds": checkSeconds, "values": values],
            "dashboard": [
                "page": "/ as a district officer (summary, quality coverage, reading, monthly chart, schools needing support, school table)",
                "districts": districts.count, "requests_each": requests, "bytes_mean": pageBytes.isEmpty ? 0 : pageBytes.reduce(0, +) / pageBytes.count,
                "cold_ms": ["p50": pct(cold, 0.5), "max": pct(cold, 1)],
                "warm_ms": ["p50": pct(warm, 0.5), "p95": pct(warm, 0.95), "max": pct(warm, 1)],
                "after_new_month_ms": ["p50": pct(Array(again.latencies.dropFirst()), 0.5), "p95": pct(Array(again.latencies.dropFirst()), 0.95)],
            ],
            "new_month": [
                "held_back_month": ((heldBack.first ?? "") as NSString).lastPathComponent.replacingOccurrences(of: ".csv", with: ""),
                "month_files": heldBack.count,
                "one_school": ["file": oneFile, "rows": school.rowsRead, "import_seconds": schoolImported, "query_seconds": schoolQuery,
                               "visible_after_seconds": schoolVisible, "district_recorded_days_before": before ?? 0,
                               "district_recorded_days_after": afterSchool ?? 0],
                "rest_of_country": ["files": rest.count, "rows": country.rowsRead, "import_seconds": countryImported,
                                    "rows_per_second": country.rowsPerSecond, "visible_after_seconds": countryVisible,
                                    "district_recorded_days_after": afterCountry ?? 0],
                "reflected": (afterSchool ?? 0) > (before ?? 0) && (afterCountry ?? 0) >= (afterSchool ?? 0),
            ],
            "targets": ["catalogue_vs_duckdb_ratio_max": 1.0, "pandas_vs_catalogue_ratio_min": 10, "dashboard_p95_ms_max": 100, "new_data_visible_seconds_max": 5],
        ]
    }

    /// `times` GETs of `path` on one kept-alive connection; each latency to the end of the body.
    static func get(port: Int, path: String, cookie: String, times: Int) async throws -> (latencies: [Double], bytes: Int) {
        let channel = try await BenchHTTP.connect(port: port)
        var latencies: [Double] = []
        var bytes = 0
        let clock = ContinuousClock()
        try await channel.executeThenClose { inbound, outbound in
            var responses = inbound.makeAsyncIterator()
            for _ in 0..<times {
                var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
                head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
                head.headers.add(name: "Cookie", value: cookie)
                let t = clock.now
                let (status, body) = try await BenchHTTP.exchange(head, outbound, &responses)
                guard status == 200 else {
                    throw BenchSync.PushFailed(description: "The dashboard \(path) answered HTTP \(status): \(String(buffer: body).prefix(200))")
                }
                latencies.append((clock.now - t).seconds)
                bytes = body.readableBytes
            }
        }
        return (latencies, bytes)
    }
}
