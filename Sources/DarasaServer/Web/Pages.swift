import DarasaCore
import Hummingbird
import Mustache

/// Server-rendered HTML from Mustache templates (HTML-escaped by default), in the reader's
/// language. No JavaScript needed: every page works without it.
struct Pages: Sendable {
    let library: MustacheLibrary
    let translations: Translations

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in Templates.all { try library.register(text, named: name) }
        self.library = library
        translations = try Translations.load()
    }

    /// The localizer for a context: its `language` (the signed-in user's), else English.
    func localizer(_ code: String?) -> Localizer { translations.localizer(code) }

    /// Renders `template` inside the layout. The context gets `t` (every text of the reader's
    /// language, `{{t.key}}`), the navigation for the role, the language switcher, and for every
    /// list a `has_<name>` flag, so templates can show a heading and table only when there are rows.
    func render(_ template: String, _ context: [String: Any]) -> Response {
        // An absent optional (`x as Any` with x nil) is no value at all: drop it, so a section
        // `{{#x}}` stays closed instead of printing "nil".
        var context = context.filter { _, value in
            let m = Mirror(reflecting: value)
            return !(m.displayStyle == .optional && m.children.isEmpty)
        }
        let l = localizer(context["language"] as? String)
        let role = context["role"] as? String ?? "anonymous"
        context["t"] = l.table
        context["lang"] = l.code
        context["showQuality"] = role != "teacher" && role != "anonymous"
        context["nav"] = Self.navigation(role: role, l: l, current: context["nav_current"] as? String)
        context["languages"] = l.languages.map { ["code": $0.code, "name": $0.name, "selected": $0.code == l.code] }
        if var user = context["user"] as? [String: Any] {
            user["roleTitle"] = l("role_" + role)
            context["user"] = user
        }
        for (key, value) in context {
            if let list = value as? [Any] { context["has_\(key)"] = !list.isEmpty }
        }
        let body = library.render(context, withTemplate: template) ?? ""
        var wrapped = context
        wrapped["body"] = body
        let html = library.render(wrapped, withTemplate: "layout") ?? body
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The pages each role reaches from the header.
    static func navigation(role: String, l: Localizer, current: String?) -> [[String: Any]] {
        var items: [(String, String, String)] = [("home", "/", "nav_home")]
        switch role {
        case "teacher": items += [("register", "/register", "nav_register"), ("app", "/app/", "nav_app")]
        case "head_teacher": items += [("report", "/report-card", "nav_report_card"), ("register", "/register", "nav_register"),
                                       ("review", "/review", "nav_review"), ("quality", "/quality", "nav_quality"), ("app", "/app/", "nav_app")]
        case "district_officer": items += [("plan", "/plan", "nav_plan"), ("quality", "/quality", "nav_quality"),
                                           ("review", "/review", "nav_review"), ("imports", "/imports", "nav_imports"), ("app", "/app/", "nav_app")]
        case "national_analyst": items += [("units", "/units", "nav_units"), ("quality", "/quality", "nav_quality"), ("imports", "/imports", "nav_imports")]
        case "admin": items += [("units", "/units", "nav_units"), ("quality", "/quality", "nav_quality"), ("imports", "/imports", "nav_imports"),
                                ("review", "/review", "nav_review")]
        default: return []
        }
        return items.map { ["key": $0.0, "href": $0.1, "label": l($0.2), "current": $0.0 == current] }
    }

    func login(csrf: String, error: String?, username: String, demo: Bool, language: String?) -> Response {
        render("login", ["title": localizer(language)("login_title"), "csrf": csrf, "error": error as Any, "username": username, "demo": demo,
                         "role": "anonymous", "language": language as Any, "anonymous": true])
    }

    func error(status: HTTPResponse.Status, message: String, language: String? = nil) -> Response {
        var response = render("error", ["title": "\(status.code) \(status.reasonPhrase)", "message": message, "role": "anonymous", "language": language as Any])
        response.status = status
        return response
    }
}

enum Templates {
    /// Every template by name.
    static var all: [(String, String)] {
        [("layout", layout), ("login", login), ("home", home), ("error", error), ("review", review), ("imports", imports),
         ("importPreview", importPreview), ("importJob", importJob), ("importReport", importReport), ("quality", quality),
         ("reportCard", reportCard), ("plan", plan), ("units", units), ("register", register), ("equity", equity)]
    }

