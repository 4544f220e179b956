import DarasaCore
import Foundation

/// visits/visits_<year>.json as the coaching app exports it.
private struct VisitFile: Decodable {
    struct Visitor: Decodable {
        var id: String
        var name: String
    }
    struct Score: Decodable {
        var criterion: String
        var score: Int
    }
    struct FollowUp: Decodable {
        var action: String
        var dueDate: String?
        var status: String
    }
    struct Visit: Decodable {
        var visitId: String
        var schoolCode: String
        var visitDate: String
        var purpose: String
        var visitor: Visitor
        var rubric: [Score]
        var notes: String?
        var followUps: [FollowUp]?
    }
    var visits: [Visit]
}

/// assessments/instruments.json as the assessment firm publishes it.
public struct InstrumentFile: Decodable {
    struct Cutoff: Decodable {
        var level: String
        var minimum: Double
    }
    struct BenchmarkEntry: Decodable {
        var grade: Int
        var language: String
        var benchmark: Double
        var gpfCutoffs: [Cutoff]?
    }
    struct SubtaskEntry: Decodable {
        var code: String
        var name: String
        var type: String
        var items: Int
        var columnPrefix: String
        var timeLimitSeconds: Int?
        var firstLineItems: Int?
        var levels: [String]?
        var benchmarks: [BenchmarkEntry]?
        var itemTexts: [String]?
        var sentenceEnds: [Int]?
    }
    struct InstrumentEntry: Decodable {
        var code: String
        var name: String
        var kind: String
        var language: String
        var grades: [Int]
        var subtasks: [SubtaskEntry]
    }
    var instruments: [InstrumentEntry]
}

private struct LoadedInstrument {
    var instrument: Instrument
    var prefixes: [String]
}

/// Key for exact linkage: year, school, grade and normalised names.
private struct LinkKey: Hashable {
    var year: Int
    var school: SchoolID
    var grade: Int
    var given: String
    var family: String
}

extension LoadRun {
    func loadAssessments(into sink: some RecordSink) async throws {
        let path = "assessments/instruments.json"
        guard exists(path) else { return }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let file: InstrumentFile
        do {
            file = try decoder.decode(InstrumentFile.self, from: Data(contentsOf: url(path)))
        } catch let DecodingError.keyNotFound(key, _) {
            throw InputError(file: path, column: key.stringValue, problem: "an instrument definition has no \"\(key.stringValue)\"",
                             fix: "Give every instrument and subtask all of its fields")
        } catch {
            throw InputError(file: path, problem: "the instrument definitions are not valid JSON of the expected shape",
                             fix: "Check the file against docs/synthetic-country.md")
        }
        summary.files += 1
        var loaded: [String: LoadedInstrument] = [:]
        var instruments: [Instrument] = []
        for (i, entry) in file.instruments.enumerated() {
            guard let kind = InstrumentKind(rawValue: entry.kind) else {
                throw InputError(file: path, row: i + 1, column: "kind", problem: "\"\(entry.kind)\" is not an instrument kind",
                                 fix: "Use egra, egma or aser")
            }
            let subtasks = try InstrumentFile.subtasks(entry.subtasks, file: path, row: i + 1)
            let instrument = Instrument(id: InstrumentID(Int64(i + 1)), code: entry.code, name: entry.name, kind: kind,
                                        language: entry.language, grades: entry.grades, subtasks: subtasks)
            instruments.append(instrument)
            loaded[entry.code] = LoadedInstrument(instrument: instrument, prefixes: entry.subtasks.map(\.columnPrefix))
        }
        try await sink.receive(.instruments(instruments), from: SourceFile(source: "assessment", path: path),
                               rows: instruments.indices.map { $0 + 1 })
        delivered("instruments", instruments.count)

        // Exact-name linkage index: who was enrolled where, in which grade, each year.
        var index: [LinkKey: [LearnerID]] = [:]
        for (year, list) in enrolmentsByYear {
            for e in list {
                let n = learnerNames[Int(e.learnerID.rawValue) - 1]
                let key = LinkKey(year: year, school: e.schoolID, grade: e.grade, given: normalizedName(n.given),
                                  family: normalizedName(n.family))
                if !(index[key]?.contains(e.learnerID) ?? false) { index[key, default: []].append(e.learnerID) }
            }
        }
        enrolmentsByYear = [:]
        var nextResult: Int64 = 1
        for path in listFiles(root, "assessments", prefix: "egra_", suffix: ".csv") {
            try await loadEGRA(path, instruments: loaded, index: index, nextID: &nextResult, into: sink)
        }
        for path in listFiles(root, "assessments", prefix: "aser_", suffix: ".csv") {
            try await loadASER(path, instruments: loaded, index: index, nextID: &nextResult, into: sink)
        }
    }

