import DarasaCore

extension DarasaStore {
    /// Every school with its materialised path, for rolling school cells up the hierarchy.
    public func schoolPaths() async throws -> [SchoolID: String] {
        var out: [SchoolID: String] = [:]
        for r in try await database.query("SELECT o.id, o.path FROM org_units o JOIN schools s ON s.id = o.id", []) {
            if let id = r.int(0), let path = r.text(1) { out[SchoolID(id)] = path }
        }
        return out
    }

    /// Org units at one depth of the hierarchy.
    /// The org units at `depth` (those under the org path `under`, itself included, when given).
    public func orgUnits(depth: Int, under: String? = nil) async throws -> [OrgUnit] {
        guard let under else {
            return try await database.query("SELECT \(Self.orgUnitColumns) FROM org_units WHERE depth = ? ORDER BY path", .int(Int64(depth))).map(Self.orgUnit)
        }
        return try await database.query("SELECT \(Self.orgUnitColumns) FROM org_units WHERE depth = ? AND substr(path, 1, CAST(? AS INTEGER)) = ? ORDER BY path",
                                        .int(Int64(depth)), .int(Int64(under.count)), .text(under)).map(Self.orgUnit)
    }
}
