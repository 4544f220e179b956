import DarasaStore

/// Charts drawn by the server as SVG: no JavaScript, small, readable in black and white.
enum Charts {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Attendance rate by month as bars on a 0–100 % scale (a truncated axis would exaggerate
    /// small dips), each bar labelled with its value; the title and description make it
    /// readable by a screen reader.
    static func monthlyAttendance(_ data: [MonthAttendance]) -> String? {
        let points = data.compactMap { m in m.rate.map { (label: months[max(0, min(11, m.month - 1))], rate: $0) } }
        guard !points.isEmpty else { return nil }
        let barWidth = 44, gap = 10, height = 160, top = 20, bottom = 24
        let width = points.count * (barWidth + gap) + gap
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="att-title att-desc" viewBox="0 0 \(width) \(height + top + bottom)" width="100%" style="max-width:\(width)px">
            <title id="att-title">Attendance rate by month</title>
            <desc id="att-desc">\(points.map { "\($0.label) \(percent($0.rate))" }.joined(separator: ", "))</desc>
            <line x1="0" y1="\(top + height)" x2="\(width)" y2="\(top + height)" stroke="#333" stroke-width="1"/>
            <line x1="0" y1="\(top)" x2="\(width)" y2="\(top)" stroke="#bbb" stroke-width="1" stroke-dasharray="3 3"/>
            """
        for (i, p) in points.enumerated() {
            let x = gap + i * (barWidth + gap)
            let h = Int((p.rate * Double(height)).rounded())
            svg += """
                <rect x="\(x)" y="\(top + height - h)" width="\(barWidth)" height="\(h)" fill="#1d4e5f"/>
                <text x="\(x + barWidth / 2)" y="\(top + height - h - 4)" font-size="11" text-anchor="middle" fill="#111">\(percent(p.rate))</text>
                <text x="\(x + barWidth / 2)" y="\(top + height + 16)" font-size="12" text-anchor="middle" fill="#111">\(p.label)</text>
                """
        }
        return svg + "</svg>"
    }

    static func percent(_ r: Double) -> String { "\(Int((r * 100).rounded())) %" }
}