    /// The learner a row names, or nil (the row is then listed as unmatched or ambiguous).
    private func link(_ index: [LinkKey: [LearnerID]], year: Int, school: SchoolID, grade: Int, given: String,
                      family: String, sex: Sex?, file: String, row: Int) -> LearnerID? {
        summary.assessmentRows += 1
        let key = LinkKey(year: year, school: school, grade: grade, given: normalizedName(given), family: normalizedName(family))
        guard var candidates = index[key], !candidates.isEmpty else {
            summary.unmatchedAssessmentRows.append(RowReference(file: file, row: row))
            return nil
        }
        if candidates.count > 1, let sex {
            candidates = candidates.filter { learnerNames[Int($0.rawValue) - 1].sex == sex }
        }
        guard candidates.count == 1 else {
            if candidates.isEmpty {
                summary.unmatchedAssessmentRows.append(RowReference(file: file, row: row))
            } else {
                summary.ambiguousAssessmentRows.append(RowReference(file: file, row: row))
            }
            return nil
        }
        summary.assessmentRowsLinked += 1
        return candidates[0]
    }

    private func loadEGRA(_ path: String, instruments: [String: LoadedInstrument], index: [LinkKey: [LearnerID]],
                          nextID: inout Int64, into sink: some RecordSink) async throws {
        let (reader, h) = try openCSV(path, required: ["instrument", "mode", "weight", "assessment_date", "assessor_id",
                                                       "school_code", "grade", "learner_given_name", "learner_family_name", "sex"])
        var r = CSVRecord()
        var chunks = chunker("assessment", path) { RecordBatch.assessmentResults($0) }
        // Column positions per instrument, resolved once.
        var columns: [String: [(attempted: Int?, incorrect: Int?, remaining: Int?, items: [Int])]] = [:]
        while try csv(path, { try reader.next(into: &r) }) {
            let row = reader.recordNumber
            let code = Field.text(r, h["instrument"])
            guard let inst = instruments[code] else {
                throw InputError(file: path, row: row, column: "instrument", problem: "the instrument \"\(String(code.prefix(20)))\" is not defined",
                                 fix: "Add its definition to assessments/instruments.json")
            }
            if columns[code] == nil {
                var list: [(Int?, Int?, Int?, [Int])] = []
                for (s, prefix) in zip(inst.instrument.subtasks, inst.prefixes) {
                    let items = (1...max(1, s.itemCount)).map { i -> String in
                        s.kind == .timedGrid ? prefix + "_" + String(repeating: "0", count: max(0, 3 - String(i).count)) + String(i)
                            : prefix + "_\(i)"
                    }
                    var positions: [Int] = []
                    for name in items {
                        guard let p = h.column(name) else {
                            throw InputError(file: path, row: 1, column: name, problem: "the header has no column \"\(name)\"",
                                             fix: "Export every item column of the \(s.code) subtask")
                        }
                        positions.append(p)
                    }
                    if s.kind == .timedGrid {
                        for suffix in ["_attempted", "_incorrect", "_time_remaining"] where h.column(prefix + suffix) == nil {
                            throw InputError(file: path, row: 1, column: prefix + suffix, problem: "the header has no column \"\(prefix + suffix)\"",
                                             fix: "Export the raw counts of the \(s.code) subtask")
                        }
                    }
                    list.append((h.column(prefix + "_attempted"), h.column(prefix + "_incorrect"),
                                 h.column(prefix + "_time_remaining"), positions))
                }
                columns[code] = list
            }
            let date = try Field.isoDay(r, h["assessment_date"], file: path, row: row, column: "assessment_date")
            let grade = try Field.int(r, h["grade"], file: path, row: row, column: "grade")
            let modeText = Field.text(r, h["mode"])
            guard let mode = AssessmentMode(rawValue: modeText) else {
                throw InputError(file: path, row: row, column: "mode", problem: "\"\(String(modeText.prefix(20)))\" is not census or sample",
                                 fix: "Write census or sample")
            }
            let weight = try Field.double(r, h["weight"], file: path, row: row, column: "weight")
            let code2 = Field.text(r, h["school_code"])
            guard let school = schoolIDByCode[code2] else { unresolved("assessment: unknown school_code"); continue }
            guard let learner = link(index, year: yearID(of: date), school: school, grade: grade,
                                     given: Field.text(r, h["learner_given_name"]), family: Field.text(r, h["learner_family_name"]),
                                     sex: Field.sex(Field.text(r, h["sex"])), file: path, row: row) else { continue }
            let assessor = Field.text(r, h["assessor_id"])
            for (s, cols) in zip(inst.instrument.subtasks, columns[code] ?? []) {
                var responses = ""
                responses.reserveCapacity(cols.items.count)
                var correct = 0
                for p in cols.items {
                    switch r.singleByte(p) {
                    case UInt8(ascii: "1"): responses.append("1"); correct += 1
                    case UInt8(ascii: "0"): responses.append("0")
                    default:
                        if !r.isEmpty(p) {
                            throw InputError(file: path, row: row, column: h.names[p],
                                             problem: "\"\(String(Field.text(r, p).prefix(10)))\" is not an item mark",
                                             fix: "Write 1 (correct), 0 (incorrect) or leave items not reached blank")
                        }
                        responses.append(".")
                    }
                }
                var result = AssessmentResult(id: AssessmentID(nextID), learnerID: learner, schoolID: school,
                                              instrumentID: inst.instrument.id, subtaskCode: s.code, grade: grade, date: date,
                                              assessor: assessor, mode: mode, weight: weight, responses: responses)
                if s.kind == .timedGrid {
                    result.attempted = try cols.attempted.flatMap { try Field.optionalInt(r, $0, file: path, row: row, column: h.names[$0]) }
                    result.incorrect = try cols.incorrect.flatMap { try Field.optionalInt(r, $0, file: path, row: row, column: h.names[$0]) }
                    result.secondsRemaining = try cols.remaining.flatMap { try Field.optionalInt(r, $0, file: path, row: row, column: h.names[$0]) }
                    let limit = s.timeLimitSeconds ?? 60
                    if let a = result.attempted, let i = result.incorrect, let rem = result.secondsRemaining,
                       (0...s.itemCount).contains(a), (0...a).contains(i), (0..<limit).contains(rem) {
                        result.score = EGRA.fluency(attempted: a, incorrect: i, secondsRemaining: rem, timeLimit: limit)
                    } else {
                        summary.invalidScores += 1
                    }
                } else {
                    result.score = Double(correct)
                }
                nextID += 1
                if chunks.append(result, row: row) { try await chunks.flush(to: sink) }
            }
        }
        try await chunks.flush(to: sink)
        delivered("assessmentResults", chunks.delivered)
    }

