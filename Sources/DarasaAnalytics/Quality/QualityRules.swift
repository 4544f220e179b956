import Foundation
import Yams

/// The data-quality dimensions scored on the scorecards (WHO DQR / UIS Ed-DQAF vocabulary).
public enum QualityDimension: String, Sendable, CaseIterable, Codable {
    case completeness, timeliness, validity, consistency

    public var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}

/// What a finding is about: the source a school sends (and signs off).
public enum QualityDomain: String, Sendable, CaseIterable, Codable {
    case census, enrolment, attendance, assessment, teachers

    public var title: String {
        switch self {
        case .census: "School census"
        case .enrolment: "Learners and enrolment"
        case .attendance: "Attendance registers"
        case .assessment: "Assessments"
        case .teachers: "Teachers"
        }
    }
}

public enum QualitySeverity: String, Sendable, CaseIterable, Codable { case error, warning, info }

/// The built-in checks a rule can use, each with its parameters (type and allowed range).
public enum QualityCheck: String, Sendable, CaseIterable, Codable {
    case censusReceived = "census_received"
    case registersReceived = "registers_received"
    case requiredField = "required_field"
    case censusOnTime = "census_on_time"
    case ageForGrade = "age_for_grade"
    case scoreInRange = "score_in_range"
    case duplicateLearners = "duplicate_learners"
    case partsVsTotal = "parts_vs_total"
    case censusVsRoster = "census_vs_roster"
    case teachersHRvsCensus = "teachers_hr_vs_census"
    case attendanceWithinEnrolment = "attendance_within_enrolment"
    case assessedWithinEnrolled = "assessed_within_enrolled"
    case ptrWithinBounds = "ptr_within_bounds"
    case enrolmentOutlierHistory = "enrolment_outlier_history"
    case attendanceOutlierPeers = "attendance_outlier_peers"
    case enrolmentTrend = "enrolment_trend"

    public var dimension: QualityDimension {
        switch self {
        case .censusReceived, .registersReceived, .requiredField: .completeness
        case .censusOnTime: .timeliness
        case .ageForGrade, .scoreInRange, .duplicateLearners: .validity
        default: .consistency
        }
    }

    public var domain: QualityDomain {
        switch self {
        case .censusReceived, .censusOnTime, .partsVsTotal, .censusVsRoster, .enrolmentOutlierHistory, .enrolmentTrend: .census
        case .registersReceived, .attendanceWithinEnrolment, .attendanceOutlierPeers: .attendance
        case .requiredField, .ageForGrade, .duplicateLearners: .enrolment
        case .scoreInRange, .assessedWithinEnrolled: .assessment
        case .teachersHRvsCensus, .ptrWithinBounds: .teachers
        }
    }

    public var defaultSeverity: QualitySeverity {
        switch self {
        case .censusReceived, .registersReceived, .censusOnTime, .ageForGrade, .scoreInRange, .partsVsTotal,
             .attendanceWithinEnrolment, .assessedWithinEnrolled: .error
        case .attendanceOutlierPeers: .info
        default: .warning
        }
    }

    /// How plain the fix is for a head teacher (1 = send the missing form; larger = needs
    /// looking into). To-do lists show the plainest first.
    public var plainness: Int {
        switch self {
        case .censusReceived, .registersReceived: 1
        case .censusOnTime: 2
        case .requiredField, .partsVsTotal: 3
        case .ageForGrade, .scoreInRange, .teachersHRvsCensus: 4
        case .duplicateLearners, .censusVsRoster, .attendanceWithinEnrolment, .assessedWithinEnrolled: 5
        case .ptrWithinBounds, .enrolmentOutlierHistory, .enrolmentTrend, .attendanceOutlierPeers: 6
        }
    }

    /// The parameters the check takes, with their defaults.
    var parameters: [Parameter] {
        switch self {
        case .registersReceived: [.int("grace_days", 10, 0...90)]
        case .requiredField: [.choice("field", "birth_date", ["birth_date", "home_language", "disability"])]
        case .censusOnTime: [.monthDay("deadline", "04-30")]
        case .ageForGrade: [.int("entry_age", 6, 3...9), .int("too_young", 2, 0...6), .int("over_age", 6, 1...12)]
        case .partsVsTotal: [.int("tolerance", 0, 0...1000)]
        case .censusVsRoster: [.number("tolerance", 0.25, 0.01...5), .int("min_learners", 10, 0...10_000)]
        case .teachersHRvsCensus: [.int("tolerance", 0, 0...100), .monthDay("census_day", "03-15")]
        case .ptrWithinBounds: [.number("min", 5, 0...1000), .number("max", 100, 1...10_000)]
        case .enrolmentOutlierHistory: [.number("threshold", 3.5, 1...20), .number("min_change", 0.3, 0...10)]
        case .attendanceOutlierPeers: [.number("threshold", 3.5, 1...20)]
        case .enrolmentTrend: [.number("threshold", 0.33, 0.01...10)]
        default: []
        }
    }

