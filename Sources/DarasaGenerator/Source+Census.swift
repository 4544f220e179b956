import DarasaCore
import DarasaXLSX
import Foundation

extension CountryWriter {
    /// Census reference day and submission deadline of a year.
    func censusDay(_ year: Int) -> Day { SchoolYearCalendar.day(year, 3, 15) }
    func censusDeadline(_ year: Int) -> Day { SchoolYearCalendar.day(year, 4, 30) }

    /// Teachers posted at each school on `day`, per the HR system.
    func postedTeachers(_ s: Int, on day: Day) -> [Int] {
        world.schools[s].teachers.filter { world.teachers[$0].postingStart <= day }
    }

    /// census/census_<year>.xlsx: the annual school census workbook.
    func writeCensus() throws {
        let rates = spec.defects
        var rng = Rng(seed: spec.seed, stream: "census")
        // Decide missing returns first, so that every school appears in at least one year.
        var missing = [[Bool]](repeating: [Bool](repeating: false, count: world.schools.count), count: spec.years.count)
        for s in world.schools.indices {
            for yi in spec.years.indices { missing[yi][s] = rng.chance(rates.missingCensus) }
            if missing.allSatisfy({ $0[s] }) { missing[rng.int(below: spec.years.count)][s] = false }
        }
        for (yi, year) in spec.years.enumerated() {
            let file = "census/census_\(year).xlsx"
            let day = censusDay(year)
            let deadline = censusDeadline(year)
            // True enrolment on census day, per school, grade and sex.
            var counts = [Int](repeating: 0, count: world.schools.count * 16)
            for st in pop.stays[yi] where st.start <= day.daysSinceEpoch && st.end >= day.daysSinceEpoch {
                let female = pop.learners[Int(st.learner)].female
                counts[Int(st.school) * 16 + (Int(st.grade) - 1) * 2 + (female ? 0 : 1)] += 1
            }
            var schoolsSheet = XLSXSheet(name: "Schools", rows: [[
                .string("School code"), .string("School name"), .string("Region code"), .string("Region"),
                .string("District code"), .string("District"), .string("Zone code"), .string("Zone"),
                .string("Ownership"), .string("Locality"), .string("Latitude"), .string("Longitude"),
                .string("Languages of instruction"), .string("Levels offered"), .string("Poverty index"),
                .string("Submitted on"),
            ]])
            var enrolment = XLSXSheet(name: "Enrolment", rows: [
                [.string("School code"), .string("Grade"), .string("Enrolment"), .empty, .empty],
                [.empty, .empty, .string("Girls"), .string("Boys"), .string("Total")],
            ], merges: ["A1:A2", "B1:B2", "C1:E1"], headerRows: 2)
            var teachersSheet = XLSXSheet(name: "Teachers", rows: [[
                .string("School code"), .string("Female"), .string("Male"), .string("Trained"),
            ]])
            var facilities = XLSXSheet(name: "Facilities", rows: [[
                .string("School code"), .string("Classrooms"), .string("Latrines"), .string("Water"), .string("Electricity"),
            ]])
            var returns = 0
            for (s, school) in world.schools.enumerated() {
                if missing[yi][s] {
                    try logDefect(.missingCensus, source: "census", file: file, row: 0, column: "", key: school.code,
                                  original: "submitted", injected: "missing")
                    continue
                }
                returns += 1
                let late = rng.chance(rates.lateCensus)
                let submitted: Day
                if late {
                    submitted = deadline.adding(days: rng.int(1...75))
                } else {
                    submitted = day.adding(days: rng.int(0...(deadline - day)))
                }
                let region = world.regions[school.region], district = world.districts[school.district]
                let zone = world.zones[school.zone]
                schoolsSheet.rows.append([
                    .string(school.code), .string(school.name), .string(region.code), .string(region.name),
                    .string(district.code), .string(district.name), .string(zone.code), .string(zone.name),
                    .string(ownershipLabel(school.ownership)), .string(school.urban ? "Urban" : "Rural"),
                    .number((school.latitude * 1e5).rounded() / 1e5), .number((school.longitude * 1e5).rounded() / 1e5),
                    .string(school.languagesOfInstruction.joined(separator: "; ")),
                    .string(school.preprimary ? "Pre-primary; Primary" : "Primary"),
                    .number((school.poverty * 1000).rounded() / 1000), .date(daysSinceEpoch: Int(submitted.daysSinceEpoch)),
                ])
                if late {
                    try logDefect(.lateCensus, source: "census", file: file, row: schoolsSheet.rows.count,
                                  column: "Submitted on", key: school.code, original: "by \(deadline.iso)",
                                  injected: submitted.iso)
                }
                // Enrolment, with an occasional inflated grade (a spike the true rolls do not show).
                var spikeGrades = Set<Int>()
                if rng.chance(rates.enrolmentSpike) {
                    let n = rng.int(1...3)
                    for _ in 0..<n { spikeGrades.insert(rng.int(1...8)) }
                }
                for g in 1...8 {
                    var girls = counts[s * 16 + (g - 1) * 2], boys = counts[s * 16 + (g - 1) * 2 + 1]
                    let original = girls + boys
                    if spikeGrades.contains(g) {
                        let factor = 1.5 + 1.5 * rng.uniform()
                        girls = Int((Double(max(girls, 3)) * factor).rounded())
                        boys = Int((Double(max(boys, 3)) * factor).rounded())
                    }
                    enrolment.rows.append([.string(school.code), .string("Grade \(g)"), .int(girls), .int(boys), .int(girls + boys)])
                    if spikeGrades.contains(g) {
                        try logDefect(.enrolmentSpike, source: "census", file: file, row: enrolment.rows.count,
                                      column: "Total", key: "\(school.code) grade \(g)", original: String(original),
                                      injected: String(girls + boys))
                    }
                }
                let posted = postedTeachers(s, on: day)
                var female = posted.filter { world.teachers[$0].female }.count
                var male = posted.count - female
                let trained = posted.filter { world.teachers[$0].trained }.count
                teachersSheet.rows.append([.string(school.code), .int(female), .int(male), .int(trained)])
                if rng.chance(rates.teacherCountMismatch) {
                    // Mostly teachers still counted after leaving ("ghosts"), sometimes ones not yet counted.
                    let delta = rng.chance(0.75) ? rng.int(1...3) : -rng.int(1...2)
                    let column = rng.chance(0.5) ? "Female" : "Male"
                    if column == "Female" {
                        let was = female
                        female = max(0, female + delta)
                        teachersSheet.rows[teachersSheet.rows.count - 1][1] = .int(female)
                        try logDefect(.teacherCountMismatch, source: "census", file: file, row: teachersSheet.rows.count,
                                      column: column, key: school.code, original: String(was), injected: String(female))
                    } else {
                        let was = male
                        male = max(0, male + delta)
                        teachersSheet.rows[teachersSheet.rows.count - 1][2] = .int(male)
                        try logDefect(.teacherCountMismatch, source: "census", file: file, row: teachersSheet.rows.count,
                                      column: column, key: school.code, original: String(was), injected: String(male))
                    }
                }
                facilities.rows.append([.string(school.code), .int(school.classrooms + (yi > 0 && rng.chance(0.1) ? 1 : 0)),
                                        .int(school.latrines), .string(school.hasWater ? "Yes" : "No"),
                                        .string(school.hasElectricity ? "Yes" : "No")])
            }
            summary.censusReturns += returns
            let url = try ledger.url(file)
            try XLSXWriter.write([schoolsSheet, enrolment, teachersSheet, facilities], to: url)
            ledger.record(source: "census", rows: (schoolsSheet.rows.count - 1) + (enrolment.rows.count - 2)
                          + (teachersSheet.rows.count - 1) + (facilities.rows.count - 1))
        }
    }

    func ownershipLabel(_ o: Ownership) -> String {
        switch o {
        case .public: "Public"
        case .private: "Private"
        case .community: "Community"
        }
    }
}
