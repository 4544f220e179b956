import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

/// The school report card: one A4 page (print stylesheet) a head teacher can pin up or take to
/// a meeting, and an officer can open for any school in their area (figures on fewer than 10
/// learners withheld beyond the school; no names anywhere on it).
struct ReportCardPage {
    let services: Services

    func register(on router: Router<AppContext>) {
        router.get("/report-card") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            return try await page(session, schoolParameter: request.uri.queryParameters.get("school", as: Int64.self))
        }
    }

    func page(_ session: SessionRecord, schoolParameter: Int64?) async throws -> Response {
        let l = services.pages.localizer(session.user.language)
        let scope = try await services.access.scope(for: session.user)
        let role = session.user.role
        let schoolID: OrgUnitID
        if let schoolParameter { schoolID = OrgUnitID(schoolParameter) } else if role.seesLearnerNames { schoolID = scope.orgUnitID } else {
            throw HTTPError(.badRequest, message: "Choose a school: /report-card?school=ID (the ranked list on your home page links to each).")
        }
        let school = try await services.access.unit(schoolID, in: scope)
        guard try await services.store.schoolAttributes()[school.id.rawValue] != nil else {
            throw HTTPError(.notFound, message: "No such school in your area.")
        }
        guard let year = try await services.store.latestYearID() else { throw HTTPError(.notFound, message: "No school year is loaded yet.") }
        let card = try await ReportCard.load(store: services.store, school: school, yearID: year, suppress: role.needsSmallCellSuppression,
                                             catalogue: services.settings.catalogue)
        var ctx = WebRoutes.frame(session, scopeName: school.name, title: l("report_card_title", ["school": school.name]), nav: "report")
        ctx["school"] = school.name
        ctx["code"] = school.code
        ctx["district"] = card.district?.name ?? ""
        ctx["yearName"] = card.yearName
        func shown(_ r: IndicatorRow?, _ unit: IndicatorDefinition.Unit = .share) -> String {
            guard let r else { return l("no_data") }
            guard let v = r.value else { return r.withheld == "no_data" ? l("no_data") : l("withheld_small") }
            switch unit {
            case .count: return l.count(Int(v))
            case .mean: return l.decimal(v)
            case .ratio: return l.ratio(v)
            case .share: return l.percent(v)
            }
        }
        let enrolmentTotal = card.enrolmentByGrade.reduce(0) { $0 + $1.girls + $1.boys }
        ctx["enrolmentRows"] = card.enrolmentByGrade.map { ["grade": String($0.grade), "girls": l.count($0.girls), "boys": l.count($0.boys), "total": l.count($0.girls + $0.boys)] }
        ctx["enrolmentTotal"] = l.count(enrolmentTotal)
        ctx["girlsTotal"] = l.count(card.enrolmentByGrade.reduce(0) { $0 + $1.girls })
        ctx["boysTotal"] = l.count(card.enrolmentByGrade.reduce(0) { $0 + $1.boys })
        let yearNames = Dictionary(uniqueKeysWithValues: try await services.store.academicYears().map { ($0.id, $0.name) })
        func trend(_ id: String, share: Bool, format: @escaping (Double) -> String) -> String {
            let points = (card.trends[id] ?? []).map { (label: yearNames[$0.yearID] ?? String($0.yearID), value: $0.value) }
            return Charts.sparkline(points, share: share, format: format, title: l("trend_of", ["what": l("headline_" + id)]))
        }
        ctx["headlines"] = [
            ["key": "enrolment", "label": l("headline_enrolment"), "value": shown(card.enrolment, .count), "trend": trend("enrolment", share: false) { l.count(Int($0)) }],
            ["key": "attendance", "label": l("headline_attendance_rate"), "value": shown(card.attendance), "trend": trend("attendance_rate", share: true) { l.wholePercent($0) }],
            ["key": "chronic", "label": l("headline_chronic_absence_rate"), "value": shown(card.chronicAbsence), "trend": trend("chronic_absence_rate", share: true) { l.wholePercent($0) }],
            ["key": "reading-zero", "label": l("headline_orf_zero_share"), "value": shown(card.learning.first { $0.indicator.id == "orf_zero_share" }?.school),
             "trend": trend("orf_zero_share", share: true) { l.wholePercent($0) }],
            ["key": "teacher-attendance", "label": l("headline_teacher_attendance"), "value": shown(card.teacherAttendance), "trend": ""],
        ]
        func value(_ v: Double?, _ unit: IndicatorDefinition.Unit) -> String {
            guard let v else { return "—" }
            return unit == .mean ? l.decimal(v) : l.percent(v)
        }
        ctx["learning"] = card.learning.map { c -> [String: String] in
            ["label": l("learning_" + c.indicator.id), "school": shown(c.school, c.indicator.unit), "district": value(c.district, c.indicator.unit),
             "country": value(c.country, c.indicator.unit), "last": value(c.lastRound, c.indicator.unit)]
        }
        let round = card.learning.first?.round, previous = card.learning.first?.previousRound
        func roundName(_ p: Int?) -> String { p.map { "\(l.month($0 % 100)) \($0 / 100)" } ?? "—" }
        ctx["roundNote"] = l("round_note", ["round": roundName(round), "previous": roundName(previous)])
        ctx["todo"] = card.todo.map { f -> [String: String] in
            ["title": l("check_" + f.check.rawValue), "detail": f.message, "period": f.period]
        }
        ctx["openFindings"] = l.count(card.openFindings)
        ctx["visits"] = card.visits.map { v -> [String: String] in
            let scores = v.rubric.values
            let mean = scores.isEmpty ? nil : Double(scores.reduce(0, +)) / Double(scores.count)
            return ["day": v.date.iso, "purpose": l("purpose_" + v.purpose.rawValue), "visitor": v.visitor, "rubric": mean.map { l.decimal($0) + " / 4" } ?? "—"]
        }
        ctx["followUps"] = card.followUps.prefix(4).map { ["action": $0.action, "due": $0.due?.iso ?? "—"] }
        ctx["narrative"] = narrative(card, l)
        ctx["printNote"] = l("report_card_print")
        return services.pages.render("reportCard", ctx)
    }

    /// "3 in 10 Grade 2–3 learners could not read a single word in October, down from 4 in 10 in March."
    func narrative(_ card: ReportCard, _ l: Localizer) -> String {
        var parts: [String] = []
        if let r = card.enrolment?.value { parts.append(l("card_narrative_enrolment", ["count": l.count(Int(r)), "school": card.school.name])) }
        if let a = card.attendance?.value { parts.append(l("card_narrative_attendance", ["share": l.percent(a)])) }
        if let zero = card.learning.first(where: { $0.indicator.id == "orf_zero_share" }), let now = zero.school?.value {
            if let before = zero.lastRound, let round = zero.round, let previous = zero.previousRound {
                let direction = now < before ? "down" : now > before ? "up" : "same"
                // "1 in 10, down from 1 in 10" says nothing: say percentages when the tenths agree.
                let sameTenths = l.inTen(now) == l.inTen(before)
                parts.append(l("card_narrative_reading_change_" + direction,
                               ["now": sameTenths ? l.percent(now) : l.inTen(now), "month": l.month(round % 100),
                                "before": sameTenths ? l.percent(before) : l.inTen(before), "previous": l.month(previous % 100)]))
            } else {
                parts.append(l("card_narrative_reading", ["now": l.inTen(now)]))
            }
            if let d = zero.district { parts.append(l("card_narrative_reading_district", ["district": l.inTen(d)])) }
        }
        if card.openFindings > 0 { parts.append(l("card_narrative_todo", ["count": l.count(card.openFindings)])) }
        return parts.joined(separator: " ")
    }
}

