import DarasaCore
import Foundation

/// The instrument definitions as the assessment firm publishes them (assessments/instruments.json).
struct InstrumentDefinition: Codable {
    struct Cutoff: Codable {
        var level: String
        var minimum: Double
    }
    struct BenchmarkDefinition: Codable {
        var grade: Int
        var language: String
        var benchmark: Double
        var gpfCutoffs: [Cutoff]
    }
    struct SubtaskDefinition: Codable {
        var code: String
        var name: String
        var type: String
        var items: Int
        var columnPrefix: String
        var timeLimitSeconds: Int?
        var firstLineItems: Int?
        /// For the ORF passage: the word index (1-based) each comprehension question's sentence ends at.
        var sentenceEnds: [Int]?
        var levels: [String]?
        var benchmarks: [BenchmarkDefinition]
        /// What the child reads, item by item (for an assessor's screen).
        var itemTexts: [String]? = nil
    }
    var code: String
    var name: String
    var kind: String
    var language: String
    var grades: [Int]
    var subtasks: [SubtaskDefinition]
}

extension CountryWriter {
    static let readingLevels = ["Beginner", "Letter", "Word", "Paragraph", "Story"]
    static let mathLevels = ["Beginner", "Number recognition 1-9", "Number recognition 10-99", "Subtraction", "Division"]
    /// Latent reading skill below which a grid scores zero (calibrated so that 30–50 % of grade 2
    /// children in poor rural schools score zero in oral reading).
    static let zeroCut = 0.5

    static func gpf(_ benchmark: Double) -> [InstrumentDefinition.Cutoff] {
        [.init(level: ProficiencyLevel.belowPartiallyMeets.rawValue, minimum: 0),
         .init(level: ProficiencyLevel.partiallyMeets.rawValue, minimum: (benchmark * 0.5).rounded()),
         .init(level: ProficiencyLevel.meets.rawValue, minimum: benchmark),
         .init(level: ProficiencyLevel.exceeds.rawValue, minimum: (benchmark * 1.5).rounded())]
    }

    /// The stimulus sheets: 100 letters (10 a line), 50 familiar words (5 a line), a 60-word
    /// passage of five 12-word sentences — fixed, so files stay identical per seed.
    static func stimuli(_ language: String) -> (letters: [String], words: [String], passage: [String]) {
        let eng = language == "eng"
        let letters = eng ? Array("asmtinrpeoldcgubfhkyjwvzxq").map(String.init) : Array("amkiwnteulhsyobgdfjzpcrv").map(String.init)
        let wordList = eng
            ? ["the", "cat", "sun", "go", "is", "we", "red", "big", "and", "run", "dog", "yes", "can", "see", "hen", "cup", "bed", "map", "fun", "top",
               "man", "sit", "pot", "jam", "bus"]
            : ["baba", "mama", "maji", "kula", "simba", "kuku", "nyumba", "shule", "kitabu", "ndizi", "mti", "jua", "paka", "mbwa", "dada",
               "kaka", "chai", "wali", "embe", "gari", "soma", "cheza", "rafiki", "darasa", "ua"]
        let sentences = eng
            ? ["Juma has a red ball and he plays with it every day.",
               "One morning he went to the field with his friends from school.",
               "They played until the sun was high and they were all hot.",
               "Juma kicked the ball far and it fell into the river there.",
               "His friend Amina found a long stick and they got it back."]
            : ["Juma ana mpira mwekundu na anacheza nao kila siku baada ya shule.",
               "Asubuhi moja alienda uwanjani karibu na shule pamoja na rafiki zake wote.",
               "Walicheza mpaka jua likawa juu na kila mmoja wao alihisi joto sana.",
               "Juma alipiga mpira mbali na ukaanguka mtoni karibu na miti mikubwa ile.",
               "Rafiki yake Amina alipata fimbo ndefu na wakaurudisha mpira wao haraka sana."]
        var passage = sentences.flatMap { $0.split(separator: " ").map(String.init) }
        while passage.count < 60 { passage.append(".") }
        return ((0..<100).map { letters[($0 * 7) % letters.count] }, (0..<50).map { wordList[($0 * 3) % wordList.count] }, Array(passage.prefix(60)))
    }

