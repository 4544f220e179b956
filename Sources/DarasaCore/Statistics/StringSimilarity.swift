/// String comparison for record linkage: Jaro and Jaro–Winkler similarity, a name normaliser and
/// the Soundex phonetic code.
///
/// Strings are compared as arrays of `Character` (extended grapheme clusters), not of Unicode
/// scalars: "é" typed as one precomposed scalar and "e" + combining acute are the same Character
/// in Swift (canonical equivalence), so an accent entered two ways never counts as a mismatch,
/// and one accented letter counts as one letter, as a clerk would count it. Comparison is case-
/// and accent-sensitive; pass both names through `normalizeName(_:)` first to ignore those.
public enum StringSimilarity {
    /// Jaro similarity (Jaro, JASA 84 (1989) 414–420; as in Winkler, "String Comparator Metrics
    /// and Enhanced Decision Rules in the Fellegi–Sunter Model", 1990):
    ///
    ///     J = (m/|a| + m/|b| + (m − t)/m) / 3,
    ///
    /// where m counts characters of `a` and `b` that are equal and at most
    /// ⌊max(|a|, |b|)/2⌋ − 1 positions apart (each character used once, matched greedily left to
    /// right), and t is half the number of matched characters that appear in a different order.
    ///
    /// Degenerate input: identical strings (including two empty strings) give 1; one empty string,
    /// or no matching characters, gives 0. The result is symmetric and lies in [0, 1]. Exact up to
    /// the rounding of three divisions (< 1e−15). O(|a| · |b|) time worst case, O(|a| + |b|) space.
    /// Vectors: MARTHA/MARHTA 0.9444, DWAYNE/DUANE 0.8222, DIXON/DICKSONX 0.7667.
    public static func jaro(_ a: String, _ b: String) -> Double {
        jaro(Array(a), Array(b))
    }

    /// Jaro–Winkler similarity (Winkler 1990): JW = J + ℓ·p·(1 − J) when J > `boostThreshold`,
    /// else J, where ℓ is the length of the common prefix capped at 4 and p = 0.1 (the values
    /// Winkler and Splink use; with ℓ ≤ 4 and p = 0.1 the result never exceeds 1).
    ///
    /// Winkler applied the prefix boost only above J = 0.7 (also jellyfish, rapidfuzz); pass 0
    /// to boost every pair. Degenerate input as for `jaro`; JW ≥ J, symmetric, in [0, 1].
    /// O(|a| · |b|). Vectors: MARTHA/MARHTA 0.9611, DWAYNE/DUANE 0.8400, DIXON/DICKSONX 0.8133.
    public static func jaroWinkler(_ a: String, _ b: String, boostThreshold: Double = 0.7) -> Double {
        let s = Array(a), t = Array(b)
        let j = jaro(s, t)
        guard j > boostThreshold else { return j }
        var prefix = 0
        while prefix < min(4, s.count, t.count), s[prefix] == t[prefix] { prefix += 1 }
        return j + Double(prefix) * 0.1 * (1 - j)
    }

    private static func jaro(_ s: [Character], _ t: [Character]) -> Double {
        if s == t { return 1 }
        guard !s.isEmpty, !t.isEmpty else { return 0 }
        let window = max(0, max(s.count, t.count) / 2 - 1)
        var sMatched = [Bool](repeating: false, count: s.count)
        var tMatched = [Bool](repeating: false, count: t.count)
        var matches = 0
        for i in s.indices {
            let low = max(0, i - window), high = min(t.count - 1, i + window)
            guard low <= high else { continue }
            for j in low...high where !tMatched[j] && t[j] == s[i] {
                sMatched[i] = true
                tMatched[j] = true
                matches += 1
                break
            }
        }
        guard matches > 0 else { return 0 }
        var outOfOrder = 0
        var j = 0
        for i in s.indices where sMatched[i] {
            while !tMatched[j] { j += 1 }
            if s[i] != t[j] { outOfOrder += 1 }
            j += 1
        }
        let m = Double(matches)
        let transpositions = Double(outOfOrder) / 2
        return (m / Double(s.count) + m / Double(t.count) + (m - transpositions) / m) / 3
    }

    /// Normalises a personal name for comparison:
    /// 1. diacritics are removed: combining marks are dropped, and a precomposed Latin letter
    ///    whose Unicode name reads "LATIN … LETTER X WITH …" becomes x (é → e, ñ → n, ø → o,
    ///    ł → l, ş → s); this uses the standard library's Unicode name property, so no Foundation
    ///    and no hand-kept table of accented letters is needed;
    /// 2. a few letters that are not "X with a mark" are spelled out: ß → ss, æ → ae, œ → oe,
    ///    ŋ → ng (Luganda "Ŋŋ"), þ → th, ð → d, ı → i, ĳ → ij;
    /// 3. letters are lower-cased (Unicode full lower-case mapping; close to, but not exactly,
    ///    Unicode case folding);
    /// 4. apostrophes (' ’ ‘ ʼ ʻ ` ´) are dropped, so Ng'ang'a = Nganga and O'Brien = OBrien;
    /// 5. every other character that is not a letter or digit (spaces, hyphens, dots, commas)
    ///    separates words; runs of separators become one space, with none at either end.
    ///
    /// Letters of other scripts (Ge'ez, Arabic) are kept, lower-cased where the script has case.
    /// An input with no letters or digits gives "". O(n) in the number of scalars.
    public static func normalizeName(_ name: String) -> String {
        var result = String.UnicodeScalarView()
        var separatorPending = false
        for scalar in name.unicodeScalars {
            switch classify(scalar) {
            case .drop:
                continue
            case .separator:
                separatorPending = !result.isEmpty
            case .text(let text):
                if separatorPending {
                    result.append(" ")
                    separatorPending = false
                }
                result.append(contentsOf: text.unicodeScalars)
            }
        }
        return String(result)
    }

