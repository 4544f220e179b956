import DarasaCore
import DarasaStore
import Foundation
import Hummingbird

/// What one role's home page shows, computed from summaries within the user's scope.
struct HomeModel: Sendable {
    var scope: AccessScope
    var unit: OrgUnit
    var yearID: Int?
    var yearName: String
    var figures: [SchoolFigures]
    var roster: [RosterEntry]
    var assessedInRoster: Int
    var childUnits: [OrgUnit]

    var enrolment: Int { scope.role == .teacher ? roster.filter { $0.status.isActive }.count : figures.reduce(0) { $0 + $1.enrolment } }
    var presentDays: Int { scope.role == .teacher ? roster.reduce(0) { $0 + $1.presentDays } : figures.reduce(0) { $0 + $1.presentDays } }
    var recordedDays: Int { scope.role == .teacher ? roster.reduce(0) { $0 + $1.recordedDays } : figures.reduce(0) { $0 + $1.recordedDays } }
    var assessed: Int { scope.role == .teacher ? assessedInRoster : figures.reduce(0) { $0 + $1.learnersAssessed } }
    var chronic: Int {
        scope.role == .teacher
            ? roster.filter { Attendance.isChronicallyAbsent(absentDays: $0.absentDays, enrolledDays: $0.recordedDays) == true }.count
            : figures.reduce(0) { $0 + $1.chronicallyAbsent }
    }
    var learnersWithAttendance: Int {
        scope.role == .teacher ? roster.filter { $0.recordedDays > 30 }.count : figures.reduce(0) { $0 + $1.learnersWithAttendance }
    }
    var teachers: Int { figures.reduce(0) { $0 + $1.teachers } }
    var attendanceRate: Double? { Attendance.rate(presentDays: presentDays, recordedDays: recordedDays) }

    static func load(store: DarasaStore, scope: AccessScope) async throws -> HomeModel {
        guard let unit = try await store.orgUnit(id: scope.orgUnitID) else {
            throw HTTPError(.notFound, message: "Your area is not loaded yet.")
        }
        let yearID = try await store.latestYearID()
        let yearName = try await store.academicYears().first { $0.id == yearID }?.name ?? "current"
        var model = HomeModel(scope: scope, unit: unit, yearID: yearID, yearName: yearName, figures: [], roster: [],
                              assessedInRoster: 0, childUnits: [])
        guard let yearID else { return model }
        model.figures = try await store.schoolFigures(under: scope.orgPath, yearID: yearID)
        switch scope.role {
        case .teacher, .headTeacher:
            if let school = model.figures.first {
                model.roster = try await store.learnerRoster(schoolID: school.schoolID, yearID: yearID,
                                                             classes: scope.role == .teacher ? scope.classes : nil)
                let assessed = try await store.assessedLearners(schoolID: school.schoolID, yearID: yearID)
                model.assessedInRoster = model.roster.filter { assessed.contains($0.learnerID) }.count
            }
        case .nationalAnalyst, .admin:
            model.childUnits = try await store.children(of: unit.id)
        case .districtOfficer:
            break
        }
        return model
    }
}

extension EnrolmentStatus {
    var isActive: Bool { self != .droppedOut && self != .transferredOut }
}

struct WebRoutes {
    let services: Services

