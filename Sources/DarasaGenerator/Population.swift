import DarasaCore
import Foundation

/// The true outcome of one stay (one learner at one school in one year), as in truth/outcomes.csv.
enum Outcome: UInt8, CaseIterable {
    case promoted, repeated, transferred, droppedOut, completed
    var code: String {
        switch self {
        case .promoted: "promoted"
        case .repeated: "repeated"
        case .transferred: "transferred"
        case .droppedOut: "dropped_out"
        case .completed: "completed"
        }
    }
}

/// One child, as the truth knows them. Compact, because a million of these stay in memory.
struct LearnerState {
    var female: Bool
    var given: Int32
    var family: Int32
    var language: UInt8
    var birth: Int32
    /// Washington Group answers, 2 bits per domain in `FunctioningDomain.allCases` order
    /// (0 no difficulty … 3 cannot do at all).
    var functioning: UInt16
    var functioningAsked: Bool
    var ability: Float
    var absence: Float
    var dupCandidate: Bool
    var record: Int32
    var entryYear: Int16
    var entryGrade: Int8

    var hasDisability: Bool {
        for d in 0..<6 where (functioning >> UInt16(2 * d)) & 3 >= 2 { return true }
        return false
    }
    func difficulty(_ domain: Int) -> Int { Int((functioning >> UInt16(2 * domain)) & 3) }
}

/// A record in the school-management system (one OneRoster student user).
struct SMSRecord {
    var learner: Int32
    /// The record this one duplicates (-1 for a learner's first record).
    var duplicateOf: Int32
    var createdYear: Int16
}

/// One learner at one school in one year: the unit of registers, enrolments and outcomes.
struct Stay {
    var learner: Int32
    var record: Int32
    var school: Int32
    var year: Int16
    var grade: Int8
    var section: UInt8
    var transferIn: Bool
    /// First and last day on the roll (days since 1970).
    var start: Int32
    var end: Int32
    /// Day the child stopped attending (dropouts only), else -1.
    var dropDay: Int32
    /// OneRoster enrollment endDate, else -1.
    var smsEnd: Int32
    var outcome: Outcome
    var nextSchool: Int32
    var nextGrade: Int8
}

struct ClassKey: Hashable, Comparable {
    var school: Int32
    var grade: Int8
    var section: UInt8
    static func < (a: ClassKey, b: ClassKey) -> Bool {
        (a.school, a.grade, a.section) < (b.school, b.grade, b.section)
    }
}

/// Learners, their SMS records and their stays, simulated year by year.
struct Population {
    var learners: [LearnerState] = []
    var records: [SMSRecord] = []
    /// Stays per year index, sorted by school, grade, section, start, learner.
    var stays: [[Stay]] = []
    /// Classes per year index, sorted.
    var classes: [[ClassKey]] = []
    var calendars: [AcademicYear] = []
    var schoolDays: [[Day]] = []

    static let sectionSize = 55

