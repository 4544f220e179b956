import DarasaCore
import PropertyBased
import Testing

@Suite struct DayTests {
    @Test func knownDaysAndWeekdays() throws {
        let epoch = try #require(Day(year: 1970, month: 1, day: 1))
        #expect(epoch.daysSinceEpoch == 0 && epoch.weekday == 4)  // a Thursday
        let d = try #require(Day(iso: "2025-02-03"))
        #expect(d.weekday == 1 && !d.isWeekend)  // Monday
        #expect(d.adding(days: 5).isWeekend)
        #expect(Day(iso: "2024-02-29") != nil && Day(iso: "2025-02-29") == nil)
        #expect(Day(iso: "1900-02-29") == nil && Day(iso: "2000-02-29") != nil)
        #expect(Day(iso: "2025-13-01") == nil && Day(iso: "2025-1-01") == nil && Day(iso: "garbage") == nil)
    }

    /// Property: the byte-wise parser accepts exactly `DDDD-DD-DD` texts that name a real day
    /// (a reference reading by pattern and calendar), whatever else is typed.
    @Test func isoParsingAcceptsExactlyRealDaysInTheFormat() async {
        let piece = Gen.element(of: ["2", "0", "1", "9", "5", "-", "+", " ", "x", "é", "٣", "12", "31", "02-29", "2024-", "-1"]).map { $0 ?? "" }
        let texts = Gen.oneOf(piece.array(of: 0...12).map { $0.joined() },
                              Gen.int(in: 0...99_999_999).map { n in
                                  let t = String(format: "%08d", n)
                                  return "\(t.prefix(4))-\(t.dropFirst(4).prefix(2))-\(t.suffix(2))"
                              })
        await propertyCheck(count: 3000, input: texts) { text in
            let u = Array(text.utf8)
            let shaped = u.count == 10 && u.enumerated().allSatisfy { i, b in i == 4 || i == 7 ? b == 45 : (48...57).contains(b) }
            var expected: Day?
            if shaped, let y = Int(String(text.prefix(4))), let m = Int(String(text.dropFirst(5).prefix(2))), let d = Int(String(text.suffix(2))) {
                expected = Day(year: y, month: m, day: d)
            }
            #expect(Day(iso: text) == expected, "\(text)")
            #expect(Day(iso: Substring(text)) == expected)
        }
        #expect(Day(iso: "+202-01-01") == nil && Day(iso: "2025-01-01 ") == nil && Day(iso: "") == nil && Day(iso: "0000-01-01") == nil)
    }

    @Test func ageCountsWholeYears() throws {
        let birth = try #require(Day(iso: "2017-03-14"))
        #expect(try #require(Day(iso: "2025-03-13")).age(bornOn: birth) == 7)
        #expect(try #require(Day(iso: "2025-03-14")).age(bornOn: birth) == 8)
    }

    @Test func isoTextRoundTripsForEveryDay() async {
        await propertyCheck(count: 2000, input: Gen.int(in: -200_000...200_000)) { n in
            let day = Day(daysSinceEpoch: Int32(n))
            let parsed = Day(iso: day.iso)
            #expect(parsed == day)
            let p = day.parts
            #expect(Day(year: p.year, month: p.month, day: p.day) == day)
        }
    }

    @Test func consecutiveDaysAreOneWeekdayApart() async {
        await propertyCheck(input: Gen.int(in: -100_000...100_000)) { n in
            let day = Day(daysSinceEpoch: Int32(n))
            #expect(day.adding(days: 1).weekday == day.weekday % 7 + 1)
            #expect(day.adding(days: 1) - day == 1)
        }
    }

    @Test func schoolDaysSkipWeekendsAndHolidays() throws {
        let start = try #require(Day(iso: "2025-02-03")), end = try #require(Day(iso: "2025-02-16"))
        let holiday = try #require(Day(iso: "2025-02-05"))
        let year = AcademicYear(id: 2025, name: "2025", start: start, end: end, terms: [Term(number: 1, start: start, end: end)],
                                holidays: [Holiday(day: holiday, name: "Holiday")])
        #expect(year.schoolDays.count == 9)  // 10 weekdays minus 1 holiday
        #expect(!year.isSchoolDay(holiday) && year.isSchoolDay(start))
    }
}
