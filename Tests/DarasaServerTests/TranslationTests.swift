import Foundation
import Testing

/// Every translation file against English: the same keys (a missing one would show English, an
/// extra one is a typo), the same placeholders in every text, the number format keys, and no
/// text left empty. Adding a language is adding a file; this test then checks it too.
@Suite struct TranslationTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/DarasaServer/Translations")

    static func table(_ code: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(contentsOf: folder.appendingPathComponent("\(code).json")))
    }

    static func placeholders(_ s: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: #"\{([^{}]*)\}"#)
        return Set(regex.matches(in: s, range: NSRange(s.startIndex..., in: s)).compactMap { Range($0.range(at: 1), in: s).map { String(s[$0]) } })
    }

    @Test func theFourLanguagesAreShipped() throws {
        let codes = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
        #expect(Set(codes).isSuperset(of: ["en", "fr", "sw", "pt"]))
    }

    @Test(arguments: ["fr", "sw", "pt"])
    func everyTextIsTranslatedWithItsPlaceholders(code: String) throws {
        let english = try Self.table("en"), other = try Self.table(code)
        #expect(Set(other.keys) == Set(english.keys), "\(code): missing \(Set(english.keys).subtracting(other.keys).sorted()), extra \(Set(other.keys).subtracting(english.keys).sorted())")
        for (key, text) in english {
            guard let t = other[key] else { continue }
            #expect(Self.placeholders(t) == Self.placeholders(text), "\(code).\(key): \(t)")
            if !text.isEmpty { #expect(!t.isEmpty, "\(code).\(key) is empty") }
        }
        #expect(other["language_name"] != english["language_name"])
        #expect(other["number_decimal"] != nil && other["number_thousands"] != nil)
    }
}
