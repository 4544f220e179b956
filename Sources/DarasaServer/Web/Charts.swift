import DarasaAnalytics
import DarasaStore
import Foundation

/// Charts drawn by the server as SVG: no JavaScript, small, readable in black and white (values
/// are written on the chart; categories differ by shape, not colour alone), each with a title
/// and a description for screen readers.
enum Charts {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Attendance rate by month as bars on a 0–100 % scale (a truncated axis would exaggerate
    /// small dips), each bar labelled with its value.
    static func monthlyAttendance(_ data: [MonthAttendance], _ l: Localizer) -> String? {
        let points = data.compactMap { m in m.rate.map { (label: l.month(m.month), rate: $0) } }
        guard !points.isEmpty else { return nil }
        let barWidth = 44, gap = 10, height = 160, top = 20, bottom = 24
        let width = points.count * (barWidth + gap) + gap
        let title = escape(l("chart_attendance_by_month"))
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="att-title att-desc" viewBox="0 0 \(width) \(height + top + bottom)" width="100%" style="max-width:\(width)px">
            <title id="att-title">\(title)</title>
            <desc id="att-desc">\(escape(points.map { "\($0.label) \(l.wholePercent($0.rate))" }.joined(separator: ", ")))</desc>
            <line x1="0" y1="\(top + height)" x2="\(width)" y2="\(top + height)" stroke="#333" stroke-width="1"/>
            <line x1="0" y1="\(top)" x2="\(width)" y2="\(top)" stroke="#bbb" stroke-width="1" stroke-dasharray="3 3"/>
            """
        for (i, p) in points.enumerated() {
            let x = gap + i * (barWidth + gap)
            let h = Int((p.rate * Double(height)).rounded())
            svg += """
                <rect x="\(x)" y="\(top + height - h)" width="\(barWidth)" height="\(h)" fill="#1d4e5f"/>
                <text x="\(x + barWidth / 2)" y="\(top + height - h - 4)" font-size="11" text-anchor="middle" fill="#111">\(l.wholePercent(p.rate))</text>
                <text x="\(x + barWidth / 2)" y="\(top + height + 16)" font-size="12" text-anchor="middle" fill="#111">\(escape(p.label))</text>
                """
        }
        return svg + "</svg>"
    }

    /// A small trend line (one point per school year), the last value written at its end. `share`
    /// values are on a 0–100 % scale; others on 0…max.
    static func sparkline(_ points: [(label: String, value: Double?)], share: Bool, format: (Double) -> String, title: String) -> String {
        let known = points.enumerated().compactMap { i, p in p.value.map { (i, $0) } }
        guard known.count >= 1 else { return "" }
        let w = 150, h = 36, pad = 4
        let top = share ? 1.0 : max(1e-9, (known.map(\.1).max() ?? 1) * 1.1)
        func x(_ i: Int) -> Int { points.count == 1 ? w / 2 : pad + i * (w - 2 * pad - 40) / max(1, points.count - 1) }
        func y(_ v: Double) -> Int { h - pad - Int((v / top) * Double(h - 2 * pad)) }
        let path = known.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ")
        let desc = escape(points.map { "\($0.label): \($0.value.map(format) ?? "—")" }.joined(separator: "; "))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 \(w) \(h)\" width=\"\(w)\" height=\"\(h)\"><title>\(escape(title))</title><desc>\(desc)</desc>"
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"#1d4e5f\" stroke-width=\"2\"/>"
        for (i, v) in known { svg += "<circle cx=\"\(x(i))\" cy=\"\(y(v))\" r=\"2.5\" fill=\"#1d4e5f\"/>" }
        if let last = known.last { svg += "<text x=\"\(x(last.0) + 5)\" y=\"\(y(last.1) + 4)\" font-size=\"11\" fill=\"#111\">\(escape(format(last.1)))</text>" }
        return svg + "</svg>"
    }

    /// Schools placed by their coordinates (equirectangular, the area's own bounding box; no tile
    /// server), marked by need: the third most in need as filled triangles, the middle as squares,
    /// the rest as open circles — distinguishable without colour. Each mark carries the school's
    /// name and need score in its tooltip; the ranked table beside it is the accessible version.
    static func needMap(_ schools: [SchoolNeed], _ l: Localizer) -> String? {
        let placed = schools.compactMap { s in s.latitude.flatMap { lat in s.longitude.map { (s, lat, $0) } } }
        guard placed.count >= 2 else { return nil }
        let lats = placed.map(\.1), lons = placed.map(\.2)
        var minLat = lats.min()!, maxLat = lats.max()!, minLon = lons.min()!, maxLon = lons.max()!
        if maxLat - minLat < 0.01 { minLat -= 0.01; maxLat += 0.01 }
        if maxLon - minLon < 0.01 { minLon -= 0.01; maxLon += 0.01 }
        let w = 520.0, pad = 16.0
        let scaleX = cos((minLat + maxLat) / 2 * .pi / 180)
        let spanX = (maxLon - minLon) * scaleX, spanY = maxLat - minLat
        let h = min(420, max(160, w * spanY / max(spanX, 1e-9)))
        func px(_ lon: Double) -> Double { pad + (lon - minLon) * scaleX / spanX * (w - 2 * pad) }
        func py(_ lat: Double) -> Double { pad + (maxLat - lat) / spanY * (h - 2 * pad) }
        let ranked = schools.sorted { $0.score > $1.score }
        let third = max(1, ranked.count / 3)
        let high = Set(ranked.prefix(third).map(\.schoolID)), middle = Set(ranked.dropFirst(third).prefix(third).map(\.schoolID))
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="map-title map-desc" viewBox="0 0 \(Int(w)) \(Int(h) + 22)" width="100%" style="max-width:\(Int(w))px">
            <title id="map-title">\(escape(l("map_title")))</title>
            <desc id="map-desc">\(escape(l("map_desc", ["count": String(placed.count)])))</desc>
            <rect x="1" y="1" width="\(Int(w) - 2)" height="\(Int(h) - 2)" fill="#fff" stroke="#999"/>
            """
        for (s, lat, lon) in placed.sorted(by: { $0.0.score < $1.0.score }) {
            let x = px(lon), y = py(lat)
            let tip = "<title>\(escape(s.name)) — \(escape(l("col_need"))) \(s.score)</title>"
            if high.contains(s.schoolID) {
                svg += "<polygon points=\"\(Int(x)),\(Int(y - 7)) \(Int(x - 6)),\(Int(y + 5)) \(Int(x + 6)),\(Int(y + 5))\" fill=\"#111\" data-need=\"high\">\(tip)</polygon>"
            } else if middle.contains(s.schoolID) {
                svg += "<rect x=\"\(Int(x - 4))\" y=\"\(Int(y - 4))\" width=\"8\" height=\"8\" fill=\"#777\" data-need=\"middle\">\(tip)</rect>"
            } else {
                svg += "<circle cx=\"\(Int(x))\" cy=\"\(Int(y))\" r=\"4\" fill=\"#fff\" stroke=\"#111\" stroke-width=\"1.5\" data-need=\"low\">\(tip)</circle>"
            }
        }
        let ly = Int(h) + 14
        svg += """
            <polygon points="10,\(ly - 6) 5,\(ly + 4) 15,\(ly + 4)" fill="#111"/><text x="20" y="\(ly + 3)" font-size="11">\(escape(l("map_high")))</text>
            <rect x="160" y="\(ly - 4)" width="8" height="8" fill="#777"/><text x="173" y="\(ly + 3)" font-size="11">\(escape(l("map_middle")))</text>
            <circle cx="314" cy="\(ly)" r="4" fill="#fff" stroke="#111" stroke-width="1.5"/><text x="323" y="\(ly + 3)" font-size="11">\(escape(l("map_low")))</text>
            </svg>
            """
        return svg
    }
}
