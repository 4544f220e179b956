import CompressNIO
import DarasaCore
import DarasaStore
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// Many devices' batches committed together: each push waits in a queue; one writer applies
/// everything queued in a single transaction (one durable commit for all) and answers each.
/// Bounded: at most `maxRecords` records per commit, and at most `maxQueued` pushes waiting
/// (more is a 503 "try again", which the device does with backoff).
actor SyncCommitter {
    let store: DarasaStore
    let maxRecords = 5_000
    let maxQueued = 2_000
    private var queue: [(SyncPush, CheckedContinuation<[SyncResult], any Error>)] = []
    private var writing = false
    /// The calendar and instruments, read again when older than `referenceSeconds` (a calendar
    /// imported while the server runs applies to pushes within that time).
    private var reference: (value: SyncReference, at: ContinuousClock.Instant)?
    let referenceSeconds = 5

    let activity: SyncActivity
    /// The thread the commits run on, one for the process (`DedicatedThreadExecutor`).
    static let writer = DedicatedThreadExecutor(name: "darasa-sync-writer")

    init(store: DarasaStore, activity: SyncActivity = SyncActivity()) {
        self.store = store
        self.activity = activity
    }

    struct Busy: Error {}

    func submit(_ push: SyncPush) async throws -> [SyncResult] {
        activity.pushed()
        guard queue.count < maxQueued else { throw Busy() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.append((push, continuation))
            if !writing {
                writing = true
                // On the writer's own thread: each of the commit's awaits resumes at once instead
                // of waiting on the shared pool behind requests being decoded (docs/sync.md).
                Task(executorPreference: Self.writer, priority: .high) { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            var take = 0, records = 0
            while take < queue.count, take == 0 || records + queue[take].0.items.count <= maxRecords {
                records += queue[take].0.items.count
                take += 1
            }
            let group = Array(queue.prefix(take))
            queue.removeFirst(take)
            do {
                if reference.map({ ContinuousClock.now - $0.at > .seconds(referenceSeconds) }) ?? true {
                    reference = (try await store.syncReference(), ContinuousClock.now)
                }
                let results = try await store.applySync(group.map(\.0), reference: reference?.value)
                for (entry, r) in zip(group, results) { entry.1.resume(returning: r) }
            } catch {
                for entry in group { entry.1.resume(throwing: error) }
            }
        }
        writing = false
    }
}

/// The sync protocol for offline devices (docs/sync.md): pull what the user's devices need,
/// push what they captured. Both need a session; pushes also the session's CSRF token in
/// `X-CSRF-Token`.
struct SyncRoutes {
    let services: Services
    let permissionCache = SyncPermissionCache()

    static let maxRecords = 1_000
    static let maxBody = 4 * 1024 * 1024

    struct PullDTO: ResponseEncodable, Sendable {
        struct Learner: Codable, Sendable { var id: Int64; var name: String; var sex: String; var grade: Int; var section: String; var school: Int64 }
        struct ClassDTO: Codable, Sendable { var school: Int64; var grade: Int; var section: String; var label: String }
        struct School: Codable, Sendable { var id: Int64; var code: String; var name: String }
        struct InstrumentDTO: Codable, Sendable { var code: String; var name: String; var language: String; var grades: [Int]; var subtasks: [Subtask] }
        var cursor: String
        var more: Bool
        var user: String
        var role: String
        var language: String
        var csrf: String
        var today: String
        var schoolDays: [String]
        var classes: [ClassDTO]
        var schools: [School]
        var learners: [Learner]
        var instruments: [InstrumentDTO]
        var rubric: [String]
        /// The app's texts in the user's language.
        var strings: [String: String]
    }

    struct PushDTO: ResponseEncodable, Sendable {
        var batch: String
        var results: [SyncResult]
    }

    /// The translation keys the app uses.
    static let appKeys = ["app_", "mark_", "register_", "col_", "purpose_", "rubric_", "followups_due"]

    static let rubric = ["lesson_plan", "use_of_materials", "learner_engagement", "grouping_by_level", "assessment_for_learning", "classroom_environment"]

    func register(on v1: RouterGroup<AppContext>, committer: SyncCommitter) {
        v1.get("sync/pull") { request, context in
            let session = try context.requireSession()
            return try await pull(request, session)
        }
        v1.get("sync/push") { _, context -> Response in
            _ = try context.requireSession()
            throw HTTPError(.methodNotAllowed, message: "Send a batch with POST (docs/sync.md).")
        }
        v1.post("sync/push") { request, context in
            let session = try context.requireSession()
            guard let sent = request.headers[.init("X-CSRF-Token")!], Tokens.constantTimeEqual(sent, session.csrfToken) else {
                throw HTTPError(.forbidden, message: "Send the session's token in X-CSRF-Token (it comes with every pull); sign in again if it has expired.")
            }
            var body = try await request.body.collect(upTo: Self.maxBody)
            if request.headers[.contentEncoding]?.lowercased() == "gzip" {
                do { body = try body.decompress(with: ZlibAlgorithm.gzip, maxSize: Self.maxBody) } catch {
                    throw HTTPError(.badRequest, message: "The batch is not valid gzip, or unpacks to more than 4 MB; send smaller batches.")
                }
            }
            let push = try Self.decode(Data(body.readableBytesView), permissions: try await permissions(session))
            do {
                let results = try await committer.submit(push)
                return PushDTO(batch: push.batchID, results: results)
            } catch is SyncCommitter.Busy {
                throw HTTPError(.serviceUnavailable, message: "The server is busy; try again in a few seconds (nothing from this batch was stored).")
            }
        }
    }

    func permissions(_ session: SessionRecord) async throws -> SyncPermissions {
        if let known = permissionCache.get(session.user) { return known }
        let scope = try await services.access.scope(for: session.user)
        let p = SyncPermissions(username: session.user.username, role: session.user.role, path: scope.orgPath, classes: Set(scope.classes))
        permissionCache.put(p, for: session.user)
        return p
    }

    /// 8–64 ASCII letters, digits or "-" (checked on the bytes: every record has one).
    static func isID(_ s: String) -> Bool {
        let u = s.utf8
        return (8...64).contains(u.count) && u.allSatisfy { b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45
        }
    }

    /// Reads a batch. A batch that is not a JSON object with `device`, `batch` and `records` is a
    /// 400; a record that is wrong in itself is rejected on its own with the reason, and the
    /// others go on.
    static func decode(_ data: Data, permissions: SyncPermissions) throws -> SyncPush {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HTTPError(.badRequest, message: "The batch is not a JSON object; send {\"device\", \"batch\", \"records\": [...]} (docs/sync.md).")
        }
        guard let device = object["device"] as? String, isID(device) else {
            throw HTTPError(.badRequest, message: "The batch needs \"device\": the device's id (8–64 letters, digits or -).")
        }
        guard let batch = object["batch"] as? String, isID(batch) else {
            throw HTTPError(.badRequest, message: "The batch needs \"batch\": its own id (8–64 letters, digits or -).")
        }
        guard let records = object["records"] as? [Any] else {
            throw HTTPError(.badRequest, message: "The batch needs \"records\": a list of records.")
        }
        guard records.count <= maxRecords else {
            throw HTTPError(.contentTooLarge, message: "A batch holds at most \(maxRecords) records; send the rest in the next one.")
        }
        var items: [SyncItem] = []
        for (i, raw) in records.enumerated() {
            guard let r = raw as? [String: Any] else { items.append(.invalid(id: "record-\(i)", kind: "unknown", reason: "record \(i) is not an object")); continue }
            guard let id = r["id"] as? String, isID(id) else {
                items.append(.invalid(id: "record-\(i)-\(batch)", kind: "unknown", reason: "record \(i) has no id (8–64 letters, digits or -)"))
                continue
            }
            items.append(item(r, id: id))
        }
        return SyncPush(deviceID: device, batchID: batch, permissions: permissions, items: items)
    }

    static func int(_ v: Any?) -> Int64? {
        if let i = v as? Int { return Int64(i) }
        if let d = v as? Double, d == d.rounded(), abs(d) < 1e15 { return Int64(d) }
        return nil
    }

    static func item(_ r: [String: Any], id: String) -> SyncItem {
        let type = r["type"] as? String ?? ""
        func bad(_ reason: String) -> SyncItem { .invalid(id: id, kind: ["attendance", "assessment", "visit"].contains(type) ? type : "unknown", reason: reason) }
        func day(_ key: String) -> Day? { (r[key] as? String).flatMap { Day(iso: $0) } }
        switch type {
        case "attendance":
            guard let learner = int(r["learner"]) else { return bad("attendance needs \"learner\": the learner's id") }
            guard let school = int(r["school"]) else { return bad("attendance needs \"school\": the school's id") }
            guard let d = day("date") else { return bad("attendance needs \"date\" as YYYY-MM-DD") }
            guard let mark = (r["mark"] as? String).flatMap(AttendanceMark.init(rawValue:)) else { return bad("the mark must be present, absent, late or excused") }
            guard let at = int(r["markedAt"]), at > 0 else { return bad("attendance needs \"markedAt\": when it was taken, in milliseconds since 1970") }
            return .attendance(id: id, learner: learner, school: school, day: d, mark: mark, markedAt: at)
        case "assessment":
            guard let learner = int(r["learner"]), let school = int(r["school"]) else { return bad("an assessment needs \"learner\" and \"school\"") }
            guard let instrument = r["instrument"] as? String, let subtask = r["subtask"] as? String else { return bad("an assessment needs \"instrument\" and \"subtask\"") }
            guard let d = day("date") else { return bad("an assessment needs \"date\" as YYYY-MM-DD") }
            let responses = (r["responses"] as? String).map { String($0.prefix(500)) }
            if let responses, !responses.allSatisfy({ "01.".contains($0) }) { return bad("responses use 1 (right), 0 (wrong) and . (not reached)") }
            return .assessment(id: id, AssessmentSubmission(learner: learner, school: school, instrument: instrument, subtask: subtask, day: d,
                                                            assessor: String((r["assessor"] as? String ?? "").prefix(100)),
                                                            attempted: int(r["attempted"]).map(Int.init), incorrect: int(r["incorrect"]).map(Int.init),
                                                            secondsRemaining: int(r["secondsRemaining"]).map(Int.init), correct: int(r["correct"]).map(Int.init),
                                                            level: int(r["level"]).map(Int.init), responses: responses))
        case "visit":
            guard let school = int(r["school"]) else { return bad("a visit needs \"school\": the school's id") }
            guard let d = day("date") else { return bad("a visit needs \"date\" as YYYY-MM-DD") }
            guard let purpose = (r["purpose"] as? String).flatMap(VisitPurpose.init(rawValue:)) else { return bad("the purpose must be coaching or quality_assurance") }
            var rubric: [String: Int] = [:]
            for (k, v) in (r["rubric"] as? [String: Any]) ?? [:] {
                guard let n = int(v) else { return bad("rubric scores are whole numbers from 1 to 4") }
                rubric[String(k.prefix(60))] = Int(n)
            }
            var followUps: [FollowUpAction] = []
            for f in (r["followUps"] as? [Any]) ?? [] {
                guard let f = f as? [String: Any], let action = f["action"] as? String, !action.isEmpty else { return bad("each follow-up needs \"action\"") }
                let due = (f["due"] as? String).flatMap { Day(iso: $0) }
                if f["due"] != nil && due == nil { return bad("a follow-up's \"due\" is a date as YYYY-MM-DD") }
                followUps.append(FollowUpAction(description: String(action.prefix(300)), due: due, status: .open))
            }
            return .visit(id: id, VisitSubmission(school: school, day: d, purpose: purpose, rubric: rubric,
                                                  notes: String((r["notes"] as? String ?? "").prefix(2000)), followUps: followUps))
        default:
            return bad("the type must be attendance, assessment or visit")
        }
    }

    /// The cursor is the data version (the latest import batch) and an offset into the learners:
    /// a device that has the current version gets nothing again; a large roster comes in pages.
    func pull(_ request: Request, _ session: SessionRecord) async throws -> PullDTO {
        let limit = min(5_000, max(1, request.uri.queryParameters.get("limit", as: Int.self) ?? 1_000))
        let version = try await services.store.database.scalarInt("SELECT COALESCE(MAX(id), 0) FROM import_batches") ?? 0
        var offset = 0
        if let cursor = request.uri.queryParameters.get("cursor") {
            let parts = cursor.split(separator: ":").compactMap { Int64($0) }
            guard parts.count == 2, parts[1] >= 0 else { throw HTTPError(.badRequest, message: "The cursor is the one the last pull returned (version:offset).") }
            offset = parts[0] == version ? Int(parts[1]) : 0
        }
        let scope = try await services.access.scope(for: session.user)
        let year = try await services.store.latestYearID()
        let calendar = try await services.store.calendar()
        let days = calendar.first { $0.id == year }?.schoolDays ?? []
        let l = services.pages.localizer(session.user.language)
        var learners: [PullDTO.Learner] = [], classes: [PullDTO.ClassDTO] = [], schools: [PullDTO.School] = []
        var more = false
        if session.user.role.seesLearnerNames, let year {
            let schoolID = session.user.role == .teacher ? (scope.classes.first?.schoolID ?? SchoolID(scope.orgUnitID.rawValue)) : SchoolID(scope.orgUnitID.rawValue)
            let roster = try await services.store.learnerRoster(schoolID: schoolID, yearID: year, classes: session.user.role == .teacher ? scope.classes : nil)
                .filter { $0.status.isActive }
            let page = roster.dropFirst(offset).prefix(limit)
            learners = page.map { PullDTO.Learner(id: $0.learnerID.rawValue, name: "\($0.givenName) \($0.familyName)", sex: $0.sex.rawValue,
                                                 grade: $0.grade, section: $0.section, school: schoolID.rawValue) }
            more = offset + page.count < roster.count
            offset += page.count
            var seen = Set<String>()
            for e in roster where seen.insert("\(e.grade)-\(e.section)").inserted {
                classes.append(.init(school: schoolID.rawValue, grade: e.grade, section: e.section,
                                     label: l("class_label", ["grade": String(e.grade), "section": e.section])))
            }
        }
        if let year, !session.user.role.seesLearnerNames || session.user.role == .headTeacher {
            schools = try await services.store.schoolFigures(under: scope.orgPath, yearID: year).prefix(500)
                .map { PullDTO.School(id: $0.schoolID.rawValue, code: $0.code, name: $0.name) }
        }
        let instruments = try await services.store.instruments().values.sorted { $0.code < $1.code }
            .map { PullDTO.InstrumentDTO(code: $0.code, name: $0.name, language: $0.language, grades: $0.grades, subtasks: $0.subtasks) }
        return PullDTO(cursor: "\(version):\(offset)", more: more, user: session.user.displayName, role: session.user.role.rawValue,
                       language: l.code, csrf: session.csrfToken, today: services.today.iso, schoolDays: days.map(\.iso),
                       classes: classes, schools: schools, learners: learners, instruments: instruments, rubric: Self.rubric,
                       strings: l.table.filter { k, _ in Self.appKeys.contains { k.hasPrefix($0) } })
    }
}

/// What each user may push (their area and classes), kept a few seconds: a device pushes page
/// after page, and each push read the user's org unit, the school year and their classes again
/// (docs/sync.md, "Who may push what"). The key is the whole account as the session read it on
/// this request, so a changed role, area, teacher link or a disabled account misses at once;
/// only a change of the classes someone teaches takes up to `lifetime` to apply.
final class SyncPermissionCache: Sendable {
    private let entries = Mutex<[UserRecord: (permissions: SyncPermissions, at: ContinuousClock.Instant)]>([:])
    let lifetime: Duration
    /// Past this many accounts the cache starts empty again (bounded memory).
    let capacity: Int

    init(lifetime: Duration = .seconds(5), capacity: Int = 20_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func get(_ user: UserRecord, now: ContinuousClock.Instant = .now) -> SyncPermissions? {
        entries.withLock { e in
            guard let hit = e[user], now - hit.at < lifetime else { return nil }
            return hit.permissions
        }
    }

    func put(_ permissions: SyncPermissions, for user: UserRecord, now: ContinuousClock.Instant = .now) {
        entries.withLock { e in
            if e.count >= capacity, e[user] == nil { e.removeAll(keepingCapacity: true) }
            e[user] = (permissions, now)
        }
    }
}

/// When devices last pushed: the background summary refresh gives way to pushes while they
/// keep coming (docs/sync.md, "Summaries after sync").
final class SyncActivity: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init() {}

    func pushed(at instant: ContinuousClock.Instant = .now) { last.withLock { $0 = instant } }

    /// Whether a push arrived less than `window` ago.
    func busy(within window: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        last.withLock { $0.map { now - $0 < window } ?? false }
    }
}

/// The background refresh of summaries that sync queued (docs/sync.md): the schools waiting in
/// `summary_dirty` are refreshed, so a synced register shows on the dashboards within seconds
/// without every push paying for it.
///
/// *Decision:* while pushes keep arriving (one less than `quiet` ago) the refresh waits, and a
/// pass under way stops between schools, so devices waiting for their acknowledgement do not
/// queue behind a school's rebuild; but a school never waits more than about `maxDelay` from
/// when the refresher first found it queued: then the pass runs whatever the load. After a full
/// pass the pause grows to `idleShare` times the pass's length, so under steady load refreshing
/// takes no more than about a fifth of the writer's time (a pass over 70 schools that takes 7 s
/// waits 28 s); that longer pause lasts only while the pushes do.
struct SummaryRefresher: Sendable {
    let store: DarasaStore
    var activity = SyncActivity()
    var interval: Duration = .seconds(2)
    var idleShare = 4
    var quiet: Duration = .seconds(1)
    var maxDelay: Duration = .seconds(30)

    func run() async {
        var pause = interval
        var waitingSince: ContinuousClock.Instant?
        while !Task.isCancelled {
            await rest(pause)
            guard !Task.isCancelled else { return }
            pause = await step(waitingSince: &waitingSince)
        }
    }

    /// Sleeps for `pause`, looking every `quiet`: a pause longer than `interval` (the share kept
    /// after a pass under load) ends as soon as pushes stop, so a burst's last schools are
    /// refreshed a second after it ends, not up to `idleShare` passes later.
    func rest(_ pause: Duration) async {
        let until = ContinuousClock.now + pause
        while !Task.isCancelled {
            let left = until - .now
            guard left > .zero else { return }
            try? await Task.sleep(for: min(left, quiet))
            if pause > interval, !activity.busy(within: quiet) { return }
        }
    }

    /// One turn: refresh (or give way) and say how long to pause before the next. `waitingSince`
    /// is when the refresher first found schools queued that it has not refreshed yet.
    func step(waitingSince: inout ContinuousClock.Instant?, now: ContinuousClock.Instant = .now) async -> Duration {
        let overdue = waitingSince.map { now - $0 >= maxDelay } ?? false
        let activity = self.activity, quiet = self.quiet
        if !overdue, activity.busy(within: quiet, now: now) {
            if waitingSince == nil, (try? await store.summariesWaiting()) ?? 0 > 0 { waitingSince = now }
            return quiet
        }
        // One pass over the queue as it stands; schools queued again meanwhile wait for the next.
        _ = try? await store.refreshDirtySummaries(limit: 100_000, giveWay: { !overdue && activity.busy(within: quiet, now: .now) })
        let left = (try? await store.summariesWaiting()) ?? 0
        if left == 0 { waitingSince = nil } else if waitingSince == nil || overdue { waitingSince = now }
        if !overdue, left > 0, activity.busy(within: quiet) { return quiet }  // gave way part-way
        return max(interval, (ContinuousClock.now - now) * idleShare)
    }
}