    private func loadASER(_ path: String, instruments: [String: LoadedInstrument], index: [LinkKey: [LearnerID]],
                          nextID: inout Int64, into sink: some RecordSink) async throws {
        guard let inst = instruments["ASER"] else {
            throw InputError(file: path, problem: "the ASER instrument is not defined",
                             fix: "Add an instrument with code ASER to assessments/instruments.json")
        }
        let levelColumns = inst.prefixes.map { $0 + "_level" }
        let (reader, h) = try openCSV(path, required: ["school_code", "grade", "child_first_name", "child_last_name", "gender",
                                                       "assessor", "test_date", "mode", "weight"] + levelColumns)
        var r = CSVRecord()
        var chunks = chunker("assessment", path) { RecordBatch.assessmentResults($0) }
        while try csv(path, { try reader.next(into: &r) }) {
            let row = reader.recordNumber
            let date = try Field.dmyDay(r, h["test_date"], file: path, row: row, column: "test_date")
            let grade = try Field.int(r, h["grade"], file: path, row: row, column: "grade")
            let modeText = Field.text(r, h["mode"])
            guard let mode = AssessmentMode(rawValue: modeText) else {
                throw InputError(file: path, row: row, column: "mode", problem: "\"\(String(modeText.prefix(20)))\" is not census or sample",
                                 fix: "Write census or sample")
            }
            let weight = try Field.double(r, h["weight"], file: path, row: row, column: "weight")
            guard let school = schoolIDByCode[Field.text(r, h["school_code"])] else { unresolved("assessment: unknown school_code"); continue }
            guard let learner = link(index, year: yearID(of: date), school: school, grade: grade,
                                     given: Field.text(r, h["child_first_name"]), family: Field.text(r, h["child_last_name"]),
                                     sex: Field.sex(Field.text(r, h["gender"])), file: path, row: row) else { continue }
            for (s, column) in zip(inst.instrument.subtasks, levelColumns) {
                let text = Field.text(r, h[column])
                guard let level = s.levels.firstIndex(where: { $0.lowercased() == text.lowercased() }) else {
                    throw InputError(file: path, row: row, column: column, problem: "\"\(String(text.prefix(30)))\" is not a level of \(s.code)",
                                     fix: "Use one of: \(s.levels.joined(separator: ", "))")
                }
                let result = AssessmentResult(id: AssessmentID(nextID), learnerID: learner, schoolID: school,
                                              instrumentID: inst.instrument.id, subtaskCode: s.code, grade: grade, date: date,
                                              assessor: Field.text(r, h["assessor"]), mode: mode, weight: weight,
                                              score: Double(level), level: level)
                nextID += 1
                if chunks.append(result, row: row) { try await chunks.flush(to: sink) }
            }
        }
        try await chunks.flush(to: sink)
        delivered("assessmentResults", chunks.delivered)
    }

