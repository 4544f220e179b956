import Foundation

/// How Darasa's indicators and categories map onto another system's identifiers, read from a
/// JSON file a data officer keeps beside the ministry's DHIS2 or UIS configuration.
///
/// ```json
/// { "dataSet": "pBOMPrpg1QX", "orgUnitIdScheme": "code",
///   "orgUnits": { "D001": "DiszpKrYNg8" },
///   "indicators": { "attendance_rate": { "dataElement": "ATT_RATE_UID", "sdmxIndicator": "ATT",
///       "categoryOptionCombos": { "all": "HllvX50cXC0", "female": "F_COC", "male": "M_COC" } } } }
/// ```
/// `orgUnits` may be left out when DHIS2 org unit codes equal Darasa's (`orgUnitIdScheme: code`).
public struct ExportMapping: Codable, Sendable {
    public struct IndicatorMap: Codable, Sendable {
        public var dataElement: String
        /// Darasa category ("all", "female", "grade 2" as "2", …) → category option combo uid.
        public var categoryOptionCombos: [String: String]
        /// The indicator code used in SDMX-CSV (UIS series code); defaults to the Darasa id.
        public var sdmxIndicator: String?
        public init(dataElement: String, categoryOptionCombos: [String: String], sdmxIndicator: String? = nil) {
            self.dataElement = dataElement
            self.categoryOptionCombos = categoryOptionCombos
            self.sdmxIndicator = sdmxIndicator
        }
    }
    public var dataSet: String?
    public var orgUnitIdScheme: String?
    public var orgUnits: [String: String]?
    public var indicators: [String: IndicatorMap]

    public init(dataSet: String? = nil, orgUnitIdScheme: String? = nil, orgUnits: [String: String]? = nil,
                indicators: [String: IndicatorMap]) {
        self.dataSet = dataSet
        self.orgUnitIdScheme = orgUnitIdScheme
        self.orgUnits = orgUnits
        self.indicators = indicators
    }

    /// Reads and checks a mapping file; errors name the file and what to fix.
    public static func load(_ path: String) throws -> ExportMapping {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MappingError("\(path): the mapping file cannot be read; check the path.")
        }
        do {
            return try JSONDecoder().decode(ExportMapping.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw MappingError("\(path): \(context.codingPath.map(\.stringValue).joined(separator: ".")) has no \"\(key.stringValue)\"; add it.")
        } catch let DecodingError.typeMismatch(_, context) {
            throw MappingError("\(path): \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type; see docs/exports.md.")
        } catch {
            throw MappingError("\(path): the mapping is not valid JSON (\(error.localizedDescription.prefix(80))); see docs/exports.md.")
        }
    }

    func orgUnit(_ code: String) -> String { orgUnits?[code] ?? code }
}

public struct MappingError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}
