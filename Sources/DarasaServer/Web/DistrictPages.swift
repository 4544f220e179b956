import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

/// The middle tier: schools ranked by need with their reasons, a map, submission timeliness,
/// drill-down, and a coaching-visit planner that builds the next weeks from the ranking.
struct DistrictPages {
    let services: Services

    struct PlanForm: Decodable {
        var csrf: String?
        var action: String?
        var weeks: Int?
        var perWeek: Int?
        var start: String?
        var visit: Int64?
    }

    func register(on router: Router<AppContext>) {
        router.get("/plan") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            let q = request.uri.queryParameters
            return try await plan(session, weeks: q.get("weeks", as: Int.self) ?? 4, perWeek: q.get("perWeek", as: Int.self) ?? 5,
                                  start: q.get("start").flatMap { Day(iso: $0) }, notice: q.get("done"))
        }
        router.post("/plan") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            let form = try await readForm(PlanForm.self, request, context: context)
            guard let sent = form.csrf, Tokens.constantTimeEqual(sent, session.csrfToken) else {
                throw HTTPError(.forbidden, message: "The form had expired; reload the page and try again.")
            }
            try requireOfficer(session)
            let scope = try await services.access.scope(for: session.user)
            var done = "saved"
            switch form.action {
            case "record":
                let weeks = try bounded(form.weeks, 1...12, "weeks"), perWeek = try bounded(form.perWeek, 1...15, "visits per week")
                let proposal = try await propose(scope: scope, weeks: weeks, perWeek: perWeek, start: form.start.flatMap { Day(iso: $0) })
                try await services.store.planVisits(proposal.map { ($0.need.schoolID, $0.day, $0.need.reasons.map(\.kind.rawValue).joined(separator: ",")) },
                                                    officer: session.user.username)
            case "cancel":
                guard let id = form.visit, try await services.store.cancelPlannedVisit(id: id, under: scope.orgPath, officer: session.user.username) else {
                    throw HTTPError(.notFound, message: "No such planned visit in your area.")
                }
                done = "cancelled"
            default:
                throw HTTPError(.badRequest, message: "The plan form's action must be record or cancel.")
            }
            var response = Response.redirect(to: "/plan?done=\(done)", type: .found)
            response.status = .seeOther
            return response
        }
    }

    func requireOfficer(_ session: SessionRecord) throws {
        guard session.user.role == .districtOfficer else {
            throw HTTPError(.forbidden, message: "Coaching visits are planned by district officers for their schools.")
        }
    }

    func bounded(_ value: Int?, _ range: ClosedRange<Int>, _ name: String) throws -> Int {
        guard let value, range.contains(value) else {
            throw HTTPError(.badRequest, message: "Give \(name) as a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }

    /// The ranking of the officer's schools (latest year).
    func needs(scope: AccessScope) async throws -> (OrgUnit, [SchoolNeed])? {
        guard let unit = try await services.store.orgUnit(id: scope.orgUnitID), let year = try await services.store.latestYearID() else { return nil }
        return (unit, try await SchoolNeeds.rank(store: services.store, area: unit, yearID: year, catalogue: services.settings.catalogue, today: services.today))
    }

    /// The schools to visit from `start` (default: next Monday), most in need first, skipping
    /// schools already planned in the window or visited in the last 30 days; `perWeek` visits a
    /// week, one school a day, Monday to Friday.
    func propose(scope: AccessScope, weeks: Int, perWeek: Int, start: Day?) async throws -> [(need: SchoolNeed, day: Day)] {
        guard let (_, ranked) = try await needs(scope: scope) else { return [] }
        let today = services.today
        var monday = start ?? today.adding(days: 1)
        while monday.weekday != 1 { monday = monday.adding(days: 1) }
        let planned = Set(try await services.store.plannedVisits(under: scope.orgPath, from: monday).map(\.schoolID))
        let candidates = ranked.filter { !planned.contains($0.schoolID) && ($0.lastVisit.map { today - $0 > 30 } ?? true) }
        var out: [(SchoolNeed, Day)] = []
        var next = candidates.makeIterator()
        for week in 0..<weeks {
            for visit in 0..<perWeek {
                guard let school = next.next() else { return out }
                out.append((school, monday.adding(days: week * 7 + visit % 5)))
            }
        }
        return out
    }

    /// A reason in the reader's words, with its numbers.
    static func reasonText(_ r: NeedReason, _ l: Localizer) -> String {
        switch r.kind {
        case .reading: l("reason_reading", ["share": l.percent(r.value), "area": l.percent(r.reference)])
        case .attendance: l("reason_attendance", ["share": l.percent(r.value), "area": l.percent(r.reference)])
        case .chronicAbsence: l("reason_chronic", ["share": l.percent(r.value), "area": l.percent(r.reference)])
        case .genderGap: l("reason_gender_gap", ["index": l.decimal(r.value, places: 2)])
        case .dataQuality: l("reason_data_quality", ["count": l.count(Int(r.value ?? 0))])
        case .noVisit: r.value.map { l("reason_no_visit_days", ["days": l.count(Int($0))]) } ?? l("reason_never_visited")
        }
    }

    /// The district officer's home: the ranking, the map and timeliness.
    func district(_ ctx: inout [String: Any], _ model: ScopeSummary, yearID: Int, engine: IndicatorEngine? = nil, _ l: Localizer) async throws {
        let ranked = try await SchoolNeeds.rank(store: services.store, area: model.unit, yearID: yearID, catalogue: services.settings.catalogue,
                                                engine: engine, figures: model.schools, today: services.today)
        ctx["unitID"] = String(model.unit.id.rawValue)
        ctx["needsHeading"] = l("needs_heading", ["area": model.unit.name])
        ctx["needs"] = ranked.enumerated().map { i, s -> [String: Any] in
            ["rank": String(i + 1), "id": String(s.schoolID), "code": s.code, "name": s.name, "locality": s.locality.map { l("locality_" + $0) } ?? "",
             "score": String(s.score), "lastVisit": s.lastVisit?.iso ?? l("never"),
             "reasons": s.reasons.map { ["kind": $0.kind.rawValue, "text": Self.reasonText($0, l)] }]
        }
        ctx["map"] = Charts.needMap(ranked, l) as Any
        // Timeliness of the latest year's submissions: the census on time, register months received.
        let counts = try await QualityStore.counts(services.store, under: model.unit.path, yearID: yearID,
                                                   checks: [.censusOnTime, .censusReceived, .registersReceived],
                                                   status: [.open, .confirmed, .dismissed, .corrected])
        ctx["timeliness"] = model.schools.map { s -> [String: String] in
            let found = counts[s.schoolID.rawValue] ?? [:]
            let census = found[.censusReceived] != nil ? l("census_missing") : found[.censusOnTime] != nil ? l("census_late") : l("census_on_time")
            let months = found[.registersReceived] ?? 0
            return ["name": s.name, "census": census, "registers": months == 0 ? l("registers_all") : l("registers_missing", ["count": String(months)])]
        }
    }

    func plan(_ session: SessionRecord, weeks: Int, perWeek: Int, start: Day?, notice: String?) async throws -> Response {
        let l = services.pages.localizer(session.user.language)
        try requireOfficer(session)
        let scope = try await services.access.scope(for: session.user)
        let unit = try await services.access.unit(scope.orgUnitID, in: scope)
        var ctx = WebRoutes.frame(session, scopeName: unit.name, title: l("nav_plan"), nav: "plan")
        let weeks = min(12, max(1, weeks)), perWeek = min(15, max(1, perWeek))
        ctx["weeks"] = String(weeks)
        ctx["perWeek"] = String(perWeek)
        if let notice, ["saved", "cancelled"].contains(notice) { ctx["notice"] = l("plan_" + notice) }
        let proposal = try await propose(scope: scope, weeks: weeks, perWeek: perWeek, start: start)
        ctx["start"] = proposal.first?.day.iso ?? ""
        ctx["proposal"] = proposal.map { p -> [String: Any] in
            ["day": p.day.iso, "weekday": l("weekday_\(p.day.weekday)"), "name": p.need.name, "score": String(p.need.score),
             "reasons": p.need.reasons.map { ["text": Self.reasonText($0, l)] }]
        }
        ctx["narrative"] = l("plan_narrative", ["count": String(proposal.count), "weeks": String(weeks)])
        ctx["planned"] = try await services.store.plannedVisits(under: scope.orgPath, from: services.today).map { v -> [String: Any] in
            ["id": String(v.id), "day": v.plannedOn.iso, "name": v.schoolName, "officer": v.officer,
             "status": v.visitedOn.map { l("plan_kept", ["day": $0.iso]) } ?? (v.plannedOn < services.today ? l("plan_overdue") : l("plan_upcoming"))]
        }
        return services.pages.render("plan", ctx)
    }
}

extension Templates {
    static let plan = """
    <h1>{{t.plan_heading}}</h1>
    {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
    <p class="narrative" data-narrative="plan">{{narrative}}</p>
    <form method="get" action="/plan" class="noprint"><label for="weeks">{{t.plan_weeks}}</label><input id="weeks" name="weeks" type="number" min="1" max="12" value="{{weeks}}">
    <label for="perWeek">{{t.plan_per_week}}</label><input id="perWeek" name="perWeek" type="number" min="1" max="15" value="{{perWeek}}">
    <p><button type="submit">{{t.plan_rebuild}}</button></p></form>
    {{#has_proposal}}<h2>{{t.plan_proposal}}</h2>
    <table data-table="proposal"><thead><tr><th>{{t.col_day}}</th><th>{{t.col_school}}</th><th class="num">{{t.col_need}}</th><th>{{t.col_reasons}}</th></tr></thead>
    <tbody>{{#proposal}}<tr><td>{{weekday}} {{day}}</td><td>{{name}}</td><td class="num">{{score}}</td><td>{{#reasons}}<span class="reason">{{text}}</span>{{/reasons}}</td></tr>{{/proposal}}</tbody></table>
    <form method="post" action="/plan"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="record">
    <input type="hidden" name="weeks" value="{{weeks}}"><input type="hidden" name="perWeek" value="{{perWeek}}"><input type="hidden" name="start" value="{{start}}">
    <button type="submit" data-action="record-plan">{{t.plan_record}}</button></form>{{/has_proposal}}
    {{^has_proposal}}<p data-empty="proposal">{{t.plan_nothing}}</p>{{/has_proposal}}
    <h2>{{t.plan_planned}}</h2>
    {{#has_planned}}<table data-table="planned"><thead><tr><th>{{t.col_day}}</th><th>{{t.col_school}}</th><th>{{t.col_status}}</th><th></th></tr></thead>
    <tbody>{{#planned}}<tr data-planned="{{id}}"><td>{{day}}</td><td>{{name}}</td><td>{{status}}</td><td><form class="inline" method="post" action="/plan"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="cancel"><input type="hidden" name="visit" value="{{id}}"><button type="submit" data-action="cancel-visit">{{t.plan_cancel}}</button></form></td></tr>{{/planned}}</tbody></table>{{/has_planned}}
    {{^has_planned}}<p>{{t.plan_none_yet}}</p>{{/has_planned}}
    """
}
