import DarasaIngest
import DarasaStore
import Foundation

/// Reads every source of a generated country into an open import batch.
func loadSyntheticCountry(from dir: URL, into writer: BatchWriter) async throws -> String {
    throw UserFacingError("Loading a synthetic country is not wired up yet.")
}
