import DarasaCore
import DarasaStore
import DarasaXLSX
import Foundation

/// A OneRoster 1.2 bulk CSV bundle (1EdTech OneRoster v1.2 CSV binding) of one area and school
/// year: manifest, academicSessions, orgs, courses, classes, users, roles, enrollments and
/// demographics, zipped. It carries names and dates of birth, so only the school tier and
/// administrators may ask for it (docs/indicators.md). The bundle reads back through the
/// shipped OneRoster mappings.
public enum OneRosterExport {
    static let files = ["academicSessions", "orgs", "courses", "classes", "users", "roles", "enrollments", "demographics"]

    /// The CSV files of the bundle, by file name, in a fixed order.
    public static func files(_ x: RosterExtract) -> [(String, String)] {
        let year = x.year
        let yearID = "darasa-year-\(year.id)"
        func termID(_ t: DarasaCore.Term) -> String { "darasa-term-\(year.id)-\(t.number)" }
        func orgID(_ id: Int64) -> String { "darasa-org-\(id)" }
        func grade(_ g: Int) -> String { g == 0 ? "KG" : (g < 10 ? "0\(g)" : String(g)) }
        func classID(_ school: Int64, _ g: Int, _ section: String) -> String { "darasa-class-\(school)-\(year.id)-\(g)-\(section)" }
        func courseID(_ school: Int64, _ g: Int) -> String { "darasa-course-\(school)-\(year.id)-\(g)" }

        var sessions = [["sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"],
                        [yearID, "", "", year.name, "schoolYear", year.start.iso, year.end.iso, "", String(year.id)]]
        for t in year.terms {
            sessions.append([termID(t), "", "", "Term \(t.number) \(year.name)", "term", t.start.iso, t.end.iso, yearID, String(year.id)])
        }
        let maxDepth = x.orgs.map(\.depth).max() ?? 0
        var orgs = [["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"]]
        for o in x.orgs {
            let type = x.schoolIDs.contains(o.id.rawValue) ? "school"
                : o.depth == 0 ? "national" : o.depth == 1 ? "state" : o.depth == maxDepth - 1 ? "local" : "district"
            orgs.append([orgID(o.id.rawValue), "", "", o.name, type, o.code, o.parentID.map { orgID($0.rawValue) } ?? ""])
        }
        // One class per school, grade and section taught or enrolled; one course per school and grade.
        struct ClassKey: Hashable, Comparable {
            var school: Int64; var grade: Int; var section: String
            static func < (a: Self, b: Self) -> Bool { (a.school, a.grade, a.section) < (b.school, b.grade, b.section) }
        }
        let classKeys = Set(x.enrolments.map { ClassKey(school: $0.schoolID.rawValue, grade: $0.grade, section: $0.section) }
                            + x.assignments.map { ClassKey(school: $0.schoolID.rawValue, grade: $0.grade, section: $0.section) }).sorted()
        var courses = [["sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"]]
        var seenCourses = Set<String>()
        var classes = [["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode", "classType", "location",
                        "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"]]
        let terms = year.terms.map(termID).joined(separator: ",")
        for k in classKeys {
            let course = courseID(k.school, k.grade)
            if seenCourses.insert(course).inserted {
                courses.append([course, "", "", yearID, "Grade \(k.grade) \(year.name)", "G\(k.grade)-\(year.id)", grade(k.grade), orgID(k.school), "", ""])
            }
            classes.append([classID(k.school, k.grade, k.section), "", "", "Grade \(k.grade)\(k.section) \(year.name)", grade(k.grade), course,
                            "\(k.grade)-\(k.section)", "homeroom", "", orgID(k.school), terms, "", "", ""])
        }
        let userHeader = ["sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds", "givenName", "familyName", "middleName",
                          "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password", "userMasterIdentifier", "resourceSourcedIds",
                          "preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns"]
        var users = [userHeader]
        var roles = [["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "orgSourcedId", "userProfileSourcedId", "beginDate", "endDate"]]
        var demographics = [["sourcedId", "status", "dateLastModified", "birthDate", "sex", "americanIndianOrAlaskaNative", "asian",
                             "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
                             "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                             "publicSchoolResidenceStatus", "metadata.homeLanguage"] + FunctioningDomain.allCases.map { "metadata.wg.\(camel($0.rawValue))" }]
        let stays = Dictionary(grouping: x.enrolments, by: \.learnerID)
        for s in x.students {
            let mine = stays[s.learner.id] ?? []
            // The latest stay of the year is the learner's primary org.
            let last = mine.max { ($0.start ?? year.start, $0.schoolID.rawValue) < ($1.start ?? year.start, $1.schoolID.rawValue) }
            users.append([s.sourcedID, "", "", "true", "", "", s.learner.givenName, s.learner.familyName, "", "", "", "", "", "",
                          last.map { grade($0.grade) } ?? "", "", "", "", "", "", "", last.map { orgID($0.schoolID.rawValue) } ?? "", ""])
            for e in mine {
                roles.append(["darasa-role-\(s.learner.id.rawValue)-\(e.schoolID.rawValue)", "", "", s.sourcedID, e.schoolID == last?.schoolID ? "primary" : "secondary",
                              "student", orgID(e.schoolID.rawValue), "", e.start?.iso ?? year.start.iso, e.end?.iso ?? ""])
            }
            let f = s.learner.functioning
            demographics.append([s.sourcedID, "", "", s.learner.birthDate?.day.iso ?? "", s.learner.sex.rawValue, "", "", "", "", "", "", "", "", "", "", "",
                                 s.learner.homeLanguage ?? ""] + FunctioningDomain.allCases.map { f[$0]?.code ?? "" })
        }
        let staffByID = Dictionary(uniqueKeysWithValues: x.teachers.map { ($0.teacher.id, $0) })
        for t in x.teachers {
            let school = t.schoolID ?? x.assignments.first { $0.teacherID == t.teacher.id }?.schoolID.rawValue
            users.append([t.sourcedID, "", "", "true", "", "", t.teacher.givenName, t.teacher.familyName, "", t.sourcedID, "", "", "", "", "",
                          "", "", "", "", "", "", school.map(orgID) ?? "", ""])
            if let school {
                roles.append(["darasa-role-t\(t.teacher.id.rawValue)-\(school)", "", "", t.sourcedID, "primary", "teacher", orgID(school), "",
                              year.start.iso, ""])
            }
        }
        var enrollments = [["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"]]
        let sourced = Dictionary(uniqueKeysWithValues: x.students.map { ($0.learner.id, $0.sourcedID) })
        for e in x.enrolments {
            guard let user = sourced[e.learnerID] else { continue }
            enrollments.append(["darasa-enr-\(e.learnerID.rawValue)-\(e.schoolID.rawValue)-\(year.id)", "", "", classID(e.schoolID.rawValue, e.grade, e.section),
                                orgID(e.schoolID.rawValue), user, "student", "false", e.start?.iso ?? year.start.iso, e.end?.iso ?? ""])
        }
        for a in x.assignments {
            guard let staff = staffByID[a.teacherID] else { continue }
            enrollments.append(["darasa-enr-t\(a.teacherID.rawValue)-\(a.schoolID.rawValue)-\(year.id)-\(a.grade)-\(a.section)-\(a.subject ?? "")", "", "",
                                classID(a.schoolID.rawValue, a.grade, a.section), orgID(a.schoolID.rawValue), staff.sourcedID, "teacher",
                                a.subject == nil ? "true" : "false", year.start.iso, ""])
        }
        var manifest = [["propertyName", "value"], ["manifest.version", "1.0"], ["oneroster.version", "1.2"]]
        for f in ["academicSessions", "categories", "classes", "classResources", "courses", "courseResources", "demographics", "enrollments",
                  "lineItemLearningObjectiveIds", "lineItems", "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds", "results",
                  "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources", "users"] {
            manifest.append(["file.\(f)", files.contains(f) ? "bulk" : "absent"])
        }
        manifest += [["source.systemName", "Darasa"], ["source.systemCode", "darasa"]]
        let tables: [(String, [[String]])] = [("manifest.csv", manifest), ("academicSessions.csv", sessions), ("orgs.csv", orgs), ("courses.csv", courses),
                                              ("classes.csv", classes), ("users.csv", users), ("roles.csv", roles), ("enrollments.csv", enrollments),
                                              ("demographics.csv", demographics)]
        return tables.map { ($0.0, $0.1.map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n") }
    }

    /// The bundle as a zip.
    public static func zip(_ x: RosterExtract) throws -> Data {
        try ZipPackage.data(files(x).map { ($0.0, Data($0.1.utf8)) })
    }

    static func camel(_ s: String) -> String {
        let parts = s.split(separator: "_")
        return parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.capitalized }.joined()
    }

    /// RFC 4180 quoting; values are written as stored (a roster is for systems, not spreadsheets).
    static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