    /// visits/visits_<year>.json → SchoolVisit; the row is the visit's position in the file.
    func loadVisits(into sink: some RecordSink) async throws {
        var next: Int64 = 1
        for path in listFiles(root, "visits", prefix: "visits_", suffix: ".json") {
            let file: VisitFile
            do {
                file = try JSONDecoder().decode(VisitFile.self, from: Data(contentsOf: url(path)))
            } catch let DecodingError.keyNotFound(key, context) {
                let row = context.codingPath.first { $0.intValue != nil }?.intValue.map { $0 + 1 }
                throw InputError(file: path, row: row, column: key.stringValue, problem: "a visit has no \"\(key.stringValue)\"",
                                 fix: "Export the visits again with all fields")
            } catch {
                throw InputError(file: path, problem: "the file is not valid visits JSON", fix: "Export the visits again from the coaching app")
            }
            summary.files += 1
            var chunks = chunker("visits", path) { RecordBatch.visits($0) }
            for (i, v) in file.visits.enumerated() {
                let row = i + 1
                guard let date = Day(iso: v.visitDate) else {
                    throw InputError(file: path, row: row, column: "visitDate", problem: "\"\(String(v.visitDate.prefix(20)))\" is not a date",
                                     fix: "Write the visit date as YYYY-MM-DD")
                }
                guard let purpose = VisitPurpose(rawValue: v.purpose) else {
                    throw InputError(file: path, row: row, column: "purpose", problem: "\"\(String(v.purpose.prefix(20)))\" is not a visit purpose",
                                     fix: "Use coaching or quality_assurance")
                }
                guard let school = schoolIDByCode[v.schoolCode] else { unresolved("visits: unknown schoolCode"); continue }
                var actions: [FollowUpAction] = []
                for f in v.followUps ?? [] {
                    var due: Day?
                    if let d = f.dueDate {
                        guard let parsed = Day(iso: d) else {
                            throw InputError(file: path, row: row, column: "dueDate", problem: "\"\(String(d.prefix(20)))\" is not a date",
                                             fix: "Write the due date as YYYY-MM-DD")
                        }
                        due = parsed
                    }
                    guard let status = ActionStatus(rawValue: f.status) else {
                        throw InputError(file: path, row: row, column: "status", problem: "\"\(String(f.status.prefix(20)))\" is not an action status",
                                         fix: "Use open, done or dropped")
                    }
                    actions.append(FollowUpAction(description: f.action, due: due, status: status))
                }
                var rubric: [String: Int] = [:]
                for s in v.rubric { rubric[s.criterion] = s.score }
                let visit = SchoolVisit(id: VisitID(next), schoolID: school, visitor: "\(v.visitor.name) (\(v.visitor.id))",
                                        date: date, purpose: purpose, rubric: rubric, notes: v.notes ?? "", actions: actions)
                next += 1
                if chunks.append(visit, row: row) { try await chunks.flush(to: sink) }
            }
            try await chunks.flush(to: sink)
            delivered("visits", chunks.delivered)
        }
    }
}

