import DarasaCore
import DarasaIngest
import DarasaStore

/// Delivers what readers read into an open import batch.
struct StoreSink: RecordSink {
    let writer: BatchWriter

    func receive(_ batch: RecordBatch, from file: SourceFile, rows: [Int]) async throws {
        try await writer.write(batch, source: file.source, path: file.path, rows: rows)
    }
}