    static func egraDefinition(language: String, name: String) -> InstrumentDefinition {
        let stimuli = stimuli(language)
        func bm(_ values: [(Int, Double)]) -> [InstrumentDefinition.BenchmarkDefinition] {
            values.map { .init(grade: $0.0, language: language, benchmark: $0.1, gpfCutoffs: gpf($0.1)) }
        }
        let eng = language == "eng"
        return InstrumentDefinition(
            code: "EGRA-\(language.uppercased())", name: "Early Grade Reading Assessment (\(name))", kind: "egra",
            language: language, grades: [2, 3], subtasks: [
                .init(code: "letter_sounds", name: "Letter sound identification", type: "timed_grid", items: 100,
                      columnPrefix: "lsn", timeLimitSeconds: 60, firstLineItems: 10, sentenceEnds: nil, levels: nil,
                      benchmarks: bm(eng ? [(2, 35), (3, 45)] : [(2, 40), (3, 50)]), itemTexts: stimuli.letters),
                .init(code: "familiar_words", name: "Familiar word reading", type: "timed_grid", items: 50,
                      columnPrefix: "fam", timeLimitSeconds: 60, firstLineItems: 5, sentenceEnds: nil, levels: nil,
                      benchmarks: bm(eng ? [(2, 20), (3, 30)] : [(2, 25), (3, 35)]), itemTexts: stimuli.words),
                .init(code: "orf", name: "Oral reading fluency", type: "timed_grid", items: 60, columnPrefix: "orf",
                      timeLimitSeconds: 60, firstLineItems: 10, sentenceEnds: nil, levels: nil,
                      benchmarks: bm(eng ? [(2, 25), (3, 40)] : [(2, 30), (3, 45)]), itemTexts: stimuli.passage),
                .init(code: "comprehension", name: "Reading comprehension", type: "untimed", items: 5,
                      columnPrefix: "comp", timeLimitSeconds: nil, firstLineItems: nil,
                      sentenceEnds: [12, 24, 36, 48, 60], levels: nil,
                      benchmarks: [2, 3].map { .init(grade: $0, language: language, benchmark: 4,
                                                     gpfCutoffs: [.init(level: "below_partially_meets", minimum: 0),
                                                                  .init(level: "partially_meets", minimum: 2),
                                                                  .init(level: "meets", minimum: 4),
                                                                  .init(level: "exceeds", minimum: 5)]) }),
            ])
    }

    static var aserDefinition: InstrumentDefinition {
        InstrumentDefinition(code: "ASER", name: "ASER-style one-on-one test", kind: "aser", language: "swa",
                             grades: [3, 4, 5], subtasks: [
            .init(code: "reading", name: "Reading level", type: "level", items: 5, columnPrefix: "reading",
                  timeLimitSeconds: nil, firstLineItems: nil, sentenceEnds: nil, levels: readingLevels,
                  benchmarks: [(3, 3.0), (4, 4), (5, 4)].map { .init(grade: $0.0, language: "swa", benchmark: $0.1, gpfCutoffs: []) }),
            .init(code: "arithmetic", name: "Arithmetic level", type: "level", items: 5, columnPrefix: "math",
                  timeLimitSeconds: nil, firstLineItems: nil, sentenceEnds: nil, levels: mathLevels,
                  benchmarks: [(3, 3.0), (4, 3), (5, 4)].map { .init(grade: $0.0, language: "swa", benchmark: $0.1, gpfCutoffs: []) }),
        ])
    }

    /// Latent reading skill of a child on `day` (SD units; grows ~0.9 per grade).
    func readingSkill(_ st: Stay, yearIndex yi: Int, on day: Day) -> Double {
        let learner = pop.learners[Int(st.learner)]
        let school = world.schools[Int(st.school)]
        let cal = pop.calendars[yi]
        let progress = Double(day - cal.start) / Double(max(1, cal.end - cal.start))
        var r = Double(learner.ability) + 0.9 * Double(st.grade - 1) + 0.35 * progress
        // Coaching works, with a lag: programme schools gain from the second year on.
        if school.inProgramme && yi >= 1 { r += 0.25 }
        // Teacher shortage: large classes learn less.
        r -= 0.004 * max(0, school.ptr - 40)
        return r
    }

