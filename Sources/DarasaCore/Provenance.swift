/// Where a stored fact came from: which source system, which import batch or device, which file
/// and row. Every fact table carries these columns so a number on a dashboard can be traced back
/// to the register line it came from.
public struct Provenance: Hashable, Codable, Sendable {
    public var source: String
    public var batchID: BatchID?
    public var deviceID: String?
    public var file: String?
    public var row: Int?
    /// Seconds since 1970 UTC when the fact was recorded.
    public var recordedAt: Int64

    public init(source: String, batchID: BatchID? = nil, deviceID: String? = nil, file: String? = nil,
                row: Int? = nil, recordedAt: Int64) {
        self.source = source
        self.batchID = batchID
        self.deviceID = deviceID
        self.file = file
        self.row = row
        self.recordedAt = recordedAt
    }

    public func at(row: Int) -> Provenance {
        var copy = self
        copy.row = row
        return copy
    }
}
