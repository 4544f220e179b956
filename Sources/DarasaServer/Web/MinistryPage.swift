import DarasaAnalytics
import DarasaCore
import DarasaStore
import Foundation

/// The ministry's view: equity (UIS parity indices by region and group), SDG 4.1.1 and learning
/// poverty, teacher allocation (pupil–teacher ratio spread and 1 − R²), data quality by district,
/// and trends — every table downloadable through the indicator API.
struct MinistryPage {
    let services: Services

    func equity(scope: AccessScope, unit: OrgUnit, yearID: Int, _ l: Localizer) async throws -> String {
        let catalogue = services.settings.catalogue
        let engine = IndicatorEngine(store: services.store, catalogue: catalogue).sharingLookups()
        let depth = unit.depth + 1
        func table(_ id: String, by: [Breakdown] = [], at level: Int? = nil, year: Int? = nil) async throws -> IndicatorTable? {
            guard let d = catalogue.named(id) else { return nil }
            return try? await engine.table(d, yearID: year, depth: level ?? depth, by: by, scope: scope, suppress: true)
        }
        let children = try await services.store.children(of: unit.id).filter { scope.covers(path: $0.path) }
        func parity(_ t: IndicatorTable?, _ dim: Breakdown, _ code: String) -> String {
            guard let p = t?.parity.first(where: { $0.unitCode == code && $0.dimension == dim && $0.within.isEmpty }) else { return "—" }
            return l.decimal(p.adjusted, places: 2) + (p.atParity ? " ✓" : "")
        }
        let ger = try await table("gross_enrolment_ratio", by: [.sex])
        let attSex = try await table("attendance_rate", by: [.sex])
        let attLoc = try await table("attendance_rate", by: [.locality])
        let attPoor = try await table("attendance_rate", by: [.povertyQuintile])
        let readSex = try await table("sdg_4_1_1_reading", by: [.sex])
        let equityRows = children.map { u -> [String: String] in
            ["name": u.name, "ger": parity(ger, .sex, u.code), "attendanceSex": parity(attSex, .sex, u.code),
             "attendanceLocality": parity(attLoc, .locality, u.code), "attendanceWealth": parity(attPoor, .povertyQuintile, u.code),
             "readingSex": parity(readSex, .sex, u.code)]
        }
        func cell(_ t: IndicatorTable?, _ code: String) -> String {
            guard let r = t?.rows.first(where: { $0.unitCode == code && $0.categories.isEmpty }) else { return "—" }
            guard let v = r.value else { return r.withheld == "no_data" ? l("no_data") : l("withheld_small") }
            if let lo = r.lower, let hi = r.upper { return "\(l.percent(v)) (\(l.percent(lo))–\(l.percent(hi)))" }
            return l.percent(v)
        }
        let sdgRead = try await table("sdg_4_1_1_reading"), sdgMaths = try await table("sdg_4_1_1_maths")
        let poverty = try await table("learning_poverty"), oos = try await table("out_of_school_rate")
        let national = try await table("sdg_4_1_1_reading", at: unit.depth), lpNational = try await table("learning_poverty", at: unit.depth)
        let learningRows = children.map { u -> [String: String] in
            ["name": u.name, "reading": cell(sdgRead, u.code), "maths": cell(sdgMaths, u.code), "oos": cell(oos, u.code), "lp": cell(poverty, u.code)]
        }
        let allocation = try await table("teacher_allocation_randomness")
        var allocationRows: [[String: String]] = []
        for u in children {
            let ptrs = try await services.store.schoolFigures(under: u.path, yearID: yearID).compactMap(\.pupilTeacherRatio).sorted()
            let median = ptrs.isEmpty ? nil : ptrs[ptrs.count / 2]
            let over = ptrs.isEmpty ? nil : Double(ptrs.filter { $0 > 40 }.count) / Double(ptrs.count)
            let r = allocation?.rows.first { $0.unitCode == u.code }
            allocationRows.append(["name": u.name, "median": l.ratio(median), "range": ptrs.isEmpty ? "—" : "\(l.ratio(ptrs.first))–\(l.ratio(ptrs.last))",
                                   "over40": l.percent(over), "randomness": r?.value.map { l.decimal($0, places: 2) } ?? "—"])
        }
        // Data quality: the districts (two levels down, or one) worst first.
        var quality: [QualityScore] = []
        for child in children {
            quality += try await QualityStore.scores(services.store, under: child).filter { $0.yearID == yearID }
        }
        let qualityRows = quality.sorted { ($0.overall ?? 2) < ($1.overall ?? 2) }.prefix(10).map { s -> [String: String] in
            ["name": s.unitName, "overall": l.percent(s.overall), "completeness": l.percent(s.score(.completeness)),
             "timeliness": l.percent(s.score(.timeliness)), "open": l.count(s.openFindings)]
        }
        // Trends at the top: SDG reading, attendance, and the attendance GPI.
        var trends: [[String: String]] = []
        for (id, key, by) in [("sdg_4_1_1_reading", "trend_sdg_reading", [Breakdown]()), ("attendance_rate", "trend_attendance", []),
                              ("net_enrolment_ratio", "trend_ner", [])] {
            guard let d = catalogue.named(id) else { continue }
            let years = (try? await engine.trend(d, depth: unit.depth, by: by, scope: scope, suppress: true)) ?? []
            let points = years.map { (label: $0.yearName, value: $0.rows.first?.value) }
            trends.append(["label": l(key), "chart": Charts.sparkline(points, share: true, format: { l.wholePercent($0) }, title: l(key))])
        }
        if let attendance = catalogue.named("attendance_rate") {
            let gpi = try await engine.trend(attendance, depth: unit.depth, by: [.sex], scope: scope, suppress: true)
            let points = gpi.map { (label: $0.yearName, value: $0.parity.first { $0.dimension == .sex }?.adjusted) }
            trends.append(["label": l("trend_gpi_attendance"),
                           "chart": Charts.sparkline(points, share: false, format: { l.decimal($0, places: 2) }, title: l("trend_gpi_attendance"))])
        }

        var ctx: [String: Any] = ["t": l.table, "equity": equityRows, "learning": learningRows, "allocation": allocationRows,
                                  "quality": Array(qualityRows), "trends": trends, "level": depth]
        for (key, value) in ctx { if let list = value as? [Any] { ctx["has_\(key)"] = !list.isEmpty } }
        let reading = national?.rows.first?.value, lp = lpNational?.rows.first?.value
        var story = [l("ministry_narrative_reading", ["share": reading.map { l.percent($0) } ?? l("no_data"),
                                                     "notreading": reading.map { l.inTen(1 - $0) } ?? l("no_data")])]
        if let lp { story.append(l("ministry_narrative_lp", ["share": l.percent(lp)])) }
        let offParity = equityRows.filter { $0["attendanceSex"]?.hasSuffix("✓") == false && $0["attendanceSex"] != "—" }.count
        story.append(l("ministry_narrative_parity", ["count": String(offParity), "total": String(children.count)]))
        ctx["narrative"] = story.joined(separator: " ")
        return services.pages.library.render(ctx, withTemplate: "equity") ?? ""
    }
}