    func writeAssessments() throws {
        let instruments = [CountryWriter.egraDefinition(language: "swa", name: "Kiswahili"),
                           CountryWriter.egraDefinition(language: "eng", name: "English"),
                           CountryWriter.aserDefinition]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let json = try encoder.encode(["instruments": instruments])
        try ledger.write("assessments/instruments.json", bytes: Array(json) + [10])
        ledger.record(source: "assessments", rows: instruments.count)

        let truth = try ledger.open("truth/assessment_rows.csv")
        truth.bytes.append("file,row,true_id,sourcedId,instrument,name_defect,score_defect\n")
        for (yi, cal) in pop.calendars.enumerated() {
            try writeEGRA(yearIndex: yi, round: 1, instruments: Array(instruments.prefix(2)), truth: truth)
            try writeEGRA(yearIndex: yi, round: 2, instruments: [instruments[0]], truth: truth)
            try writeASER(yearIndex: yi, year: cal.id, truth: truth)
        }
        try truth.close()
    }

    /// Index range of each school's stays in a year (stays are sorted by school).
    func schoolRanges(yearIndex yi: Int) -> [Range<Int>] {
        var ranges = [Range<Int>](repeating: 0..<0, count: world.schools.count)
        let stays = pop.stays[yi]
        var lo = 0
        while lo < stays.count {
            var hi = lo
            while hi < stays.count && stays[hi].school == stays[lo].school { hi += 1 }
            ranges[Int(stays[lo].school)] = lo..<hi
            lo = hi
        }
        return ranges
    }

    /// A school's stays that are on the roll and still attending on `day`, in `grades`.
    private func present(yearIndex yi: Int, range: Range<Int>, on day: Day, grades: ClosedRange<Int>) -> [Int] {
        range.filter { i in
            let st = pop.stays[yi][i]
            return grades.contains(Int(st.grade)) && st.start <= day.daysSinceEpoch && st.end >= day.daysSinceEpoch
                && (st.dropDay < 0 || st.dropDay > day.daysSinceEpoch)
        }
    }

    private func assessmentDay(_ window: ClosedRange<Int>, yearIndex yi: Int, rng: inout Rng) -> Day {
        let days = pop.schoolDays[yi].filter { window.contains($0.month) }
        return days.isEmpty ? pop.calendars[yi].start : days[rng.int(below: min(days.count, 25))]
    }

    /// Applies name defects to one assessment row; returns the names to write and the defect label.
    private func nameDefects(given: String, family: String, file: String, row: Int, givenColumn: String,
                             familyColumn: String, key: String, rng: inout Rng) throws -> (String, String, String) {
        if rng.chance(spec.defects.transposedName) {
            try logDefect(.transposedName, source: "assessment", file: file, row: row,
                          column: "\(givenColumn)+\(familyColumn)", key: key, original: "\(given) | \(family)",
                          injected: "\(family) | \(given)")
            return (family, given, "transposed")
        }
        if rng.chance(spec.defects.misspelledName) {
            let onGiven = rng.chance(0.5)
            let original = onGiven ? given : family
            let wrong = misspell(original, rng: &rng)
            try logDefect(.misspelledName, source: "assessment", file: file, row: row,
                          column: onGiven ? givenColumn : familyColumn, key: key, original: original, injected: wrong)
            return onGiven ? (wrong, family, "misspelled") : (given, wrong, "misspelled")
        }
        return (given, family, "")
    }

    /// One plausible typing or hearing error: a dropped, doubled, swapped or confused letter.
    func misspell(_ name: String, rng: inout Rng) -> String {
        var chars = Array(name)
        guard chars.count >= 3 else { return name + name.suffix(1) }
        let confusions: [Character: Character] = ["i": "e", "e": "i", "o": "u", "u": "o", "k": "c", "c": "k",
                                                  "l": "r", "r": "l", "b": "p", "p": "b", "a": "e", "y": "i"]
        for _ in 0..<10 {
            var c = chars
            let i = rng.int(1...(c.count - 1))
            switch rng.int(0...3) {
            case 0: c.remove(at: i)
            case 1: c.insert(c[i], at: i)
            case 2: if i + 1 < c.count { c.swapAt(i, i + 1) }
            default: if let r = confusions[Character(c[i].lowercased())] { c[i] = r }
            }
            if c != chars && c.contains(where: { $0.isLetter }) { chars = c; break }
        }
        let out = String(chars)
        return out == name ? name + "h" : out
    }

