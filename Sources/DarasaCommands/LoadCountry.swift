import DarasaIngest
import DarasaServer
import DarasaStore
import Foundation

/// Reads every source of a generated country into an open import batch and says what it read.
func loadSyntheticCountry(from dir: URL, into writer: BatchWriter) async throws -> String {
    let summary = try await SyntheticCountryLoader().load(from: dir, into: StoreSink(writer: writer))
    let kinds = summary.records.sorted { $0.key < $1.key }.map { "\($0.key) \(Format.count($0.value))" }
    var text = "\(summary.files) files; " + kinds.joined(separator: ", ")
    text += "; assessment rows linked to a learner: \(Format.count(summary.assessmentRowsLinked)) of \(Format.count(summary.assessmentRows))"
    if !summary.unmatchedAssessmentRows.isEmpty {
        text += " (\(Format.count(summary.unmatchedAssessmentRows.count)) left for record linkage)"
    }
    return text
}
