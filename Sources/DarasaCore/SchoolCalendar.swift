/// An academic year, e.g. 2025 = "2025" running Jan–Nov, or "2024/25" running Sep–Jul.
/// `id` is the calendar year in which the academic year starts.
public struct AcademicYear: Hashable, Codable, Sendable, Identifiable {
    public var id: Int
    public var name: String
    public var start: Day
    public var end: Day
    public var terms: [Term]
    public var holidays: [Holiday]

    public init(id: Int, name: String, start: Day, end: Day, terms: [Term], holidays: [Holiday]) {
        self.id = id
        self.name = name
        self.start = start
        self.end = end
        self.terms = terms
        self.holidays = holidays
    }

    /// School days: weekdays inside a term that are not holidays, in order.
    public var schoolDays: [Day] {
        let off = Set(holidays.map(\.day))
        var days: [Day] = []
        for term in terms {
            var d = term.start
            while d <= term.end {
                if !d.isWeekend && !off.contains(d) { days.append(d) }
                d = d.adding(days: 1)
            }
        }
        return days
    }

    public func isSchoolDay(_ day: Day) -> Bool {
        guard !day.isWeekend, terms.contains(where: { $0.start <= day && day <= $0.end }) else { return false }
        return !holidays.contains(where: { $0.day == day })
    }

    public func term(containing day: Day) -> Term? {
        terms.first { $0.start <= day && day <= $0.end }
    }
}

public struct Term: Hashable, Codable, Sendable {
    public var number: Int
    public var start: Day
    public var end: Day
    public init(number: Int, start: Day, end: Day) {
        self.number = number
        self.start = start
        self.end = end
    }
}

public struct Holiday: Hashable, Codable, Sendable {
    public var day: Day
    public var name: String
    public init(day: Day, name: String) {
        self.day = day
        self.name = name
    }
}