    private func writeEGRA(yearIndex yi: Int, round: Int, instruments: [InstrumentDefinition], truth: BufferedFile) throws {
        let cal = pop.calendars[yi]
        let file = "assessments/egra_\(cal.id)_\(round).csv"
        var rng = Rng(seed: spec.seed, stream: "egra", index: yi * 10 + round)
        let census = round == 2
        let window = census ? 10...10 : 3...3
        // Round 1: a national sample (a quarter of schools, 10 children per grade, with weights);
        // round 2: a census of grades 2–3 in the coaching programme's schools.
        var schoolList: [Int] = []
        var schoolWeight = 1.0
        if census {
            schoolList = world.schools.indices.filter { world.schools[$0].inProgramme }
        } else {
            for s in world.schools.indices where rng.chance(0.25) { schoolList.append(s) }
            if schoolList.count < 2 { schoolList = Array(world.schools.indices.prefix(2)) }
            schoolWeight = Double(world.schools.count) / Double(schoolList.count)
        }
        let out = try ledger.open(file)
        var header = "record_id,instrument,round,mode,weight,assessment_date,assessor_id,school_code,grade,learner_given_name,learner_family_name,sex,age"
        let egra = instruments[0]
        for sub in egra.subtasks {
            if sub.type == "timed_grid" {
                header += ",\(sub.columnPrefix)_attempted,\(sub.columnPrefix)_incorrect,\(sub.columnPrefix)_time_remaining"
                for i in 1...sub.items { header += ",\(sub.columnPrefix)_" + padded(i, 3) }
            } else {
                for i in 1...sub.items { header += ",\(sub.columnPrefix)_\(i)" }
            }
        }
        out.bytes.append(header + "\n")
        var row = 1
        let ranges = schoolRanges(yearIndex: yi)
        var schoolDay: [Int: Day] = [:]
        for s in schoolList { schoolDay[s] = assessmentDay(window, yearIndex: yi, rng: &rng) }
        for s in schoolList {
            guard let day = schoolDay[s] else { continue }
            let roster = present(yearIndex: yi, range: ranges[s], on: day, grades: 2...3)
            let assessor = "ASR-" + padded(1 + (s * 7 + yi * 3 + round) % max(3, world.schools.count / 6), 3)
            for grade in 2...3 {
                var pupils = roster.filter { pop.stays[yi][$0].grade == grade }
                guard !pupils.isEmpty else { continue }
                let available = pupils.count
                if census {
                    pupils = pupils.filter { _ in rng.chance(0.9) }  // absent on the day
                } else {
                    rng.shuffle(&pupils)
                    pupils = Array(pupils.prefix(10)).sorted()
                }
                let weight = census ? 1.0 : schoolWeight * Double(available) / Double(max(1, pupils.count))
                for p in pupils {
                    let st = pop.stays[yi][p]
                    let learner = pop.learners[Int(st.learner)]
                    let (given, family) = learnerName(st.learner)
                    for inst in instruments {
                        row += 1
                        var skill = readingSkill(st, yearIndex: yi, on: day)
                        if inst.language == "eng" {
                            // English is a second (or third) language except in English-medium schools.
                            let school = world.schools[s]
                            skill -= school.ownership == .private ? 0.1 : (school.urban ? 0.35 : 0.6)
                        }
                        let key = trueLearnerID(st.learner)
                        let (g, f, nameDefect) = try nameDefects(given: given, family: family, file: file, row: row,
                                                                 givenColumn: "learner_given_name",
                                                                 familyColumn: "learner_family_name", key: key, rng: &rng)
                        var line = CSVLineBuilder()
                        line.field("\(cal.id)-\(round)-" + padded(row - 1, 6))
                        line.field(inst.code)
                        line.int(round)
                        line.field(census ? "census" : "sample")
                        line.double(weight, decimals: 3)
                        line.field(day.iso)
                        line.field(assessor)
                        line.field(world.schools[s].code)
                        line.int(grade)
                        line.field(g)
                        line.field(f)
                        line.field(learner.female ? "F" : "M")
                        line.int(day.age(bornOn: Day(daysSinceEpoch: learner.birth)))
                        var cells: [String] = []
                        var orfAttempted = 0
                        for sub in inst.subtasks where sub.type == "timed_grid" {
                            let shift: Double = sub.code == "letter_sounds" ? 0.8 : (sub.code == "familiar_words" ? 0.35 : 0)
                            let slope: Double = sub.code == "letter_sounds" ? 30 : (sub.code == "familiar_words" ? 24 : 25)
                            let grid = timedGrid(skill: skill + shift, slope: slope, items: sub.items,
                                                 firstLine: sub.firstLineItems ?? 10, rng: &rng)
                            if sub.code == "orf" { orfAttempted = grid.attempted }
                            cells.append(String(grid.attempted))
                            cells.append(String(grid.incorrect))
                            cells.append(String(grid.remaining))
                            cells.append(contentsOf: grid.responses)
                        }
                        let sentenceEnds = inst.subtasks.last?.sentenceEnds ?? []
                        let pComp = logistic(1.4 * (skill - CountryWriter.zeroCut) - 1.2)
                        for end in sentenceEnds {
                            cells.append(orfAttempted >= end ? (rng.chance(pComp) ? "1" : "0") : "")
                        }
                        var scoreDefect = ""
                        if rng.chance(spec.defects.outOfRangeScore) {
                            // Corrupt one raw count of one timed subtask.
                            let timed = inst.subtasks.filter { $0.type == "timed_grid" }
                            let which = rng.int(below: timed.count)
                            var offset = 0
                            for k in 0..<which { offset += 3 + timed[k].items }
                            let sub = timed[which]
                            let kind = rng.int(0...2)
                            let index = offset + kind
                            let original = cells[index]
                            let injected: String
                            switch kind {
                            case 0: injected = String(sub.items + rng.int(1...40))
                            case 1: injected = String((Int(cells[offset]) ?? 0) + rng.int(1...9))
                            default: injected = rng.chance(0.5) ? String(rng.int(61...99)) : String(-rng.int(1...9))
                            }
                            cells[index] = injected
                            let column = sub.columnPrefix + ["_attempted", "_incorrect", "_time_remaining"][kind]
                            try logDefect(.outOfRangeScore, source: "assessment", file: file, row: row, column: column,
                                          key: key, original: original, injected: injected)
                            scoreDefect = column
                        }
                        for c in cells { line.field(c) }
                        out.bytes.append(contentsOf: line.finish())
                        try out.flushIfNeeded()
                        var t = CSVLineBuilder()
                        t.field(file); t.int(row); t.field(key)
                        t.raw(recordIDs[Int(st.record)]); t.field(inst.code); t.field(nameDefect); t.field(scoreDefect)
                        truth.bytes.append(contentsOf: t.finish())
                        try truth.flushIfNeeded()
                    }
                }
            }
        }
        try out.close()
        ledger.record(source: "assessments", rows: row - 1)
        summary.egraRows += row - 1
    }

