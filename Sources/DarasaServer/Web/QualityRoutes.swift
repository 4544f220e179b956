import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

/// Data quality for each tier: the head teacher's to-do list for the school (plainest first,
/// with learners' names — they stay at the school), the officer's schools worst first, the
/// scorecard with its trend, resolutions and sign-off; the same as API and CSV/XLSX.
/// Teachers do not see this (the head teacher answers for the school's data).
struct QualityRoutes {
    let services: Services

    struct ResolveForm: Decodable {
        var csrf: String?
        var action: String?
        var value: String?
        var reason: String?
    }

    struct SignOffForm: Decodable {
        var csrf: String?
        var action: String?
        var domain: String?
        var year: Int?
        var reason: String?
    }

    struct ResolveBody: Decodable {
        var action: String
        var value: String?
        var reason: String?
    }

    struct SignOffBody: Decodable {
        var action: String
        var domain: String
        var year: Int
        var reason: String?
    }

    func requireQualityRole(_ session: SessionRecord) throws {
        guard session.user.role != .teacher else {
            throw HTTPError(.forbidden, message: "Data quality is for head teachers and officers; ask your head teacher.")
        }
    }

    /// The unit a request is about: `unit` (an org-unit id) if given and in scope, else the caller's anchor.
    func unit(_ raw: String?, _ scope: AccessScope) async throws -> OrgUnit {
        if let raw {
            guard let id = Int64(raw) else { throw HTTPError(.badRequest, message: "unit must be an org-unit id (a whole number).") }
            guard let u = try await services.store.orgUnit(id: OrgUnitID(id)), scope.covers(path: u.path) else {
                throw HTTPError(.notFound, message: "No such org unit in your area.")
            }
            return u
        }
        guard let u = try await services.store.orgUnit(id: scope.orgUnitID) else { throw HTTPError(.notFound, message: "Your org unit no longer exists.") }
        return u
    }

