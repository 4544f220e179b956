import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

struct WebRoutes {
    let services: Services

    func register(on router: Router<AppContext>) {
        router.get("/") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            return try await home(session, classParameter: request.uri.queryParameters.get("class"))
        }
    }

    /// `classParameter` ("3-A") picks which class's roster the school tier sees; one class at a
    /// time keeps the page small on a phone (a whole school's names weighed 356 KB at 450 learners).
    func home(_ session: SessionRecord, classParameter: String? = nil) async throws -> Response {
        let user = session.user
        let scope = try await services.access.scope(for: user)
        guard let model = try await ScopeSummary.load(store: services.store, scope: scope) else {
            return services.pages.error(status: .notFound, message: "Your account's area is not loaded yet; ask an administrator.")
        }
        let role = user.role
        var ctx: [String: Any] = [
            "title": "Home",
            "role": role.rawValue,
            "csrf": session.csrfToken,
            "user": ["displayName": user.displayName, "roleTitle": role.title, "scopeName": model.unit.name],
            "greeting": "Welcome, \(user.displayName)",
            "yearName": model.yearName,
            "narrative": narrative(model),
        ]
        // How much of the expected attendance data the rate rests on (from the quality checks).
        var coverage: Double?
        if role != .teacher, let year = model.yearID {
            coverage = try await QualityStore.coverage(services.store, under: scope.orgPath, yearID: year, domain: .attendance)
        }
        var metrics: [[String: String]] = [
            ["key": "enrolment", "label": role == .teacher ? "Learners in your classes" : "Learners enrolled",
             "value": Format.count(model.enrolment), "note": "\(model.yearName) school year"],
            ["key": "attendance-rate", "label": "Attendance rate",
             "value": Format.percent(model.attendanceRate), "note": "days present ÷ school days recorded" + (coverage.map { "; from \(Format.percent($0)) of expected register months" } ?? "")],
            ["key": "learners-assessed", "label": "Learners assessed",
             "value": Format.count(model.learnersAssessed), "note": "reading or maths assessment this year"],
            ["key": "chronic-absence", "label": "Chronically absent",
             "value": Format.count(model.chronicallyAbsent),
             "note": "of \(Format.count(model.learnersWithAttendance)) learners with registers: absent on 10 % or more of school days"],
        ]
        if role != .teacher && role != .headTeacher {
            metrics.append(["key": "schools", "label": "Schools", "value": Format.count(model.schools.count), "note": "in \(model.unit.name)"])
        }
        if role != .teacher {
            metrics.append(["key": "pupil-teacher-ratio", "label": "Pupils per teacher", "value": Format.ratio(model.pupilTeacherRatio),
                            "note": "\(Format.count(model.teachers)) teachers in post"])
        }
        if role != .teacher, let year = model.yearID, let zero = services.settings.catalogue.named("orf_zero_share") {
            let table = try await IndicatorEngine(store: services.store, catalogue: services.settings.catalogue).table(zero, yearID: year, depth: model.unit.depth, by: [],
                                                                               scope: scope, suppress: role.needsSmallCellSuppression)
            if let row = table.rows.first(where: { $0.unitID == model.unit.id.rawValue }) {
                let shown = row.value.map { "\(Int(($0 * 10).rounded())) in 10" } ?? (row.withheld == "small_cell" ? "withheld (n<10)" : "no data")
                let note = row.value == nil ? "oral reading assessments this year"
                    : "of \(Format.count(row.base)) oral reading assessments this year (\(Format.percent(row.value)))"
                metrics.append(["key": "reading-zero", "label": "Could not read a single word", "value": shown, "note": note])
            }
        }
        ctx["metrics"] = metrics
        if let year = model.yearID {
            let months = try await services.store.monthlyAttendance(under: scope.orgPath, yearID: year,
                                                                     classes: role == .teacher ? scope.classes : nil)
            ctx["attendanceChart"] = Charts.monthlyAttendance(months) as Any
        }

        if role.seesLearnerNames {
            let active = model.roster.filter { $0.status.isActive }
            var classes: [(key: String, grade: Int, section: String, count: Int)] = []
            for e in active where classes.last.map({ $0.grade != e.grade || $0.section != e.section }) ?? true {
                classes.append(("\(e.grade)-\(e.section)", e.grade, e.section, active.filter { $0.grade == e.grade && $0.section == e.section }.count))
            }
            let chosen = classes.first { $0.key == classParameter } ?? classes.first
            ctx["classes"] = classes.map { c -> [String: Any] in
                ["key": c.key, "label": "Grade \(c.grade) \(c.section)", "count": String(c.count), "current": c.key == chosen?.key]
            }
            ctx["learnersHeading"] = chosen.map { "Grade \($0.grade) \($0.section) — \($0.count) learners" } ?? "Your learners"
            let shown = active.filter { chosen == nil || ($0.grade == chosen!.grade && $0.section == chosen!.section) }
            var reading: [LearnerID: ReadingStatus] = [:]
            if let school = model.schools.first, let year = model.yearID {
                reading = try await services.store.readingStatus(schoolID: school.schoolID, yearID: year)
            }
            ctx["learners"] = shown.map { e -> [String: String] in
                let r = reading[e.learnerID]
                return ["name": "\(e.givenName) \(e.familyName)", "grade": String(e.grade), "section": e.section,
                        "sex": e.sex == .female ? "Girl" : "Boy", "attendance": Format.percent(e.attendanceRate),
                        "absent": String(e.absentDays), "level": r?.levelName ?? "not assessed",
                        "wpm": r?.wordsPerMinute.map { String(Int($0.rounded())) } ?? "—"]
            }
            ctx["groups"] = TeachingAtTheRightLevel.groups(shown.map { ($0, reading[$0.learnerID]) })
        }
        if role == .districtOfficer {
            ctx["schoolsHeading"] = "Schools in \(model.unit.name)"
            ctx["schools"] = model.schools.map { schoolRow($0, role: role) }
        }
        if role == .nationalAnalyst || role == .admin {
            let levels = try await services.store.orgLevels()
            let childLevel = levels.first { $0.depth == model.unit.depth + 1 }?.name.capitalized ?? "Area"
            ctx["unitLevel"] = childLevel
            ctx["unitsHeading"] = "By \(childLevel.lowercased())"
            ctx["units"] = model.childUnits.map { unit -> [String: String] in
                let f = model.figures(under: unit)
                return ["name": unit.name, "schools": Format.count(f.schools.count), "enrolment": Format.count(f.enrolment),
                        "girls": Format.percent(f.girlsShare),
                        "attendance": Suppression.rate(f.attendanceRate, base: f.learnersWithAttendance, role: role),
                        "assessed": Suppression.count(f.learnersAssessed, role: role),
                        "ptr": Format.ratio(f.pupilTeacherRatio)]
            }
        }
        if role == .admin {
            var users: [[String: String]] = []
            for u in try await services.store.users() {
                let area = try await services.store.orgUnit(id: u.orgUnitID)?.name ?? "?"
                users.append(["username": u.username, "displayName": u.displayName, "role": u.role.title, "area": area])
            }
            ctx["users"] = users
            ctx["audit"] = try await services.store.auditLog(limit: 20).map { e -> [String: String] in
                ["at": Self.utc(e.at), "actor": e.actor, "action": e.action, "target": e.target]
            }
        }
        return services.pages.render("home", ctx)
    }

    func schoolRow(_ s: SchoolFigures, role: Role) -> [String: String] {
        ["code": s.code, "name": s.name, "locality": s.locality?.rawValue.capitalized ?? "",
         "enrolment": Format.count(s.enrolment),
         "attendance": Suppression.rate(s.attendanceRate, base: s.learnersWithAttendance, role: role),
         "chronic": Suppression.count(s.chronicallyAbsent, role: role),
         "assessed": Suppression.count(s.learnersAssessed, role: role),
         "ptr": Format.ratio(s.pupilTeacherRatio),
         "lastVisit": s.lastVisit?.iso ?? "never"]
    }

    /// One or two plain sentences that say what the numbers mean for this reader.
    func narrative(_ m: ScopeSummary) -> String {
        guard m.yearID != nil, m.enrolment > 0 else {
            return "No learners are loaded for your area yet. Once enrolment data is imported, your figures appear here."
        }
        var parts: [String] = []
        let who = m.scope.role == .teacher ? "your classes" : m.unit.name
        parts.append("\(Format.count(m.enrolment)) learners are enrolled in \(who) this year.")
        if let rate = m.attendanceRate {
            let inTen = Int((rate * 10).rounded(.down))
            let plain = rate >= 0.95 ? "nearly all of them were in school" : "about \(inTen) in 10 of them were in school"
            parts.append("On a typical school day \(plain) (\(Format.percent(rate)) of the school days recorded).")
        }
        if m.learnersWithAttendance > 0, m.chronicallyAbsent > 0 {
            let share = Double(m.chronicallyAbsent) / Double(m.learnersWithAttendance)
            parts.append("\(Format.percent(share)) missed at least one day in ten — these learners are most at risk of falling behind or leaving school.")
        }
        return parts.joined(separator: " ")
    }

    static func utc(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// Teaching at the Right Level (Pratham; METHODS.md): group children by the level they read at,
/// not by grade, with an activity for each group. Reassess and regroup after each round.
enum TeachingAtTheRightLevel {
    static let activities = [
        "Beginner": "Letter sounds and syllables with flash cards; listen to and retell short stories.",
        "Letter": "Blend sounds into simple words; word-building games with letter cards.",
        "Word": "Read short sentences together; guided reading of simple paragraphs.",
        "Paragraph": "Read stories aloud in pairs, then retell them and answer questions.",
        "Story": "Independent reading and writing; comprehension questions and summaries.",
    ]

    /// Fluency bands used when no level test was given: EGRA oral reading, correct words per minute.
    static let fluencyBands: [(name: String, below: Double, activity: String)] = [
        ("Non-reader (0 words)", 1, "Letter sounds and syllables with flash cards; listen to and retell short stories."),
        ("Beginning (1–19 words a minute)", 20, "Blend sounds into words; read decodable sentences together every day."),
        ("Developing (20–39 words a minute)", 40, "Repeated reading of short passages in pairs; track words read each week."),
        ("Fluent (40 or more)", .infinity, "Read longer stories, then retell and answer questions; write about them."),
    ]

    static func groups(_ learners: [(RosterEntry, ReadingStatus?)]) -> [[String: String]] {
        let assessed = learners.compactMap { pair in pair.1.flatMap { s in s.level.map { (pair.0, s, $0) } } }
        guard let names = assessed.first?.1.levelNames, !names.isEmpty else { return fluencyGroups(learners) }
        return names.enumerated().compactMap { index, name in
            let members = assessed.filter { $0.2 == index }.map { "\($0.0.givenName) \($0.0.familyName)" }
            guard !members.isEmpty else { return nil }
            return ["level": name, "count": String(members.count), "members": members.joined(separator: ", "),
                    "activity": activities[name] ?? "Practise at this level; reassess in four weeks."]
        }
    }

    static func fluencyGroups(_ learners: [(RosterEntry, ReadingStatus?)]) -> [[String: String]] {
        let read = learners.compactMap { pair in pair.1?.wordsPerMinute.map { (pair.0, $0) } }
        guard !read.isEmpty else { return [] }
        var lower = -Double.infinity
        return fluencyBands.compactMap { band in
            defer { lower = band.below }
            let members = read.filter { $0.1 >= lower && $0.1 < band.below }.map { "\($0.0.givenName) \($0.0.familyName)" }
            guard !members.isEmpty else { return nil }
            return ["level": band.name, "count": String(members.count), "members": members.joined(separator: ", "), "activity": band.activity]
        }
    }
}