    struct Parameter {
        enum Kind { case int(ClosedRange<Int>), number(ClosedRange<Double>), choice([String]), monthDay }
        var name: String
        var kind: Kind
        var defaultValue: String
        static func int(_ n: String, _ d: Int, _ r: ClosedRange<Int>) -> Parameter { Parameter(name: n, kind: .int(r), defaultValue: "\(d)") }
        static func number(_ n: String, _ d: Double, _ r: ClosedRange<Double>) -> Parameter { Parameter(name: n, kind: .number(r), defaultValue: "\(d)") }
        static func choice(_ n: String, _ d: String, _ c: [String]) -> Parameter { Parameter(name: n, kind: .choice(c), defaultValue: d) }
        static func monthDay(_ n: String, _ d: String) -> Parameter { Parameter(name: n, kind: .monthDay, defaultValue: d) }
    }
}

/// One rule of a rules file: a named, configured check.
public struct QualityRule: Sendable, Codable, Hashable {
    public var name: String
    public var check: QualityCheck
    public var severity: QualitySeverity
    public var enabled: Bool
    /// Checked values by parameter name (every parameter present, defaults filled in).
    public var parameters: [String: String]
    public var line: Int

    public func int(_ name: String) -> Int { Int(parameters[name] ?? "") ?? 0 }
    public func number(_ name: String) -> Double { Double(parameters[name] ?? "") ?? 0 }
    public func text(_ name: String) -> String { parameters[name] ?? "" }
}

/// A rules file, checked whole when it is loaded: an unknown check or setting, a threshold of
/// the wrong type or out of range, a repeated rule — each is refused with the file and line, so
/// a malformed rule never silently disables a check.
public struct QualityRules: Sendable, Codable, Hashable {
    public var file: String
    public var rules: [QualityRule]
    public var enabled: [QualityRule] { rules.filter(\.enabled) }

