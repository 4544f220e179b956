import DarasaCore
import Foundation

extension CountryWriter {
    /// truth/: who is who across sources, and what really happened to each child each year.
    /// (truth/defects.csv and truth/assessment_rows.csv are written while the sources are.)
    func writeTruth() throws {
        let difficultyCodes = Difficulty.allCases.sorted().map(\.code)
        // learners.csv: one row per child.
        var sms = [[Int32]](repeating: [], count: pop.learners.count)
        for (r, rec) in pop.records.enumerated() { sms[Int(rec.learner)].append(Int32(r)) }
        let learners = try ledger.open("truth/learners.csv")
        learners.bytes.append("true_id,given_name,family_name,sex,birth_date,home_language,wg_seeing,wg_hearing,wg_walking,wg_cognition,wg_self_care,wg_communication,has_disability,entry_year,entry_grade,sourced_ids\n")
        for (i, l) in pop.learners.enumerated() {
            var line = CSVLineBuilder()
            line.field(trueLearnerID(Int32(i)))
            line.field(names.given[Int(l.given)]); line.field(names.family[Int(l.family)])
            line.field(l.female ? "female" : "male")
            line.field(isoDate(l.birth))
            line.field(NameBank.languages[Int(l.language)].code)
            for d in 0..<6 { line.field(difficultyCodes[l.difficulty(d)]) }
            line.field(l.hasDisability ? "true" : "false")
            line.int(spec.years[Int(l.entryYear)])
            line.int(Int(l.entryGrade))
            line.field(sms[i].map { String(decoding: recordIDs[Int($0)], as: UTF8.self) }.joined(separator: ";"))
            learners.bytes.append(contentsOf: line.finish())
            try learners.flushIfNeeded()
        }
        try learners.close()

        // learner_records.csv: every OneRoster student record and the child it belongs to.
        let records = try ledger.open("truth/learner_records.csv")
        records.bytes.append("sourcedId,true_id,is_duplicate,duplicate_of,created_year\n")
        for rec in pop.records.indices {
            let r = pop.records[rec]
            var line = CSVLineBuilder()
            line.raw(recordIDs[rec]); line.field(trueLearnerID(r.learner))
            line.field(r.duplicateOf >= 0 ? "true" : "false")
            if r.duplicateOf >= 0 { line.raw(recordIDs[Int(r.duplicateOf)]) } else { line.empty() }
            line.int(spec.years[Int(r.createdYear)])
            records.bytes.append(contentsOf: line.finish())
            try records.flushIfNeeded()
        }
        try records.close()

        // outcomes.csv: one row per stay (a learner at a school in a year).
        let outcomes = try ledger.open("truth/outcomes.csv")
        outcomes.bytes.append("true_id,sourcedId,year,school_code,grade,section,start_date,end_date,outcome,last_day_attended,next_school_code,next_grade\n")
        var counts: [String: Int] = [:]
        for (yi, stays) in pop.stays.enumerated() {
            for st in stays {
                var line = CSVLineBuilder()
                line.field(trueLearnerID(st.learner)); line.raw(recordIDs[Int(st.record)])
                line.int(spec.years[yi]); line.field(world.schools[Int(st.school)].code); line.int(Int(st.grade))
                line.field(CountryWriter.sectionLetters[Int(st.section) % 26])
                line.field(isoDate(st.start)); line.field(isoDate(st.end))
                line.field(st.outcome.code)
                if st.dropDay >= 0 { line.field(isoDate(st.dropDay)) } else { line.empty() }
                if st.nextSchool >= 0 { line.field(world.schools[Int(st.nextSchool)].code) } else { line.empty() }
                if st.nextGrade >= 0 { line.int(Int(st.nextGrade)) } else if let c = Population.continuation(st) { line.int(Int(c.grade)) } else { line.empty() }
                outcomes.bytes.append(contentsOf: line.finish())
                counts[st.outcome.code, default: 0] += 1
                try outcomes.flushIfNeeded()
            }
        }
        try outcomes.close()
        summary.outcomes = counts

        // teachers.csv: HR payroll number ↔ SMS sourcedId ↔ true identity.
        var teachers: [UInt8] = Array("true_id,payroll_no,oneroster_sourcedId,school_code,posting_start\n".utf8)
        for (i, t) in world.teachers.enumerated() {
            var line = CSVLineBuilder()
            line.field(trueTeacherID(i)); line.field(t.payroll); line.field(t.sourcedId)
            line.field(world.schools[t.school].code); line.field(t.postingStart.iso)
            teachers.append(contentsOf: line.finish())
        }
        try ledger.write("truth/teachers.csv", bytes: teachers)

        // schools.csv: the attributes that drive the simulation (for scoring analytics).
        var schools: [UInt8] = Array("school_code,path,urban,poverty,remoteness,school_effect,in_coaching_programme,target_ptr,teachers\n".utf8)
        for (s, school) in world.schools.enumerated() {
            var line = CSVLineBuilder()
            line.field(school.code); line.field(world.schoolPath(s, country: spec.countryCode))
            line.field(school.urban ? "true" : "false")
            line.double(school.poverty, decimals: 3); line.double(school.remoteness, decimals: 3)
            line.double(school.effect, decimals: 3); line.field(school.inProgramme ? "true" : "false")
            line.double(school.ptr, decimals: 1); line.int(school.teachers.count)
            schools.append(contentsOf: line.finish())
        }
        try ledger.write("truth/schools.csv", bytes: schools)
    }
}
