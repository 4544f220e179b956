import DarasaCore

/// What a head teacher can send from a basic phone (docs/sms-guide.md).
public enum SMSCommand: Sendable, Hashable {
    /// Learners present on a day, by grade: (grade, girls, boys).
    case attendance(day: Day?, counts: [(grade: Int, girls: Int, boys: Int)])
    /// Teachers present and absent on a day.
    case teachers(day: Day?, present: Int, absent: Int)
    case help

    public static func == (a: SMSCommand, b: SMSCommand) -> Bool {
        switch (a, b) {
        case let (.attendance(d1, c1), .attendance(d2, c2)): d1 == d2 && c1.map { [$0.grade, $0.girls, $0.boys] } == c2.map { [$0.grade, $0.girls, $0.boys] }
        case let (.teachers(d1, p1, a1), .teachers(d2, p2, a2)): d1 == d2 && p1 == p2 && a1 == a2
        case (.help, .help): true
        default: false
        }
    }
    public func hash(into h: inout Hasher) { h.combine(String(describing: self)) }
}

/// Why a message could not be read, with what the reply needs to say so in the sender's language.
public struct SMSParseError: Error, Sendable, Hashable {
    public enum Code: String, Sendable { case empty, unknownKeyword, badDate, badGrade, missingCounts, badNumber, repeatedGrade, noGrades, tooLong }
    public var code: Code
    /// The piece of the message at fault.
    public var token: String
    public init(_ code: Code, _ token: String = "") {
        self.code = code
        self.token = String(token.prefix(20))
    }
}

/// Reads the SMS grammar. Keywords are case-insensitive and come in the four languages:
///
///     ATT [date] G<grade> <girls> <boys> [G<grade> <girls> <boys> …]   (MAH, PRE)
///     TCH [date] <present> <absent>                                     (WAL, ENS, PROF)
///     HELP                                                              (MSAADA, AIDE, AJUDA)
///
/// Dates: DD/MM, DD/MM/YYYY, DD-MM-YYYY or YYYY-MM-DD (a day without a year is in `year`); no
/// date means today. Words are separated by spaces, commas or semicolons; "G3", "G 3", "GR3" and
/// "D3" (darasa) all name grade 3. Counts are whole numbers 0–9999. Any text either reads as a
/// command or fails with one `SMSParseError` (the property tests feed it random text).
public enum SMSParser {
    public static let attendanceWords: Set<String> = ["ATT", "MAH", "PRE", "PRES"]
    public static let teacherWords: Set<String> = ["TCH", "WAL", "ENS", "PROF"]
    public static let helpWords: Set<String> = ["HELP", "MSAADA", "AIDE", "AJUDA", "?"]

    public static func parse(_ text: String, year: Int) -> Result<SMSCommand, SMSParseError> {
        guard text.count <= 480 else { return .failure(SMSParseError(.tooLong)) }
        var tokens = text.uppercased().split(whereSeparator: { " ,;\n\r\t".contains($0) }).map(String.init)
        guard let keyword = tokens.first else { return .failure(SMSParseError(.empty)) }
        tokens.removeFirst()
        if helpWords.contains(keyword) { return .success(.help) }
        guard attendanceWords.contains(keyword) || teacherWords.contains(keyword) else { return .failure(SMSParseError(.unknownKeyword, keyword)) }
        var day: Day?
        if let first = tokens.first, first.contains("/") || first.contains("-") {
            guard let d = date(first, year: year) else { return .failure(SMSParseError(.badDate, first)) }
            day = d
            tokens.removeFirst()
        }
        if teacherWords.contains(keyword) {
            guard tokens.count == 2 else { return .failure(SMSParseError(.missingCounts, tokens.joined(separator: " "))) }
            guard let p = count(tokens[0]) else { return .failure(SMSParseError(.badNumber, tokens[0])) }
            guard let a = count(tokens[1]) else { return .failure(SMSParseError(.badNumber, tokens[1])) }
            return .success(.teachers(day: day, present: p, absent: a))
        }
        // Grade tokens: "G3" or "G" "3"; each followed by girls and boys.
        var counts: [(grade: Int, girls: Int, boys: Int)] = []
        var i = 0
        while i < tokens.count {
            var t = tokens[i]
            var grade: Int?
            for prefix in ["GR", "G", "D"] where t.hasPrefix(prefix) {
                let rest = String(t.dropFirst(prefix.count))
                if rest.isEmpty, i + 1 < tokens.count { grade = Int(tokens[i + 1]); t = t + tokens[i + 1]; i += 1 } else { grade = Int(rest) }
                break
            }
            guard let g = grade else { return .failure(SMSParseError(.badGrade, t)) }
            guard (0...13).contains(g) else { return .failure(SMSParseError(.badGrade, t)) }
            guard !counts.contains(where: { $0.grade == g }) else { return .failure(SMSParseError(.repeatedGrade, t)) }
            guard i + 2 < tokens.count else { return .failure(SMSParseError(.missingCounts, t)) }
            guard let girls = count(tokens[i + 1]) else { return .failure(SMSParseError(.badNumber, tokens[i + 1])) }
            guard let boys = count(tokens[i + 2]) else { return .failure(SMSParseError(.badNumber, tokens[i + 2])) }
            counts.append((g, girls, boys))
            i += 3
        }
        guard !counts.isEmpty else { return .failure(SMSParseError(.noGrades)) }
        return .success(.attendance(day: day, counts: counts))
    }

    static func count(_ t: String) -> Int? {
        // "F23" / "M25" (girls, boys) are read as their numbers too.
        var s = Substring(t)
        if let c = s.first, "FMBWHR".contains(c) { s = s.dropFirst() }
        guard !s.isEmpty, s.count <= 4, s.allSatisfy(\.isNumber), let n = Int(s) else { return nil }
        return n
    }

    static func date(_ t: String, year: Int) -> Day? {
        let parts = t.split(whereSeparator: { $0 == "/" || $0 == "-" }).map(String.init)
        guard parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isNumber) }) else { return nil }
        let n = parts.compactMap { Int($0) }
        switch n.count {
        case 2: return Day(year: year, month: n[1], day: n[0])
        case 3 where parts[0].count == 4: return Day(year: n[0], month: n[1], day: n[2])
        case 3: return Day(year: n[2] < 100 ? 2000 + n[2] : n[2], month: n[1], day: n[0])
        default: return nil
        }
    }
}
