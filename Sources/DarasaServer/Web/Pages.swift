import Hummingbird
import Mustache

/// Server-rendered HTML from Mustache templates (HTML-escaped by default). No JavaScript needed.
struct Pages: Sendable {
    let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        try library.register(Templates.layout, named: "layout")
        try library.register(Templates.login, named: "login")
        try library.register(Templates.home, named: "home")
        try library.register(Templates.error, named: "error")
        try library.register(Templates.review, named: "review")
        try library.register(Templates.imports, named: "imports")
        try library.register(Templates.importPreview, named: "importPreview")
        try library.register(Templates.importJob, named: "importJob")
        try library.register(Templates.importReport, named: "importReport")
        try library.register(Templates.quality, named: "quality")
        self.library = library
    }

    /// Renders `template` inside the layout. For every list in `context` a `has_<name>` flag is
    /// added, so templates can show a heading and table only when there are rows.
    func render(_ template: String, _ context: [String: Any]) -> Response {
        var context = context
        let role = context["role"] as? String ?? "anonymous"
        context["showQuality"] = role != "teacher" && role != "anonymous"
        for (key, value) in context {
            if let list = value as? [Any] { context["has_\(key)"] = !list.isEmpty }
        }
        let body = library.render(context, withTemplate: template) ?? ""
        var wrapped = context
        wrapped["body"] = body
        let html = library.render(wrapped, withTemplate: "layout") ?? body
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func login(csrf: String, error: String?, username: String, demo: Bool) -> Response {
        render("login", ["title": "Sign in", "csrf": csrf, "error": error as Any, "username": username, "demo": demo, "role": "anonymous"])
    }

    func error(status: HTTPResponse.Status, message: String) -> Response {
        var response = render("error", ["title": "\(status.code) \(status.reasonPhrase)", "message": message, "role": "anonymous"])
        response.status = status
        return response
    }
}

