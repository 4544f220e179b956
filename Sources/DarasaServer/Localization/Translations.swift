import Foundation

/// The languages the web app speaks, one JSON file each in `translations/` (this target's
/// `Translations` folder): a flat object from key to text, where `{name}` marks a value filled in
/// at run time. English (`en.json`) is complete by definition; another file may lack keys (English
/// shows through) but may not add keys English lacks or change a key's placeholders — the
/// tests check every file. Adding a language is adding a file with its code as the name.
///
/// Besides texts, each file gives `language_name` (the language's own name, for the switcher),
/// and `number_thousands` and `number_decimal` (how numbers are written).
struct Translations: Sendable {
    /// Language code → key → text.
    let tables: [String: [String: String]]

    static let fallback = "en"

    /// Every translation file shipped with the server.
    static func load() throws -> Translations {
        guard let dir = Bundle.module.url(forResource: "Translations", withExtension: nil) else {
            throw TranslationError("The translation files are missing from this build; rebuild Darasa.")
        }
        var tables: [String: [String: String]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".json") {
            let code = String(name.dropLast(5))
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            guard let table = try? JSONDecoder().decode([String: String].self, from: data) else {
                throw TranslationError("translations/\(name) is not a JSON object of texts; check its quoting.")
            }
            tables[code] = table
        }
        guard tables[fallback] != nil else { throw TranslationError("translations/en.json is missing; rebuild Darasa.") }
        return Translations(tables: tables)
    }

    /// Codes in a stable order, English first.
    var codes: [String] { [Self.fallback] + tables.keys.filter { $0 != Self.fallback }.sorted() }

    func supports(_ code: String) -> Bool { tables[code] != nil }

    /// A localizer for `code` (English for an unknown code).
    func localizer(_ code: String?) -> Localizer {
        let english = tables[Self.fallback] ?? [:]
        let chosen = code.flatMap { tables[$0] } ?? english
        let merged = english.merging(chosen) { _, mine in mine }
        return Localizer(code: code.flatMap { tables[$0] != nil ? $0 : nil } ?? Self.fallback, table: merged,
                         languages: codes.map { ($0, tables[$0]?["language_name"] ?? $0) })
    }

    /// The placeholders `{name}` in a text, for the consistency tests.
    static func placeholders(_ text: String) -> Set<String> {
        var out: Set<String> = []
        var current: String?
        for ch in text {
            if ch == "{" { current = "" } else if ch == "}", let c = current { out.insert(c); current = nil } else if current != nil { current?.append(ch) }
        }
        return out
    }
}

struct TranslationError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Texts and numbers in one language. `l("key", ["count": "3"])` fills `{count}`.
struct Localizer: Sendable {
    let code: String
    let table: [String: String]
    /// (code, own name) of every language, for the switcher.
    let languages: [(code: String, name: String)]

    func callAsFunction(_ key: String, _ values: [String: String] = [:]) -> String {
        var text = table[key] ?? key
        for (k, v) in values { text = text.replacingOccurrences(of: "{\(k)}", with: v) }
        return text
    }

    var thousands: String { table["number_thousands"] ?? "," }
    var decimal: String { table["number_decimal"] ?? "." }

    /// 12,345 (English), 12 345 (French), 12.345 (Portuguese).
    func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += thousands }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// One decimal: 91.5 % / 91,5 %.
    func percent(_ share: Double?) -> String {
        guard let share else { return self("no_data") }
        let tenths = Int((share * 1000).rounded())
        return "\(tenths / 10)\(decimal)\(abs(tenths % 10)) %"
    }

    /// A whole percentage, for charts and narratives: 92 %.
    func wholePercent(_ share: Double) -> String { "\(Int((share * 100).rounded())) %" }

    func ratio(_ value: Double?) -> String {
        guard let value else { return self("no_data") }
        return "\(Int(value.rounded())):1"
    }

    func decimal(_ value: Double?, places: Int = 1) -> String {
        guard let value else { return self("no_data") }
        let s = String(format: "%.\(places)f", value)
        return decimal == "." ? s : s.replacingOccurrences(of: ".", with: decimal)
    }

    /// "3 in 10": how narratives say a share to readers who are not statisticians.
    func inTen(_ share: Double) -> String { self("n_in_ten", ["n": String(Int((share * 10).rounded()))]) }

    static let monthKeys = ["month_jan", "month_feb", "month_mar", "month_apr", "month_may", "month_jun",
                            "month_jul", "month_aug", "month_sep", "month_oct", "month_nov", "month_dec"]

    func month(_ m: Int) -> String { self(Self.monthKeys[max(0, min(11, m - 1))]) }
}