    /// Shared styles: readable in black and white (patterns and labels, not colour alone),
    /// large targets, and an A4 print layout that drops the navigation.
    static let layout = """
    <!doctype html>
    <html lang="{{lang}}">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · Darasa</title>
    <style>
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafaf7;line-height:1.45}
    a{color:#0b4f6c}a:focus,button:focus,input:focus,select:focus{outline:3px solid #f2a900;outline-offset:1px}
    .skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.3rem;z-index:9}
    header{background:#1d4e5f;color:#fff;padding:.5rem 1rem;display:flex;gap:.9rem;align-items:center;flex-wrap:wrap}
    header a{color:#fff}header a[aria-current]{font-weight:700;text-decoration:underline}header .who{margin-left:auto;font-size:.9rem}
    header form{display:inline;margin:0}header select,header button{font-size:.85rem}
    main{max-width:72rem;margin:0 auto;padding:1rem}
    h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin:1.2rem 0 .4rem}
    .metrics{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.7rem;margin:1rem 0}
    .metric{background:#fff;border:1px solid #d5d5cf;border-radius:.4rem;padding:.6rem}
    .metric .value{font-size:1.5rem;font-weight:700}.metric .label{font-size:.9rem;color:#333}
    .note,.metric .note{font-size:.82rem;color:#444}
    table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0 1.2rem}
    th,td{border-bottom:1px solid #ddd;padding:.3rem .45rem;text-align:left;vertical-align:top}th{background:#eef2f0}
    td.num,th.num{text-align:right}
    .narrative{background:#fff;border-left:4px solid #1d4e5f;padding:.5rem .8rem}
    .error{background:#fde8e8;border:1px solid #b42318;color:#7a1a12;padding:.5rem .8rem;border-radius:.3rem}
    .notice{background:#e7f4ea;border:1px solid #2e7d32;padding:.5rem .8rem;border-radius:.3rem}
    form.inline{display:inline}button{font:inherit;padding:.3rem .8rem;cursor:pointer}
    label{display:block;margin:.6rem 0 .2rem}input{font:inherit;padding:.35rem;width:16rem;max-width:100%}
    nav.classes{margin:1rem 0;line-height:2}nav.classes a,nav.classes strong{margin-right:.6rem;white-space:nowrap}
    .demo{background:#fff8e1;border:1px solid #e0c060;padding:.5rem .8rem;margin-top:1rem}
    tr.for .bar,tr.against .bar{display:inline-block;height:.6rem;vertical-align:middle}
    tr.for .bar{background:#2e7d32}tr.against .bar{background:#b42318}
    tr.for td:nth-child(4)::before{content:"✔ "}tr.against td:nth-child(4)::before{content:"✘ "}
    tr.bad td{background:#fdecea}select{font:inherit;padding:.3rem}
    .decide{display:flex;gap:.8rem;align-items:center;flex-wrap:wrap;margin:1rem 0}
    .reason{display:inline-block;border:1px solid #888;border-radius:1rem;padding:0 .5rem;margin:.1rem .2rem .1rem 0;font-size:.85rem;background:#fff}
    .band{font-size:.8rem;border:1px solid #999;padding:0 .3rem;border-radius:.2rem;white-space:nowrap}
    .band-0{border-style:dotted}.band-2,.band-3{font-weight:700}
    dfn{font-style:normal;border-bottom:1px dotted #333}
    .cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
    fieldset.marks{border:0;margin:0;padding:0;display:flex;gap:.2rem;flex-wrap:wrap}
    fieldset.marks label{display:inline-flex;align-items:center;gap:.15rem;margin:0;border:1px solid #bbb;border-radius:.3rem;padding:.2rem .4rem}
    fieldset.marks input{width:auto}
    @media print{@page{size:A4;margin:10mm}header,.noprint,nav.classes{display:none}body{background:#fff;font-size:8.5pt;line-height:1.25}
      main{max-width:none;padding:0}h1{font-size:13pt;margin:0 0 1.5mm}h2{font-size:10pt;margin:2mm 0 .8mm}h3{font-size:9pt;margin:1.5mm 0 .5mm}
      table{margin:.5mm 0 1.5mm}th,td{padding:.3mm 1.2mm}.metrics{grid-template-columns:repeat(5,1fr);gap:1.5mm;margin:1.5mm 0}
      .metric{padding:1mm}.metric .value{font-size:11pt}.metric svg{height:7mm}.narrative{padding:1mm 2.5mm;margin:1mm 0}
      .cols{grid-template-columns:1fr 1fr;gap:2.5mm}ol,ul{margin:.5mm 0;padding-left:4.5mm}p{margin:1mm 0}tr{break-inside:avoid}}
    </style>
    </head>
    <body data-role="{{role}}" data-lang="{{lang}}">
    <a class="skip" href="#main">{{t.skip_to_content}}</a>
    <header><strong>Darasa</strong>{{#user}}{{#nav}}<a href="{{href}}" data-nav="{{key}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/nav}}<span class="who">{{displayName}} · {{roleTitle}} · {{scopeName}}</span>
    <form method="post" action="/language"><input type="hidden" name="csrf" value="{{csrf}}"><label for="language-choice" class="skip">{{t.language_label}}</label><select id="language-choice" name="language" aria-label="{{t.language_label}}">{{#languages}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/languages}}</select> <button type="submit" data-action="language">{{t.language_switch}}</button></form>
    <form method="post" action="/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" data-action="logout">{{t.sign_out}}</button></form>{{/user}}
    {{#anonymous}}<span class="who">{{#languages}}<a href="/login?lang={{code}}" hreflang="{{code}}" lang="{{code}}">{{name}}</a> {{/languages}}</span>{{/anonymous}}</header>
    <main id="main">
    {{{body}}}
    </main>
    </body>
    </html>
    """