    /// `domain=census|enrolment|attendance|assessment|teachers`: scores for one source only.
    func domain(_ request: Request) throws -> QualityDomain? {
        guard let raw = request.uri.queryParameters.get("domain") else { return nil }
        guard let d = QualityDomain(rawValue: raw) else {
            throw HTTPError(.badRequest, message: "domain must be one of \(QualityDomain.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return d
    }

    func register(api: RouterGroup<AppContext>, web: Router<AppContext>) {
        // API
        api.get("quality/scores") { request, context in
            let session = try context.requireSession()
            try requireQualityRole(session)
            let scope = try await services.access.scope(for: session.user)
            let u = try await unit(request.uri.queryParameters.get("unit"), scope)
            let scores = try await QualityStore.scores(services.store, under: u, domain: try domain(request))
            return ScoresDTO(unit: u.name, items: scores.map(ScoreDTO.init))
        }
        api.get("quality/findings") { request, context in
            let session = try context.requireSession()
            try requireQualityRole(session)
            let scope = try await services.access.scope(for: session.user)
            let u = try await unit(request.uri.queryParameters.get("unit"), scope)
            let status = try request.uri.queryParameters.get("status").map { raw -> [FindingStatus] in
                guard let s = FindingStatus(rawValue: raw) else { throw HTTPError(.badRequest, message: "status must be one of \(FindingStatus.allCases.map(\.rawValue).joined(separator: ", ")).") }
                return [s]
            } ?? [.open]
            let list = try await QualityStore.findings(services.store, under: u.path, status: status, limit: 1000)
            return FindingsDTO(items: list.map(FindingDTO.init))
        }
        api.get("quality/findings/:id") { _, context in
            let session = try context.requireSession()
            try requireQualityRole(session)
            guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.badRequest, message: "The id must be a whole number.") }
            let scope = try await services.access.scope(for: session.user)
            guard let (finding, path) = try await QualityStore.finding(services.store, id: id), scope.covers(path: path) else {
                throw HTTPError(.notFound, message: "No such finding in your area.")
            }
            return FindingDTO(finding)
        }
        api.post("quality/findings/:id") { request, context in
            let session = try context.requireSession()
            try requireQualityRole(session)
            guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.badRequest, message: "The id must be a whole number.") }
            let body: ResolveBody
            do { body = try await request.decode(as: ResolveBody.self, context: context) } catch {
                throw HTTPError(.badRequest, message: "Send JSON with action (corrected, confirmed or dismissed), and value or reason.")
            }
            try await resolve(id: id, action: body.action, value: body.value, reason: body.reason, session: session)
            return FindingDTO(try await QualityStore.finding(services.store, id: id)!.0)
        }
        api.get("quality/todo") { request, context in
            let session = try context.requireSession()
            try requireQualityRole(session)
            let scope = try await services.access.scope(for: session.user)
            let u = try await unit(request.uri.queryParameters.get("school"), scope)
            let findings = try await QualityStore.findings(services.store, under: u.path)
            let text = QualityText.sms(school: u.name, findings: findings).joined(separator: "\n") + "\n"
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        api.get("signoffs") { request, context in
            let session = try context.requireSession()
            try requireQualityRole(session)
            let scope = try await services.access.scope(for: session.user)
            let u = try await unit(request.uri.queryParameters.get("unit"), scope)
            return SignOffsDTO(items: try await SignOff.approvals(services.store, around: u.path).map(SignOffDTO.init))
        }
        api.post("signoffs") { request, context in
            let session = try context.requireSession()
            try requireQualityRole(session)
            let body: SignOffBody
            do { body = try await request.decode(as: SignOffBody.self, context: context) } catch {
                throw HTTPError(.badRequest, message: "Send JSON with action (approve or withdraw), domain, year and, to withdraw, reason.")
            }
            try await signOff(action: body.action, domain: body.domain, year: body.year, reason: body.reason, session: session)
            let scope = try await services.access.scope(for: session.user)
            return SignOffsDTO(items: try await SignOff.approvals(services.store, around: scope.orgPath).map(SignOffDTO.init))
        }

        // Web
        web.get("/quality") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            try requireQualityRole(session)
            return try await page(session, unitRaw: request.uri.queryParameters.get("unit"), notice: request.uri.queryParameters.get("done"), error: nil)
        }
        web.post("/quality/findings/:id") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            let form = try await readForm(ResolveForm.self, request, context: context)
            guard let sent = form.csrf, Tokens.constantTimeEqual(sent, session.csrfToken) else {
                throw HTTPError(.forbidden, message: "The form had expired; reload the page and try again.")
            }
            try requireQualityRole(session)
            guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.badRequest, message: "The id must be a whole number.") }
            do {
                try await resolve(id: id, action: form.action ?? "", value: form.value, reason: form.reason, session: session)
            } catch let e as HTTPError where e.status == .badRequest || e.status == .conflict {
                var r = try await page(session, unitRaw: nil, notice: nil, error: e.body ?? "The finding could not be resolved.")
                r.status = e.status
                return r
            }
            var response = Response.redirect(to: "/quality?done=resolved#todo", type: .found)
            response.status = .seeOther
            return response
        }
        web.post("/quality/signoff") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            let form = try await readForm(SignOffForm.self, request, context: context)
            guard let sent = form.csrf, Tokens.constantTimeEqual(sent, session.csrfToken) else {
                throw HTTPError(.forbidden, message: "The form had expired; reload the page and try again.")
            }
            try requireQualityRole(session)
            do {
                try await signOff(action: form.action ?? "", domain: form.domain ?? "", year: form.year ?? 0, reason: form.reason, session: session)
            } catch let e as HTTPError where e.status == .badRequest || e.status == .conflict {
                var r = try await page(session, unitRaw: nil, notice: nil, error: e.body ?? "The sign-off could not be recorded.")
                r.status = e.status
                return r
            }
            var response = Response.redirect(to: "/quality?done=\(form.action == "approve" ? "approved" : "withdrawn")#signoff", type: .found)
            response.status = .seeOther
            return response
        }
        web.get("/quality/scores.csv") { request, context in try await download(request, context, xlsx: false) }
        web.get("/quality/scores.xlsx") { request, context in try await download(request, context, xlsx: true) }
    }

    func download(_ request: Request, _ context: AppContext, xlsx: Bool) async throws -> Response {
        guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
        try requireQualityRole(session)
        let scope = try await services.access.scope(for: session.user)
        let u = try await unit(request.uri.queryParameters.get("unit"), scope)
        let table = QualityScoreTable(try await QualityStore.scores(services.store, under: u, domain: try domain(request)))
        try await services.store.audit(actor: session.user.username, action: "export.quality_scores", target: u.path, detail: xlsx ? "xlsx" : "csv")
        let name = "data-quality-\(u.code)." + (xlsx ? "xlsx" : "csv")
        let body = xlsx ? ByteBuffer(bytes: try table.xlsx()) : ByteBuffer(string: table.csv())
        return Response(status: .ok, headers: [
            .contentType: xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv; charset=utf-8",
            .contentDisposition: "attachment; filename=\"\(name)\"",
        ], body: .init(byteBuffer: body))
    }

    /// Resolves a finding the caller may act on (a school in their area). Head teachers and
    /// officers may; the finding must be open.
    func resolve(id: Int64, action: String, value: String?, reason: String?, session: SessionRecord) async throws {
        let scope = try await services.access.scope(for: session.user)
        guard let (finding, path) = try await QualityStore.finding(services.store, id: id), scope.covers(path: path) else {
            throw HTTPError(.notFound, message: "No such finding in your area.")
        }
        guard let resolution = QualityStore.Resolution(rawValue: action) else {
            throw HTTPError(.badRequest, message: "The action must be corrected, confirmed or dismissed.")
        }
        guard finding.status == .open else { throw HTTPError(.conflict, message: "The finding is already \(finding.status.rawValue).") }
        do {
            try await QualityStore.resolve(services.store, id: id, as: resolution, value: value, reason: reason, actor: session.user.username)
        } catch let e as StoreError where e.code == .invalid {
            throw HTTPError(.badRequest, message: e.message)
        }
    }

    func signOff(action: String, domain: String, year: Int, reason: String?, session: SessionRecord) async throws {
        guard ["approve", "withdraw"].contains(action) else { throw HTTPError(.badRequest, message: "The action must be approve or withdraw.") }
        guard let d = QualityDomain(rawValue: domain) else {
            throw HTTPError(.badRequest, message: "The domain must be one of \(QualityDomain.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard try await services.store.academicYears().contains(where: { $0.id == year }) else {
            throw HTTPError(.badRequest, message: "\(year) is not a school year in the calendar.")
        }
        let scope = try await services.access.scope(for: session.user)
        guard let u = try await services.store.orgUnit(id: scope.orgUnitID) else { throw HTTPError(.notFound, message: "Your org unit no longer exists.") }
        do {
            try await SignOff.decide(services.store, approve: action == "approve", unit: u, role: session.user.role, actor: session.user.username,
                                     domain: d, yearID: year, reason: reason)
        } catch let e as StoreError where e.code == .forbidden {
            throw HTTPError(.forbidden, message: e.message)
        } catch let e as StoreError where e.code == .invalid {
            throw HTTPError(.badRequest, message: e.message)
        }
    }

    // MARK: Page

    func page(_ session: SessionRecord, unitRaw: String?, notice: String?, error: String?) async throws -> Response {
        let user = session.user
        let scope = try await services.access.scope(for: user)
        let u = try await unit(unitRaw, scope)
        let anchor = try await services.store.orgUnit(id: scope.orgUnitID)
        let l = services.pages.localizer(user.language)
        var ctx = WebRoutes.frame(session, scopeName: anchor?.name ?? "", title: l("nav_quality"), nav: "quality")
        ctx["unitName"] = u.name
        ctx["unitID"] = u.id.rawValue
        if let error { ctx["error"] = error }
        if let notice, ["resolved", "approved", "withdrawn"].contains(notice) { ctx["notice"] = l("quality_notice_" + notice) }
        let isSchool = try await services.store.database.scalarInt("SELECT COUNT(*) FROM schools WHERE id = ?", [.int(u.id.rawValue)]) == 1
        // Scorecard: the unit's own trend, and its schools or sub-units.
        let trend = try await QualityStore.trend(services.store, unit: u)
        ctx["trend"] = trend.map { s -> [String: Any] in
            var row: [String: Any] = ["year": s.yearID, "overall": pct(s.overall, l)]
            for d in QualityDimension.allCases { row[d.rawValue] = pct(s.score(d), l) }
            return row
        }
        if let latest = trend.last {
            ctx["headline"] = QualityDimension.allCases.map { d in
                ["label": l("col_" + d.rawValue), "value": pct(latest.score(d), l), "metric": "quality-\(d.rawValue)",
                 "note": explain(d, latest, l)] as [String: Any]
            }
            ctx["narrative"] = narrative(u, trend, l)
            ctx["latestYear"] = latest.yearID
        }
        // By source: the unit's own scores for each source in the latest year.
        var bySource: [[String: Any]] = []
        for d in QualityDomain.allCases {
            guard let s = try await QualityStore.trend(services.store, unit: u, domain: d).last else { continue }
            var row: [String: Any] = ["source": l("domain_" + d.rawValue), "year": s.yearID, "overall": pct(s.overall, l)]
            for dim in QualityDimension.allCases { row[dim.rawValue] = pct(s.score(dim), l) }
            bySource.append(row)
        }
        ctx["sources"] = bySource
        if !isSchool {
            let scores = try await QualityStore.scores(services.store, under: u)
            let year = scores.map(\.yearID).max()
            ctx["units"] = scores.filter { $0.yearID == year }.sorted { ($0.overall ?? 2, $0.unitName) < ($1.overall ?? 2, $1.unitName) }.map { s -> [String: Any] in
                var row: [String: Any] = ["id": s.unitID, "name": s.unitName, "overall": pct(s.overall, l), "open": s.openFindings]
                for d in QualityDimension.allCases { row[d.rawValue] = pct(s.score(d), l) }
                return row
            }
            ctx["unitsYear"] = year ?? 0
        }
        // To-do: open findings, plainest first (a district's: its schools, worst first).
        var findings = try await QualityStore.findings(services.store, under: u.path, limit: 300)
        if !isSchool {
            let counts = try await QualityStore.openCounts(services.store, under: u.path)
            findings.sort { (counts[$0.schoolID] ?? 0, $1.plainness) > (counts[$1.schoolID] ?? 0, $0.plainness) }
        }
        let showNames = user.role.seesLearnerNames
        var schoolNames: [Int64: String] = [:]
        for f in findings where schoolNames[f.schoolID] == nil { schoolNames[f.schoolID] = try await services.store.orgUnit(id: OrgUnitID(f.schoolID))?.name ?? "" }
        var todo: [[String: Any]] = []
        for f in findings.prefix(100) {
            var who = ""
            if showNames, let id = f.learnerID, let l = try await services.store.learnerSummary(LearnerID(id)) { who = "\(l.given) \(l.family)" }
            todo.append(["id": f.id, "title": l("check_" + f.check.rawValue), "message": f.message, "fix": f.fix, "period": f.period,
                         "severity": f.severity.rawValue, "severityText": l("severity_" + f.severity.rawValue),
                         "dimension": f.dimension.rawValue, "dimensionText": l("col_" + f.dimension.rawValue), "school": isSchool ? false as Any : schoolNames[f.schoolID] ?? "", "learner": who.isEmpty ? false as Any : who,
                         "value": f.value ?? "", "canResolve": true, "csrf": session.csrfToken])
        }
        ctx["todo"] = todo
        ctx["todoCount"] = l.count(try await QualityStore.openCounts(services.store, under: u.path).values.reduce(0, +))
        if isSchool { ctx["sms"] = QualityText.sms(school: u.name, findings: findings).map { ["text": $0] } }
        // Sign-off at the caller's own level and unit.
        if let level = SignOff.level(for: user.role), let anchor, u.id == anchor.id {
            let approvals = try await SignOff.approvals(services.store, around: anchor.path)
            let years = try await services.store.academicYears().map(\.id).sorted().suffix(2)
            var rows: [[String: Any]] = []
            for year in years.reversed() {
                for d in QualityDomain.allCases {
                    let mine = approvals.first { $0.unitID == anchor.id.rawValue && $0.domain == d && $0.yearID == year }
                    let higher = approvals.first { $0.domain == d && $0.yearID == year && $0.level > level }
                    let below = approvals.filter { $0.domain == d && $0.yearID == year && $0.level < level && $0.unitID != anchor.id.rawValue }.count
                    rows.append(["domain": d.rawValue, "domainTitle": l("domain_" + d.rawValue), "year": year, "approved": mine != nil,
                                 "by": mine.map { "\($0.actor), \(Format.instant($0.at))" } ?? "",
                                 "lockedAbove": higher.map { l("signoff_locked_above", ["level": l("signoff_level_" + $0.level.rawValue), "who": $0.actor]) } ?? "",
                                 "canAct": higher == nil, "below": below, "csrf": session.csrfToken])
                }
            }
            ctx["signoff"] = rows
            ctx["signoffLevel"] = l("signoff_level_" + level.rawValue)
        }
        ctx["health"] = try await QualityStore.ruleHealth(services.store).filter { $0.resolved >= 5 && Double($0.dismissed) / Double($0.resolved) >= 0.3 }
            .map { ["rule": $0.rule, "share": l.percent(Double($0.dismissed) / Double($0.resolved))] }
        ctx["csvHref"] = "/quality/scores.csv?unit=\(u.id.rawValue)"
        ctx["xlsxHref"] = "/quality/scores.xlsx?unit=\(u.id.rawValue)"
        return services.pages.render("quality", ctx)
    }

    func pct(_ v: Double?, _ l: Localizer) -> String { v.map { l.percent($0) } ?? "–" }

    func explain(_ d: QualityDimension, _ s: QualityScore, _ l: Localizer) -> String {
        let c = s.checked[d] ?? 0, f = s.failed[d] ?? 0
        return l("quality_explain_" + d.rawValue, ["ok": l.count(c - f), "failed": l.count(f), "all": l.count(c)])
    }

    /// "In 2025, 96 % of expected data arrived (up from 91 % in 2024); the weakest side is timeliness (78 %)."
    func narrative(_ u: OrgUnit, _ trend: [QualityScore], _ l: Localizer) -> String {
        guard let latest = trend.last else { return "" }
        var text = "\(u.name), \(latest.yearID): "
        if let c = latest.score(.completeness) {
            text += l("quality_narrative_arrived", ["share": l.percent(c)])
            if trend.count >= 2, let before = trend[trend.count - 2].score(.completeness) {
                let diff = Int(((c - before) * 100).rounded()), year = String(trend[trend.count - 2].yearID)
                text += " " + (diff == 0 ? l("quality_narrative_same", ["year": year])
                    : l(diff > 0 ? "quality_narrative_up" : "quality_narrative_down", ["share": l.percent(before), "year": year]))
            }
            text += ". "
        }
        let scored = QualityDimension.allCases.compactMap { d in latest.score(d).map { (d, $0) } }
        if let weakest = scored.min(by: { $0.1 < $1.1 }), weakest.1 < 0.98 {
            text += l("quality_narrative_weakest", ["side": l("col_" + weakest.0.rawValue).lowercased(), "share": l.percent(weakest.1)])
        } else {
            text += l("quality_narrative_good")
        }
        return text
    }
}