    func register(on router: Router<AppContext>) {
        router.get("/") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            return try await home(session)
        }
    }

    func home(_ session: SessionRecord) async throws -> Response {
        let user = session.user
        let scope = try await services.access.scope(for: user)
        let model = try await HomeModel.load(store: services.store, scope: scope)
        let role = user.role
        var ctx: [String: Any] = [
            "title": "Home",
            "role": role.rawValue,
            "csrf": session.csrfToken,
            "user": ["displayName": user.displayName, "roleTitle": role.title, "scopeName": model.unit.name],
            "greeting": "Welcome, \(user.displayName)",
            "yearName": model.yearName,
            "narrative": narrative(model),
        ]
        var metrics: [[String: String]] = [
            ["key": "enrolment", "label": role == .teacher ? "Learners in your classes" : "Learners enrolled",
             "value": Format.count(model.enrolment), "note": "\(model.yearName) school year"],
            ["key": "attendance-rate", "label": "Attendance rate",
             "value": Format.percent(model.attendanceRate), "note": "days present ÷ school days recorded"],
            ["key": "learners-assessed", "label": "Learners assessed",
             "value": Format.count(model.assessed), "note": "reading or maths assessment this year"],
            ["key": "chronic-absence", "label": "Chronically absent",
             "value": Format.count(model.chronic),
             "note": "missed 10 % or more of \(Format.count(model.learnersWithAttendance)) learners' recorded days"],
        ]
        if role != .teacher {
            metrics.append(["key": "schools", "label": "Schools", "value": Format.count(model.figures.count), "note": "in \(model.unit.name)"])
            let ptr = model.teachers > 0 ? Double(model.enrolment) / Double(model.teachers) : nil
            metrics.append(["key": "pupil-teacher-ratio", "label": "Pupils per teacher", "value": Format.ratio(ptr),
                            "note": "\(Format.count(model.teachers)) teachers in post"])
        }
        ctx["metrics"] = metrics

        if role.seesLearnerNames {
            ctx["learnersHeading"] = role == .teacher ? "Your learners" : "Learners at \(model.unit.name)"
            ctx["learners"] = model.roster.filter { $0.status.isActive }.map { e -> [String: String] in
                ["name": "\(e.givenName) \(e.familyName)", "grade": String(e.grade), "section": e.section,
                 "sex": e.sex == .female ? "Girl" : "Boy", "attendance": Format.percent(e.attendanceRate),
                 "absent": String(e.absentDays)]
            }
        }
        if role == .districtOfficer {
            ctx["schoolsHeading"] = "Schools in \(model.unit.name)"
            ctx["schools"] = model.figures.map { schoolRow($0, role: role) }
        }
        if role == .nationalAnalyst || role == .admin {
            let levels = try await services.store.orgLevels()
            let childLevel = levels.first { $0.depth == model.unit.depth + 1 }?.name.capitalized ?? "Area"
            ctx["unitLevel"] = childLevel
            ctx["unitsHeading"] = "By \(childLevel.lowercased())"
            ctx["units"] = model.childUnits.map { unit -> [String: String] in
                let inUnit = model.figures.filter { unit.contains(path: $0.path) }
                let enrolment = inUnit.reduce(0) { $0 + $1.enrolment }
                let girls = inUnit.reduce(0) { $0 + $1.enrolmentFemale }
                let present = inUnit.reduce(0) { $0 + $1.presentDays }, recorded = inUnit.reduce(0) { $0 + $1.recordedDays }
                let learners = inUnit.reduce(0) { $0 + $1.learnersWithAttendance }
                let teachers = inUnit.reduce(0) { $0 + $1.teachers }
                return ["name": unit.name, "schools": Format.count(inUnit.count), "enrolment": Format.count(enrolment),
                        "girls": Format.percent(enrolment > 0 ? Double(girls) / Double(enrolment) : nil),
                        "attendance": Suppression.rate(Attendance.rate(presentDays: present, recordedDays: recorded), base: learners, role: role),
                        "assessed": Suppression.count(inUnit.reduce(0) { $0 + $1.learnersAssessed }, role: role),
                        "ptr": Format.ratio(teachers > 0 ? Double(enrolment) / Double(teachers) : nil)]
            }
        }
        if role == .admin {
            var users: [[String: String]] = []
            for u in try await services.store.users() {
                let area = try await services.store.orgUnit(id: u.orgUnitID)?.name ?? "?"
                users.append(["username": u.username, "displayName": u.displayName, "role": u.role.title, "area": area])
            }
            ctx["users"] = users
            ctx["audit"] = try await services.store.auditLog(limit: 20).map { e -> [String: String] in
                ["at": Self.utc(e.at), "actor": e.actor, "action": e.action, "target": e.target]
            }
        }
        return services.pages.render("home", ctx)
    }

    func schoolRow(_ s: SchoolFigures, role: Role) -> [String: String] {
        ["code": s.code, "name": s.name, "locality": s.locality?.rawValue.capitalized ?? "",
         "enrolment": Format.count(s.enrolment),
         "attendance": Suppression.rate(s.attendanceRate, base: s.learnersWithAttendance, role: role),
         "chronic": Suppression.count(s.chronicallyAbsent, role: role),
         "assessed": Suppression.count(s.learnersAssessed, role: role),
         "ptr": Format.ratio(s.pupilTeacherRatio),
         "lastVisit": s.lastVisit?.iso ?? "never"]
    }

    /// One or two plain sentences that say what the numbers mean for this reader.
    func narrative(_ m: HomeModel) -> String {
        guard m.yearID != nil, m.enrolment > 0 else {
            return "No learners are loaded for your area yet. Once enrolment data is imported, your figures appear here."
        }
        var parts: [String] = []
        let who = m.scope.role == .teacher ? "your classes" : m.unit.name
        parts.append("\(Format.count(m.enrolment)) learners are enrolled in \(who) this year.")
        if let rate = m.attendanceRate {
            let inTen = Int((rate * 10).rounded())
            parts.append("On a typical school day about \(inTen) in 10 of them were in school (\(Format.percent(rate))).")
        }
        if m.learnersWithAttendance > 0, m.chronic > 0 {
            let share = Double(m.chronic) / Double(m.learnersWithAttendance)
            parts.append("\(Format.percent(share)) missed at least one day in ten — these learners are most at risk of falling behind or leaving school.")
        }
        return parts.joined(separator: " ")
    }

    static func utc(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
