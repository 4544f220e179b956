import DarasaCore
import DarasaStore
import Foundation
import Yams

/// The indicator catalogue: definitions a data officer can read and change
/// (indicators/catalogue.yaml), checked whole when loaded — an unknown measure, setting or
/// level, a term that mixes sources, a learning-poverty indicator that names a missing one:
/// each is refused with the file and line.
public struct IndicatorCatalogue: Sendable, Hashable {
    public var file: String
    public var system: EducationSystem
    public var indicators: [IndicatorDefinition]

    public init(file: String, system: EducationSystem, indicators: [IndicatorDefinition]) {
        self.file = file
        self.system = system
        self.indicators = indicators
    }

    public func named(_ id: String) -> IndicatorDefinition? { indicators.first { $0.id == id } }

    public struct CatalogueError: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var problem: String
        public var fix: String
        public var description: String { "\(file)\(line.map { ", line \($0)" } ?? ""): \(problem). \(fix)." }
    }

    /// Where the shipped catalogue is (indicators/catalogue.yaml in the repository).
    public static var shippedURL: URL? { Bundle.module.url(forResource: "catalogue", withExtension: "yaml", subdirectory: "IndicatorCatalogue") }

    /// The shipped catalogue, read once.
    public static let shipped: IndicatorCatalogue = {
        guard let url = shippedURL,
              let catalogue = try? load(url: url, displayName: "indicators/catalogue.yaml") else {
            // The shipped file is tested; a build without it has nothing to offer.
            return IndicatorCatalogue(file: "indicators/catalogue.yaml", system: EducationSystem(), indicators: [])
        }
        return catalogue
    }()

    public static func load(url: URL, displayName: String? = nil) throws -> IndicatorCatalogue {
        let name = displayName ?? url.lastPathComponent
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            throw CatalogueError(file: name, problem: "the catalogue could not be read as UTF-8 text", fix: "Check the path, and save the file as UTF-8 text")
        }
        return try parse(text, file: name)
    }

    static let indicatorKeys: Set<String> = ["title", "definition", "unit", "method", "numerator", "denominator", "base", "mode", "year",
                                             "over", "rates", "grades", "ages", "subtask", "instrument", "proficiency", "out_of_school"]
    static let termKeys: Set<String> = ["measure", "grades", "ages", "subtask", "instrument"]

    public static func parse(_ text: String, file: String) throws -> IndicatorCatalogue {
        func fail(_ node: Node?, _ problem: String, _ fix: String) -> CatalogueError {
            CatalogueError(file: file, line: node?.mark?.line, problem: problem, fix: fix)
        }
        let root = try YAMLFile.compose(text, emptyFix: "Start from indicators/catalogue.yaml") { line, problem, fix in
            CatalogueError(file: file, line: line, problem: problem, fix: fix)
        }
        guard let top = root.mapping else { throw fail(root, "the catalogue should start with `system:` and `indicators:`", "Start from indicators/catalogue.yaml") }
        var system = EducationSystem()
        var indicatorsNode: Node?
        for (k, v) in top {
            switch k.string {
            case "system": system = try parseSystem(v, fail)
            case "indicators": indicatorsNode = v
            default: throw fail(k, "\"\(k.string ?? "")\" is not a setting of the catalogue", "The catalogue has two settings, `system:` and `indicators:`")
            }
        }
        guard let indicatorsNode, let entries = indicatorsNode.mapping, !entries.isEmpty else {
            throw fail(indicatorsNode ?? root, "`indicators:` should list indicators by id", "Write each indicator as `id:` with its settings indented under it")
        }
        var out: [IndicatorDefinition] = []
        var seen: Set<String> = []
        for (idNode, body) in entries {
            let id = idNode.string ?? ""
            guard !id.isEmpty, id.allSatisfy({ ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "_" }), id.first?.isLetter == true else {
                throw fail(idNode, "the indicator id \"\(id)\" should be one word of lower-case letters, digits and _", "Rename it, e.g. attendance_rate")
            }
            guard seen.insert(id).inserted else { throw fail(idNode, "the indicator \(id) appears twice", "Keep one of the two") }
            out.append(try parseIndicator(id, idNode, body, system: system, fail))
        }
        let ids = Set(out.map(\.id))
        for d in out where d.method == .learningPoverty {
            for (name, ref) in [("proficiency", d.proficiency), ("out_of_school", d.outOfSchool)] {
                guard let ref, ids.contains(ref) else {
                    throw CatalogueError(file: file, line: d.line, problem: "\(d.id).\(name) names \"\(ref ?? "")\", which is not an indicator of this catalogue",
                                         fix: "Name one of the indicators above")
                }
            }
        }
        // A learning-poverty indicator is built from two others; one that leads back to itself
        // could never be computed.
        let byID = Dictionary(out.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for d in out where d.method == .learningPoverty {
            var path = [d.id]
            func visit(_ id: String) throws {
                guard let e = byID[id], e.method == .learningPoverty else { return }
                for ref in [e.proficiency, e.outOfSchool].compactMap({ $0 }) {
                    if ref == d.id {
                        throw CatalogueError(file: file, line: d.line, problem: "\(d.id) is built from itself (\((path + [ref]).joined(separator: " → ")))",
                                             fix: "Point proficiency: and out_of_school: at indicators that are not built from \(d.id)")
                    }
                    guard !path.contains(ref) else { continue }
                    path.append(ref)
                    try visit(ref)
                    path.removeLast()
                }
            }
            try visit(d.id)
        }
        return IndicatorCatalogue(file: file, system: system, indicators: out)
    }

    static func parseSystem(_ node: Node, _ fail: (Node?, String, String) -> CatalogueError) throws -> EducationSystem {
        guard let settings = node.mapping else { throw fail(node, "`system:` should hold entry_age and levels", "Indent them under `system:`") }
        var system = EducationSystem(entryAge: 6, levels: [:])
        for (k, v) in settings {
            switch k.string {
            case "entry_age":
                guard let n = v.scalar.flatMap({ Int($0.string) }), (3...9).contains(n) else {
                    throw fail(v, "system.entry_age should be a whole number from 3 to 9", "Write the official age of entry to grade 1, e.g. 6")
                }
                system.entryAge = n
            case "levels":
                guard let levels = v.mapping else { throw fail(v, "system.levels should name each level with its grades", "e.g. `primary: 1-8`") }
                for (name, grades) in levels {
                    guard let n = name.string, let g = grades.scalar.flatMap({ range($0.string) }), g.lowerBound >= 0, g.upperBound <= 13 else {
                        throw fail(grades, "the grades of \(name.string ?? "a level") should be a range such as 1-8 within 0-13", "Write the first and last grade")
                    }
                    system.levels[n] = g
                }
            default:
                throw fail(k, "\"\(k.string ?? "")\" is not a setting of system", "system has entry_age and levels")
            }
        }
        return system
    }

    static func range(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 1, let n = Int(parts[0]) { return n...n }
        if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b { return a...b }
        return nil
    }

    static func span(_ node: Node, _ what: String, system: EducationSystem, allowEntry: Bool,
                     _ fail: (Node?, String, String) -> CatalogueError) throws -> Span {
        let text = node.scalar?.string ?? ""
        if allowEntry && text == "entry" { return .entry }
        if system.levels[text] != nil { return .level(text) }
        if let r = range(text) { return .range(r) }
        let names = system.levels.keys.sorted().joined(separator: ", ")
        throw fail(node, "\(what) is \"\(text)\", which is neither a level of the system (\(names))\(allowEntry ? ", entry" : "") nor a number or range such as 1-8",
                   "Write a level's name or a range")
    }

    static func parseTerm(_ node: Node, _ what: String, defaults: [String: Node], system: EducationSystem,
                          _ fail: (Node?, String, String) -> CatalogueError) throws -> IndicatorTerm {
        var settings: [String: Node] = [:]
        var measureNode: Node = node
        if let map = node.mapping {
            for (k, v) in map {
                guard let key = k.string, termKeys.contains(key) else {
                    throw fail(k, "\"\(k.string ?? "")\" is not a setting of \(what)", "A term has \(termKeys.sorted().joined(separator: ", "))")
                }
                settings[key] = v
            }
            guard let m = settings["measure"] else { throw fail(node, "\(what) has no measure", "Add `measure:` naming what is counted") }
            measureNode = m
        }
        let measures: [String]
        if let list = measureNode.sequence { measures = list.compactMap { $0.scalar?.string } } else if let one = measureNode.scalar?.string { measures = [one] } else { measures = [] }
        guard !measures.isEmpty else { throw fail(measureNode, "\(what) names no measure", "Name a measure, or a list of measures to add up") }
        let all = CubeSource.measures.values.flatMap(\.keys).sorted()
        var source: CubeSource?
        for m in measures {
            guard let s = CubeSource.source(of: m), !m.hasPrefix("w_") else {
                let near = all.filter { !$0.hasPrefix("w_") }.sorted { StringSimilarity.jaroWinkler(m, $0) > StringSimilarity.jaroWinkler(m, $1) }.prefix(3)
                throw fail(measureNode, "\"\(m)\" is not a measure", "Did you mean \(near.joined(separator: ", "))? docs/indicators.md lists them all")
            }
            if let source, source != s {
                throw fail(measureNode, "\(what) adds \(measures.joined(separator: " + ")), which come from different summaries", "Add up measures of one kind only")
            }
            source = s
        }
        // The indicator's own filters apply to each term they can apply to, unless it sets its own.
        let fits: Set<String> = switch source {
        case .learning: ["grades", "ages", "subtask", "instrument"]
        case .learners: ["grades", "ages"]
        case .population: ["ages"]
        case .schools, nil: []
        }
        for (key, value) in defaults where settings[key] == nil && fits.contains(key) { settings[key] = value }
        var term = IndicatorTerm(measures: measures)
        if let g = settings["grades"] { term.grades = try span(g, "\(what).grades", system: system, allowEntry: true, fail) }
        if let a = settings["ages"] { term.ages = try span(a, "\(what).ages", system: system, allowEntry: true, fail) }
        if let s = settings["subtask"] {
            guard source == .learning else { throw fail(s, "\(what) counts \(measures[0]), which has no subtask", "Remove subtask:, or count an assessment measure") }
            term.subtask = s.scalar?.string
        }
        if let k = settings["instrument"] {
            guard source == .learning, let kind = k.scalar?.string, InstrumentKind(rawValue: kind) != nil else {
                throw fail(k, "\(what).instrument should be egra, egma or aser, on an assessment measure", "Correct it or remove it")
            }
            term.instrumentKind = kind
        }
        if source == .population && (term.grades != nil) {
            throw fail(settings["grades"], "population figures have no grades", "Filter the population by ages instead")
        }
        if source == .schools && (term.grades != nil || term.ages != nil) {
            throw fail(settings["grades"] ?? settings["ages"], "\(measures[0]) is a figure per school, without grades or ages", "Remove the filter")
        }
        return term
    }

    static func parseIndicator(_ id: String, _ idNode: Node, _ body: Node, system: EducationSystem,
                               _ fail: (Node?, String, String) -> CatalogueError) throws -> IndicatorDefinition {
        guard let map = body.mapping else { throw fail(body, "the indicator \(id) should have settings under it", "Indent title:, unit: and the rest under its id") }
        var settings: [String: Node] = [:]
        for (k, v) in map {
            guard let key = k.string, indicatorKeys.contains(key) else {
                throw fail(k, "\"\(k.string ?? "")\" is not a setting of an indicator", "An indicator has \(indicatorKeys.sorted().joined(separator: ", "))")
            }
            settings[key] = v
        }
        func text(_ key: String, required: Bool = false) throws -> String? {
            guard let n = settings[key] else {
                if required { throw fail(idNode, "\(id) has no \(key)", "Add `\(key):`") }
                return nil
            }
            guard let s = n.scalar?.string, !s.isEmpty else { throw fail(n, "\(id).\(key) should be one line of text", "Write it on one line") }
            return s
        }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type, default d: T) throws -> T where T.RawValue == String {
            guard let s = try text(key) else { return d }
            guard let v = T(rawValue: s) else {
                throw fail(settings[key], "\(id).\(key) is \"\(s)\", not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))", "Use one of those")
            }
            return v
        }
        let title = try text("title", required: true)!
        let definition = try text("definition", required: true)!
        let unit = try choice("unit", UnitChoice.self, default: .share).unit
        let method = try choice("method", MethodChoice.self, default: .ratio).method
        let mode = try choice("mode", IndicatorDefinition.Mode.self, default: .any)
        let year = try choice("year", YearChoice.self, default: .latest).rule
        var defaults: [String: Node] = [:]
        for key in ["grades", "ages", "subtask", "instrument"] { defaults[key] = settings[key] }
        func term(_ key: String) throws -> IndicatorTerm? {
            guard let n = settings[key] else { return nil }
            return try parseTerm(n, "\(id).\(key)", defaults: defaults, system: system, fail)
        }
        var d = IndicatorDefinition(id: id, title: title, definition: definition, unit: unit, method: method,
                                    numerator: try term("numerator"), denominator: try term("denominator"), base: try term("base"),
                                    mode: mode, year: year, line: idNode.mark?.line ?? 0)
        switch method {
        case .ratio, .complement, .distribution:
            guard d.numerator != nil else { throw fail(idNode, "\(id) has no numerator", "Add `numerator:` naming what is counted") }
            if unit != .count && method != .distribution && d.denominator == nil {
                throw fail(idNode, "\(id) is a \(unit.rawValue) but has no denominator", "Add `denominator:`, or make it `unit: count`")
            }
            if method == .distribution {
                guard let o = settings["over"], let dim = o.scalar.flatMap({ Breakdown(rawValue: $0.string) }), dim == .level || dim == .proficiency else {
                    throw fail(settings["over"] ?? idNode, "\(id) shares out its numerator over `over:`, which should be level or proficiency", "Add `over: level`")
                }
                guard d.numerator?.source == .learning else { throw fail(settings["numerator"], "a distribution over \(dim.rawValue) counts assessment results", "Count results") }
                d.over = dim
            }
        case .survival:
            d.rates = try choice("rates", RatesChoice.self, default: .reconstructed_cohort).rates
            guard let g = settings["grades"] else { throw fail(idNode, "\(id) follows a cohort through `grades:`", "Add `grades: primary`") }
            d.grades = try span(g, "\(id).grades", system: system, allowEntry: false, fail)
        case .allocationConsistency:
            break
        case .learningPoverty:
            d.proficiency = try text("proficiency", required: true)
            d.outOfSchool = try text("out_of_school", required: true)
        }
        if mode != .any && !d.terms.contains(where: { $0.source == .learning }) {
            throw fail(settings["mode"], "\(id) reads no assessment results, so mode: \(mode.rawValue) means nothing", "Remove mode:")
        }
        return d
    }

    // Spellings of the enums as the catalogue writes them.
    enum UnitChoice: String, CaseIterable { case count, share, ratio, mean
        var unit: IndicatorDefinition.Unit { IndicatorDefinition.Unit(rawValue: rawValue)! } }
    enum MethodChoice: String, CaseIterable {
        case ratio, complement, distribution, survival, allocation_consistency, learning_poverty
        var method: IndicatorDefinition.Method { IndicatorDefinition.Method(rawValue: rawValue)! }
    }
    enum YearChoice: String, CaseIterable { case latest, outcomes
        var rule: IndicatorDefinition.YearRule { IndicatorDefinition.YearRule(rawValue: rawValue)! } }
    enum RatesChoice: String, CaseIterable { case reconstructed_cohort, learner_flows
        var rates: IndicatorDefinition.Rates { IndicatorDefinition.Rates(rawValue: rawValue)! } }
}
