import DarasaCore
import Foundation

extension CountryWriter {
    func schoolOrgID(_ s: Int) -> String { schoolOrgIDs[s] }
    func classID(year yi: Int, index: Int) -> String { uuid("class", yi, index) }

    /// oneroster/: the school-management system's OneRoster 1.2 bulk CSV export.
    func writeOneRoster() throws {
        let dir = "oneroster/"
        let rates = spec.defects
        var rowsWritten = 0
        func writeSmall(_ name: String, header: String, lines: [[String]]) throws {
            var bytes = Array((header + "\n").utf8)
            for l in lines { bytes.append(contentsOf: (CSVEncoding.line(l) + "\n").utf8) }
            try ledger.write(dir + name, bytes: bytes)
            ledger.record(source: "oneroster", rows: lines.count)
            rowsWritten += lines.count
        }

        // manifest.csv
        let bulk = ["academicSessions", "classes", "courses", "demographics", "enrollments", "orgs", "roles", "users"]
        let absent = ["categories", "classResources", "courseResources", "lineItemLearningObjectiveIds", "lineItems",
                      "lineItemScoreScales", "resources", "resultLearningObjectiveIds", "results", "resultScoreScales",
                      "scoreScales", "userProfiles", "userResources"]
        var manifest: [[String]] = [["manifest.version", "1.0"], ["oneroster.version", "1.2"]]
        for f in (bulk + absent).sorted() { manifest.append(["file.\(f)", bulk.contains(f) ? "bulk" : "absent"]) }
        manifest.append(["source.systemName", "Shule SMS"])
        manifest.append(["source.systemCode", "shule-sms"])
        try writeSmall("manifest.csv", header: "propertyName,value", lines: manifest)

        // academicSessions.csv: one schoolYear per year with its three terms.
        var sessions: [[String]] = []
        for (yi, cal) in pop.calendars.enumerated() {
            let yearID = uuid("session", yi)
            sessions.append([yearID, "", "", String(cal.id), "schoolYear", cal.start.iso, cal.end.iso, "", String(cal.id)])
            for t in cal.terms {
                sessions.append([uuid("term", yi, t.number), "", "", "Term \(t.number) \(cal.id)", "term", t.start.iso,
                                 t.end.iso, yearID, String(cal.id)])
            }
        }
        try writeSmall("academicSessions.csv",
                       header: "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
                       lines: sessions)

        // orgs.csv: the ministry, regions (state), districts, zones (local) and schools; the
        // school's identifier is its official census code.
        let national = uuid("org.national", 0)
        var orgs: [[String]] = [[national, "", "", "Ministry of Education, \(spec.countryName)", "national", spec.countryCode, ""]]
        for (i, r) in world.regions.enumerated() { orgs.append([uuid("org.region", i), "", "", r.name + " Region", "state", r.code, national]) }
        for (i, d) in world.districts.enumerated() {
            orgs.append([uuid("org.district", i), "", "", d.name + " District", "district", d.code, uuid("org.region", d.parent)])
        }
        for (i, z) in world.zones.enumerated() {
            orgs.append([uuid("org.zone", i), "", "", z.name + " Zone", "local", z.code, uuid("org.district", z.parent)])
        }
        for (s, school) in world.schools.enumerated() {
            orgs.append([schoolOrgID(s), "", "", school.name, "school", school.code, uuid("org.zone", school.zone)])
        }
        try writeSmall("orgs.csv", header: "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId", lines: orgs)

        // courses.csv: one course per grade and school year (a national catalogue).
        var courses: [[String]] = []
        for (yi, cal) in pop.calendars.enumerated() {
            for g in 1...8 {
                courses.append([uuid("course", yi, g), "", "", uuid("session", yi), "Grade \(g) \(cal.id)", "G\(g)-\(cal.id)",
                                gradeCode(g), national, "", ""])
            }
        }
        try writeSmall("courses.csv", header: "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes",
                       lines: courses)

        // classes.csv: school + grade + section per year.
        var classRows: [[String]] = []
        for (yi, keys) in pop.classes.enumerated() {
            let cal = pop.calendars[yi]
            let terms = cal.terms.map { uuid("term", yi, $0.number) }.joined(separator: ",")
            for (ci, k) in keys.enumerated() {
                let section = CountryWriter.sectionLetters[Int(k.section) % 26]
                classRows.append([classID(year: yi, index: ci), "", "", "Grade \(k.grade)\(section) \(cal.id)", gradeCode(Int(k.grade)),
                                  uuid("course", yi, Int(k.grade)), "\(k.grade)-\(section)", "homeroom", "",
                                  schoolOrgID(Int(k.school)), terms, "", "", ""])
            }
        }
        summary.classes = classRows.count
        try writeSmall("classes.csv", header: "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
                       lines: classRows)

        // Per record: schools attended (for roles) and the latest grade and school.
        var spans = [[(school: Int32, begin: Int32, end: Int32)]](repeating: [], count: pop.records.count)
        var lastGrade = [Int8](repeating: 0, count: pop.records.count)
        for yearStays in pop.stays {
            for st in yearStays {
                let r = Int(st.record)
                lastGrade[r] = st.grade
                if let i = spans[r].lastIndex(where: { $0.school == st.school }), i == spans[r].count - 1 {
                    spans[r][i].end = st.end
                } else {
                    spans[r].append((st.school, st.start, st.end))
                }
            }
        }
        let finalDay = pop.calendars.last?.end.daysSinceEpoch ?? 0

        // users.csv: students (in order of registration), then teachers.
        let users = try ledger.open(dir + "users.csv")
        users.bytes.append("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns\n")
        var userRows = 0
        for (r, rec) in pop.records.enumerated() {
            let l = pop.learners[Int(rec.learner)]
            var line = CSVLineBuilder()
            line.raw(recordIDs[r]); line.empty(); line.empty(); line.field("true"); line.empty(); line.empty()
            line.field(names.given[Int(l.given)]); line.field(names.family[Int(l.family)])
            for _ in 0..<6 { line.empty() }   // middleName … agentSourcedIds
            line.field(lastGrade[r] > 0 ? gradeCode(Int(lastGrade[r])) : "")
            for _ in 0..<6 { line.empty() }   // password … preferredFamilyName
            if let last = spans[r].last { line.field(schoolOrgID(Int(last.school))) } else { line.empty() }
            line.empty()
            users.bytes.append(contentsOf: line.finish())
            userRows += 1
            if rec.duplicateOf >= 0 {
                try logDefect(.duplicateLearner, source: "oneroster", file: dir + "users.csv", row: userRows + 1,
                              column: "sourcedId", key: trueLearnerID(rec.learner),
                              original: String(decoding: recordIDs[Int(rec.duplicateOf)], as: UTF8.self),
                              injected: String(decoding: recordIDs[r], as: UTF8.self))
            }
            try users.flushIfNeeded()
        }
        for t in world.teachers {
            var line = CSVLineBuilder()
            line.field(t.sourcedId); line.empty(); line.empty(); line.field("true")
            line.field((names.given[t.given].prefix(1) + names.family[t.family]).lowercased().replacingOccurrences(of: " ", with: "")
                       .replacingOccurrences(of: "'", with: ""))
            line.empty()
            line.field(names.given[t.given]); line.field(names.family[t.family]); line.empty()
            line.field(t.payroll)
            for _ in 0..<11 { line.empty() }  // email … preferredFamilyName
            line.field(schoolOrgID(t.school))
            line.empty()
            users.bytes.append(contentsOf: line.finish())
            userRows += 1
        }
        try users.close()
        ledger.record(source: "oneroster", rows: userRows)
        summary.learnerRecords = pop.records.count

        // roles.csv: each student's school(s), primary for the latest; teachers at their school.
        let roles = try ledger.open(dir + "roles.csv")
        roles.bytes.append("sourcedId,status,dateLastModified,userSourcedId,roleType,role,orgSourcedId,userProfileSourcedId,beginDate,endDate\n")
        var roleRows = 0
        for r in pop.records.indices {
            for (i, span) in spans[r].enumerated() {
                var line = CSVLineBuilder()
                line.field(uuid("role", r, i)); line.empty(); line.empty(); line.raw(recordIDs[r])
                line.field(i == spans[r].count - 1 ? "primary" : "secondary"); line.field("student")
                line.field(schoolOrgID(Int(span.school))); line.empty()
                line.field(isoDate(span.begin))
                line.field(span.end < finalDay && i < spans[r].count - 1 ? isoDate(span.end) : "")
                roles.bytes.append(contentsOf: line.finish())
                roleRows += 1
            }
            try roles.flushIfNeeded()
        }
        for (ti, t) in world.teachers.enumerated() {
            var line = CSVLineBuilder()
            line.field(uuid("role.teacher", ti)); line.empty(); line.empty(); line.field(t.sourcedId)
            line.field("primary"); line.field("teacher"); line.field(schoolOrgID(t.school)); line.empty()
            line.field(t.postingStart.iso); line.empty()
            roles.bytes.append(contentsOf: line.finish())
            roleRows += 1
        }
        try roles.close()
        ledger.record(source: "oneroster", rows: roleRows)

        // enrollments.csv: students per class, then each class's teacher.
        let enrollments = try ledger.open(dir + "enrollments.csv")
        enrollments.bytes.append("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n")
        var enrolRows = 0, studentEnrolments = 0, teacherEnrolments = 0
        for (yi, yearStays) in pop.stays.enumerated() {
            var classIndex: [ClassKey: Int] = [:]
            for (i, k) in pop.classes[yi].enumerated() { classIndex[k] = i }
            let classIDs = pop.classes[yi].indices.map { Array(classID(year: yi, index: $0).utf8) }
            for (si, st) in yearStays.enumerated() {
                let ci = classIndex[ClassKey(school: st.school, grade: st.grade, section: st.section)] ?? 0
                var line = CSVLineBuilder()
                line.field(uuid("enrollment", yi, si)); line.empty(); line.empty()
                line.raw(classIDs[ci]); line.field(schoolOrgID(Int(st.school))); line.raw(recordIDs[Int(st.record)])
                line.field("student"); line.field("false"); line.field(isoDate(st.start))
                line.field(st.smsEnd >= 0 ? isoDate(st.smsEnd) : "")
                enrollments.bytes.append(contentsOf: line.finish())
                enrolRows += 1
                studentEnrolments += 1
                try enrollments.flushIfNeeded()
            }
            // Class teachers: the school's posted teachers, round-robin over its classes (so a
            // school short of teachers has teachers with two or more classes).
            let yearStart = pop.calendars[yi].start
            var bySchool: [Int32: [Int]] = [:]
            for (ci, k) in pop.classes[yi].enumerated() { bySchool[k.school, default: []].append(ci) }
            for school in bySchool.keys.sorted() {
                let cls = bySchool[school] ?? []
                var staff = world.schools[Int(school)].teachers.filter { world.teachers[$0].postingStart <= yearStart }
                if staff.isEmpty { staff = world.schools[Int(school)].teachers }
                guard !staff.isEmpty else { continue }
                for (j, ci) in cls.enumerated() {
                    let t = world.teachers[staff[j % staff.count]]
                    var line = CSVLineBuilder()
                    line.field(uuid("enrollment.teacher", yi, ci)); line.empty(); line.empty()
                    line.raw(classIDs[ci]); line.field(schoolOrgID(Int(school))); line.field(t.sourcedId)
                    line.field("teacher"); line.field("true")
                    line.field((t.postingStart > yearStart ? t.postingStart : yearStart).iso); line.empty()
                    enrollments.bytes.append(contentsOf: line.finish())
                    enrolRows += 1
                    teacherEnrolments += 1
                }
            }
        }
        try enrollments.close()
        ledger.record(source: "oneroster", rows: enrolRows)
        summary.enrolments = studentEnrolments
        summary.classAssignments = teacherEnrolments

        // demographics.csv, with Washington Group answers and home language as metadata.* columns.
        var rng = Rng(seed: spec.seed, stream: "demographics")
        let demo = try ledger.open(dir + "demographics.csv")
        demo.bytes.append("sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus,metadata.homeLanguage,metadata.wg.seeing,metadata.wg.hearing,metadata.wg.walking,metadata.wg.cognition,metadata.wg.selfCare,metadata.wg.communication\n")
        let difficultyCodes = Difficulty.allCases.sorted().map(\.code)
        for (r, rec) in pop.records.enumerated() {
            let l = pop.learners[Int(rec.learner)]
            var birth = Day(daysSinceEpoch: l.birth)
            let row = r + 2
            let key = trueLearnerID(rec.learner)
            if rng.chance(rates.impossibleAge) {
                let year = spec.years[Int(rec.createdYear)]
                let grade = Int(lastGrade[r] > 0 ? lastGrade[r] : 1)
                let age = rng.chance(0.5) ? rng.int(1...3) : 14 + grade + rng.int(2...6)
                let wrong = SchoolYearCalendar.day(year - age, birth.month, min(birth.dayOfMonth, 28))
                try logDefect(.impossibleAge, source: "oneroster", file: dir + "demographics.csv", row: row,
                              column: "birthDate", key: key, original: birth.iso, injected: wrong.iso)
                birth = wrong
            } else if birth.dayOfMonth <= 12 && birth.dayOfMonth != birth.month && rng.chance(rates.dayMonthSwap) {
                let p = birth.parts
                let swapped = SchoolYearCalendar.day(p.year, p.day, p.month)
                try logDefect(.dayMonthSwap, source: "oneroster", file: dir + "demographics.csv", row: row,
                              column: "birthDate", key: key, original: birth.iso, injected: swapped.iso)
                birth = swapped
            }
            var line = CSVLineBuilder()
            line.raw(recordIDs[r]); line.empty(); line.empty()
            line.field(birth.iso); line.field(l.female ? "female" : "male")
            for _ in 0..<11 { line.empty() }
            line.field(NameBank.languages[Int(l.language)].code)
            let asked = l.functioningAsked && (rec.duplicateOf < 0 || rng.chance(0.5))
            for d in 0..<6 {
                if asked { line.field(difficultyCodes[l.difficulty(d)]) } else { line.empty() }
            }
            demo.bytes.append(contentsOf: line.finish())
            try demo.flushIfNeeded()
        }
        try demo.close()
        ledger.record(source: "oneroster", rows: pop.records.count)
    }

    /// CEDS grade code as OneRoster 1.2 uses: "01" … "08".
    func gradeCode(_ g: Int) -> String { pad2(g) }
}
