import DarasaCore
import PropertyBased
import Testing

@Suite struct StringSimilarityTests {
    // Vectors from ../shared/METHODS.md (Winkler 1990), given to four decimals.
    @Test(arguments: [
        ("MARTHA", "MARHTA", 0.9444, 0.9611),
        ("DWAYNE", "DUANE", 0.8222, 0.8400),
        ("DIXON", "DICKSONX", 0.7667, 0.8133),
    ])
    func jaroAndJaroWinklerMatchWinklersVectors(a: String, b: String, jaro: Double, jaroWinkler: Double) {
        // Given two names from Winkler's table, when compared, then both scores agree to 4 dp.
        #expect(abs(StringSimilarity.jaro(a, b) - jaro) < 5e-5)
        #expect(abs(StringSimilarity.jaroWinkler(a, b) - jaroWinkler) < 5e-5)
    }

    @Test func marthaIsExactlyFiveSixthsPlusABoost() {
        // m = 6, t = 1: J = (1 + 1 + 5/6)/3 = 17/18; JW = 17/18 + 3 · 0.1 · (1/18) = 0.96111…
        #expect(abs(StringSimilarity.jaro("MARTHA", "MARHTA") - 17.0 / 18) < 1e-15)
        #expect(abs(StringSimilarity.jaroWinkler("MARTHA", "MARHTA") - (17.0 / 18 + 0.3 / 18)) < 1e-15)
    }

    @Test func degenerateStringsHaveDefinedScores() {
        #expect(StringSimilarity.jaro("", "") == 1)
        #expect(StringSimilarity.jaro("", "AMINA") == 0)
        #expect(StringSimilarity.jaro("ABC", "XYZ") == 0)
        #expect(StringSimilarity.jaroWinkler("", "") == 1)
        #expect(StringSimilarity.jaroWinkler("A", "") == 0)
    }

    @Test func accentsTypedTwoWaysAreTheSameCharacter() {
        // "é" precomposed (U+00E9) and "e" + U+0301 are one Character each, and equal.
        #expect(StringSimilarity.jaro("Jos\u{E9}", "Jose\u{301}") == 1)
    }

    @Test func theBoostAppliesOnlyAboveTheThreshold() {
        // "achieng"/"akinyi": J = 0.6429 ≤ 0.7, so no prefix boost by default.
        let j = StringSimilarity.jaro("achieng", "akinyi")
        #expect(StringSimilarity.jaroWinkler("achieng", "akinyi") == j)
        #expect(StringSimilarity.jaroWinkler("achieng", "akinyi", boostThreshold: 0) == j + 0.1 * (1 - j))
    }

    @Test func similarityIsSymmetricBoundedAndBoostedUpwards() async {
        // A five-letter alphabet makes matches and transpositions common.
        let word = Gen.character(in: "a"..."e").string(of: 0...10)
        await propertyCheck(count: 500, input: word, word) { a, b in
            let j = StringSimilarity.jaro(a, b), jw = StringSimilarity.jaroWinkler(a, b)
            #expect(j == StringSimilarity.jaro(b, a))
            #expect(jw == StringSimilarity.jaroWinkler(b, a))
            #expect((0...1).contains(j) && (0...1).contains(jw))
            #expect(jw >= j)
            #expect(StringSimilarity.jaroWinkler(a, a) == 1)
        }
    }

    @Test(arguments: [
        ("  Wanjiku   MWANGI ", "wanjiku mwangi"),
        ("José-María", "jose maria"),
        ("Ng'ang'a", "nganga"),
        ("O\u{2019}Brien", "obrien"),
        ("ŊANDA", "nganda"),
        ("Øyvind Łukasz", "oyvind lukasz"),
        ("Straße", "strasse"),
        ("Cafe\u{301}", "cafe"),
        ("J.Mwangi", "j mwangi"),
        ("Mwangi, John.", "mwangi john"),
        ("Çağlar Şahin", "caglar sahin"),
        ("…—", ""),
    ])
    func normaliserFoldsCaseAccentsAndPunctuation(input: String, expected: String) {
        #expect(StringSimilarity.normalizeName(input) == expected)
    }

    @Test func normalisingTwiceChangesNothing() async {
        await propertyCheck(count: 300, input: Gen.latin1.string(of: 0...20)) { text in
            let once = StringSimilarity.normalizeName(text)
            #expect(StringSimilarity.normalizeName(once) == once)
            #expect(!once.hasPrefix(" ") && !once.hasSuffix(" ") && !once.contains("  "))
        }
    }

    // NARA, "The Soundex Indexing System" (2007) and Knuth TAOCP vol. 3 §6 examples.
    @Test(arguments: [
        ("Robert", "R163"), ("Rupert", "R163"), ("Rubin", "R150"), ("Ashcraft", "A261"),
        ("Ashcroft", "A261"), ("Tymczak", "T522"), ("Pfister", "P236"), ("Honeyman", "H555"),
        ("Lee", "L000"),
        // East African names (hand-coded): w/u glides agree; first-letter variants do not.
        ("Mwangi", "M520"), ("Muangi", "M520"), ("Chepkoech", "C122"), ("Jepkoech", "J122"),
        ("Mutua", "M300"), ("Mati", "M300"), ("Lwanga", "L520"), ("Rwanga", "R520"),
    ])
    func soundexMatchesTheNationalArchivesRules(name: String, code: String) {
        #expect(StringSimilarity.soundex(name) == code)
    }

    @Test func soundexNeedsALetter() {
        #expect(StringSimilarity.soundex("") == nil)
        #expect(StringSimilarity.soundex("123 -") == nil)
        #expect(StringSimilarity.soundex("Émile") == "E540")
    }

    @Test func soundexIsALetterAndThreeDigits() async {
        await propertyCheck(count: 300, input: Gen.letter.string(of: 1...15)) { name in
            let code = try #require(StringSimilarity.soundex(name))
            let scalars = Array(code.unicodeScalars)
            #expect(scalars.count == 4)
            #expect(("A"..."Z").contains(scalars[0]))
            #expect(scalars.dropFirst().allSatisfy { ("0"..."6").contains($0) })
        }
    }
}
