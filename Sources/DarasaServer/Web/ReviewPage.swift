import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

/// The identity review queue: pairs linkage could not decide, one at a time, side by side with
/// the evidence per field. Head teachers review their school's pairs (they know the children, and
/// names stay at the school); other roles see how many pairs wait, without names.
struct ReviewRoutes {
    let services: Services

    struct DecisionForm: Decodable {
        var csrf: String?
        var action: String?
    }

    func register(on router: Router<AppContext>) {
        router.get("/review") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            return try await page(session, skipAfter: request.uri.queryParameters.get("after", as: Int64.self),
                                  notice: request.uri.queryParameters.get("done"))
        }
        router.post("/review/:id") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            let form = try await readForm(DecisionForm.self, request, context: context)
            guard let sent = form.csrf, Tokens.constantTimeEqual(sent, session.csrfToken) else {
                throw HTTPError(.forbidden, message: "The form had expired; reload the page and try again.")
            }
            guard session.user.role == .headTeacher else {
                throw HTTPError(.forbidden, message: "Identity review is done by the school's head teacher, who knows its learners.")
            }
            guard let id = context.parameters.get("id", as: Int64.self),
                  let action = form.action.flatMap(DarasaStore.LinkDecisionAction.init(rawValue:)) else {
                throw HTTPError(.badRequest, message: "The decision must be accept, reject or undo.")
            }
            let scope = try await services.access.scope(for: session.user)
            guard let candidate = try await services.store.linkCandidate(id: id), try await inScope(candidate, scope) else {
                throw HTTPError(.notFound, message: "No such pair in your school.")
            }
            do {
                _ = try await services.store.decideLink(id: id, action, user: session.user.username)
            } catch let e as StoreError where e.code == .conflict {
                throw HTTPError(.conflict, message: e.message)
            }
            let word = ["accept": "accepted", "reject": "rejected", "undo": "undone"][action.rawValue] ?? action.rawValue
            var response = Response.redirect(to: "/review?done=\(word)", type: .found)
            response.status = .seeOther
            return response
        }
        router.get("/static/review.js") { _, _ in
            var response = Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"],
                                    body: .init(byteBuffer: ByteBuffer(string: Templates.reviewScript)))
            response.headers[.cacheControl] = "public, max-age=3600"
            return response
        }
    }

    func inScope(_ c: LinkCandidate, _ scope: AccessScope) async throws -> Bool {
        guard let school = c.schoolID, let unit = try await services.store.orgUnit(id: OrgUnitID(school.rawValue)) else { return false }
        return scope.covers(path: unit.path)
    }

    func page(_ session: SessionRecord, skipAfter: Int64?, notice: String?) async throws -> Response {
        let user = session.user
        let scope = try await services.access.scope(for: user)
        var ctx: [String: Any] = [
            "title": "Identity review", "role": user.role.rawValue, "csrf": session.csrfToken,
            "language": user.language, "user": ["displayName": user.displayName, "roleTitle": user.role.title, "scopeName": (try await services.store.orgUnit(id: scope.orgUnitID))?.name ?? ""],
        ]
        let counts = try await services.store.linkCounts(under: scope.orgPath)
        ctx["waiting"] = Format.count(counts["review"] ?? 0)
        ctx["automatic"] = Format.count(counts["linked"] ?? 0)
        ctx["decided"] = Format.count((counts["accepted"] ?? 0) + (counts["rejected"] ?? 0))
        if let notice, ["accepted", "rejected", "undone"].contains(notice) { ctx["notice"] = "Decision \(notice). It is recorded in the audit log and can be undone below." }
        guard user.role == .headTeacher else {
            ctx["explainer"] = "Pairs that could be the same child are reviewed by the school's head teacher, who knows the learners; names are not shown outside the school."
            return services.pages.render("review", ctx)
        }
        let queue = try await services.store.linkQueue(under: scope.orgPath, limit: 200)
        let pending = skipAfter.map { after in queue.filter { $0.id > after } + queue.filter { $0.id <= after } } ?? queue
        if let c = pending.first {
            ctx["pair"] = try await pairContext(c)
            try await services.store.audit(actor: user.username, action: "link_review_view", target: "link:\(c.id)")
        }
        ctx["recent"] = try await services.store.recentLinkDecisions(by: user.username, limit: 8).map { d -> [String: Any] in
            ["id": d.id, "what": d.kind == .duplicate ? "two learner records" : "assessment row \(d.file ?? "") row \(d.row ?? 0)",
             "status": d.status.rawValue, "weight": String(format: "%.1f", d.weight)]
        }
        return services.pages.render("review", ctx)
    }

    func pairContext(_ c: LinkCandidate) async throws -> [String: Any] {
        let learner = try await services.store.learnerSummary(c.learnerID)
        var rows: [[String: Any]] = []
        for e in c.evidence {
            var left = e.left, right = e.right
            if e.field == "school" {
                left = learner?.school ?? left
                if let other = c.otherID { right = try await services.store.learnerSummary(other)?.school ?? right } else { right = learner?.school ?? right }
            }
            let strength = min(100, Int(abs(e.weight) * 8))
            rows.append(["field": e.field, "left": left, "right": right, "level": e.level,
                         "weight": String(format: "%+.1f", e.weight), "for": e.weight >= 0, "bar": strength])
        }
        return [
            "id": c.id, "kind": c.kind == .duplicate ? "Are these two learner records the same child?" : "Is this assessment row this learner?",
            "leftTitle": "Learner on the roll", "rightTitle": c.kind == .duplicate ? "Other learner record" : "Assessment row (\(c.file ?? ""), row \(c.row ?? 0))",
            "weight": String(format: "%.1f", c.weight),
            "probability": Format.percent(FellegiSunterModel.probability(fromWeight: c.weight)),
            "evidence": rows,
        ]
    }
}