extension InstrumentFile {
    /// Subtasks given as JSON text (a mapped instruments file's `subtasks` column).
    public static func subtasks(json: String, file: String, row: Int) throws -> [Subtask] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let entries: [SubtaskEntry]
        do { entries = try decoder.decode([SubtaskEntry].self, from: Data(json.utf8)) } catch {
            throw InputError(file: file, row: row, column: "subtasks", problem: "the subtasks are not a JSON list of subtask definitions",
                             fix: "Give each subtask code, name, type, items and column_prefix (see docs/import-mappings.md)")
        }
        return try subtasks(entries, file: file, row: row)
    }

    /// The subtasks of one instrument entry, checked; `row` is the entry's position for messages.
    static func subtasks(_ entries: [SubtaskEntry], file path: String, row: Int) throws -> [Subtask] {
        var subtasks: [Subtask] = []
        for s in entries {
            guard let sk = SubtaskKind(rawValue: s.type) else {
                throw InputError(file: path, row: row, column: "type", problem: "\"\(s.type)\" is not a subtask type",
                                 fix: "Use timed_grid, untimed or level")
            }
            let benchmarks = try (s.benchmarks ?? []).map { b in
                Benchmark(grade: b.grade, language: b.language, threshold: b.benchmark,
                          levelCutoffs: try (b.gpfCutoffs ?? []).map { c in
                              guard let level = ProficiencyLevel(rawValue: c.level) else {
                                  throw InputError(file: path, row: row, column: "gpf_cutoffs",
                                                   problem: "\"\(c.level)\" is not a GPF level",
                                                   fix: "Use below_partially_meets, partially_meets, meets or exceeds")
                              }
                              return LevelCutoff(minimum: c.minimum, level: level)
                          })
            }
            subtasks.append(Subtask(code: s.code, name: s.name, kind: sk, itemCount: s.items,
                                    timeLimitSeconds: s.timeLimitSeconds, firstLineLength: s.firstLineItems,
                                    levels: s.levels ?? [], benchmarks: benchmarks, columnPrefix: s.columnPrefix,
                                    itemTexts: s.itemTexts.map { Array($0.prefix(s.items)).map { String($0.prefix(40)) } },
                                    sentenceEnds: s.sentenceEnds))
        }
        return subtasks
    }
}
