import DarasaCore

/// The synthetic country's school calendar: a calendar year in three terms (January–April,
/// late April–early August, late August–mid November) with public holidays and half-term breaks,
/// shaped like East African ministry calendars.
enum SchoolYearCalendar {
    static func academicYear(_ year: Int) -> AcademicYear {
        let t1 = Term(number: 1, start: firstWeekday(1, onOrAfter: day(year, 1, 6)),
                      end: firstWeekday(5, onOrAfter: day(year, 4, 1)))
        let t2 = Term(number: 2, start: firstWeekday(1, onOrAfter: day(year, 4, 24)),
                      end: firstWeekday(5, onOrAfter: day(year, 8, 1)))
        let t3 = Term(number: 3, start: firstWeekday(1, onOrAfter: day(year, 8, 25)),
                      end: firstWeekday(5, onOrAfter: day(year, 11, 8)))
        let easter = easterSunday(year)
        var holidays: [Holiday] = [
            Holiday(day: easter.adding(days: -2), name: "Good Friday"),
            Holiday(day: easter.adding(days: 1), name: "Easter Monday"),
            Holiday(day: day(year, 5, 1), name: "Labour Day"),
            Holiday(day: day(year, 6, 1), name: "Madaraka Day"),
            Holiday(day: day(year, 10, 10), name: "Utamaduni Day"),
            Holiday(day: day(year, 10, 20), name: "Mashujaa Day"),
        ]
        // Half-term breaks: Wednesday–Friday of the seventh week of term 1, Thursday–Friday of the
        // seventh week of term 2, Thursday–Friday of the sixth week of term 3.
        for (term, week, fromWeekday) in [(t1, 6, 3), (t2, 6, 4), (t3, 5, 4)] {
            let monday = term.start.adding(days: 7 * week)
            for wd in fromWeekday...5 {
                holidays.append(Holiday(day: monday.adding(days: wd - 1), name: "Half-term break"))
            }
        }
        holidays = holidays.filter { $0.day >= t1.start && $0.day <= t3.end }.sorted { $0.day < $1.day }
        var seen = Set<Day>()
        holidays = holidays.filter { seen.insert($0.day).inserted }
        return AcademicYear(id: year, name: String(year), start: t1.start, end: t3.end,
                            terms: [t1, t2, t3], holidays: holidays)
    }

    static func day(_ y: Int, _ m: Int, _ d: Int) -> Day {
        // The parts are constants of this calendar, always valid.
        Day(year: y, month: m, day: d) ?? Day(daysSinceEpoch: 0)
    }

    /// First day with ISO `weekday` (1 = Monday) on or after `day`.
    static func firstWeekday(_ weekday: Int, onOrAfter day: Day) -> Day {
        day.adding(days: (weekday - day.weekday + 7) % 7)
    }

    /// Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    static func easterSunday(_ year: Int) -> Day {
        let a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4
        let f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let dd = (h + l - 7 * m + 114) % 31 + 1
        return day(year, month, dd)
    }
}