extension Templates {
    static let review = """
    <h1>Identity review</h1>
    <p class="narrative">Darasa links records of the same child across sources (the school system, registers, assessments) and finds children registered twice. Where the evidence is not clear enough, you decide. Every decision is recorded and can be undone.</p>
    {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
    <p data-metric="review-waiting">Waiting for a decision: <strong>{{waiting}}</strong> · linked automatically: {{automatic}} · decided: {{decided}}</p>
    {{#explainer}}<p>{{explainer}}</p>{{/explainer}}
    {{#pair}}
    <section data-pair="{{id}}" aria-labelledby="pair-title">
    <h2 id="pair-title">{{kind}}</h2>
    <p>Match weight <strong>{{weight}}</strong> bits (probability {{probability}}). Positive weights are evidence for the same child, negative against.</p>
    <table data-table="evidence"><thead><tr><th>Field</th><th>{{leftTitle}}</th><th>{{rightTitle}}</th><th>Agreement</th><th class="num">Weight</th></tr></thead>
    <tbody>{{#evidence}}<tr class="{{#for}}for{{/for}}{{^for}}against{{/for}}"><td>{{field}}</td><td class="learner-name">{{left}}</td><td class="learner-name">{{right}}</td><td>{{level}}</td>
    <td class="num"><span class="bar" style="width:{{bar}}px"></span> {{weight}}</td></tr>{{/evidence}}</tbody></table>
    <div class="decide">
    <form class="inline" method="post" action="/review/{{id}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="accept"><button type="submit" data-action="accept" accesskey="a">Same child (A)</button></form>
    <form class="inline" method="post" action="/review/{{id}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="reject"><button type="submit" data-action="reject" accesskey="r">Different children (R)</button></form>
    <a href="/review?after={{id}}" data-action="skip" accesskey="s">Skip for now (S)</a>
    </div>
    <p class="note">Keyboard: A same child, R different children, S skip.</p>
    </section>
    {{/pair}}
    {{^pair}}{{^explainer}}<p data-empty="review">Nothing is waiting for your decision.</p>{{/explainer}}{{/pair}}
    {{#has_recent}}<h2>Your recent decisions</h2>
    <table data-table="recent"><thead><tr><th>Pair</th><th>Decision</th><th class="num">Weight</th><th></th></tr></thead>
    <tbody>{{#recent}}<tr><td>{{what}}</td><td>{{status}}</td><td class="num">{{weight}}</td><td><form class="inline" method="post" action="/review/{{id}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="undo"><button type="submit" data-action="undo">Undo</button></form></td></tr>{{/recent}}</tbody></table>{{/has_recent}}
    <p><a href="/">Back to your home page</a></p>
    <script src="/static/review.js" defer></script>
    """

    /// Keyboard shortcuts for the review page (the page works without them).
    static let reviewScript = """
    document.addEventListener('keydown', function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey || /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) return;
      var map = { a: 'accept', r: 'reject', s: 'skip' };
      var target = document.querySelector('[data-action="' + map[e.key.toLowerCase()] + '"]');
      if (target) { e.preventDefault(); target.click(); }
    });
    """
}