    static let login = """
    <h1>{{t.login_heading}}</h1>
    {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
    <form id="login" method="post" action="/login">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="username">{{t.login_username}}</label><input id="username" name="username" autocomplete="username" value="{{username}}" required>
    <label for="password">{{t.login_password}}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
    <p><button type="submit">{{t.login_button}}</button></p>
    </form>
    {{#demo}}<div class="demo"><strong>{{t.login_demo_accounts}}</strong> ({{t.login_demo_password}} <code>demo</code>):
    <code>teacher</code>, <code>head</code>, <code>district</code>, <code>national</code>, <code>admin</code>.</div>{{/demo}}
    """

    /// The home page of every tier: headline figures and narrative, then what the tier acts on.
    static let home = """
    <h1>{{greeting}}</h1>
    <p class="narrative" data-narrative="home">{{narrative}}</p>
    <section class="metrics" aria-label="{{t.headline_figures}}">
    {{#metrics}}<div class="metric"><div class="label">{{label}}</div><div class="value" data-metric="{{key}}">{{value}}</div><div class="note">{{note}}</div></div>
    {{/metrics}}
    </section>
    {{#attendanceChart}}<section aria-label="{{t.chart_attendance_by_month}}"><h2>{{t.chart_attendance_by_month}}</h2>{{{attendanceChart}}}</section>{{/attendanceChart}}
    {{#reportCardHref}}<p><a href="{{reportCardHref}}" data-link="report-card">{{t.open_report_card}}</a></p>{{/reportCardHref}}
    {{#absenteesHeading}}<section data-section="absentees"><h2>{{absenteesHeading}}</h2>{{#has_absentees}}<p class="note">{{t.absentees_note}}</p>
    <ul data-list="absentees">{{#absentees}}<li><span class="learner-name">{{name}}</span> — {{days}}</li>{{/absentees}}</ul>{{/has_absentees}}</section>{{/absenteesHeading}}
    {{#has_classes}}<nav aria-label="{{t.classes}}" class="classes">{{t.classes}}: {{#classes}}{{#current}}<strong aria-current="page">{{label}} ({{count}})</strong>{{/current}}{{^current}}<a href="/?class={{key}}">{{label}} ({{count}})</a>{{/current}} {{/classes}}</nav>{{/has_classes}}
    {{#registerHref}}<p><a href="{{registerHref}}" data-link="register">{{t.take_register}}</a></p>{{/registerHref}}
    {{#has_learners}}<h2>{{learnersHeading}}</h2>
    <p class="note">{{t.bands_explained}}</p>
    <table data-table="learners"><thead><tr><th>{{t.col_learner}}</th><th>{{t.col_sex}}</th><th class="num">{{t.col_attendance_year}}</th><th class="num">{{t.col_absent_last_10}}</th><th>{{t.col_reading_level}}</th><th>{{t.col_bands}}</th><th class="num">{{t.col_wpm}}</th></tr></thead>
    <tbody>{{#learners}}<tr><td class="learner-name">{{name}}</td><td>{{sex}}</td><td class="num">{{attendance}}</td><td class="num">{{recent}}</td><td>{{level}}</td><td>{{#bands}}<span class="band band-{{index}}" title="{{subtask}}">{{subtask}}: {{band}}</span> {{/bands}}</td><td class="num">{{wpm}}</td></tr>
    {{/learners}}</tbody></table>{{/has_learners}}
    {{#has_groups}}<h2>{{t.groups_heading}}</h2>
    <p class="narrative">{{t.groups_explained}}</p>
    <table data-table="groups"><thead><tr><th>{{t.col_level}}</th><th class="num">{{t.col_learners}}</th><th>{{t.col_who}}</th><th>{{t.col_activity}}</th></tr></thead>
    <tbody>{{#groups}}<tr><td>{{level}}</td><td class="num">{{count}}</td><td class="learner-name">{{members}}</td><td>{{activity}}</td></tr>
    {{/groups}}</tbody></table>{{/has_groups}}
    {{#has_needs}}<section data-section="needs"><h2>{{needsHeading}}</h2><p class="note">{{t.needs_explained}}</p>
    {{{map}}}
    <table data-table="needs"><thead><tr><th class="num">#</th><th>{{t.col_school}}</th><th class="num">{{t.col_need}}</th><th>{{t.col_reasons}}</th><th>{{t.col_last_visit}}</th><th></th></tr></thead>
    <tbody>{{#needs}}<tr data-school="{{code}}"><td class="num">{{rank}}</td><td>{{name}} <span class="note">{{code}} · {{locality}}</span></td><td class="num" data-need="{{code}}">{{score}}</td><td>{{#reasons}}<span class="reason" data-reason="{{kind}}">{{text}}</span>{{/reasons}}{{^reasons}}<span class="note">{{t.no_reason}}</span>{{/reasons}}</td><td>{{lastVisit}}</td><td><a href="/report-card?school={{id}}">{{t.report_card}}</a></td></tr>
    {{/needs}}</tbody></table>
    <p><a href="/plan" data-link="plan">{{t.plan_visits}}</a> · <a href="/units?unit={{unitID}}" data-link="drill">{{t.drill_down}}</a></p></section>{{/has_needs}}
    {{#has_timeliness}}<section data-section="timeliness"><h2>{{t.timeliness_heading}}</h2>
    <table data-table="timeliness"><thead><tr><th>{{t.col_school}}</th><th>{{t.col_census}}</th><th class="num">{{t.col_registers}}</th></tr></thead>
    <tbody>{{#timeliness}}<tr><td>{{name}}</td><td>{{census}}</td><td class="num">{{registers}}</td></tr>{{/timeliness}}</tbody></table></section>{{/has_timeliness}}
    {{#has_schools}}<h2>{{schoolsHeading}}</h2>
    <table data-table="schools"><thead><tr><th>{{t.col_code}}</th><th>{{t.col_school}}</th><th>{{t.col_location}}</th><th class="num">{{t.col_enrolment}}</th><th class="num">{{t.col_attendance}}</th><th class="num">{{t.col_chronic}}</th><th class="num">{{t.col_assessed}}</th><th class="num">{{t.col_ptr}}</th><th>{{t.col_last_visit}}</th></tr></thead>
    <tbody>{{#schools}}<tr><td>{{code}}</td><td>{{name}}</td><td>{{locality}}</td><td class="num">{{enrolment}}</td><td class="num">{{attendance}}</td><td class="num">{{chronic}}</td><td class="num">{{assessed}}</td><td class="num">{{ptr}}</td><td>{{lastVisit}}</td></tr>
    {{/schools}}</tbody></table>{{/has_schools}}
    {{#equity}}{{{equity}}}{{/equity}}
    {{#has_units}}<h2>{{unitsHeading}}</h2>
    <table data-table="units"><thead><tr><th>{{unitLevel}}</th><th class="num">{{t.col_schools}}</th><th class="num">{{t.col_enrolment}}</th><th class="num">{{t.col_girls}}</th><th class="num">{{t.col_attendance}}</th><th class="num">{{t.col_assessed}}</th><th class="num">{{t.col_ptr}}</th></tr></thead>
    <tbody>{{#units}}<tr><td><a href="/units?unit={{id}}">{{name}}</a></td><td class="num">{{schools}}</td><td class="num">{{enrolment}}</td><td class="num">{{girls}}</td><td class="num">{{attendance}}</td><td class="num">{{assessed}}</td><td class="num">{{ptr}}</td></tr>
    {{/units}}</tbody></table>{{/has_units}}
    {{#has_users}}<h2>{{t.accounts}}</h2>
    <table data-table="users"><thead><tr><th>{{t.col_username}}</th><th>{{t.col_name}}</th><th>{{t.col_role}}</th><th>{{t.col_area}}</th></tr></thead>
    <tbody>{{#users}}<tr><td>{{username}}</td><td>{{displayName}}</td><td>{{role}}</td><td>{{area}}</td></tr>
    {{/users}}</tbody></table>{{/has_users}}
    {{#has_audit}}<h2>{{t.recent_activity}}</h2>
    <table data-table="audit"><thead><tr><th>{{t.col_when}}</th><th>{{t.col_who}}</th><th>{{t.col_what}}</th><th>{{t.col_on}}</th></tr></thead>
    <tbody>{{#audit}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{target}}</td></tr>
    {{/audit}}</tbody></table>{{/has_audit}}
    <p class="note">{{footnote}}</p>
    """

    static let error = """
    <h1>{{title}}</h1>
    <p class="error">{{message}}</p>
    <p><a href="/">{{t.back_home}}</a></p>
    """
}
