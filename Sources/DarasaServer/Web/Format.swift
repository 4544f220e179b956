import Foundation
import DarasaCore

/// Number formatting for people: thousands separators, percentages with one decimal.
/// Shared by the web pages and the command line.
public enum Format {
    public static func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// Unix seconds as "2026-11-22 21:05" (UTC).
    public static func instant(_ seconds: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    public static func percent(_ share: Double?) -> String {
        guard let share else { return "no data" }
        let tenths = (share * 1000).rounded() / 10
        return "\(tenths) %"
    }

    public static func ratio(_ value: Double?) -> String {
        guard let value else { return "no data" }
        return "\(Int(value.rounded())):1"
    }
}

/// Small-cell suppression for anything shown beyond the school tier: a figure resting on fewer
/// than `minimum` learners is withheld (default 10, as UIS and most statistics offices do).
enum Suppression {
    static let minimum = 10

    public static func count(_ n: Int, role: Role) -> String {
        role.needsSmallCellSuppression && n > 0 && n < minimum ? "fewer than \(minimum)" : Format.count(n)
    }

    static func rate(_ rate: Double?, base: Int, role: Role) -> String {
        role.needsSmallCellSuppression && base < minimum ? "withheld (n<\(minimum))" : Format.percent(rate)
    }
}