    private enum Folded { case drop, separator, text(String) }

    private static let apostrophes: Set<Unicode.Scalar> = ["'", "\u{2019}", "\u{2018}", "\u{02BC}", "\u{02BB}", "`", "\u{00B4}"]

    private static let spelledOut: [Unicode.Scalar: String] = [
        "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ŋ": "ng", "Ŋ": "ng",
        "þ": "th", "Þ": "th", "ð": "d", "Ð": "d", "ı": "i", "ĳ": "ij", "Ĳ": "ij",
    ]

    private static func classify(_ scalar: Unicode.Scalar) -> Folded {
        if scalar.isASCII {
            switch scalar.value {
            case 0x41...0x5A: return .text(String(Unicode.Scalar(UInt8(scalar.value + 0x20))))
            case 0x61...0x7A, 0x30...0x39: return .text(String(scalar))
            default: return apostrophes.contains(scalar) ? .drop : .separator
            }
        }
        if apostrophes.contains(scalar) { return .drop }
        if let spelled = spelledOut[scalar] { return .text(spelled) }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return .drop
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            if let base = latinBaseLetter(properties.name) { return .text(base) }
            return .text(properties.lowercaseMapping)
        case .decimalNumber, .letterNumber, .otherNumber:
            return .text(String(scalar))
        default:
            return .separator
        }
    }

    /// "LATIN SMALL LETTER E WITH ACUTE" → "e"; nil for any other name.
    private static func latinBaseLetter(_ name: String?) -> String? {
        guard let name else { return nil }
        let words = name.split(separator: " ")
        guard words.count >= 6, words[0] == "LATIN", words[1] == "SMALL" || words[1] == "CAPITAL",
              words[2] == "LETTER", words[3].count == 1, words[4] == "WITH",
              let letter = words[3].unicodeScalars.first, ("A"..."Z").contains(letter)
        else { return nil }
        return words[3].lowercased()
    }

    /// American Soundex as specified by the U.S. National Archives ("The Soundex Indexing System",
    /// NARA, 2007; Knuth, TAOCP vol. 3 §6): keep the first letter; code the rest
    /// b f p v → 1, c g j k q s x z → 2, d t → 3, l → 4, m n → 5, r → 6; skip vowels (a e i o u y),
    /// which separate equal codes, and h and w, which do not; write equal adjacent codes once
    /// (including a code equal to the first letter's); pad or cut to one letter and three digits.
    ///
    /// Input is normalised with `normalizeName(_:)` and only the letters a–z are coded, so words
    /// run together ("van der Berg" is coded as "vanderberg"). nil when no letter a–z remains.
    /// O(n). Vectors: Robert, Rupert R163; Rubin R150; Ashcraft A261; Tymczak T522; Pfister P236;
    /// Honeyman H555.
    ///
    /// Why Soundex for East African names: it is the one phonetic code every data manager and SQL
    /// engine knows, it is deterministic, and it is only one comparison level among several (see
    /// `LinkageComparison.name`). It was built for English surnames, and it shows: it keeps the
    /// first letter verbatim, so romanisation variants that differ there get different codes
    /// (Chepkoech C122 / Jepkoech J122; the l/r alternation of Luganda and Kinyarwanda, Lwanga
    /// L520 / Rwanga R520); it ignores vowels, which carry much of the information in short Bantu
    /// names (Mutua and Mati are both M300); and noun-class prefixes (Wa-, Mu-, Nya-) shift the
    /// code entirely. It does help with w/u glides and
    /// doubled letters (Mwangi = Muangi = M520). Treat a Soundex match as weak evidence.
    public static func soundex(_ name: String) -> String? {
        let letters = normalizeName(name).unicodeScalars.filter { ("a"..."z").contains($0) }
        guard let first = letters.first else { return nil }
        var code = String(Unicode.Scalar(UInt8(first.value - 0x20)))
        var last = soundexDigit(first)
        for letter in letters.dropFirst() {
            let digit = soundexDigit(letter)
            switch digit {
            case -1:
                continue
            case 0:
                last = 0
            default:
                if digit != last {
                    code.append(Character(Unicode.Scalar(UInt8(0x30 + digit))))
                    if code.count == 4 { return code }
                }
                last = digit
            }
        }
        return code + String(repeating: "0", count: 4 - code.count)
    }

    /// 1–6 for consonant classes, 0 for vowels (separators), −1 for h and w (transparent).
    private static func soundexDigit(_ letter: Unicode.Scalar) -> Int {
        switch letter {
        case "b", "f", "p", "v": 1
        case "c", "g", "j", "k", "q", "s", "x", "z": 2
        case "d", "t": 3
        case "l": 4
        case "m", "n": 5
        case "r": 6
        case "h", "w": -1
        default: 0
        }
    }
}
