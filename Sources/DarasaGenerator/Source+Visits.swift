import DarasaCore
import Foundation

extension CountryWriter {
    static let coachingCriteria = ["lesson_plan_used", "learners_grouped_by_level", "reading_materials_in_use",
                                   "learner_engagement", "formative_assessment"]
    static let qaCriteria = ["school_leadership", "records_up_to_date", "learning_environment",
                             "teacher_presence", "safety_and_wash"]
    static let coachingActions = ["Regroup Grade 3 by reading level", "Use the decodable readers daily",
                                  "Model a phonics lesson for the Grade 1 teacher", "Set up a class library corner",
                                  "Run a weekly letter-sound check with the lowest group",
                                  "Share lesson plans with the head teacher every Monday"]
    static let qaActions = ["Update the admission register", "Repair the latrine doors", "Display the timetable",
                            "Submit the census return", "Hold a parents' meeting on attendance",
                            "Follow up learners absent for two weeks"]
    static let notes = ["Teacher well prepared; learners engaged in pairs.",
                        "Large class; many learners without books.",
                        "Lesson started late; head teacher away at a meeting.",
                        "Good use of the reading corner, learners read aloud in groups.",
                        "Teacher asked for more decodable readers.",
                        "Register not marked for the last week.",
                        "Learners grouped by level for the first time; \"good energy\" in class."]

    /// visits/visits_<year>.json: the coaching app's export of coaching and quality-assurance visits.
    ///
    /// Coaching reaches programme zones, and within them the schools nearer the road more often
    /// (visits fall with remoteness); quality-assurance officers visit any school about once in
    /// two years. Rubric scores rise with the school's effect and with coaching received.
    func writeVisits() throws {
        var coachedSoFar = [Int](repeating: 0, count: world.schools.count)
        var total = 0
        for (yi, cal) in pop.calendars.enumerated() {
            var rng = Rng(seed: spec.seed, stream: "visits", index: yi)
            let days = pop.schoolDays[yi]
            struct Planned { var school: Int; var day: Day; var coaching: Bool }
            var planned: [Planned] = []
            for (s, school) in world.schools.enumerated() {
                let coachingRate = school.inProgramme ? 7.0 * (1 - 0.75 * school.remoteness) : 0.25
                for _ in 0..<rng.poisson(coachingRate) { planned.append(Planned(school: s, day: rng.element(days), coaching: true)) }
                for _ in 0..<rng.poisson(0.55) { planned.append(Planned(school: s, day: rng.element(days), coaching: false)) }
            }
            planned.sort { ($0.day, $0.school, $0.coaching ? 0 : 1) < ($1.day, $1.school, $1.coaching ? 0 : 1) }
            var out: [UInt8] = []
            out.append("{\n  \"export\": {\"system\": \"Tembelea coaching app\", \"version\": \"3.2\", \"year\": \(cal.id)},\n  \"visits\": [")
            for (i, v) in planned.enumerated() {
                let school = world.schools[v.school]
                let zone = world.zones[school.zone], district = world.districts[school.district]
                let visitorID = v.coaching ? "CSO-" + zone.code : "QAO-" + district.code
                let visitorName = visitorNames(v.coaching ? school.zone : 10_000 + school.district)
                let criteria = v.coaching ? CountryWriter.coachingCriteria : CountryWriter.qaCriteria
                let quality = school.effect + 0.12 * Double(min(coachedSoFar[v.school], 10)) - 0.5 * school.poverty
                out.append(i == 0 ? "\n" : ",\n")
                out.append("    {\"visitId\": \"V\(cal.id)-\(padded(i + 1, 6))\", \"schoolCode\": \"\(school.code)\", ")
                out.append("\"visitDate\": \"\(v.day.iso)\", \"purpose\": \"\(v.coaching ? "coaching" : "quality_assurance")\",\n")
                out.append("     \"visitor\": {\"id\": \"\(visitorID)\", \"name\": ")
                appendJSONString(visitorName, to: &out)
                out.append("},\n     \"rubric\": [")
                for (ci, c) in criteria.enumerated() {
                    let score = max(1, min(4, Int((2.4 + quality + rng.normal(sd: 0.7)).rounded())))
                    out.append(ci == 0 ? "" : ", ")
                    out.append("{\"criterion\": \"\(c)\", \"score\": \(score)}")
                }
                out.append("],\n     \"notes\": ")
                appendJSONString(rng.element(CountryWriter.notes), to: &out)
                out.append(",\n     \"followUps\": [")
                let actions = v.coaching ? CountryWriter.coachingActions : CountryWriter.qaActions
                let count = rng.int(0...2)
                for a in 0..<count {
                    let due = v.day.adding(days: [14, 21, 30][rng.int(0...2)])
                    let u = rng.uniform()
                    let status = due > cal.end ? "open" : (u < 0.6 ? "done" : (u < 0.85 ? "open" : "dropped"))
                    out.append(a == 0 ? "" : ", ")
                    out.append("{\"action\": ")
                    appendJSONString(rng.element(actions), to: &out)
                    out.append(", \"dueDate\": \"\(due.iso)\", \"status\": \"\(status)\"}")
                }
                out.append("]}")
                if v.coaching { coachedSoFar[v.school] += 1 }
            }
            out.append("\n  ]\n}\n")
            try ledger.write("visits/visits_\(cal.id).json", bytes: out)
            ledger.record(source: "visits", rows: planned.count)
            total += planned.count
        }
        summary.visits = total
    }

    /// A stable name for the officer of a zone or district.
    func visitorNames(_ slot: Int) -> String {
        var rng = Rng(seed: spec.seed, stream: "visitor", index: slot)
        let female = rng.chance(0.5)
        let lang = rng.int(below: NameBank.languages.count)
        return names.given[names.drawGiven(female: female, language: lang, rng: &rng)] + " "
            + names.family[names.drawFamily(language: lang, rng: &rng)]
    }
}

func appendJSONString(_ s: String, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "\""): out.append("\\\"")
        case UInt8(ascii: "\\"): out.append("\\\\")
        case 10: out.append("\\n")
        case 13: out.append("\\r")
        case 9: out.append("\\t")
        case 0..<32: out.append("\\u00" + String(b >> 4, radix: 16) + String(b & 0xF, radix: 16))
        default: out.append(b)
        }
    }
    out.append(UInt8(ascii: "\""))
}
