import DarasaCore

/// A learner's latest reading results in a year: ASER-style level and oral reading fluency.
public struct ReadingStatus: Sendable, Hashable {
    /// Index into `levelNames` (0 = the lowest level), from the latest level-type "reading" result.
    public var level: Int?
    public var levelNames: [String]
    /// Latest oral reading fluency (correct words per minute).
    public var wordsPerMinute: Double?
    /// Per subtask of a scored grid or questions (orf, letter_sounds, …): the Global Proficiency
    /// Framework band of the latest result, 0 below partially meets … 3 exceeds.
    public var bands: [String: Int] = [:]

    public var levelName: String? { level.flatMap { $0 < levelNames.count ? levelNames[$0] : nil } }
}

extension DarasaStore {
    /// Latest reading level and fluency for every assessed learner of a school in a year.
    /// For the school tier (it is about named learners).
    public func readingStatus(schoolID: SchoolID, yearID: Int) async throws -> [LearnerID: ReadingStatus] {
        let rows = try await database.query("""
            SELECT r.learner_id, r.subtask_code, r.level, r.score, r.instrument_id
            FROM assessment_results r
            WHERE r.school_id = ? AND r.year_id = ? AND (r.subtask_code = 'orf' OR (r.subtask_code = 'reading' AND r.level IS NOT NULL))
            ORDER BY r.assessed_on, r.id
            """, .int(schoolID.rawValue), .int(Int64(yearID)))
        var levelNames: [Int64: [String]] = [:]
        for instrument in Set(rows.compactMap { $0.text(1) == "reading" ? $0.int(4) : nil }) {
            if let text = try await database.query("SELECT definition FROM instruments WHERE id = ?", .int(instrument)).first?.text(0),
               let subtasks = try? JSONText.decode([Subtask].self, text) {
                levelNames[instrument] = subtasks.first { $0.code == "reading" }?.levels ?? []
            }
        }
        var out: [LearnerID: ReadingStatus] = [:]
        // Bands from the benchmarks' cut-offs (the latest result per subtask wins).
        for r in try await database.query("""
            SELECT r.learner_id, r.subtask_code,
                   CASE WHEN b.exceeds_min IS NOT NULL AND r.score >= b.exceeds_min THEN 3 WHEN r.score >= b.mpl THEN 2
                        WHEN b.partially_min IS NOT NULL AND r.score >= b.partially_min THEN 1 ELSE 0 END
            FROM assessment_results r JOIN instruments i ON i.id = r.instrument_id
            JOIN benchmarks b ON b.instrument_id = r.instrument_id AND b.subtask_code = r.subtask_code AND b.grade = r.grade AND b.language = i.language
            WHERE r.school_id = ? AND r.year_id = ? AND r.score IS NOT NULL AND b.mpl IS NOT NULL AND r.level IS NULL
            ORDER BY r.assessed_on, r.id
            """, .int(schoolID.rawValue), .int(Int64(yearID))) {
            guard let id = r.int(0).map({ LearnerID($0) }), let subtask = r.text(1), let band = r.int(2) else { continue }
            out[id, default: ReadingStatus(level: nil, levelNames: [], wordsPerMinute: nil)].bands[subtask] = Int(band)
        }
        for r in rows {
            guard let id = r.int(0).map({ LearnerID($0) }) else { continue }
            var status = out[id] ?? ReadingStatus(level: nil, levelNames: [], wordsPerMinute: nil)
            if r.text(1) == "reading" {
                status.level = r.int(2).map { Int($0) }
                status.levelNames = r.int(4).flatMap { levelNames[$0] } ?? []
            } else if let score = r.double(3) {
                status.wordsPerMinute = score
            }
            out[id] = status
        }
        return out
    }
}