    /// Simulates one timed grid: fluency from skill, item marks, the early-stop rule.
    func timedGrid(skill: Double, slope: Double, items: Int, firstLine: Int, rng: inout Rng)
        -> (attempted: Int, incorrect: Int, remaining: Int, responses: [String]) {
        var responses = [String](repeating: "", count: items)
        let fluency = slope * (skill - CountryWriter.zeroCut) + rng.normal(sd: 3)
        if fluency < 1 {
            // Every item of the first line wrong: the assessor stops the subtask.
            let elapsed = rng.int(15...45)
            for i in 0..<min(firstLine, items) { responses[i] = "0" }
            return (min(firstLine, items), min(firstLine, items), 60 - elapsed, responses)
        }
        let accuracy = clamp(0.6 + 0.38 * logistic(2 * (skill - CountryWriter.zeroCut - 0.5)), 0.55, 0.99)
        let perMinute = fluency / accuracy
        let seconds = Double(items) / perMinute * 60
        let attempted: Int, remaining: Int
        if seconds < 59 {
            attempted = items
            remaining = 60 - Int(seconds.rounded(.up))
        } else {
            attempted = max(1, min(items, Int(perMinute.rounded())))
            remaining = 0
        }
        var incorrect = 0
        for i in 0..<attempted {
            let right = rng.chance(accuracy)
            responses[i] = right ? "1" : "0"
            if !right { incorrect += 1 }
        }
        if attempted >= firstLine && responses.prefix(firstLine).allSatisfy({ $0 == "0" }) {
            responses[0] = "1"
            incorrect -= 1
        }
        return (attempted, incorrect, remaining, responses)
    }

