import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

struct WebRoutes {
    let services: Services

    struct LanguageForm: Decodable {
        var csrf: String?
        var language: String?
    }

    func register(on router: Router<AppContext>) {
        router.get("/") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            return try await home(session, classParameter: request.uri.queryParameters.get("class"))
        }
        router.post("/language") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            let form = try await readForm(LanguageForm.self, request, context: context)
            guard let sent = form.csrf, Tokens.constantTimeEqual(sent, session.csrfToken) else {
                throw HTTPError(.forbidden, message: "The form had expired; reload the page and try again.")
            }
            guard let code = form.language, services.pages.translations.supports(code) else {
                throw HTTPError(.badRequest, message: "Choose one of the languages offered: \(services.pages.translations.codes.joined(separator: ", ")).")
            }
            try await services.store.setLanguage(userID: session.user.id, code: code)
            try await services.store.audit(actor: session.user.username, action: "language", target: "user:\(session.user.username)", detail: code)
            var response = Response.redirect(to: "/", type: .found)
            response.status = .seeOther
            return response
        }
    }

    /// What every page's layout needs about the reader.
    static func frame(_ session: SessionRecord, scopeName: String, title: String, nav: String) -> [String: Any] {
        ["title": title, "role": session.user.role.rawValue, "csrf": session.csrfToken, "language": session.user.language,
         "nav_current": nav, "user": ["displayName": session.user.displayName, "scopeName": scopeName]]
    }

    /// `classParameter` ("3-A") picks which class's roster the school tier sees; one class at a
    /// time keeps the page small on a phone (a whole school's names weighed 356 KB at 450 learners).
    func home(_ session: SessionRecord, classParameter: String? = nil) async throws -> Response {
        let user = session.user
        let l = services.pages.localizer(user.language)
        let scope = try await services.access.scope(for: user)
        guard let model = try await ScopeSummary.load(store: services.store, scope: scope) else {
            return services.pages.error(status: .notFound, message: l("area_not_loaded"), language: user.language)
        }
        let role = user.role
        var ctx = Self.frame(session, scopeName: model.unit.name, title: l("nav_home"), nav: "home")
        ctx["greeting"] = l("home_greeting", ["name": user.displayName])
        ctx["narrative"] = narrative(model, l)
        ctx["footnote"] = l("footnote_year", ["year": model.yearName])
        var coverage: Double?
        if role != .teacher, let year = model.yearID {
            coverage = try await QualityStore.coverage(services.store, under: scope.orgPath, yearID: year, domain: .attendance)
        }
        var metrics: [[String: String]] = [
            ["key": "enrolment", "label": l(role == .teacher ? "metric_learners_in_classes" : "metric_enrolled"),
             "value": l.count(model.enrolment), "note": l("metric_school_year", ["year": model.yearName])],
            ["key": "attendance-rate", "label": l("metric_attendance"), "value": l.percent(model.attendanceRate),
             "note": l("metric_attendance_note") + (coverage.map { "; " + l("metric_coverage", ["share": l.percent($0)]) } ?? "")],
            ["key": "learners-assessed", "label": l("metric_assessed"), "value": l.count(model.learnersAssessed), "note": l("metric_assessed_note")],
            ["key": "chronic-absence", "label": l("metric_chronic"), "value": l.count(model.chronicallyAbsent),
             "note": l("metric_chronic_note", ["count": l.count(model.learnersWithAttendance)])],
        ]
        if role != .teacher && role != .headTeacher {
            metrics.append(["key": "schools", "label": l("metric_schools"), "value": l.count(model.schools.count), "note": model.unit.name])
        }
        if role != .teacher {
            metrics.append(["key": "pupil-teacher-ratio", "label": l("metric_ptr"), "value": l.ratio(model.pupilTeacherRatio),
                            "note": l("metric_ptr_note", ["count": l.count(model.teachers)])])
        }
        // One engine for the page: the district's ranking reads the area's reading figure shown here.
        let engine = IndicatorEngine(store: services.store, catalogue: services.settings.catalogue).sharingLookups()
        if role == .districtOfficer, let year = model.yearID {
            try await DistrictPages(services: services).district(&ctx, model, yearID: year, engine: engine, l)
        }
        if role != .teacher, let year = model.yearID, let zero = services.settings.catalogue.named("orf_zero_share") {
            let table = try await engine
                .table(zero, yearID: year, depth: model.unit.depth, scope: scope, suppress: role.needsSmallCellSuppression)
            if let row = table.rows.first(where: { $0.unitID == model.unit.id.rawValue }) {
                let shown = row.value.map { l.inTen($0) } ?? l(row.withheld == "small_cell" ? "withheld_small" : "no_data")
                let note = row.value == nil ? l("metric_orf_note_none") : l("metric_orf_note", ["count": l.count(row.base), "share": l.percent(row.value)])
                metrics.append(["key": "reading-zero", "label": l("metric_orf_zero"), "value": shown, "note": note])
            }
        }
        ctx["metrics"] = metrics
        if let year = model.yearID {
            let months = try await services.store.monthlyAttendance(under: scope.orgPath, yearID: year, classes: role == .teacher ? scope.classes : nil)
            ctx["attendanceChart"] = Charts.monthlyAttendance(months, l) as Any
        }
        if role.seesLearnerNames {
            try await schoolTier(&ctx, session, model, classParameter, l)
        }
        if role == .districtOfficer, let year = model.yearID {
            ctx["schoolsHeading"] = l("schools_heading", ["area": model.unit.name])
            ctx["schools"] = model.schools.map { s -> [String: String] in
                ["code": s.code, "name": s.name, "locality": s.locality.map { l("locality_" + $0.rawValue) } ?? "",
                 "enrolment": l.count(s.enrolment), "attendance": Self.rate(s.attendanceRate, base: s.learnersWithAttendance, role: role, l),
                 "chronic": Self.count(s.chronicallyAbsent, role: role, l), "assessed": Self.count(s.learnersAssessed, role: role, l),
                 "ptr": l.ratio(s.pupilTeacherRatio), "lastVisit": s.lastVisit?.iso ?? l("never")]
            }
        }
        if role == .nationalAnalyst || role == .admin {
            let levels = try await services.store.orgLevels()
            let childLevel = levels.first { $0.depth == model.unit.depth + 1 }?.name ?? "area"
            ctx["unitLevel"] = l("level_" + childLevel)
            ctx["unitsHeading"] = l("units_heading", ["level": l("level_" + childLevel)])
            ctx["units"] = model.childUnits.map { unit -> [String: String] in
                let f = model.figures(under: unit)
                return ["id": String(unit.id.rawValue), "name": unit.name, "schools": l.count(f.schools.count), "enrolment": l.count(f.enrolment),
                        "girls": l.percent(f.girlsShare), "attendance": Self.rate(f.attendanceRate, base: f.learnersWithAttendance, role: role, l),
                        "assessed": Self.count(f.learnersAssessed, role: role, l), "ptr": l.ratio(f.pupilTeacherRatio)]
            }
            if let year = model.yearID {
                ctx["equity"] = try await MinistryPage(services: services).equity(scope: scope, unit: model.unit, yearID: year, l)
            }
        }
        if role == .admin {
            var users: [[String: String]] = []
            for u in try await services.store.users() {
                let area = try await services.store.orgUnit(id: u.orgUnitID)?.name ?? "?"
                users.append(["username": u.username, "displayName": u.displayName, "role": l("role_" + u.role.rawValue), "area": area])
            }
            ctx["users"] = users
            ctx["audit"] = try await services.store.auditLog(limit: 20).map { e -> [String: String] in
                ["at": Format.instant(e.at), "actor": e.actor, "action": e.action, "target": e.target]
            }
        }
        return services.pages.render("home", ctx)
    }

    /// The teacher's and head teacher's view: a class at a time, by name, with levels, bands,
    /// recent absences and reading groups.
    func schoolTier(_ ctx: inout [String: Any], _ session: SessionRecord, _ model: ScopeSummary, _ classParameter: String?, _ l: Localizer) async throws {
        let active = model.roster.filter { $0.status.isActive }
        var classes: [(key: String, grade: Int, section: String, count: Int)] = []
        for e in active where classes.last.map({ $0.grade != e.grade || $0.section != e.section }) ?? true {
            classes.append(("\(e.grade)-\(e.section)", e.grade, e.section, active.filter { $0.grade == e.grade && $0.section == e.section }.count))
        }
        let chosen = classes.first { $0.key == classParameter } ?? classes.first
        ctx["classes"] = classes.map { c -> [String: Any] in
            ["key": c.key, "label": l("class_label", ["grade": String(c.grade), "section": c.section]), "count": String(c.count), "current": c.key == chosen?.key]
        }
        let className = chosen.map { l("class_label", ["grade": String($0.grade), "section": $0.section]) } ?? ""
        ctx["learnersHeading"] = chosen.map { l("class_heading", ["class": className, "count": String($0.count)]) } ?? l("your_learners")
        let shown = active.filter { chosen == nil || ($0.grade == chosen!.grade && $0.section == chosen!.section) }
        guard let school = model.schools.first, let year = model.yearID else { return }
        if let chosen { ctx["registerHref"] = "/register?class=\(chosen.key)" }
        if session.user.role == .headTeacher { ctx["reportCardHref"] = "/report-card" }
        let reading = try await services.store.readingStatus(schoolID: school.schoolID, yearID: year)
        let recent = try await services.store.recentAbsences(schoolID: school.schoolID.rawValue, learners: shown.map(\.learnerID))
        ctx["learners"] = shown.map { e -> [String: Any] in
            let r = reading[e.learnerID]
            let bands = (r?.bands ?? [:]).sorted { $0.key < $1.key }.map { subtask, band in
                ["subtask": l("subtask_" + subtask), "band": l("band_\(band)"), "index": String(band)]
            }
            return ["name": "\(e.givenName) \(e.familyName)", "sex": l(e.sex == .female ? "girl" : "boy"),
                    "attendance": l.percent(e.attendanceRate), "recent": recent.days.isEmpty ? "—" : "\(recent.absent[e.learnerID] ?? 0)",
                    "level": r?.levelName.map { l("level_name_" + $0.lowercased().replacingOccurrences(of: " ", with: "_")) } ?? l("not_assessed"),
                    "bands": bands, "wpm": r?.wordsPerMinute.map { String(Int($0.rounded())) } ?? "—"]
        }
        let absentees = shown.filter { (recent.absent[$0.learnerID] ?? 0) >= 3 }.sorted { (recent.absent[$0.learnerID] ?? 0) > (recent.absent[$1.learnerID] ?? 0) }
        if !recent.days.isEmpty {
            ctx["absenteesHeading"] = l("absentees_heading", ["count": String(absentees.count), "class": className, "days": String(recent.days.count)])
            ctx["absentees"] = absentees.map { e in
                ["name": "\(e.givenName) \(e.familyName)", "days": l("days_absent_of", ["n": String(recent.absent[e.learnerID] ?? 0), "of": String(recent.days.count)])]
            }
        }
        ctx["groups"] = TeachingAtTheRightLevel.groups(shown.map { ($0, reading[$0.learnerID]) }, l)
        // The class's reading, in the narrative: how many of those assessed could not read a word.
        let read = shown.compactMap { reading[$0.learnerID]?.wordsPerMinute }
        let levels = shown.compactMap { reading[$0.learnerID]?.level }
        if let narrative = ctx["narrative"] as? String {
            if !read.isEmpty {
                let zero = read.filter { $0 == 0 }.count
                ctx["narrative"] = narrative + " " + l("narrative_class_reading", ["zero": String(zero), "count": String(read.count), "class": className,
                                                                              "share": l.inTen(Double(zero) / Double(read.count))])
            } else if !levels.isEmpty {
                // ASER levels: Beginner and Letter (the two lowest) cannot yet read words.
                let low = levels.filter { $0 <= 1 }.count
                ctx["narrative"] = narrative + " " + l("narrative_class_levels", ["low": String(low), "count": String(levels.count), "class": className,
                                                                              "share": l.inTen(Double(low) / Double(levels.count))])
            }
        }
    }

    static func count(_ n: Int, role: Role, _ l: Localizer) -> String {
        role.needsSmallCellSuppression && n > 0 && n < Suppression.minimum ? l("fewer_than_ten") : l.count(n)
    }

    static func rate(_ rate: Double?, base: Int, role: Role, _ l: Localizer) -> String {
        role.needsSmallCellSuppression && base < Suppression.minimum ? l("withheld_small") : l.percent(rate)
    }

    /// One or two plain sentences that say what the numbers mean for this reader.
    func narrative(_ m: ScopeSummary, _ l: Localizer) -> String {
        guard m.yearID != nil, m.enrolment > 0 else { return l("narrative_empty") }
        var parts: [String] = []
        let who = m.scope.role == .teacher ? l("your_classes") : m.unit.name
        parts.append(l("narrative_enrolled", ["count": l.count(m.enrolment), "place": who]))
        if let rate = m.attendanceRate {
            let plain = rate >= 0.95 ? l("narrative_attendance_nearly_all") : l("narrative_attendance_in_ten", ["n": String(Int((rate * 10).rounded(.down)))])
            parts.append(l("narrative_attendance", ["plain": plain, "share": l.percent(rate)]))
        }
        if m.learnersWithAttendance > 0, m.chronicallyAbsent > 0 {
            let share = Double(m.chronicallyAbsent) / Double(m.learnersWithAttendance)
            parts.append(l("narrative_chronic", ["share": l.percent(share)]))
        }
        return parts.joined(separator: " ")
    }
}

