/// A typed identifier: an `Int64` that cannot be confused with another entity's identifier.
///
/// Stored as a plain integer in both engines; the phantom `Tag` exists only for the compiler.
public struct Identifier<Tag>: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public enum OrgUnitTag {}
public enum LearnerTag {}
public enum TeacherTag {}
public enum InstrumentTag {}
public enum AssessmentTag {}
public enum VisitTag {}
public enum UserTag {}
public enum BatchTag {}

public typealias OrgUnitID = Identifier<OrgUnitTag>
/// A school is the leaf org unit; its identifier is its org unit's identifier.
public typealias SchoolID = OrgUnitID
public typealias LearnerID = Identifier<LearnerTag>
public typealias TeacherID = Identifier<TeacherTag>
public typealias InstrumentID = Identifier<InstrumentTag>
public typealias AssessmentID = Identifier<AssessmentTag>
public typealias VisitID = Identifier<VisitTag>
public typealias UserID = Identifier<UserTag>
public typealias BatchID = Identifier<BatchTag>

/// The identifier a source system uses for a record (e.g. a OneRoster `sourcedId`, an HR payroll
/// number). One internal learner can carry several, one per source.
public struct SourceKey: Hashable, Codable, Sendable {
    public var source: String
    public var key: String
    public init(source: String, key: String) {
        self.source = source
        self.key = key
    }
}