    init(spec: CountrySpec, world: World, names: NameTable) {
        let years = spec.years
        calendars = years.map(SchoolYearCalendar.academicYear)
        schoolDays = calendars.map(\.schoolDays)
        var rng = Rng(seed: spec.seed, stream: "population")
        var active: [(learner: Int32, school: Int32, grade: Int8, transferIn: Bool)] = []
        var intakeBase = [Double](repeating: 0, count: world.schools.count)
        var namesInSchool = [Set<Int64>](repeating: [], count: world.schools.count)

        func newLearner(school s: Int, grade: Int, year: Int, yearIndex: Int, rng: inout Rng) -> Int32 {
            let school = world.schools[s]
            let lang: Int
            if rng.chance(school.urban ? 0.5 : 0.85) { lang = school.language } else {
                lang = school.urban && rng.chance(0.5) ? 0 : rng.int(below: NameBank.languages.count)
            }
            let female = rng.chance(0.493)
            var overage = 0
            if rng.chance((school.urban ? 0.08 : 0.12) + 0.45 * school.poverty) {
                overage = 1
                while overage < 5 && rng.chance(0.35) { overage += 1 }
            }
            let birthYear = year - (5 + grade) - overage
            let birth = SchoolYearCalendar.day(birthYear, 1, 1).daysSinceEpoch + Int32(rng.int(0...364))
            // Washington Group child functioning: ~3–5 % with disability (a lot / cannot in a domain).
            var functioning: UInt16 = 0
            var disabled = false
            var cognition = false
            if rng.chance(0.03 + 0.025 * school.poverty) {
                disabled = true
                let domains = rng.chance(0.8) ? 1 : 2
                for _ in 0..<domains {
                    let d = rng.pick(cumulative: Population.domainWeights)
                    let level: UInt16 = rng.chance(0.75) ? 2 : 3
                    functioning |= level << UInt16(2 * d)
                    if d == 3 { cognition = true }
                }
            }
            for d in 0..<6 where (functioning >> UInt16(2 * d)) & 3 == 0 && rng.chance(0.025) {
                functioning |= 1 << UInt16(2 * d)
            }
            let instructionLanguage = school.urban || school.ownership == .private ? 0 : school.language
            var ability = school.effect - 1.3 * (school.poverty - 0.4) + (school.urban ? 0.15 : 0) + rng.normal(sd: 0.85)
            if lang != instructionLanguage { ability -= 0.3 }
            if female { ability += 0.1 }
            if disabled { ability -= cognition ? 1.0 : 0.5 }
            ability -= 0.15 * Double(overage)
            var absence = -2.9 + 1.3 * school.poverty + school.absenceEffect - 0.25 * ability + rng.normal(sd: 0.55)
            if disabled { absence += 0.5 }
            // Schools tell namesakes apart (a second name, an initial): no two children of a
            // school share a full name when they are registered.
            var given = 0, family = 0
            for _ in 0..<8 {
                given = names.drawGiven(female: female, language: lang, rng: &rng)
                family = names.drawFamily(language: lang, rng: &rng)
                if namesInSchool[s].insert(Int64(given) << 32 | Int64(family)).inserted { break }
            }
            let id = Int32(learners.count)
            learners.append(LearnerState(
                female: female, given: Int32(given), family: Int32(family), language: UInt8(lang), birth: birth,
                functioning: functioning, functioningAsked: rng.chance(0.92), ability: Float(ability),
                absence: Float(absence), dupCandidate: rng.chance(spec.defects.duplicateLearner),
                record: Int32(records.count), entryYear: Int16(yearIndex), entryGrade: Int8(grade)))
            records.append(SMSRecord(learner: id, duplicateOf: -1, createdYear: Int16(yearIndex)))
            return id
        }

        // First year: every school's grades 1–8, with fewer children in higher grades where
        // poverty pushes them out, and a grade-1 bulge of repeaters.
        if let firstYear = years.first {
            for (s, school) in world.schools.enumerated() {
                let k = 0.02 + 0.12 * school.poverty * (school.urban ? 0.5 : 1)
                var w = (1...8).map { exp(-k * Double($0 - 1)) }
                w[0] *= 1 + 0.3 * school.poverty
                let sum = w.reduce(0, +)
                for g in 1...8 {
                    let n = Int((Double(school.size) * w[g - 1] / sum).rounded())
                    if g == 1 { intakeBase[s] = Double(n) * 0.88 }
                    for _ in 0..<n {
                        let l = newLearner(school: s, grade: g, year: firstYear, yearIndex: 0, rng: &rng)
                        active.append((l, Int32(s), Int8(g), false))
                    }
                }
            }
        }

        for (yi, year) in years.enumerated() {
            let days = schoolDays[yi]
            let n = days.count
            let lastDay = days.last?.daysSinceEpoch ?? 0
            // Sections: ceil(n / 55) per school and grade, children spread at random.
            var groups: [Int: [Int]] = [:]
            for (i, a) in active.enumerated() { groups[Int(a.school) * 16 + Int(a.grade), default: []].append(i) }
            var sectionOf = [UInt8](repeating: 0, count: active.count)
            var sectionCount: [Int: Int] = [:]
            for key in groups.keys.sorted() {
                var members = groups[key] ?? []
                let count = max(1, (members.count + Population.sectionSize - 1) / Population.sectionSize)
                sectionCount[key] = count
                rng.shuffle(&members)
                for (j, m) in members.enumerated() { sectionOf[m] = UInt8(j % count) }
            }
            var yearStays: [Stay] = []
            yearStays.reserveCapacity(active.count + active.count / 50)
            var next: [(learner: Int32, school: Int32, grade: Int8, transferIn: Bool)] = []
            next.reserveCapacity(active.count)

            func record(for l: Int32, newStay: Bool, transfer: Bool) -> Int32 {
                var learner = learners[Int(l)]
                if learner.dupCandidate && newStay && records[Int(learner.record)].duplicateOf < 0
                    && (transfer || rng.chance(0.5)) {
                    let r = Int32(records.count)
                    records.append(SMSRecord(learner: l, duplicateOf: learner.record, createdYear: Int16(yi)))
                    learner.record = r
                    learner.dupCandidate = false
                    learners[Int(l)] = learner
                }
                return learners[Int(l)].record
            }

            func otherSchool(_ s: Int, rng: inout Rng) -> Int? {
                let district = world.schools[s].district
                var pool = rng.chance(0.6) ? world.schoolsByZone[world.schools[s].zone] : world.schoolsByDistrict[district]
                if pool.count < 2 { pool = world.schoolsByDistrict[district] }
                if pool.count < 2 { pool = Array(0..<world.schools.count) }
                guard pool.count >= 2 else { return nil }
                for _ in 0..<8 {
                    let c = rng.element(pool)
                    if c != s { return c }
                }
                return pool.first { $0 != s }
            }

            func fate(_ l: Int32, school s: Int, grade g: Int, rng: inout Rng) -> (Outcome, midYear: Bool) {
                let learner = learners[Int(l)]
                let school = world.schools[s]
                let age = year - Int(Day(daysSinceEpoch: learner.birth).year)
                let overage = max(0, age - (5 + g))
                var dropLogit = -5.1 + 2.2 * school.poverty + 0.35 * Double(overage) - 0.35 * Double(learner.ability)
                    + 0.9 * (Double(learner.absence) + 2.4)
                if g >= 6 { dropLogit += 0.3 }
                if learner.female && g >= 6 { dropLogit += 0.5 }
                if learner.hasDisability { dropLogit += 0.9 }
                if school.urban { dropLogit -= 0.4 }
                let u = rng.uniform()
                let pDrop = logistic(dropLogit)
                if u < pDrop { return (.droppedOut, rng.chance(0.6)) }
                if u < pDrop + 0.012 { return (.transferred, true) }
                if u < pDrop + 0.032 && g < 8 { return (.transferred, false) }
                var repeatLogit = -2.7 + 1.2 * school.poverty - 0.8 * Double(learner.ability) - 0.05 * Double(g)
                if g == 1 { repeatLogit += 0.7 }
                if g == 8 { repeatLogit -= 1.0 }
                if rng.chance(logistic(repeatLogit)) { return (.repeated, false) }
                return (g == 8 ? .completed : .promoted, false)
            }

            func endOfYear(_ stay: inout Stay, rng: inout Rng) {
                let g = Int(stay.grade)
                var (outcome, mid) = fate(stay.learner, school: Int(stay.school), grade: g, rng: &rng)
                if outcome == .transferred { outcome = g == 8 ? .completed : .promoted; mid = false }
                stay.outcome = outcome
                if outcome == .droppedOut {
                    if mid, let startIndex = days.firstIndex(where: { $0.daysSinceEpoch >= stay.start }), startIndex + 15 < n - 10 {
                        let dropIndex = rng.int((startIndex + 15)...(n - 10))
                        stay.dropDay = days[dropIndex].daysSinceEpoch
                        stay.end = days[min(n - 1, dropIndex + rng.int(10...40))].daysSinceEpoch
                        if rng.chance(0.5) { stay.smsEnd = stay.end }
                    } else {
                        stay.dropDay = lastDay
                    }
                }
            }

            for (i, a) in active.enumerated() {
                let s = Int(a.school), g = Int(a.grade)
                let rec = record(for: a.learner, newStay: Int(learners[Int(a.learner)].entryYear) < yi, transfer: a.transferIn)
                var stay = Stay(learner: a.learner, record: rec, school: a.school, year: Int16(yi), grade: a.grade,
                                section: sectionOf[i], transferIn: a.transferIn,
                                start: days.first?.daysSinceEpoch ?? 0, end: lastDay, dropDay: -1, smsEnd: -1,
                                outcome: .promoted, nextSchool: -1, nextGrade: -1)
                let (outcome, mid) = fate(a.learner, school: s, grade: g, rng: &rng)
                if outcome == .transferred, mid, n > 60, let target = otherSchool(s, rng: &rng) {
                    // Moves during the year: the stay closes, a new one opens at the other school.
                    let moveIndex = rng.int(20...(n - 30))
                    stay.end = days[moveIndex].daysSinceEpoch
                    stay.smsEnd = stay.end
                    stay.outcome = .transferred
                    stay.nextSchool = Int32(target)
                    stay.nextGrade = Int8(g)
                    yearStays.append(stay)
                    let arrival = days[min(n - 1, moveIndex + rng.int(2...8))]
                    let key = target * 16 + g
                    let sections = sectionCount[key] ?? 1
                    sectionCount[key] = sections
                    let rec2 = record(for: a.learner, newStay: true, transfer: true)
                    var second = Stay(learner: a.learner, record: rec2, school: Int32(target), year: Int16(yi),
                                      grade: a.grade, section: UInt8(rng.int(below: sections)), transferIn: true,
                                      start: arrival.daysSinceEpoch, end: lastDay, dropDay: -1, smsEnd: -1,
                                      outcome: .promoted, nextSchool: -1, nextGrade: -1)
                    endOfYear(&second, rng: &rng)
                    yearStays.append(second)
                    if let nx = Population.continuation(second) { next.append((a.learner, nx.school, nx.grade, false)) }
                    continue
                }
                if outcome == .transferred, !mid, let target = otherSchool(s, rng: &rng) {
                    stay.outcome = .transferred
                    stay.nextSchool = Int32(target)
                    stay.nextGrade = Int8(g + 1)
                    yearStays.append(stay)
                    next.append((a.learner, Int32(target), Int8(g + 1), true))
                    continue
                }
                if outcome == .transferred {
                    stay.outcome = g == 8 ? .completed : .promoted
                } else {
                    stay.outcome = outcome
                }
                if stay.outcome == .droppedOut {
                    if mid, n > 30 {
                        let dropIndex = rng.int(15...(n - 10))
                        stay.dropDay = days[dropIndex].daysSinceEpoch
                        stay.end = days[min(n - 1, dropIndex + rng.int(10...40))].daysSinceEpoch
                        if rng.chance(0.5) { stay.smsEnd = stay.end }
                    } else {
                        stay.dropDay = lastDay
                    }
                }
                yearStays.append(stay)
                if let nx = Population.continuation(stay) { next.append((a.learner, nx.school, nx.grade, false)) }
            }

            // Next year's grade-1 intake.
            if yi + 1 < years.count {
                for s in 0..<world.schools.count {
                    let expected = intakeBase[s] * pow(1.02, Double(yi + 1)) * rng.lognormal(median: 1, sigma: 0.08)
                    let count = Int(expected.rounded())
                    for _ in 0..<count {
                        let l = newLearner(school: s, grade: 1, year: years[yi + 1], yearIndex: yi + 1, rng: &rng)
                        next.append((l, Int32(s), 1, false))
                    }
                }
            }
            yearStays.sort {
                ($0.school, $0.grade, $0.section, $0.start, $0.learner) < ($1.school, $1.grade, $1.section, $1.start, $1.learner)
            }
            var keys = Set<ClassKey>()
            for st in yearStays { keys.insert(ClassKey(school: st.school, grade: st.grade, section: st.section)) }
            classes.append(keys.sorted())
            stays.append(yearStays)
            active = next
        }
    }

    /// Where the child is at the start of next year, if anywhere.
    static func continuation(_ stay: Stay) -> (school: Int32, grade: Int8)? {
        switch stay.outcome {
        case .promoted: (stay.school, stay.grade + 1)
        case .repeated: (stay.school, stay.grade)
        case .transferred: stay.nextSchool >= 0 ? (stay.nextSchool, stay.nextGrade) : nil
        case .droppedOut, .completed: nil
        }
    }

    static let domainWeights = cumulative([0.2, 0.15, 0.15, 0.3, 0.05, 0.15])
}
