/// A calendar day with no time zone (proleptic Gregorian), stored as days since 1970-01-01.
///
/// School registers, birth dates and visit dates are civil dates: using `Date` would let a
/// server's time zone shift a child's attendance to the wrong day.
public struct Day: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let daysSinceEpoch: Int32

    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// Returns nil when the parts do not name a real day (e.g. 2023-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysIn(month: month, year: year),
              (1...9999).contains(year) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        daysSinceEpoch = Int32(era * 146_097 + doe - 719_468)
    }

    /// Parses `YYYY-MM-DD`. Returns nil for anything else, including impossible days.
    /// Read byte by byte: imports and sync parse millions of dates (splitting the text was 5 %
    /// of a sync push's time).
    public init?(iso text: some StringProtocol) {
        var y = 0, m = 0, d = 0, i = 0
        for b in text.utf8 {
            switch i {
            case 4, 7: guard b == UInt8(ascii: "-") else { return nil }
            case 0...9:
                guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
                let v = Int(b &- UInt8(ascii: "0"))
                if i < 4 { y = y * 10 + v } else if i < 7 { m = m * 10 + v } else { d = d * 10 + v }
            default: return nil
            }
            i += 1
        }
        guard i == 10 else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var parts: (year: Int, month: Int, day: Int) {
        let z = Int(daysSinceEpoch) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
    public var year: Int { parts.year }
    public var month: Int { parts.month }
    public var dayOfMonth: Int { parts.day }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int {
        let w = (Int(daysSinceEpoch) % 7 + 7 + 3) % 7  // 1970-01-01 was a Thursday
        return w + 1
    }
    public var isWeekend: Bool { weekday >= 6 }

    public func adding(days: Int) -> Day { Day(daysSinceEpoch: daysSinceEpoch + Int32(days)) }
    public static func - (lhs: Day, rhs: Day) -> Int { Int(lhs.daysSinceEpoch - rhs.daysSinceEpoch) }
    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    public var iso: String {
        let p = parts
        return "\(pad(p.year, 4))-\(pad(p.month, 2))-\(pad(p.day, 2))"
    }
    public var description: String { iso }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Whole years between a birth day and `self` (age on that day).
    public func age(bornOn birth: Day) -> Int {
        let a = parts, b = birth.parts
        var years = a.year - b.year
        if (a.month, a.day) < (b.month, b.day) { years -= 1 }
        return years
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "expected a date as YYYY-MM-DD, found \(text.prefix(20))"))
        }
        self = day
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }
}

@inline(__always)
func pad(_ value: Int, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
