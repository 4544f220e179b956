public enum VisitPurpose: String, Codable, Sendable, CaseIterable {
    case coaching, qualityAssurance = "quality_assurance"
}

public enum ActionStatus: String, Codable, Sendable, CaseIterable {
    case open, done, dropped
}

/// A follow-up agreed during a visit, e.g. "Regroup Grade 3 by reading level", due in 2 weeks.
public struct FollowUpAction: Hashable, Codable, Sendable {
    public var description: String
    public var due: Day?
    public var status: ActionStatus
    public init(description: String, due: Day?, status: ActionStatus) {
        self.description = description
        self.due = due
        self.status = status
    }
}

/// A coaching or quality-assurance visit to a school, with rubric scores (criterion → 1…4).
public struct SchoolVisit: Hashable, Codable, Sendable, Identifiable {
    public var id: VisitID
    public var schoolID: SchoolID
    public var visitor: String
    public var date: Day
    public var purpose: VisitPurpose
    public var rubric: [String: Int]
    public var notes: String
    public var actions: [FollowUpAction]
    public init(id: VisitID, schoolID: SchoolID, visitor: String, date: Day, purpose: VisitPurpose,
                rubric: [String: Int], notes: String, actions: [FollowUpAction]) {
        self.id = id
        self.schoolID = schoolID
        self.visitor = visitor
        self.date = date
        self.purpose = purpose
        self.rubric = rubric
        self.notes = notes
        self.actions = actions
    }
}
