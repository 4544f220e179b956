import DarasaAnalytics
import Foundation
import PropertyBased
import Testing

/// The catalogue file: the shipped one loads whole; a bad one is refused with its file and line.
@Suite struct IndicatorCatalogueTests {
    @Test func theShippedCatalogueLoadsWithEveryMethod() throws {
        let c = IndicatorCatalogue.shipped
        #expect(c.indicators.count >= 30)
        #expect(Set(c.indicators.map(\.method)) == [.ratio, .complement, .distribution, .survival, .allocationConsistency, .learningPoverty])
        #expect(c.system.entryAge == 6 && c.system.levels["primary"] == 1...8)
        let ner = try #require(c.named("net_enrolment_ratio"))
        #expect(ner.numerator?.measures == ["enrolled"] && ner.numerator?.ages == .level("primary") && ner.denominator?.source == .population)
        // Indicator-level filters reach the terms that can take them, not the population.
        let sdg = try #require(c.named("sdg_4_1_1_reading"))
        #expect(sdg.mode == .sample && sdg.numerator?.subtask == "orf" && sdg.numerator?.grades == .range(2...3))
    }

    static let head = "indicators:\n  a:\n    title: A\n    definition: An indicator.\n"

    @Test(arguments: [
        (head + "    numerator: no_such_measure\n    denominator: scored\n", 5, "is not a measure"),
        (head + "    numerator: [present_days, scored]\n    denominator: scored\n", 5, "come from different summaries"),
        (head + "    numerator: active\n", 2, "has no denominator"),
        (head + "    unit: percent\n    numerator: active\n", 5, "not one of count, share, ratio, mean"),
        (head + "    numerator: { measure: active, grades: secondary }\n    denominator: learners\n", 5, "neither a level"),
        (head + "    numerator: { measure: population, grades: 1-8 }\n    denominator: population\n", 5, "population figures have no grades"),
        (head + "    mode: sample\n    numerator: active\n    denominator: learners\n", 5, "reads no assessment results"),
        (head + "    colour: blue\n", 5, "is not a setting of an indicator"),
        (head + "    method: learning_poverty\n    proficiency: a\n    out_of_school: nowhere\n", 2, "not an indicator of this catalogue"),
        (head + "    method: learning_poverty\n    proficiency: a\n    out_of_school: a\n", 2, "is built from itself (a → a)"),
        (head + "    method: learning_poverty\n    proficiency: b\n    out_of_school: b\n"
              + "  b:\n    title: B\n    definition: Another.\n    method: learning_poverty\n    proficiency: a\n    out_of_school: a\n",
         2, "is built from itself (a → b → a)"),
        (head + "    method: distribution\n    numerator: results\n", 2, "should be level or proficiency"),
        (head + "    method: survival\n", 2, "follows a cohort"),
        ("system:\n  entry_age: 12\n" + head, 2, "entry_age should be a whole number from 3 to 9"),
        ("indicators:\n  Bad-Id:\n    title: A\n", 2, "should be one word"),
        ("indicatorz:\n  a: {}\n", 1, "is not a setting of the catalogue"),
        (head + "  a:\n    title: B\n", 2, "appears twice"),
    ])
    func aBadCatalogueIsRefusedWithItsLine(text: String, line: Int, problem: String) {
        #expect {
            _ = try IndicatorCatalogue.parse(text, file: "my-catalogue.yaml")
        } throws: { e in
            guard let e = e as? IndicatorCatalogue.CatalogueError else { return false }
            return e.file == "my-catalogue.yaml" && e.line == line && e.problem.contains(problem) && e.description.contains("line \(line)")
        }
    }

    /// Any text either parses or is refused with a CatalogueError naming the file — never a crash
    /// or another error, so a broken file cannot take the server down or pass unnoticed.
    @Test func anyTextParsesOrIsRefusedWithTheFileNamed() async {
        let pieces = ["indicators:\n", "system:\n", "  a:\n", "    title: T\n", "    definition: D\n", "    numerator: active\n",
                      "    denominator: learners\n", "    unit: count\n", "    method: survival\n", "  entry_age: 6\n", "    grades: 1-x\n",
                      "  : \n", "- [\n", "    mode: sample\n", "\t\"\n", "    numerator: {measure: [a, b]}\n"]
        await propertyCheck(input: Gen.int(in: 0...(pieces.count - 1)).array(of: 0...12)) { picks in
            let text = picks.map { pieces[$0] }.joined()
            do {
                _ = try IndicatorCatalogue.parse(text, file: "fuzz.yaml")
            } catch let e as IndicatorCatalogue.CatalogueError {
                #expect(e.file == "fuzz.yaml" && !e.problem.isEmpty)
            } catch {
                Issue.record("unexpected error \(error) for \(text.debugDescription)")
            }
        }
    }
}