    /// assessments/aser_<year>.csv: an ASER-style one-on-one test in a sample of schools, July.
    private func writeASER(yearIndex yi: Int, year: Int, truth: BufferedFile) throws {
        let file = "assessments/aser_\(year).csv"
        var rng = Rng(seed: spec.seed, stream: "aser", index: yi)
        var schoolList: [Int] = []
        for s in world.schools.indices where rng.chance(0.2) { schoolList.append(s) }
        if schoolList.isEmpty, let first = world.schools.indices.first { schoolList = [first] }
        let schoolWeight = Double(world.schools.count) / Double(schoolList.count)
        let out = try ledger.open(file)
        out.bytes.append("survey_year,school_code,grade,child_first_name,child_last_name,gender,age,assessor,test_date,reading_level,math_level,mode,weight\n")
        var row = 1
        let ranges = schoolRanges(yearIndex: yi)
        for s in schoolList {
            let day = assessmentDay(7...7, yearIndex: yi, rng: &rng)
            let roster = present(yearIndex: yi, range: ranges[s], on: day, grades: 3...5)
            for grade in 3...5 {
                var pupils = roster.filter { pop.stays[yi][$0].grade == grade }
                guard !pupils.isEmpty else { continue }
                let available = pupils.count
                rng.shuffle(&pupils)
                pupils = Array(pupils.prefix(8)).sorted()
                let weight = schoolWeight * Double(available) / Double(pupils.count)
                for p in pupils {
                    row += 1
                    let st = pop.stays[yi][p]
                    let learner = pop.learners[Int(st.learner)]
                    let (given, family) = learnerName(st.learner)
                    let key = trueLearnerID(st.learner)
                    let (g, f, nameDefect) = try nameDefects(given: given, family: family, file: file, row: row,
                                                             givenColumn: "child_first_name", familyColumn: "child_last_name",
                                                             key: key, rng: &rng)
                    let skill = readingSkill(st, yearIndex: yi, on: day) + rng.normal(sd: 0.3)
                    let math = 0.75 * Double(learner.ability) + rng.normal(sd: 0.5) + 0.9 * Double(grade - 1)
                        - 0.9 * (world.schools[s].poverty - 0.4)
                    // Level cut-offs on the latent skills, set so that grade-3 children spread over
                    // all levels and about three in five grade-5 children read a story (Uwezo-like).
                    let cuts = [0.3, 1.0, 1.8, 2.6].map { $0 + CountryWriter.zeroCut }
                    let mathCuts = [0.3, 1.0, 2.2, 3.4].map { $0 + CountryWriter.zeroCut }
                    let reading = cuts.filter { skill >= $0 }.count
                    let mathLevel = mathCuts.filter { math >= $0 }.count
                    var line = CSVLineBuilder()
                    line.int(year)
                    line.field(world.schools[s].code)
                    line.int(grade)
                    line.field(g)
                    line.field(f)
                    line.field(learner.female ? "Female" : "Male")
                    line.int(day.age(bornOn: Day(daysSinceEpoch: learner.birth)))
                    line.field("Volunteer " + padded(1 + (s + yi) % 40, 2))
                    line.field(dmy(day))
                    line.field(CountryWriter.readingLevels[reading])
                    line.field(CountryWriter.mathLevels[mathLevel])
                    line.field("sample")
                    line.double(weight, decimals: 3)
                    out.bytes.append(contentsOf: line.finish())
                    try out.flushIfNeeded()
                    var t = CSVLineBuilder()
                    t.field(file); t.int(row); t.field(key)
                    t.raw(recordIDs[Int(st.record)]); t.field("ASER"); t.field(nameDefect); t.empty()
                    truth.bytes.append(contentsOf: t.finish())
                }
            }
        }
        try out.close()
        ledger.record(source: "assessments", rows: row - 1)
        summary.aserRows += row - 1
    }
}