extension Templates {
    static let equity = """
    <section data-section="equity"><h2>{{t.equity_heading}}</h2>
    <p class="narrative" data-narrative="ministry">{{narrative}}</p>
    <p class="note">{{t.parity_explained}}</p>
    <table data-table="parity"><thead><tr><th>{{t.col_area}}</th><th class="num"><dfn title="{{t.gpi_long}}">{{t.col_ger_gpi}}</dfn></th><th class="num">{{t.col_attendance_gpi}}</th><th class="num">{{t.col_attendance_location}}</th><th class="num">{{t.col_attendance_wealth}}</th><th class="num">{{t.col_reading_gpi}}</th></tr></thead>
    <tbody>{{#equity}}<tr><td>{{name}}</td><td class="num">{{ger}}</td><td class="num">{{attendanceSex}}</td><td class="num">{{attendanceLocality}}</td><td class="num">{{attendanceWealth}}</td><td class="num">{{readingSex}}</td></tr>{{/equity}}</tbody></table>
    <p class="noprint">{{t.download}}: <a href="/api/v1/indicators/attendance_rate?level={{level}}&amp;by=sex&amp;format=xlsx">{{t.col_attendance_gpi}} (XLSX)</a> · <a href="/api/v1/indicators/gross_enrolment_ratio?level={{level}}&amp;by=sex&amp;format=csv">{{t.col_ger_gpi}} (CSV)</a> · <a href="/api/v1/indicators/attendance_rate?level={{level}}&amp;by=poverty_quintile&amp;format=csv">{{t.col_attendance_wealth}} (CSV)</a></p>
    <h2>{{t.learning_heading}}</h2>
    <p class="note">{{t.sdg_explained}}</p>
    <table data-table="sdg"><thead><tr><th>{{t.col_area}}</th><th class="num">{{t.col_sdg_reading}}</th><th class="num">{{t.col_sdg_maths}}</th><th class="num">{{t.col_out_of_school}}</th><th class="num"><dfn title="{{t.lp_long}}">{{t.col_learning_poverty}}</dfn></th></tr></thead>
    <tbody>{{#learning}}<tr><td>{{name}}</td><td class="num">{{reading}}</td><td class="num">{{maths}}</td><td class="num">{{oos}}</td><td class="num">{{lp}}</td></tr>{{/learning}}</tbody></table>
    <p class="noprint">{{t.download}}: <a href="/api/v1/indicators/sdg_4_1_1_reading?level={{level}}&amp;by=sex&amp;format=sdmx-csv">SDG 4.1.1 (SDMX-CSV)</a> · <a href="/api/v1/indicators/learning_poverty?level={{level}}&amp;format=xlsx">{{t.col_learning_poverty}} (XLSX)</a></p>
    <h2>{{t.allocation_heading}}</h2>
    <p class="note">{{t.allocation_explained}}</p>
    <table data-table="allocation"><thead><tr><th>{{t.col_area}}</th><th class="num">{{t.col_ptr_median}}</th><th class="num">{{t.col_ptr_range}}</th><th class="num">{{t.col_ptr_over_40}}</th><th class="num">1 − R²</th></tr></thead>
    <tbody>{{#allocation}}<tr><td>{{name}}</td><td class="num">{{median}}</td><td class="num">{{range}}</td><td class="num">{{over40}}</td><td class="num">{{randomness}}</td></tr>{{/allocation}}</tbody></table>
    <p class="noprint">{{t.download}}: <a href="/api/v1/indicators/teacher_allocation_randomness?level={{level}}&amp;format=csv">1 − R² (CSV)</a> · <a href="/api/v1/indicators/pupil_teacher_ratio?level={{level}}&amp;format=xlsx">{{t.col_ptr}} (XLSX)</a></p>
    {{#has_quality}}<h2>{{t.quality_by_district}}</h2>
    <table data-table="quality-districts"><thead><tr><th>{{t.col_area}}</th><th class="num">{{t.col_overall}}</th><th class="num">{{t.col_completeness}}</th><th class="num">{{t.col_timeliness}}</th><th class="num">{{t.col_open_findings}}</th></tr></thead>
    <tbody>{{#quality}}<tr><td>{{name}}</td><td class="num">{{overall}}</td><td class="num">{{completeness}}</td><td class="num">{{timeliness}}</td><td class="num">{{open}}</td></tr>{{/quality}}</tbody></table>
    <p class="noprint">{{t.download}}: <a href="/quality/scores.xlsx">{{t.quality_scorecard}} (XLSX)</a></p>{{/has_quality}}
    {{#has_trends}}<h2>{{t.trends_heading}}</h2><div class="cols">{{#trends}}<div><div class="label">{{label}}</div>{{{chart}}}</div>{{/trends}}</div>{{/has_trends}}
    </section>
    """
}
