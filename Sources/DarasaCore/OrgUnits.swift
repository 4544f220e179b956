/// One level of a country's administrative hierarchy, e.g. depth 0 "country", 4 "school".
/// Countries differ (some have zones or clusters, some don't), so levels are data, not code.
public struct OrgLevel: Hashable, Codable, Sendable {
    public var depth: Int
    public var name: String
    public init(depth: Int, name: String) {
        self.depth = depth
        self.name = name
    }

    /// The default hierarchy: country > region > district > zone > school.
    public static let standard: [OrgLevel] = ["country", "region", "district", "zone", "school"]
        .enumerated().map { OrgLevel(depth: $0.offset, name: $0.element) }
}

public enum Locality: String, Codable, Sendable, CaseIterable {
    case urban, rural
}

/// A node of the org hierarchy. `path` is the materialised path of codes from the root
/// ("/KE/R01/D03/"), which makes "is this inside my district?" a prefix test in both engines.
public struct OrgUnit: Hashable, Codable, Sendable, Identifiable {
    public var id: OrgUnitID
    public var parentID: OrgUnitID?
    public var depth: Int
    public var code: String
    public var name: String
    public var path: String
    public var latitude: Double?
    public var longitude: Double?
    public var locality: Locality?

    public init(id: OrgUnitID, parentID: OrgUnitID?, depth: Int, code: String, name: String,
                path: String, latitude: Double? = nil, longitude: Double? = nil, locality: Locality? = nil) {
        self.id = id
        self.parentID = parentID
        self.depth = depth
        self.code = code
        self.name = name
        self.path = path
        self.latitude = latitude
        self.longitude = longitude
        self.locality = locality
    }

    /// The path a child with `code` gets under this unit.
    public func childPath(code: String) -> String { path + code + "/" }

    /// True when `other` is this unit or lies below it.
    public func contains(path other: String) -> Bool { other.hasPrefix(path) }
}

public enum Ownership: String, Codable, Sendable, CaseIterable {
    case `public`, `private`, community
}

public enum SchoolLevel: String, Codable, Sendable, CaseIterable {
    case preprimary = "pre_primary", primary, lowerSecondary = "lower_secondary", upperSecondary = "upper_secondary"
}

/// A school's attributes beyond its org-unit node. `id` is the school's org unit.
public struct School: Hashable, Codable, Sendable, Identifiable {
    public var id: SchoolID
    public var officialCode: String
    public var name: String
    public var ownership: Ownership
    public var levelsOffered: [SchoolLevel]
    public var languagesOfInstruction: [String]
    public var locality: Locality
    public var latitude: Double?
    public var longitude: Double?
    /// Share of households below the poverty line in the catchment (0…1), where known.
    public var povertyIndex: Double?

    public init(id: SchoolID, officialCode: String, name: String, ownership: Ownership,
                levelsOffered: [SchoolLevel], languagesOfInstruction: [String], locality: Locality,
                latitude: Double? = nil, longitude: Double? = nil, povertyIndex: Double? = nil) {
        self.id = id
        self.officialCode = officialCode
        self.name = name
        self.ownership = ownership
        self.levelsOffered = levelsOffered
        self.languagesOfInstruction = languagesOfInstruction
        self.locality = locality
        self.latitude = latitude
        self.longitude = longitude
        self.povertyIndex = povertyIndex
    }
}