extension Templates {
    static let reportCard = """
    <h1>{{t.report_card}}: {{school}} <span class="note">({{code}}{{#district}}, {{district}}{{/district}} · {{yearName}})</span></h1>
    <p class="noprint note">{{printNote}}</p>
    <p class="narrative" data-narrative="report-card">{{narrative}}</p>
    <section class="metrics" aria-label="{{t.headline_figures}}">{{#headlines}}<div class="metric"><div class="label">{{label}}</div><div class="value" data-metric="{{key}}">{{value}}</div>{{{trend}}}</div>{{/headlines}}</section>
    <div class="cols">
    <section><h2>{{t.enrolment_by_grade}}</h2>
    <table data-table="enrolment-by-grade"><thead><tr><th>{{t.col_grade}}</th><th class="num">{{t.col_girls_count}}</th><th class="num">{{t.col_boys_count}}</th><th class="num">{{t.col_total}}</th></tr></thead>
    <tbody>{{#enrolmentRows}}<tr><td>{{grade}}</td><td class="num">{{girls}}</td><td class="num">{{boys}}</td><td class="num">{{total}}</td></tr>{{/enrolmentRows}}
    <tr><th>{{t.col_total}}</th><th class="num">{{girlsTotal}}</th><th class="num">{{boysTotal}}</th><th class="num">{{enrolmentTotal}}</th></tr></tbody></table></section>
    <section><h2>{{t.learning_results}}</h2>
    <table data-table="learning"><thead><tr><th></th><th class="num">{{t.col_this_school}}</th><th class="num">{{t.col_last_round}}</th><th class="num">{{t.col_district}}</th><th class="num">{{t.col_country}}</th></tr></thead>
    <tbody>{{#learning}}<tr><td>{{label}}</td><td class="num">{{school}}</td><td class="num">{{last}}</td><td class="num">{{district}}</td><td class="num">{{country}}</td></tr>{{/learning}}</tbody></table>
    <p class="note">{{roundNote}}</p></section>
    <section><h2>{{t.todo_heading}} ({{openFindings}})</h2>
    {{#has_todo}}<ol data-list="card-todo">{{#todo}}<li><strong>{{title}}</strong> <span class="note">({{period}}) {{detail}}</span></li>{{/todo}}</ol>{{/has_todo}}
    {{^has_todo}}<p>{{t.todo_none}}</p>{{/has_todo}}</section>
    <section><h2>{{t.visits_heading}}</h2>
    {{#has_visits}}<table data-table="visits"><thead><tr><th>{{t.col_day}}</th><th>{{t.col_purpose}}</th><th>{{t.col_visitor}}</th><th class="num">{{t.col_rubric}}</th></tr></thead>
    <tbody>{{#visits}}<tr><td>{{day}}</td><td>{{purpose}}</td><td>{{visitor}}</td><td class="num">{{rubric}}</td></tr>{{/visits}}</tbody></table>{{/has_visits}}
    {{^has_visits}}<p>{{t.visits_none}}</p>{{/has_visits}}
    {{#has_followUps}}<h3>{{t.followups_due}}</h3><ul data-list="followups">{{#followUps}}<li>{{action}} — {{t.due}} {{due}}</li>{{/followUps}}</ul>{{/has_followUps}}</section>
    </div>
    <p class="note">{{t.card_footnote}}</p>
    """
}
