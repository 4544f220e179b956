import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

/// The daily register for a class, on the web (no JavaScript): one row per learner, present by
/// default, for today or a school day up to a week back. Teachers take their own classes' registers,
/// head teachers any class of the school. Each save is a batch with history (docs/feedback.md).
struct RegisterPage {
    let services: Services
    static let editableDays = 7

    func register(on router: Router<AppContext>) {
        router.get("/register") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            let q = request.uri.queryParameters
            return try await page(session, classKey: q.get("class"), day: q.get("date").flatMap { Day(iso: $0) }, notice: q.get("done"))
        }
        router.post("/register") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            return try await save(request, context, session)
        }
    }

    struct Class { var grade: Int; var section: String; var key: String { "\(grade)-\(section)" } }

    /// The classes the reader may take a register for, and the school.
    func classes(_ session: SessionRecord) async throws -> (school: OrgUnit, classes: [Class], yearID: Int) {
        guard session.user.role.seesLearnerNames else {
            throw HTTPError(.forbidden, message: "Registers are taken at the school, by its teachers and head teacher.")
        }
        let scope = try await services.access.scope(for: session.user)
        guard let year = try await services.store.latestYearID() else { throw HTTPError(.notFound, message: "No school year is loaded yet.") }
        let schoolID = session.user.role == .teacher ? (scope.classes.first?.schoolID.rawValue ?? scope.orgUnitID.rawValue) : scope.orgUnitID.rawValue
        let school = try await services.access.unit(OrgUnitID(schoolID), in: scope)
        if session.user.role == .teacher { return (school, scope.classes.map { Class(grade: $0.grade, section: $0.section) }, year) }
        let roster = try await services.store.learnerRoster(schoolID: SchoolID(school.id.rawValue), yearID: year)
        var seen = Set<String>(), out: [Class] = []
        for e in roster where seen.insert("\(e.grade)-\(e.section)").inserted { out.append(Class(grade: e.grade, section: e.section)) }
        return (school, out, year)
    }

    /// School days a register may be taken for: up to `editableDays` back from today, in term,
    /// not weekends or holidays. nil when `day` is not one of them.
    func allowedDays(yearID: Int) async throws -> [Day] {
        guard let year = try await services.store.calendar().first(where: { $0.id == yearID }) else { return [] }
        let today = services.today
        let window = Set((0...Self.editableDays).map { today.adding(days: -$0) })
        return year.schoolDays.filter { window.contains($0) }
    }

    func page(_ session: SessionRecord, classKey: String?, day: Day?, notice: String?) async throws -> Response {
        let l = services.pages.localizer(session.user.language)
        let (school, classes, year) = try await classes(session)
        var ctx = WebRoutes.frame(session, scopeName: school.name, title: l("nav_register"), nav: "register")
        guard let chosen = classes.first(where: { $0.key == classKey }) ?? classes.first else {
            ctx["empty"] = l("register_no_class")
            return services.pages.render("register", ctx)
        }
        ctx["classes"] = classes.map { ["key": $0.key, "label": l("class_label", ["grade": String($0.grade), "section": $0.section]), "current": $0.key == chosen.key] }
        let days = try await allowedDays(yearID: year)
        ctx["days"] = days.reversed().map { ["iso": $0.iso, "label": "\(l("weekday_\($0.weekday)")) \($0.iso)", "selected": $0 == (day ?? days.last)] }
        guard let target = day ?? days.last, days.contains(target) else {
            ctx["empty"] = days.isEmpty ? l("register_no_day") : l("register_day_outside", ["days": String(Self.editableDays)])
            return services.pages.render("register", ctx)
        }
        let roster = try await services.store.learnerRoster(schoolID: SchoolID(school.id.rawValue), yearID: year)
            .filter { $0.status.isActive && $0.grade == chosen.grade && $0.section == chosen.section }
        let stored = try await services.store.marks(schoolID: SchoolID(school.id.rawValue), day: target, learners: roster.map(\.learnerID))
        ctx["classKey"] = chosen.key
        ctx["date"] = target.iso
        ctx["heading"] = l("register_heading", ["class": l("class_label", ["grade": String(chosen.grade), "section": chosen.section]),
                                                "day": "\(l("weekday_\(target.weekday)")) \(target.iso)"])
        ctx["already"] = stored.isEmpty ? l("register_new") : l("register_taken", ["count": String(stored.count)])
        ctx["learners"] = roster.map { e -> [String: Any] in
            let mark = stored[e.learnerID] ?? .present
            return ["id": String(e.learnerID.rawValue), "name": "\(e.givenName) \(e.familyName)",
                    "marks": AttendanceMark.allCases.map { ["value": $0.rawValue, "label": l("mark_" + $0.rawValue), "checked": $0 == mark, "id": String(e.learnerID.rawValue)] }]
        }
        if let notice, let n = Int(notice) { ctx["notice"] = l("register_saved", ["count": String(n)]) }
        return services.pages.render("register", ctx)
    }

    func save(_ request: Request, _ context: AppContext, _ session: SessionRecord) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 256 * 1024)
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if kv.count == 2 { fields[kv[0]] = kv[1] }
        }
        guard let sent = fields["csrf"], Tokens.constantTimeEqual(sent, session.csrfToken) else {
            throw HTTPError(.forbidden, message: "The register form had expired; reload the page and take the register again.")
        }
        let (school, classes, year) = try await classes(session)
        guard let key = fields["class"], let chosen = classes.first(where: { $0.key == key }) else {
            throw HTTPError(.forbidden, message: "You can take registers only for your own classes.")
        }
        guard let day = fields["date"].flatMap({ Day(iso: $0) }), try await allowedDays(yearID: year).contains(day) else {
            throw HTTPError(.badRequest, message: "Registers can be taken for school days of the last \(Self.editableDays) days only; choose one of them.")
        }
        let roster = try await services.store.learnerRoster(schoolID: SchoolID(school.id.rawValue), yearID: year)
            .filter { $0.status.isActive && $0.grade == chosen.grade && $0.section == chosen.section }
        var marks: [DayMark] = []
        for e in roster {
            guard let text = fields["mark-\(e.learnerID.rawValue)"] else { continue }
            guard let mark = AttendanceMark(rawValue: text) else {
                throw HTTPError(.badRequest, message: "Each learner's mark must be present, absent, late or excused.")
            }
            marks.append(DayMark(learnerID: e.learnerID, day: day, mark: mark))
        }
        do {
            try await services.store.recordMarks(schoolID: SchoolID(school.id.rawValue), marks: marks, user: session.user.username, source: "web-register")
        } catch let e as StoreError where e.code == .locked {
            throw HTTPError(.conflict, message: e.message)
        }
        var response = Response.redirect(to: "/register?class=\(chosen.key)&date=\(day.iso)&done=\(marks.count)", type: .found)
        response.status = .seeOther
        return response
    }
}