struct ScoreDTO: ResponseEncodable, Sendable {
    var unitID: Int64
    var unit: String
    var code: String
    var year: Int
    var completeness: Double?
    var timeliness: Double?
    var validity: Double?
    var consistency: Double?
    var overall: Double?
    var openFindings: Int
    init(_ s: QualityScore) {
        unitID = s.unitID; unit = s.unitName; code = s.unitCode; year = s.yearID
        completeness = s.score(.completeness); timeliness = s.score(.timeliness); validity = s.score(.validity)
        consistency = s.score(.consistency); overall = s.overall; openFindings = s.openFindings
    }
}

struct ScoresDTO: ResponseEncodable, Sendable {
    var unit: String
    var items: [ScoreDTO]
}

/// A finding as the API returns it: ids only, never a learner's name.
struct FindingDTO: ResponseEncodable, Sendable {
    var id: Int64
    var rule: String
    var check: String
    var dimension: String
    var severity: String
    var schoolID: Int64
    var domain: String
    var year: Int
    var period: String
    var record: String
    var value: String?
    var expected: String?
    var message: String
    var fix: String
    var status: String
    var resolvedBy: String?
    var note: String?
    var newValue: String?
    init(_ f: StoredFinding) {
        id = f.id; rule = f.rule; check = f.check.rawValue; dimension = f.dimension.rawValue; severity = f.severity.rawValue
        schoolID = f.schoolID; domain = f.domain.rawValue; year = f.yearID; period = f.period; record = f.recordKey
        value = f.value; expected = f.expected; message = f.message; fix = f.fix; status = f.status.rawValue
        resolvedBy = f.resolvedBy; note = f.note; newValue = f.newValue
    }
}

