import ArgumentParser
import CompressNIO
import DarasaCore
import DarasaGenerator
import DarasaIngest
import DarasaServer
import DarasaStore
import Foundation
import NIOCore
import NIOHTTP1

/// A bounded load test of the sync protocol on loopback: a generated country, one teacher
/// account per class, and N simulated devices (each its own session) pushing gzip batches of a
/// class register to a real Darasa server in this process, at most `--concurrency` at the same
/// moment; some batches are sent twice, as a device does when an acknowledgement is lost.
/// Prints records/s and batch latencies, then checks the database: every record stored once.
struct BenchSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync",
        abstract: "Load-test sync on loopback: simulated devices push batches to a real server; records/s, p50/p99 latency, loss and duplicates (JSON).")

    @OptionGroup var store: StoreOptions

    @Option(help: "Simulated devices, each with its own session.")
    var devices: Int = 10_000

    @Option(help: "Batches each device pushes (one class register for one day each).")
    var batches: Int = 2

    /// How bursty the load is: by Little's law a batch's mean latency is the pushes in flight
    /// over the pushes answered a second, so at 200 in flight p99 ≤ 200 ms needs well over 1,000
    /// batches (57,000 records) a second (docs/sync.md, "Load test"; bench/README.md gives 50,
    /// 100 and 200).
    @Option(help: "Devices pushing at the same moment (open connections).")
    var concurrency: Int = 200

    @Option(help: "Share of batches sent a second time (a lost acknowledgement); every record in them must come back as a duplicate.")
    var replay: Double = 0.02

    @Option(help: "Learners in the generated country (the devices share its classes).")
    var learners: Int = 20_000

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Flag(help: "Print JSON only.")
    var json = false

    func validate() throws {
        guard devices > 0, batches > 0, concurrency > 0 else { throw ValidationError("--devices, --batches and --concurrency must be at least 1.") }
        guard (0...1).contains(replay) else { throw ValidationError("--replay is a share between 0 and 1, e.g. 0.02.") }
    }

    func run() async throws {
        try await runReportingErrors {
            let note: (String) -> Void = { line in if !json { FileHandle.standardError.write(Data((line + "\n").utf8)) } }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("darasa-bench-sync-\(UUID().uuidString)")
            _ = try generateCountry(CountrySpec(learners: learners, seed: seed), to: dir)
            defer { try? FileManager.default.removeItem(at: dir) }
            let db = try await store.open()
            do {
                try await db.migrate()
                try await db.eraseDemoData()
                try await db.setSetting("mode", "demo")
                _ = try await db.importBatch(source: "synthetic", description: "bench sync load", user: "bench") { w in
                    _ = try await SyntheticCountryLoader().load(from: dir, into: NativeSink(writer: w))
                }
                note("country loaded")
                let out = try await measure(db, note: note)
                let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys, .prettyPrinted])
                print(String(decoding: data, as: UTF8.self))
                try await db.eraseDemoData()
            } catch {
                await db.close()
                throw error
            }
            await db.close()
        }
    }

    struct Job: Sendable {
        var device: Int
        var body: ByteBuffer
        var records: Int
        var replay: Bool
    }

    func measure(_ db: DarasaStore, note: (String) -> Void) async throws -> [String: Any] {
        guard let year = try await db.latestYearID(), let calendar = try await db.calendar().first(where: { $0.id == year }) else {
            throw UserFacingError("The generated country has no school year; generate it with more learners.")
        }
        // Classes, their teachers and their learners in the latest year.
        var teacherOf: [ClassKey: Int64] = [:]
        for r in try await db.database.query("SELECT teacher_id, school_id, grade, section FROM class_assignments WHERE year_id = ? ORDER BY teacher_id, school_id, grade, section", .int(Int64(year))) {
            let k = ClassKey(school: r.int(1) ?? 0, grade: Int(r.int(2) ?? 0), section: r.text(3) ?? "")
            if teacherOf[k] == nil { teacherOf[k] = r.int(0) }
        }
        var roster: [ClassKey: [Int64]] = [:]
        for r in try await db.database.query("SELECT learner_id, school_id, grade, section FROM enrolments WHERE year_id = ? ORDER BY learner_id", .int(Int64(year))) {
            roster[ClassKey(school: r.int(1) ?? 0, grade: Int(r.int(2) ?? 0), section: r.text(3) ?? ""), default: []].append(r.int(0) ?? 0)
        }
        let classes = teacherOf.keys.filter { !(roster[$0] ?? []).isEmpty }.sorted { ($0.school, $0.grade, $0.section) < ($1.school, $1.grade, $1.section) }
        guard !classes.isEmpty else { throw UserFacingError("The generated country has no class with a teacher; generate it with more learners.") }
        // One account per class teacher (no password: these accounts cannot sign in), and one
        // session per device.
        var userOf: [Int64: UserID] = [:]
        for k in classes {
            guard let t = teacherOf[k], userOf[t] == nil else { continue }
            userOf[t] = try await db.createUser(username: "bench-teacher-\(t)", displayName: "Bench teacher \(t)", passwordHash: "!",
                                                role: .teacher, orgUnitID: OrgUnitID(k.school), teacherID: TeacherID(t), actor: "bench")
        }
        let deviceClass = (0..<devices).map { classes[$0 % classes.count] }
        let sessions = try await BenchSessions.issue(store: db, users: deviceClass.map { userOf[teacherOf[$0]!]! })
        // Each device marks its class on its own days (devices sharing a class take different
        // days), so every record is a new learner-day or a later mark on one.
        let days = calendar.schoolDays.sorted()
        var rng = Rng(seed: seed)  // the generator's seeded stream: the same batches every run
        var jobs: [Job] = []
        var totalRecords = 0
        for b in 0..<batches {
            for d in 0..<devices {
                let k = deviceClass[d]
                let day = days[days.count - 1 - ((d / classes.count) * batches + b) % days.count]
                let records: [[String: Any]] = roster[k]!.map { learner in
                    let roll = rng.next() % 100
                    return ["id": Self.timeOrderedID(), "type": "attendance", "learner": learner, "school": k.school, "date": day.iso,
                            "mark": roll < 85 ? "present" : roll < 95 ? "absent" : roll < 98 ? "late" : "excused",
                            "markedAt": 1_760_000_000_000 + Int64(jobs.count)]
                }
                let object: [String: Any] = ["device": "bench-device-\(d)", "batch": UUID().uuidString, "records": records]
                var raw = ByteBuffer(data: try JSONSerialization.data(withJSONObject: object))
                let gz = try raw.compress(with: ZlibAlgorithm.gzip)
                jobs.append(Job(device: d, body: gz, records: records.count, replay: false))
                totalRecords += records.count
            }
        }
        let unique = jobs.count
        let replays = Int((Double(unique) * replay).rounded())
        var replayedRecords = 0
        for _ in 0..<replays {
            var j = jobs[Int(rng.next() % UInt64(unique))]
            j.replay = true
            replayedRecords += j.records
            jobs.append(j)
        }
        // Replays go after a random later batch, as when a device retries.
        jobs.shuffle(using: &rng)
        note("\(devices) devices, \(classes.count) classes, \(unique) batches (\(totalRecords) records), \(replays) replayed; pushing")

        // The server, in this process, on a free loopback port.
        let server = try await BenchServer.start(store: db, today: days.last)
        let port = server.port

        let clock = ContinuousClock()
        let t0 = clock.now
        let lanes = min(concurrency, jobs.count)
        let outcome = try await withThrowingTaskGroup(of: LaneResult.self) { group in
            for lane in 0..<lanes {
                let mine = stride(from: lane, to: jobs.count, by: lanes).map { jobs[$0] }
                group.addTask { try await Self.runLane(port: port, jobs: mine, sessions: sessions) }
            }
            var all = LaneResult()
            for try await r in group { all.merge(r) }
            return all
        }
        let seconds = (clock.now - t0).seconds
        // The dashboards catch up in the background; how long until every touched school is fresh.
        var refreshSeconds: Double? = 0
        while try await db.summariesWaiting() > 0 {
            guard (clock.now - t0).seconds - seconds < 600 else { refreshSeconds = nil; break }
            try await Task.sleep(for: .milliseconds(50))
            refreshSeconds = (clock.now - t0).seconds - seconds
        }
        await server.stop()

        let storedRows = (try await db.database.scalarInt("SELECT COUNT(*) FROM sync_records WHERE device_id LIKE 'bench-device-%' AND status = 'stored'")).map(Int.init) ?? 0
        let distinctRows = (try await db.database.scalarInt("SELECT COUNT(DISTINCT record_id) FROM sync_records WHERE device_id LIKE 'bench-device-%'")).map(Int.init) ?? 0
        let marks = (try await db.database.scalarInt("SELECT COUNT(*) FROM attendance_marks WHERE user_name LIKE 'bench-teacher-%'")).map(Int.init) ?? 0
        func pct(_ p: Double) -> Double { percentileMilliseconds(outcome.latencies, p) }
        let lost = max(0, totalRecords - distinctRows)
        let duplicated = max(0, storedRows - distinctRows) + max(0, marks - totalRecords)
        return [
            "benchmark": "sync", "engine": db.dialect.rawValue, "devices": devices, "concurrency": lanes, "classes": classes.count,
            "batches": unique, "replayed_batches": replays, "records": totalRecords, "seconds": seconds,
            "records_per_second": Double(totalRecords) / seconds, "batches_per_second": Double(jobs.count) / seconds,
            "batch_latency_ms": ["p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": pct(1.0)],
            "responses": ["stored": outcome.stored, "duplicate": outcome.duplicate, "rejected": outcome.rejected, "busy_retries": outcome.busy],
            "check": ["stored_rows": storedRows, "distinct_record_ids": distinctRows, "attendance_marks": marks,
                      "lost_records": lost, "duplicated_records": duplicated,
                      "replayed_records": replayedRecords, "replayed_records_answered_duplicate": outcome.duplicate],
            "summary_refresh_after_seconds": refreshSeconds.map { $0 as Any } ?? NSNull(),  // null: not fresh after 10 minutes
            "gzip": true, "loopback": true, "server_in_process": true,
            "targets": ["records_per_second_min_sqlite": 20_000, "p99_ms_max": 200, "lost": 0, "duplicated": 0],
        ]
    }

    struct ClassKey: Hashable { var school: Int64; var grade: Int; var section: String }

    struct LaneResult: Sendable {
        var latencies: [Double] = []
        var stored = 0, duplicate = 0, rejected = 0, busy = 0
        mutating func merge(_ o: LaneResult) {
            latencies += o.latencies
            stored += o.stored; duplicate += o.duplicate; rejected += o.rejected; busy += o.busy
        }
    }

    struct PushFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// A record id as the offline app makes one (app.js `uuid()`): a UUID version 7, the time in
    /// milliseconds then random bits, so records made together sort together.
    static func timeOrderedID(now: Date = Date()) -> String {
        var b = (0..<16).map { _ in UInt8.random(in: 0...255) }
        var ms = UInt64(now.timeIntervalSince1970 * 1000)
        for i in stride(from: 5, through: 0, by: -1) { b[i] = UInt8(ms & 0xff); ms >>= 8 }
        b[6] = (b[6] & 0x0f) | 0x70
        b[8] = (b[8] & 0x3f) | 0x80
        let h = b.map { String(format: "%02x", $0) }.joined()
        let c = Array(h)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20...]))"
    }

    /// One connection (kept alive) pushing its share of the batches one after another; a 503
    /// (the server's queue is full) is retried after a short pause, as a device would.
    static func runLane(port: Int, jobs: [Job], sessions: [(cookie: String, csrf: String)]) async throws -> LaneResult {
        let channel = try await BenchHTTP.connect(port: port)
        var result = LaneResult()
        let clock = ContinuousClock()
        try await channel.executeThenClose { inbound, outbound in
            var responses = inbound.makeAsyncIterator()
            for job in jobs {
                let session = sessions[job.device]
                var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/api/v1/sync/push")
                head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
                head.headers.add(name: "Content-Type", value: "application/json")
                head.headers.add(name: "Content-Encoding", value: "gzip")
                head.headers.add(name: "Content-Length", value: "\(job.body.readableBytes)")
                head.headers.add(name: "Cookie", value: session.cookie)
                head.headers.add(name: "X-CSRF-Token", value: session.csrf)
                var attempts = 0
                while true {
                    attempts += 1
                    let t = clock.now
                    let (status, body) = try await BenchHTTP.exchange(head, body: job.body, outbound, &responses)
                    if status == 503, attempts < 50 {
                        result.busy += 1
                        try await Task.sleep(for: .milliseconds(20 * attempts))
                        continue
                    }
                    guard status == 200 else {
                        throw PushFailed(description: "A bench push got HTTP \(status): \(String(buffer: body).prefix(200))")
                    }
                    result.latencies.append((clock.now - t).seconds)
                    let decoded = try JSONDecoder().decode(PushAnswer.self, from: Data(body.readableBytesView))
                    for r in decoded.results {
                        switch r.status {
                        case .stored: result.stored += 1
                        case .duplicate: result.duplicate += 1
                        case .rejected: result.rejected += 1
                        }
                    }
                    break
                }
            }
        }
        return result
    }

    struct PushAnswer: Decodable { var results: [SyncResult] }
}
