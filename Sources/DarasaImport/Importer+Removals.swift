import DarasaCore
import DarasaIngest
import DarasaStore

/// `delete_when:` rows (OneRoster delta files mark a record `tobedeleted`). An enrolment or a
/// class assignment is removed by its natural key, with the removed row kept in the record
/// history. Learners, teachers, schools and calendars are never removed by a feed: a child's
/// record and everything attached to it stays, so such rows are counted as skipped.
extension ImportRun {
    func takeRemoval(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) async throws {
        try await switchFile(file)
        switch mapping.target {
        case .enrolments:
            let learner = person("learner", m, r, &problems)
            let school = self.school(m, r, &problems)
            let year = m.int("year", r, &problems)
            guard problems.isEmpty, let learner, let school, let year else { return }
            if repeated("E\(learner)/\(year)/\(school)", what: "this learner's enrolment in \(year)", file: file, row: row,
                        column: m.column(of: "learner"), value: "", &problems) { return }
            enrolmentRemovals.append(Enrolment(learnerID: LearnerID(learner), yearID: year, schoolID: SchoolID(school), grade: 0, section: "", status: .enrolled))
        case .classAssignments:
            if let a = classAssignment(m, r, row: row, file: file, &problems) { assignmentRemovals.append(a) }
        default:
            read -= 1
            skipped += 1
        }
    }

    /// Removes what `takeRemoval` collected; removals that find no stored record count as unchanged.
    func applyRemovals() async throws {
        for (batch, count) in [(RecordBatch.enrolments(enrolmentRemovals), enrolmentRemovals.count),
                               (RecordBatch.classAssignments(assignmentRemovals), assignmentRemovals.count)] where count > 0 {
            let removed = try await writer.delete(batch, source: mapping.source, path: currentFile)
            deleted += removed
            counts.unchanged += count - removed
        }
        enrolmentRemovals = []
        assignmentRemovals = []
    }
}
