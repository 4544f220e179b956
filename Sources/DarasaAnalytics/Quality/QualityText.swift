import Foundation

/// Short, plain summaries of a to-do list: one line per kind of problem, plainest first, and the
/// same as text messages of at most 160 characters for a head teacher's basic phone.
public enum QualityText {
    /// One short action per rule that has open findings, plainest first.
    public static func actions(_ findings: [StoredFinding]) -> [String] {
        let open = findings.filter { $0.status == .open }
        var order: [String] = []
        var byRule: [String: [StoredFinding]] = [:]
        for f in open.sorted(by: { ($0.plainness, $0.id) < ($1.plainness, $1.id) }) {
            if byRule[f.rule] == nil { order.append(f.rule) }
            byRule[f.rule, default: []].append(f)
        }
        return order.compactMap { rule in
            guard let list = byRule[rule], let first = list.first else { return nil }
            return action(first.check, list)
        }
    }

    static func action(_ check: QualityCheck, _ list: [StoredFinding]) -> String {
        let n = list.count
        func periods(_ max: Int = 3) -> String {
            let p = Array(Set(list.map(\.period))).sorted()
            return p.prefix(max).joined(separator: ", ") + (p.count > max ? " +\(p.count - max)" : "")
        }
        func s(_ word: String) -> String { n == 1 ? word : word + "s" }
        switch check {
        case .censusReceived: return "send the \(periods()) census"
        case .registersReceived: return "send registers for \(periods())"
        case .requiredField: return "add \(n) missing \(s("detail")) on learners"
        case .censusOnTime: return "census \(periods()) came late"
        case .ageForGrade: return "check \(n) \(s("date")) of birth"
        case .scoreInRange: return "check \(n) assessment \(s("sheet"))"
        case .duplicateLearners: return "merge \(n) duplicate learner \(s("record"))"
        case .partsVsTotal: return "census girls+boys not = total in \(n) \(s("grade"))"
        case .censusVsRoster: return "census and roll differ in \(n) \(s("grade"))"
        case .teachersHRvsCensus: return "teacher count differs from HR"
        case .attendanceWithinEnrolment: return "registers list more than enrolled in \(n) \(s("grade"))"
        case .assessedWithinEnrolled: return "more assessed than enrolled in \(n) \(s("grade"))"
        case .ptrWithinBounds: return "check teacher and learner counts"
        case .enrolmentOutlierHistory, .enrolmentTrend: return "confirm unusual enrolment (\(periods()))"
        case .attendanceOutlierPeers: return "check daily register marking"
        }
    }

    /// Text messages of at most `limit` characters: the first says how many things to fix,
    /// each action appears whole in one message.
    public static func sms(school: String, findings: [StoredFinding], limit: Int = 160) -> [String] {
        let actions = actions(findings)
        guard !actions.isEmpty else { return [String("\(school): no data problems to fix. Thank you.".prefix(limit))] }
        var messages: [String] = []
        var current = String("\(school): \(actions.count) data \(actions.count == 1 ? "fix" : "fixes"):".prefix(limit - 20))
        for (i, a) in actions.enumerated() {
            let item = " \(i + 1)) \(a)."
            if current.count + item.count > limit {
                messages.append(current)
                current = String(item.dropFirst().prefix(limit))
            } else {
                current += item
            }
        }
        messages.append(current)
        return messages
    }
}
