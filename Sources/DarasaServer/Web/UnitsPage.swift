import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

/// Drill-down for officers and the ministry: a unit's areas (or schools) with their figures,
/// one level at a time — district → zone → school — each school linking to its report card.
struct UnitsPage {
    let services: Services

    func register(on router: Router<AppContext>) {
        router.get("/units") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            return try await page(session, unitParameter: request.uri.queryParameters.get("unit", as: Int64.self))
        }
    }

    func page(_ session: SessionRecord, unitParameter: Int64?) async throws -> Response {
        let l = services.pages.localizer(session.user.language)
        guard !session.user.role.seesLearnerNames else {
            throw HTTPError(.forbidden, message: "Drill-down is for officers and the ministry; your school's figures are on your home page and report card.")
        }
        let scope = try await services.access.scope(for: session.user)
        let unit = try await services.access.unit(unitParameter.map { OrgUnitID($0) } ?? scope.orgUnitID, in: scope)
        guard let year = try await services.store.latestYearID() else { throw HTTPError(.notFound, message: "No school year is loaded yet.") }
        var ctx = WebRoutes.frame(session, scopeName: unit.name, title: unit.name, nav: "units")
        ctx["unitName"] = unit.name
        // Breadcrumb: the unit's ancestors the reader may open.
        var crumbs: [[String: String]] = []
        for depth in 0..<unit.depth {
            guard let id = try await services.store.ancestor(of: unit, depth: depth), let u = try await services.store.orgUnit(id: id), scope.covers(path: u.path) else { continue }
            crumbs.append(["id": String(u.id.rawValue), "name": u.name])
        }
        ctx["crumbs"] = crumbs
        let children = try await services.store.children(of: unit.id).filter { scope.covers(path: $0.path) }
        let schools = Set(try await services.store.schoolAttributes().keys)
        let figures = try await services.store.schoolFigures(under: unit.path, yearID: year)
        let engine = IndicatorEngine(store: services.store, catalogue: services.settings.catalogue).sharingLookups()
        var zero: [String: IndicatorRow] = [:]
        if let d = services.settings.catalogue.named("orf_zero_share"), let depth = children.first?.depth {
            for r in try await engine.table(d, yearID: year, depth: depth, scope: scope, suppress: true).rows { zero[r.unitCode] = r }
        }
        let quality = Dictionary(try await QualityStore.scores(services.store, under: unit).filter { $0.yearID == year }.map { ($0.unitID, $0) },
                                 uniquingKeysWith: { a, _ in a })
        let role = session.user.role
        ctx["children"] = children.map { c -> [String: Any] in
            let f = UnitFigures(unit: c, schools: figures.filter { c.contains(path: $0.path) })
            let z = zero[c.code]
            return ["id": String(c.id.rawValue), "name": c.name, "code": c.code, "isSchool": schools.contains(c.id.rawValue),
                    "schools": l.count(f.schools.count), "enrolment": l.count(f.enrolment),
                    "attendance": WebRoutes.rate(f.attendanceRate, base: f.learnersWithAttendance, role: role, l),
                    "zero": z?.value.map { l.percent($0) } ?? (z?.withheld == "small_cell" || z?.withheld == "complementary" ? l("withheld_small") : "—"),
                    "ptr": l.ratio(f.pupilTeacherRatio), "quality": l.percent(quality[c.id.rawValue]?.overall)]
        }
        let levels = try await services.store.orgLevels()
        let childLevel = levels.first { $0.depth == unit.depth + 1 }?.name ?? "area"
        ctx["childLevel"] = l("level_" + childLevel)
        ctx["narrative"] = l("units_narrative", ["count": String(children.count), "level": l("level_" + childLevel), "unit": unit.name])
        return services.pages.render("units", ctx)
    }
}

extension Templates {
    static let units = """
    <nav aria-label="{{t.breadcrumb}}" class="note">{{#crumbs}}<a href="/units?unit={{id}}">{{name}}</a> › {{/crumbs}}<strong>{{unitName}}</strong></nav>
    <h1>{{unitName}}</h1>
    <p class="narrative" data-narrative="units">{{narrative}}</p>
    <table data-table="children"><thead><tr><th>{{childLevel}}</th><th class="num">{{t.col_schools}}</th><th class="num">{{t.col_enrolment}}</th><th class="num">{{t.col_attendance}}</th><th class="num">{{t.col_zero_reading}}</th><th class="num">{{t.col_ptr}}</th><th class="num">{{t.col_quality}}</th></tr></thead>
    <tbody>{{#children}}<tr data-unit="{{code}}"><td>{{#isSchool}}<a href="/report-card?school={{id}}">{{name}}</a>{{/isSchool}}{{^isSchool}}<a href="/units?unit={{id}}">{{name}}</a>{{/isSchool}}</td><td class="num">{{schools}}</td><td class="num">{{enrolment}}</td><td class="num">{{attendance}}</td><td class="num">{{zero}}</td><td class="num">{{ptr}}</td><td class="num">{{quality}}</td></tr>{{/children}}</tbody></table>
    """
}