struct FindingsDTO: ResponseEncodable, Sendable { var items: [FindingDTO] }

struct SignOffDTO: ResponseEncodable, Sendable {
    var unitID: Int64
    var unit: String
    var level: String
    var domain: String
    var year: Int
    var by: String
    var at: Int64
    init(_ a: SignOff.Approval) {
        unitID = a.unitID; unit = a.unitName; level = a.level.rawValue; domain = a.domain.rawValue; year = a.yearID; by = a.actor; at = a.at
    }
}

struct SignOffsDTO: ResponseEncodable, Sendable { var items: [SignOffDTO] }

extension Templates {
    static let quality = """
    <h1>{{t.quality_heading}}: {{unitName}}</h1>
    {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
    {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
    {{#narrative}}<p class="narrative" data-narrative="quality">{{narrative}}</p>{{/narrative}}
    <p class="note">{{t.quality_dimensions_explained}}</p>
    {{#has_headline}}<div class="metrics">{{#headline}}<div class="metric"><div class="label">{{label}}</div><div class="value" data-metric="{{metric}}">{{value}}</div><div class="note">{{note}}</div></div>{{/headline}}</div>{{/has_headline}}
    {{#has_trend}}<h2>{{t.trends_heading}}</h2>
    <table data-table="quality-trend"><thead><tr><th>{{t.col_year}}</th><th class="num">{{t.col_completeness}}</th><th class="num">{{t.col_timeliness}}</th><th class="num">{{t.col_validity}}</th><th class="num">{{t.col_consistency}}</th><th class="num">{{t.col_overall}}</th></tr></thead>
    <tbody>{{#trend}}<tr><td>{{year}}</td><td class="num">{{completeness}}</td><td class="num">{{timeliness}}</td><td class="num">{{validity}}</td><td class="num">{{consistency}}</td><td class="num">{{overall}}</td></tr>{{/trend}}</tbody></table>{{/has_trend}}
    {{#has_sources}}<h2>{{t.quality_by_source}}</h2>
    <table data-table="quality-sources"><thead><tr><th>{{t.col_source}}</th><th>{{t.col_year}}</th><th class="num">{{t.col_completeness}}</th><th class="num">{{t.col_timeliness}}</th><th class="num">{{t.col_validity}}</th><th class="num">{{t.col_consistency}}</th><th class="num">{{t.col_overall}}</th></tr></thead>
    <tbody>{{#sources}}<tr><td>{{source}}</td><td>{{year}}</td><td class="num">{{completeness}}</td><td class="num">{{timeliness}}</td><td class="num">{{validity}}</td><td class="num">{{consistency}}</td><td class="num">{{overall}}</td></tr>{{/sources}}</tbody></table>{{/has_sources}}
    {{#has_units}}<h2>{{t.quality_worst_first}} ({{unitsYear}})</h2>
    <table data-table="quality-units"><thead><tr><th>{{t.col_area}}</th><th class="num">{{t.col_completeness}}</th><th class="num">{{t.col_timeliness}}</th><th class="num">{{t.col_validity}}</th><th class="num">{{t.col_consistency}}</th><th class="num">{{t.col_overall}}</th><th class="num">{{t.col_open_findings}}</th></tr></thead>
    <tbody>{{#units}}<tr><td><a href="/quality?unit={{id}}">{{name}}</a></td><td class="num">{{completeness}}</td><td class="num">{{timeliness}}</td><td class="num">{{validity}}</td><td class="num">{{consistency}}</td><td class="num">{{overall}}</td><td class="num">{{open}}</td></tr>{{/units}}</tbody></table>{{/has_units}}
    <p>{{t.quality_download}}: <a href="{{csvHref}}" data-download="quality-csv">CSV</a> · <a href="{{xlsxHref}}" data-download="quality-xlsx">XLSX</a></p>
    <h2 id="todo">{{t.quality_todo}} ({{todoCount}} {{t.quality_open}})</h2>
    {{#has_todo}}<ol data-list="todo">{{#todo}}<li data-finding="{{id}}" data-severity="{{severity}}"><strong>{{#school}}{{school}}: {{/school}}{{title}}</strong>{{#learner}} — <span class="learner-name">{{learner}}</span>{{/learner}} <span class="note">({{period}}, {{dimensionText}}, {{severityText}})</span><br>{{message}}. {{fix}}.
    <details><summary>{{t.quality_resolve}}</summary>
    <form method="post" action="/quality/findings/{{id}}"><input type="hidden" name="csrf" value="{{csrf}}">
    <label><input type="radio" name="action" value="corrected" required style="width:auto"> {{t.quality_corrected}}</label><input name="value" maxlength="200" aria-label="{{t.quality_right_value}}">
    <label><input type="radio" name="action" value="confirmed" style="width:auto"> {{t.quality_confirmed}}</label>
    <label><input type="radio" name="action" value="dismissed" style="width:auto"> {{t.quality_dismissed}}</label>
    <label>{{t.quality_reason}}</label><input name="reason" maxlength="500">
    <p><button type="submit" data-action="resolve">{{t.quality_save}}</button></p></form></details></li>{{/todo}}</ol>{{/has_todo}}
    {{^has_todo}}<p data-empty="todo">{{t.todo_none}}</p>{{/has_todo}}
    {{#has_sms}}<h3>{{t.quality_sms}}</h3><p class="note">{{t.quality_sms_note}}</p>{{#sms}}<pre data-sms>{{text}}</pre>{{/sms}}{{/has_sms}}
    {{#has_health}}<h2>{{t.quality_tuning}}</h2><p>{{t.quality_tuning_note}}</p><ul>{{#health}}<li>{{rule}}: {{share}}</li>{{/health}}</ul>{{/has_health}}
    {{#has_signoff}}<h2 id="signoff">{{t.signoff_heading}} ({{signoffLevel}})</h2>
    <p>{{t.signoff_explained}}</p>
    <table data-table="signoff"><thead><tr><th>{{t.col_year}}</th><th>{{t.col_data}}</th><th>{{t.col_status}}</th><th></th></tr></thead>
    <tbody>{{#signoff}}<tr data-signoff="{{domain}}-{{year}}"><td>{{year}}</td><td>{{domainTitle}}</td><td>{{#approved}}{{t.signoff_approved_by}} {{by}}{{/approved}}{{^approved}}{{t.signoff_not_approved}}{{/approved}}{{#lockedAbove}} · {{lockedAbove}}{{/lockedAbove}}</td>
    <td>{{#canAct}}<form class="inline" method="post" action="/quality/signoff"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="domain" value="{{domain}}"><input type="hidden" name="year" value="{{year}}">
    {{#approved}}<input type="hidden" name="action" value="withdraw"><input name="reason" placeholder="{{t.signoff_reason}}" required maxlength="500" aria-label="{{t.signoff_reason}}"> <button type="submit" data-action="withdraw">{{t.signoff_withdraw}}</button>{{/approved}}
    {{^approved}}<input type="hidden" name="action" value="approve"><button type="submit" data-action="approve">{{t.signoff_approve}}</button>{{/approved}}</form>{{/canAct}}</td></tr>{{/signoff}}</tbody></table>{{/has_signoff}}
    <p><a href="/">{{t.back_home}}</a></p>
    """
}
