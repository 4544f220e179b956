import DarasaAnalytics
import DarasaCore
import DarasaStore
import Hummingbird

/// Figures for one school as the API returns them. Beyond the school tier, learner-based counts
/// under 10 are withheld (null) and `suppressed` lists which.
struct SchoolFiguresDTO: ResponseEncodable, Sendable {
    var id: Int64
    var code: String
    var name: String
    var locality: String?
    var enrolment: Int
    var enrolmentFemale: Int
    var attendanceRate: Double?
    var learnersWithAttendance: Int?
    var chronicallyAbsent: Int?
    var learnersAssessed: Int?
    var teachers: Int
    var pupilTeacherRatio: Double?
    var lastVisit: String?
    var suppressed: [String]

    init(_ s: SchoolFigures, role: Role) {
        id = s.schoolID.rawValue
        code = s.code
        name = s.name
        locality = s.locality?.rawValue
        enrolment = s.enrolment
        enrolmentFemale = s.enrolmentFemale
        teachers = s.teachers
        pupilTeacherRatio = s.pupilTeacherRatio
        lastVisit = s.lastVisit?.iso
        suppressed = []
        let small = { (n: Int) in role.needsSmallCellSuppression && n > 0 && n < Suppression.minimum }
        if small(s.learnersWithAttendance) { suppressed += ["attendanceRate", "learnersWithAttendance", "chronicallyAbsent"] } else {
            attendanceRate = s.attendanceRate
            learnersWithAttendance = s.learnersWithAttendance
            chronicallyAbsent = small(s.chronicallyAbsent) ? nil : s.chronicallyAbsent
            if small(s.chronicallyAbsent) { suppressed.append("chronicallyAbsent") }
        }
        if small(s.learnersAssessed) { suppressed.append("learnersAssessed") } else { learnersAssessed = s.learnersAssessed }
    }
}

struct OrgUnitDTO: ResponseEncodable, Sendable {
    var id: Int64
    var parentId: Int64?
    var depth: Int
    var code: String
    var name: String
    var locality: String?
    var latitude: Double?
    var longitude: Double?
    init(_ u: OrgUnit) {
        id = u.id.rawValue; parentId = u.parentID?.rawValue; depth = u.depth; code = u.code; name = u.name
        locality = u.locality?.rawValue; latitude = u.latitude; longitude = u.longitude
    }
}

struct MeDTO: ResponseEncodable, Sendable {
    var username: String
    var displayName: String
    var role: String
    var orgUnit: OrgUnitDTO
    var seesLearnerNames: Bool
}

struct OverviewDTO: ResponseEncodable, Sendable {
    var year: Int?
    var schools: Int
    var enrolment: Int
    var attendanceRate: Double?
    var learnersAssessed: Int
    var chronicallyAbsent: Int
    var teachers: Int
}

struct LearnerDTO: ResponseEncodable, Sendable {
    var id: Int64
    var givenName: String
    var familyName: String
    var sex: String
    var grade: Int
    var section: String
    var status: String
    var attendanceRate: Double?
    var daysAbsent: Int
}

struct ListDTO<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    var items: [Item]
}

/// The JSON API under /api/v1. Every endpoint requires a session, resolves the caller's scope
/// and answers 404 for anything outside it.
struct APIRoutes {
    let services: Services

    func register(on api: RouterGroup<AppContext>) {
        api.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        let v1 = api.group("v1")
        IndicatorRoutes(services: services).register(on: v1)
        v1.get("me") { _, context in
            let session = try context.requireSession()
            let scope = try await services.access.scope(for: session.user)
            let unit = try await services.access.unit(scope.orgUnitID, in: scope)
            return MeDTO(username: session.user.username, displayName: session.user.displayName, role: session.user.role.rawValue,
                         orgUnit: OrgUnitDTO(unit), seesLearnerNames: session.user.role.seesLearnerNames)
        }
        v1.get("overview") { _, context in
            let session = try context.requireSession()
            let scope = try await services.access.scope(for: session.user)
            guard let model = try await ScopeSummary.load(store: services.store, scope: scope) else {
                throw HTTPError(.notFound, message: "Your account's area is not loaded yet.")
            }
            return OverviewDTO(year: model.yearID, schools: model.schools.count, enrolment: model.enrolment,
                               attendanceRate: model.attendanceRate, learnersAssessed: model.learnersAssessed,
                               chronicallyAbsent: model.chronicallyAbsent, teachers: model.teachers)
        }
        v1.get("org-units/:id") { _, context in
            let scope = try await scope(context)
            return OrgUnitDTO(try await services.access.unit(try id(context), in: scope))
        }
        v1.get("org-units/:id/children") { _, context in
            let scope = try await scope(context)
            let unit = try await services.access.unit(try id(context), in: scope)
            return ListDTO(items: try await services.store.children(of: unit.id).filter { scope.covers(path: $0.path) }.map(OrgUnitDTO.init))
        }
        v1.get("schools") { request, context in
            let scope = try await scope(context)
            var path = scope.orgPath
            if let under = request.uri.queryParameters.get("under", as: Int64.self) {
                path = try await services.access.unit(OrgUnitID(under), in: scope).path
            }
            guard let year = try await services.store.latestYearID() else { return ListDTO<SchoolFiguresDTO>(items: []) }
            let figures = try await services.store.schoolFigures(under: path, yearID: year)
            return ListDTO(items: figures.map { SchoolFiguresDTO($0, role: scope.role) })
        }
        v1.get("schools/:id") { _, context in
            let scope = try await scope(context)
            let school = try await services.access.unit(try id(context), in: scope)
            guard let year = try await services.store.latestYearID(),
                  let figures = try await services.store.schoolFigures(under: school.path, yearID: year).first(where: { $0.schoolID == school.id }) else {
                throw HTTPError(.notFound, message: "No such school in your area.")
            }
            return SchoolFiguresDTO(figures, role: scope.role)
        }
        v1.get("schools/:id/learners") { _, context in
            let scope = try await scope(context)
            let school = try await services.access.unit(try id(context), in: scope)
            guard scope.role.seesLearnerNames else {
                throw HTTPError(.forbidden, message: "Learner names stay at the school: only the school's head teacher and teachers can list learners.")
            }
            guard let year = try await services.store.latestYearID() else { return ListDTO<LearnerDTO>(items: []) }
            let roster = try await services.store.learnerRoster(schoolID: school.id, yearID: year,
                                                                classes: scope.role == .teacher ? scope.classes : nil)
            try await services.store.audit(actor: context.session?.user.username ?? "?", action: "learners.list",
                                           target: "school:\(school.code)", detail: "\(roster.count) learners")
            return ListDTO(items: roster.map {
                LearnerDTO(id: $0.learnerID.rawValue, givenName: $0.givenName, familyName: $0.familyName, sex: $0.sex.rawValue,
                           grade: $0.grade, section: $0.section, status: $0.status.rawValue,
                           attendanceRate: $0.attendanceRate, daysAbsent: $0.absentDays)
            })
        }
    }

    func scope(_ context: AppContext) async throws -> AccessScope {
        try await services.access.scope(for: try context.requireSession().user)
    }

    func id(_ context: AppContext) throws -> OrgUnitID {
        guard let raw = context.parameters.get("id", as: Int64.self) else {
            throw HTTPError(.badRequest, message: "The id in the path must be a whole number.")
        }
        return OrgUnitID(raw)
    }
}