enum Templates {
    static let layout = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · Darasa</title>
    <style>
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafaf7;line-height:1.45}
    header{background:#1d4e5f;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
    header a{color:#fff}header .who{margin-left:auto}
    main{max-width:72rem;margin:0 auto;padding:1rem}
    h1{font-size:1.5rem;margin:.5rem 0}
    .metrics{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.8rem;margin:1rem 0}
    .metric{background:#fff;border:1px solid #d5d5cf;border-radius:.4rem;padding:.7rem}
    .metric .value{font-size:1.6rem;font-weight:700}.metric .label{font-size:.9rem;color:#444}
    .metric .note{font-size:.8rem;color:#555}
    table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0 1.5rem}
    th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left}th{background:#eef2f0}
    td.num,th.num{text-align:right}
    .narrative{background:#fff;border-left:4px solid #1d4e5f;padding:.5rem .8rem}
    .error{background:#fde8e8;border:1px solid #b42318;color:#7a1a12;padding:.5rem .8rem;border-radius:.3rem}
    form.inline{display:inline}button{font:inherit;padding:.3rem .8rem;cursor:pointer}
    label{display:block;margin:.6rem 0 .2rem}input{font:inherit;padding:.35rem;width:16rem;max-width:100%}
    nav.classes{margin:1rem 0;line-height:2}nav.classes a,nav.classes strong{margin-right:.6rem;white-space:nowrap}
    .demo{background:#fff8e1;border:1px solid #e0c060;padding:.5rem .8rem;margin-top:1rem}
    .notice{background:#e7f4ea;border:1px solid #2e7d32;padding:.5rem .8rem;border-radius:.3rem}
    tr.for .bar,tr.against .bar{display:inline-block;height:.6rem;vertical-align:middle}
    tr.for .bar{background:#2e7d32}tr.against .bar{background:#b42318}
    tr.for td:nth-child(4)::before{content:"✔ "}tr.against td:nth-child(4)::before{content:"✘ "}
    tr.bad td{background:#fdecea}select{font:inherit;padding:.3rem}
    .decide{display:flex;gap:.8rem;align-items:center;flex-wrap:wrap;margin:1rem 0}
    @media print{header form,button{display:none}body{background:#fff}}
    </style>
    </head>
    <body data-role="{{role}}">
    <header><strong>Darasa</strong>{{#user}}<a href="/">Home</a><a href="/review">Identity review</a>{{#showQuality}}<a href="/quality">Data quality</a>{{/showQuality}}<a href="/imports">Imports</a><span class="who">{{displayName}} · {{roleTitle}} · {{scopeName}}</span>
    <form class="inline" method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" data-action="logout">Sign out</button></form>{{/user}}</header>
    <main>
    {{{body}}}
    </main>
    </body>
    </html>
    """

    static let login = """
    <h1>Sign in to Darasa</h1>
    {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
    <form id="login" method="post" action="/login">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="username">Username</label><input id="username" name="username" autocomplete="username" value="{{username}}" required>
    <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
    <p><button type="submit">Sign in</button></p>
    </form>
    {{#demo}}<div class="demo"><strong>Demo accounts</strong> (password <code>demo</code>):
    <code>teacher</code>, <code>head</code>, <code>district</code>, <code>national</code>, <code>admin</code>.</div>{{/demo}}
    """

    static let home = """
    <h1>{{greeting}}</h1>
    <p class="narrative">{{narrative}}</p>
    <section class="metrics" aria-label="Headline figures">
    {{#metrics}}<div class="metric"><div class="label">{{label}}</div><div class="value" data-metric="{{key}}">{{value}}</div><div class="note">{{note}}</div></div>
    {{/metrics}}
    </section>
    {{#attendanceChart}}<section aria-label="Attendance by month"><h2>Attendance by month</h2>{{{attendanceChart}}}</section>{{/attendanceChart}}
    {{#has_classes}}<nav aria-label="Classes" class="classes">Classes: {{#classes}}{{#current}}<strong aria-current="page">{{label}} ({{count}})</strong>{{/current}}{{^current}}<a href="/?class={{key}}">{{label}} ({{count}})</a>{{/current}} {{/classes}}</nav>{{/has_classes}}
    {{#has_learners}}<h2>{{learnersHeading}}</h2>
    <table data-table="learners"><thead><tr><th>Learner</th><th>Class</th><th>Sex</th><th class="num">Attendance this year</th><th class="num">Days absent</th><th>Reading level</th><th class="num">Words per minute</th></tr></thead>
    <tbody>{{#learners}}<tr><td class="learner-name">{{name}}</td><td>Grade {{grade}} {{section}}</td><td>{{sex}}</td><td class="num">{{attendance}}</td><td class="num">{{absent}}</td><td>{{level}}</td><td class="num">{{wpm}}</td></tr>
    {{/learners}}</tbody></table>{{/has_learners}}
    {{#has_groups}}<h2>Reading groups for this class</h2>
    <p class="narrative">Teaching at the Right Level: group learners by the level they read at, not by grade, and reassess after a few weeks.</p>
    <table data-table="groups"><thead><tr><th>Level</th><th class="num">Learners</th><th>Who</th><th>Activity for the group</th></tr></thead>
    <tbody>{{#groups}}<tr><td>{{level}}</td><td class="num">{{count}}</td><td class="learner-name">{{members}}</td><td>{{activity}}</td></tr>
    {{/groups}}</tbody></table>{{/has_groups}}
    {{#has_schools}}<h2>{{schoolsHeading}}</h2>
    <table data-table="schools"><thead><tr><th>Code</th><th>School</th><th>Location</th><th class="num">Enrolment</th><th class="num">Attendance</th><th class="num">Chronically absent</th><th class="num">Assessed</th><th class="num">Pupils per teacher</th><th>Last visit</th></tr></thead>
    <tbody>{{#schools}}<tr><td>{{code}}</td><td>{{name}}</td><td>{{locality}}</td><td class="num">{{enrolment}}</td><td class="num">{{attendance}}</td><td class="num">{{chronic}}</td><td class="num">{{assessed}}</td><td class="num">{{ptr}}</td><td>{{lastVisit}}</td></tr>
    {{/schools}}</tbody></table>{{/has_schools}}
    {{#has_units}}<h2>{{unitsHeading}}</h2>
    <table data-table="units"><thead><tr><th>{{unitLevel}}</th><th class="num">Schools</th><th class="num">Enrolment</th><th class="num">Girls</th><th class="num">Attendance</th><th class="num">Assessed</th><th class="num">Pupils per teacher</th></tr></thead>
    <tbody>{{#units}}<tr><td>{{name}}</td><td class="num">{{schools}}</td><td class="num">{{enrolment}}</td><td class="num">{{girls}}</td><td class="num">{{attendance}}</td><td class="num">{{assessed}}</td><td class="num">{{ptr}}</td></tr>
    {{/units}}</tbody></table>{{/has_units}}
    {{#has_users}}<h2>Accounts</h2>
    <table data-table="users"><thead><tr><th>Username</th><th>Name</th><th>Role</th><th>Area</th></tr></thead>
    <tbody>{{#users}}<tr><td>{{username}}</td><td>{{displayName}}</td><td>{{role}}</td><td>{{area}}</td></tr>
    {{/users}}</tbody></table>{{/has_users}}
    {{#has_audit}}<h2>Recent activity</h2>
    <table data-table="audit"><thead><tr><th>When (UTC)</th><th>Who</th><th>What</th><th>On</th></tr></thead>
    <tbody>{{#audit}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{target}}</td></tr>
    {{/audit}}</tbody></table>{{/has_audit}}
    <p class="note">Figures for the {{yearName}} school year, from data loaded into Darasa. Figures resting on fewer than 10 learners are withheld outside the school.</p>
    """

    static let error = """
    <h1>{{title}}</h1>
    <p class="error">{{message}}</p>
    <p><a href="/">Go to your home page</a></p>
    """
}