    public struct RulesError: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var problem: String
        public var fix: String
        public var description: String { "\(file)\(line.map { ", line \($0)" } ?? ""): \(problem). \(fix)." }
    }

    /// The shipped rules (quality/rules.yaml).
    public static func shipped() throws -> QualityRules {
        guard let url = Bundle.module.url(forResource: "rules", withExtension: "yaml", subdirectory: "QualityRules") else {
            throw RulesError(file: "quality/rules.yaml", problem: "the shipped rules file is missing from the build", fix: "Rebuild Darasa")
        }
        return try load(url: url, displayName: "quality/rules.yaml")
    }

    public static func load(url: URL, displayName: String? = nil) throws -> QualityRules {
        let name = displayName ?? url.lastPathComponent
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            throw RulesError(file: name, problem: "the rules file could not be read as UTF-8 text", fix: "Check the path, and save the file as UTF-8 text")
        }
        return try parse(text, file: name)
    }

    public static func parse(_ text: String, file: String) throws -> QualityRules {
        func fail(_ node: Node?, _ problem: String, _ fix: String) -> RulesError {
            RulesError(file: file, line: node?.mark?.line, problem: problem, fix: fix)
        }
        let root = try YAMLFile.compose(text, emptyFix: "Start from quality/rules.yaml") { line, problem, fix in
            RulesError(file: file, line: line, problem: problem == "the file is empty" ? "the rules file is empty" : problem,
                       fix: problem.hasSuffix("appears twice") ? "Keep one of the two (a rule name, or a setting within a rule)" : fix)
        }
        guard let top = root.mapping else { throw fail(root, "the file should start with `rules:`", "Start from quality/rules.yaml") }
        var rulesNode: Node?
        for (k, v) in top {
            guard k.string == "rules" else { throw fail(k, "\"\(k.string ?? "")\" is not a setting of a rules file", "The file has one setting, `rules:`") }
            rulesNode = v
        }
        guard let rulesNode, let entries = rulesNode.mapping else {
            throw fail(rulesNode ?? root, "`rules:` should list rules by name", "Write each rule as `name:` with `check:` indented under it")
        }
        var rules: [QualityRule] = []
        var seen: Set<String> = []
        for (nameNode, body) in entries {
            let name = nameNode.string ?? ""
            let line = nameNode.mark?.line ?? 0
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw fail(nameNode, "the rule name \"\(name)\" should be one word (letters, digits, _ or -)", "Rename the rule")
            }
            guard seen.insert(name).inserted else { throw fail(nameNode, "the rule \(name) appears twice", "Keep one of the two") }
            guard let settings = body.mapping else { throw fail(body, "the rule \(name) should have settings under it", "Indent `check:` under the rule's name") }
            var values: [String: (String, Node)] = [:]
            for (k, v) in settings {
                guard let key = k.string else { throw fail(k, "a setting of \(name) has no name", "Write settings as `key: value`") }
                guard let value = v.scalar?.string else { throw fail(v, "\(name).\(key) should be a single value", "Write it on one line, e.g. `\(key): 10`") }
                values[key] = (value, v)
            }
            guard let (checkText, checkNode) = values["check"] else {
                throw fail(nameNode, "the rule \(name) has no `check:`", "Add `check:` with one of: \(QualityCheck.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let check = QualityCheck(rawValue: checkText) else {
                throw fail(checkNode, "\"\(checkText)\" is not a check", "Use one of: \(QualityCheck.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var severity = check.defaultSeverity
            if let (s, node) = values["severity"] {
                guard let v = QualitySeverity(rawValue: s) else { throw fail(node, "the severity \"\(s)\" is not error, warning or info", "Use error, warning or info") }
                severity = v
            }
            var enabled = true
            if let (e, node) = values["enabled"] {
                switch e.lowercased() {
                case "true", "yes": enabled = true
                case "false", "no": enabled = false
                default: throw fail(node, "\(name).enabled is \"\(e)\", not true or false", "Write `enabled: false` to switch the rule off")
                }
            }
            let params = check.parameters
            var parameters: [String: String] = [:]
            for p in params { parameters[p.name] = p.defaultValue }
            for (key, (value, node)) in values where !["check", "severity", "enabled"].contains(key) {
                guard let p = params.first(where: { $0.name == key }) else {
                    let takes = params.isEmpty ? "it takes no settings besides severity and enabled" : "it takes \(params.map(\.name).joined(separator: ", "))"
                    throw fail(node, "\"\(key)\" is not a setting of the check \(check.rawValue) (\(takes))", "Remove it or correct its name")
                }
                switch p.kind {
                case .int(let range):
                    guard let v = Int(value), range.contains(v) else {
                        throw fail(node, "\(name).\(key) is \"\(value)\"; it should be a whole number from \(range.lowerBound) to \(range.upperBound)", "Correct the threshold")
                    }
                case .number(let range):
                    guard let v = Double(value), v.isFinite, range.contains(v) else {
                        throw fail(node, "\(name).\(key) is \"\(value)\"; it should be a number from \(range.lowerBound) to \(range.upperBound)", "Correct the threshold")
                    }
                case .choice(let choices):
                    guard choices.contains(value) else { throw fail(node, "\(name).\(key) is \"\(value)\", not one of \(choices.joined(separator: ", "))", "Use one of those") }
                case .monthDay:
                    let parts = value.split(separator: "-").compactMap { Int($0) }
                    guard parts.count == 2, (1...12).contains(parts[0]), (1...31).contains(parts[1]) else {
                        throw fail(node, "\(name).\(key) is \"\(value)\"; it should be a month and day as MM-DD", "e.g. `\(key): \"04-30\"`")
                    }
                }
                parameters[key] = value
            }
            if check == .ptrWithinBounds, let lo = Double(parameters["min"] ?? ""), let hi = Double(parameters["max"] ?? ""), lo >= hi {
                throw fail(values["max"]?.1 ?? nameNode, "\(name): max (\(hi)) should be above min (\(lo))", "Correct the bounds")
            }
            rules.append(QualityRule(name: name, check: check, severity: severity, enabled: enabled, parameters: parameters, line: line))
        }
        guard !rules.isEmpty else { throw fail(rulesNode, "the file lists no rules", "Start from quality/rules.yaml") }
        return QualityRules(file: file, rules: rules)
    }
}
