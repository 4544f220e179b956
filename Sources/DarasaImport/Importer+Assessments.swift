import DarasaCore
import DarasaIngest
import DarasaStore
import Foundation

/// Instruments, assessment results linked to learners, and duplicate learner records.
extension ImportRun {
    struct PendingResult {
        var file: String
        var row: Int
        var raw: String
        var header: String
        var key: String
        var results: [AssessmentResult]
        var known: Int64?
        var link: LinkRecord
        var yearID: Int
    }

    func takeInstrument(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let code = m.string("code", r, &problems)
        let name = m.string("name", r, &problems)
        let kindText = m.string("kind", r, &problems)
        let language = m.string("language", r, &problems)
        let grades = m.list("grades", r, &problems).compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))) }
        let json = m.string("subtasks", r, &problems)
        let kind = kindText.flatMap { InstrumentKind(rawValue: $0.lowercased()) }
        if kindText != nil && kind == nil {
            problems.append(RowProblem(column: m.column(of: "kind"), value: kindText ?? "", reason: "\"\(kindText ?? "")\" is not an instrument kind", fix: "Use egra, egma or aser"))
        }
        var subtasks: [Subtask] = []
        if let json {
            do { subtasks = try InstrumentFile.subtasks(json: json, file: file, row: row) } catch let e as InputError {
                problems.append(RowProblem(column: m.column(of: "subtasks"), value: String(json.prefix(60)), reason: e.problem, fix: e.fix))
            } catch {}
        }
        guard problems.isEmpty, let code, let name, let kind, let language else { return }
        if repeated("I" + code, what: "the instrument \(code.prefix(30))", file: file, row: row, column: m.column(of: "code"), value: code, &problems) { return }
        let id: Int64
        if let existing = instrumentsByCode[code] { id = existing.id.rawValue } else { nextID += 1; id = nextID }
        let instrument = Instrument(id: InstrumentID(id), code: code, name: name, kind: kind, language: language, grades: grades, subtasks: subtasks)
        instrumentsByCode[code] = instrument
        instrumentsOut.append((instrument, row))
    }

    func takeResultRow(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let code = m.string("instrument", r, &problems)
        let school = self.school(m, r, &problems)
        let grade = m.int("grade", r, &problems)
        let date = m.day("date", r, &problems)
        let assessor = m.string("assessor", r, &problems) ?? ""
        let mode = m.string("mode", r, &problems).flatMap(AssessmentMode.init(rawValue:)) ?? .census
        let weight = m.double("weight", r, &problems) ?? 1
        let given = m.string("given_name", r, &problems) ?? ""
        let family = m.string("family_name", r, &problems) ?? ""
        let sex = m.sex("sex", r, &problems)
        let age = m.int("age", r, &problems)
        var known: Int64?
        if m.has("learner") { known = person("learner", m, r, &problems) } else if given.isEmpty && family.isEmpty {
            problems.append(RowProblem(column: m.column(of: "given_name"), value: "", reason: "the row names no learner",
                                       fix: "Fill in the child's names (or map the learner's identifier)"))
        }
        if weight <= 0 {
            problems.append(RowProblem(column: m.column(of: "weight"), value: "\(weight)", reason: "a sampling weight must be above 0", fix: "Check the weight"))
        }
        guard let code else { return }
        guard let instrument = instrumentsByCode[code] else {
            problems.append(RowProblem(column: m.column(of: "instrument"), value: code, reason: "no instrument has the code \(code.prefix(30))",
                                       fix: "Import the instrument definitions first, or check the code"))
            return
        }
        var results: [AssessmentResult] = []
        for c in resultColumns(instrument, m) {
            let s = c.subtask, prefix = c.prefix, names = c.names, positions = c.items, counts = c.counts
            switch s.kind {
            case .timedGrid, .untimed:
                if positions.allSatisfy({ $0 == nil }) && counts.allSatisfy({ $0 == nil }) { continue }
                var responses = ""
                var correct = 0
                for (p, name) in zip(positions, names) {
                    guard let p else { responses.append("."); continue }
                    switch r.singleByte(p) {
                    case UInt8(ascii: "1"): responses.append("1"); correct += 1
                    case UInt8(ascii: "0"): responses.append("0")
                    default:
                        if !r.trimmed(p).isEmpty {
                            problems.append(RowProblem(column: name, value: r.trimmed(p), reason: "\"\(r.trimmed(p).prefix(10))\" is not an item mark",
                                                       fix: "Write 1 (correct), 0 (incorrect) or leave items not reached blank"))
                        }
                        responses.append(".")
                    }
                }
                var result = AssessmentResult(id: AssessmentID(0), learnerID: LearnerID(0), schoolID: SchoolID(school ?? 0), instrumentID: instrument.id,
                                              subtaskCode: s.code, grade: grade ?? 0, date: date ?? Day(daysSinceEpoch: 0), assessor: assessor,
                                              mode: mode, weight: weight, responses: responses)
                if s.kind == .timedGrid {
                    let values = counts.enumerated().map { k, p -> Int? in
                        guard let p, !r.trimmed(p).isEmpty else { return nil }
                        if let v = r.int(p) { return v }
                        problems.append(RowProblem(column: prefix + ["_attempted", "_incorrect", "_time_remaining"][k], value: r.trimmed(p),
                                                   reason: "\"\(r.trimmed(p).prefix(10))\" is not a whole number", fix: "Write the count as a whole number"))
                        return nil
                    }
                    result.attempted = values[0]; result.incorrect = values[1]; result.secondsRemaining = values[2]
                    let limit = s.timeLimitSeconds ?? 60
                    // Out-of-range raw counts are kept with no score, for the quality checks.
                    if let a = values[0], let i = values[1], let rem = values[2], (0...s.itemCount).contains(a), (0...a).contains(i), (0..<limit).contains(rem) {
                        result.score = EGRA.fluency(attempted: a, incorrect: i, secondsRemaining: rem, timeLimit: limit)
                    }
                } else {
                    result.score = Double(correct)
                }
                results.append(result)
            case .level:
                guard let p = c.level else { continue }
                let text = r.trimmed(p)
                if text.isEmpty { continue }
                guard let level = s.levels.firstIndex(where: { $0.lowercased() == text.lowercased() }) else {
                    problems.append(RowProblem(column: prefix + "_level", value: text, reason: "\"\(text.prefix(30))\" is not a level of \(s.code)",
                                               fix: "Use one of: \(s.levels.joined(separator: ", "))"))
                    continue
                }
                results.append(AssessmentResult(id: AssessmentID(0), learnerID: LearnerID(0), schoolID: SchoolID(school ?? 0), instrumentID: instrument.id,
                                                subtaskCode: s.code, grade: grade ?? 0, date: date ?? Day(daysSinceEpoch: 0), assessor: assessor,
                                                mode: mode, weight: weight, score: Double(level), level: level))
            }
        }
        if results.isEmpty && problems.isEmpty {
            problems.append(RowProblem(column: nil, value: "", reason: "the row has no result columns for \(code)",
                                       fix: "Export the subtask columns (e.g. \(instrument.subtasks.first.map { ($0.columnPrefix ?? $0.code) + "_attempted" } ?? ""))"))
        }
        guard problems.isEmpty, let school, let grade, let date else { return }
        guard let yearID = calendar.yearID(for: date) else {
            problems.append(RowProblem(column: m.column(of: "date"), value: date.iso, reason: "\(date.iso) is outside every school year in the calendar",
                                       fix: "Import that year's calendar first, or check the date"))
            return
        }
        let key = m.string("source_key", r, &problems)
            ?? [code, "\(school)", "\(grade)", date.iso, StringSimilarity.normalizeName(given), StringSimilarity.normalizeName(family)].joined(separator: "|")
        if repeated("R" + key, what: "this assessment row", file: file, row: row, column: m.column(of: "source_key"), value: key, &problems) { return }
        let link = LinkRecord(given: given, family: family, sex: sex, birthYear: age.map { date.year - $0 }, school: school,
                              area: areaOfSchool[school], grade: grade, year: yearID)
        pendingResults.append(PendingResult(file: file, row: row, raw: Self.json(m.primaryFields(r)), header: Self.json(m.primaryHeader), key: key,
                                            results: results, known: known, link: link, yearID: yearID))
    }

    /// Where each subtask's columns are in the file being read: worked out once per instrument
    /// and file, not for every row.
    struct SubtaskColumns {
        var subtask: Subtask
        var prefix: String
        var names: [String]
        var items: [Int?]
        var counts: [Int?]
        var level: Int?
    }

    func resultColumns(_ instrument: Instrument, _ m: MappedReader) -> [SubtaskColumns] {
        if let cached = columnsByInstrument[instrument.code] { return cached }
        let list = instrument.subtasks.map { s -> SubtaskColumns in
            let prefix = s.columnPrefix ?? s.code
            let names = s.kind == .level ? [] : (1...max(1, s.itemCount)).map { i in
                s.kind == .timedGrid ? prefix + "_" + String(format: "%03d", i) : prefix + "_\(i)"
            }
            return SubtaskColumns(subtask: s, prefix: prefix, names: names, items: names.map { m.position(of: $0) },
                                  counts: ["_attempted", "_incorrect", "_time_remaining"].map { m.position(of: prefix + $0) },
                                  level: m.position(of: prefix + "_level"))
        }
        columnsByInstrument[instrument.code] = list
        return list
    }

    func flushInstruments(path: String) async throws {
        guard !instrumentsOut.isEmpty else { return }
        counts = counts + (try await writer.merge(.instruments(instrumentsOut.map(\.0)), source: mapping.source, path: path,
                                                  rows: instrumentsOut.map(\.1), weights: instrumentsOut.map { _ in 1 }))
        instrumentsOut.removeAll()
    }

    /// Links the rows to learners (exact name in the class first, then Fellegi–Sunter), stores
    /// the linked rows' results, and holds the rest for review or in the quarantine.
    func finishResults() async throws {
        guard !pendingResults.isEmpty else { return }
        let stays = try await writer.linkableStays(years: Set(pendingResults.map(\.yearID)))
        struct ClassKey: Hashable { var year: Int; var school: Int64; var grade: Int; var given: String; var family: String }
        var exact: [ClassKey: [Int]] = [:]
        for (i, s) in stays.enumerated() {
            exact[ClassKey(year: s.yearID, school: s.schoolID, grade: s.grade, given: StringSimilarity.normalizeName(s.given),
                           family: StringSimilarity.normalizeName(s.family)), default: []].append(i)
        }
        var learnerOf = [Int64?](repeating: nil, count: pendingResults.count)
        var rest: [Int] = []
        for (k, p) in pendingResults.enumerated() {
            if let known = p.known { learnerOf[k] = known; continue }
            var found = exact[ClassKey(year: p.yearID, school: p.link.school ?? 0, grade: p.link.grade ?? 0,
                                       given: StringSimilarity.normalizeName(p.link.given), family: StringSimilarity.normalizeName(p.link.family))] ?? []
            if found.count > 1, let sex = p.link.sex { found = found.filter { stays[$0].sex == sex } }
            if found.count == 1 { learnerOf[k] = stays[found[0]].learnerID } else { rest.append(k) }
        }
        var candidates: [(LinkCandidate, payload: String?)] = []
        var reviewRows: [Int: Int] = [:]
        if !rest.isEmpty && !stays.isEmpty {
            // Names are normalised and coded (Soundex) as the records are made: on every core.
            let stored = try Parallel.map(stays.count) { range in
                range.map { i in
                    let s = stays[i]
                    return LinkRecord(given: s.given, family: s.family, sex: s.sex, birth: s.birth, school: s.schoolID, area: s.area, grade: s.grade, year: s.yearID)
                }
            }.flatMap { $0 }
            let incoming = rest.map { pendingResults[$0].link }
            let result = try Linker().link(incoming, to: stored, entity: stays.map { Int($0.learnerID) })
            let pending = Set(try await writer.pendingReviewRows(file: pendingResults[rest[0]].file))
            for pair in result.pairs {
                let k = rest[pair.right]
                let p = pendingResults[k]
                let stay = stays[pair.left]
                let evidence = Self.evidence(result.model, pair.levels, stored[pair.left], p.link)
                if pair.decision == .link {
                    learnerOf[k] = stay.learnerID
                    linkedRows[k] = LinkCandidate(kind: .assessment, file: p.file, row: p.row, learnerID: LearnerID(stay.learnerID), otherID: nil,
                                                  schoolID: SchoolID(p.link.school ?? 0), weight: pair.weight, evidence: evidence, status: .linked)
                } else {
                    reviewRows[k, default: 0] += 1
                    if pending.contains(p.row) { continue }
                    let payload = try? String(decoding: JSONEncoder().encode(p.results), as: UTF8.self)
                    candidates.append((LinkCandidate(kind: .assessment, file: p.file, row: p.row, learnerID: LearnerID(stay.learnerID), otherID: nil,
                                                     schoolID: SchoolID(p.link.school ?? 0), weight: pair.weight, evidence: evidence, status: .review), payload))
                }
            }
        }
        try await writer.addLinkCandidates(candidates)
        // Store linked rows' results; the others go to the quarantine with the reason.
        var batch: [(AssessmentResult, Int, Int, String)] = []
        var newKeys: [(key: String, id: Int64)] = []
        for (k, p) in pendingResults.enumerated() {
            guard let learner = learnerOf[k] else {
                quarantinedRows += 1
                let waiting = reviewRows[k] ?? 0
                quarantine.append(QuarantinedRow(file: p.file, row: p.row, column: mapping.fields["given_name"]?.column, value: "\(p.link.given) \(p.link.family)",
                    reason: waiting > 0 ? "awaiting review: \(waiting) learner\(waiting == 1 ? "" : "s") could be this child" : "no learner of this name is enrolled in this school and grade",
                    fix: waiting > 0 ? "A data officer decides in the review queue (Identity review)" : "Check the name, school and grade, or import the learner's enrolment first",
                    header: p.header, raw: p.raw))
                continue
            }
            for (n, var result) in p.results.enumerated() {
                let key = p.key + "#" + result.subtaskCode
                let id: Int64
                if let existing = ownKeys[key] { id = existing } else { nextID += 1; id = nextID; ownKeys[key] = id; newKeys.append((key, id)) }
                result.id = AssessmentID(id)
                result.learnerID = LearnerID(learner)
                batch.append((result, p.row, n == 0 ? 1 : 0, p.file))
            }
        }
        for part in stride(from: 0, to: batch.count, by: chunkSize) {
            let slice = Array(batch[part..<min(batch.count, part + chunkSize)])
            // Each result keeps the file it came from (a chunk spans several exports).
            counts = counts + (try await writer.merge(.assessmentResults(slice.map(\.0)), source: mapping.source, path: slice.first?.3 ?? "",
                                                      rows: slice.map(\.1), weights: slice.map(\.2), paths: slice.map(\.3)))
        }
        try await writer.addRecordKeys(table: "assessment_results", source: mapping.source, newKeys)
        // Automatic probabilistic links are kept with their evidence, so they can be undone.
        var linked: [(LinkCandidate, payload: String?)] = []
        for (k, c) in linkedRows {
            let ids = pendingResults[k].results.map { ownKeys[pendingResults[k].key + "#" + $0.subtaskCode] ?? 0 }
            let payload = try? String(decoding: JSONEncoder().encode(LinkedPayload(results: pendingResults[k].results.map { var r = $0; r.learnerID = c.learnerID; return r },
                                                                                   stored: ids)), as: UTF8.self)
            linked.append((c, payload))
        }
        try await writer.addLinkCandidates(linked)
        pendingResults = []
        linkedRows = [:]
    }

    struct LinkedPayload: Encodable {
        var results: [AssessmentResult]
        var stored: [Int64]
    }

    /// Duplicate records of one child in the learners stored: every learner with an enrolment,
    /// compared on names, sex, birth date, last school and whether their rolls overlap.
    func findDuplicates() async throws {
        let stays = try await writer.linkableStays(years: [])
        var byLearner: [Int64: [LinkableStay]] = [:]
        for s in stays { byLearner[s.learnerID, default: []].append(s) }
        let ids = byLearner.keys.sorted()
        let groups = byLearner, yearEnds = Dictionary(calendar.years.map { ($0.id, $0.end) }, uniquingKeysWith: { a, _ in a })
        // Names are normalised and coded (Soundex) as the records are made: on every core.
        let records = try Parallel.map(ids.count) { range in
            range.map { k -> LinkRecord in
                let list = groups[ids[k]]!
                let last = list.max { $0.yearID < $1.yearID }!
                let first = list.compactMap(\.start).min()
                let end = list.compactMap { stay in stay.end ?? yearEnds[stay.yearID] }.max()
                return LinkRecord(given: last.given, family: last.family, sex: last.sex, birth: last.birth, school: last.schoolID, area: last.area,
                                  grade: last.grade, year: last.yearID, firstDay: first, lastDay: end)
            }
        }.flatMap { $0 }
        guard records.count > 1 else { return }
        let result = try Linker().deduplicate(records)
        let known = try await writer.duplicatePairs()
        var out: [(LinkCandidate, payload: String?)] = []
        var persons: [(learner: Int64, person: Int64)] = []
        for pair in result.pairs {
            let a = ids[pair.left], b = ids[pair.right]
            if known.contains([a, b]) { continue }
            let evidence = Self.evidence(result.model, pair.levels, records[pair.left], records[pair.right])
            let status: LinkCandidate.Status = pair.decision == LinkDecision.link ? .linked : .review
            if status == .linked { persons.append((b, byLearner[a]?.first?.personID ?? a)); enrolledLearners.formUnion([a, b]) }
            out.append((LinkCandidate(kind: .duplicate, file: nil, row: nil, learnerID: LearnerID(a), otherID: LearnerID(b),
                                      schoolID: SchoolID(byLearner[b]?.max { $0.yearID < $1.yearID }?.schoolID ?? 0), weight: pair.weight,
                                      evidence: evidence, status: status), nil))
        }
        try await writer.setPersons(persons)
        try await writer.addLinkCandidates(out)
        duplicatesFound = (persons.count, out.count - persons.count)
    }

    /// Per-field evidence for a pair, with values shown on both sides.
    static func evidence(_ model: FellegiSunterModel, _ levels: [Int?], _ a: LinkRecord, _ b: LinkRecord) -> [FieldEvidence] {
        let nameWords = ["exact", "very close", "close", "sounds alike", "different"]
        let dateWords = ["exact", "day and month swapped", "same year", "different"]
        func w(_ k: Int) -> Double { levels[k].flatMap { try? model.partialWeight(field: k, level: $0) } ?? 0 }
        func word(_ k: Int, _ words: [String]) -> String { levels[k].map { words[$0] } ?? "missing" }
        let birthA = a.birth?.iso ?? a.birthYear.map { "born about \($0)" } ?? "—"
        let birthB = b.birth?.iso ?? b.birthYear.map { "born about \($0)" } ?? "—"
        var out = [
            FieldEvidence(field: "name", left: "\(a.given) \(a.family)", right: "\(b.given) \(b.family)", level: word(0, nameWords), weight: w(0)),
            FieldEvidence(field: "sex", left: a.sex?.rawValue ?? "—", right: b.sex?.rawValue ?? "—", level: word(1, ["same", "different"]), weight: w(1)),
            FieldEvidence(field: "birth", left: birthA, right: birthB, level: word(2, dateWords), weight: w(2)),
            FieldEvidence(field: "school", left: a.school.map(String.init) ?? "—", right: b.school.map(String.init) ?? "—", level: word(3, ["same", "different"]), weight: w(3)),
        ]
        if a.firstDay != nil || b.firstDay != nil {
            out.append(FieldEvidence(field: "on the roll", left: "\(a.firstDay?.iso ?? "?") – \(a.lastDay?.iso ?? "?")", right: "\(b.firstDay?.iso ?? "?") – \(b.lastDay?.iso ?? "?")",
                                     level: word(4, ["one after the other", "at the same time"]), weight: w(4)))
        } else {
            out.append(FieldEvidence(field: "grade", left: a.grade.map(String.init) ?? "—", right: b.grade.map(String.init) ?? "—", level: word(4, ["same", "different"]), weight: w(4)))
        }
        return out
    }
}