/// Teaching at the Right Level (Pratham; METHODS.md): group children by the level they read at,
/// not by grade, with an activity for each group. Reassess and regroup after each round.
enum TeachingAtTheRightLevel {
    /// ASER reading levels, lowest first, with the activity key for each.
    static let levelKeys = ["beginner", "letter", "word", "paragraph", "story"]

    /// Fluency bands used when no level test was given: EGRA oral reading, correct words per minute.
    static let fluencyBands: [(key: String, below: Double)] = [("fluency_non_reader", 1), ("fluency_beginning", 20),
                                                                 ("fluency_developing", 40), ("fluency_fluent", .infinity)]

    static func groups(_ learners: [(RosterEntry, ReadingStatus?)], _ l: Localizer) -> [[String: String]] {
        let assessed = learners.compactMap { pair in pair.1.flatMap { s in s.level.map { (pair.0, s, $0) } } }
        guard let names = assessed.first?.1.levelNames, !names.isEmpty else { return fluencyGroups(learners, l) }
        return names.enumerated().compactMap { index, name in
            let members = assessed.filter { $0.2 == index }.map { "\($0.0.givenName) \($0.0.familyName)" }
            guard !members.isEmpty else { return nil }
            let key = name.lowercased().replacingOccurrences(of: " ", with: "_")
            return ["level": l("level_name_" + key), "count": String(members.count), "members": members.joined(separator: ", "),
                    "activity": l.table["activity_" + key] ?? l("activity_default")]
        }
    }

    static func fluencyGroups(_ learners: [(RosterEntry, ReadingStatus?)], _ l: Localizer) -> [[String: String]] {
        let read = learners.compactMap { pair in pair.1?.wordsPerMinute.map { (pair.0, $0) } }
        guard !read.isEmpty else { return [] }
        var lower = -Double.infinity
        return fluencyBands.compactMap { band in
            defer { lower = band.below }
            let members = read.filter { $0.1 >= lower && $0.1 < band.below }.map { "\($0.0.givenName) \($0.0.familyName)" }
            guard !members.isEmpty else { return nil }
            return ["level": l(band.key), "count": String(members.count), "members": members.joined(separator: ", "), "activity": l("activity_" + band.key)]
        }
    }
}