extension Templates {
    static let register = """
    <h1>{{t.nav_register}}</h1>
    {{#notice}}<p class="notice" role="status" data-notice="register">{{notice}}</p>{{/notice}}
    {{#has_classes}}<nav aria-label="{{t.classes}}" class="classes">{{#classes}}{{#current}}<strong aria-current="page">{{label}}</strong>{{/current}}{{^current}}<a href="/register?class={{key}}">{{label}}</a>{{/current}} {{/classes}}</nav>{{/has_classes}}
    {{#empty}}<p data-empty="register">{{empty}}</p>{{/empty}}
    {{#has_days}}<form method="get" action="/register" class="noprint"><input type="hidden" name="class" value="{{classKey}}"><label for="date">{{t.register_day}}</label>
    <select id="date" name="date">{{#days}}<option value="{{iso}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/days}}</select> <button type="submit">{{t.register_open}}</button></form>{{/has_days}}
    {{#has_learners}}<h2>{{heading}}</h2><p class="note">{{already}} {{t.register_help}}</p>
    <form method="post" action="/register" data-form="register"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="class" value="{{classKey}}"><input type="hidden" name="date" value="{{date}}">
    <table data-table="register"><thead><tr><th>{{t.col_learner}}</th><th>{{t.col_mark}}</th></tr></thead><tbody>
    {{#learners}}<tr data-learner="{{id}}"><td class="learner-name">{{name}}</td><td><fieldset class="marks"><legend class="skip">{{name}}</legend>{{#marks}}<label><input type="radio" name="mark-{{id}}" value="{{value}}"{{#checked}} checked{{/checked}}> {{label}}</label>{{/marks}}</fieldset></td></tr>
    {{/learners}}</tbody></table>
    <p><button type="submit" data-action="save-register">{{t.register_save}}</button></p></form>{{/has_learners}}
    """
}
