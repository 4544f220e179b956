import DarasaCore
import DarasaIngest
import DarasaStore
import Foundation

/// Schools and the hierarchy above them, census returns, and the school calendar.
extension ImportRun {
    struct SchoolRow {
        var code: String
        var name: String
        var areas: [(code: String, name: String)]
        var country: (code: String, name: String)
        var ownership: Ownership
        var locality: Locality
        var latitude: Double?
        var longitude: Double?
        var languages: [String]
        var levels: [SchoolLevel]
        var poverty: Double?
        var file: String
        var row: Int
        var rows: Int
    }

    struct SessionRow {
        var key: String
        var isYear: Bool
        var name: String
        var start: Day
        var end: Day
        var year: Int?
        var parent: String?
        var file: String
        var row: Int
        var raw: String
        var header: String
    }

    func takeSchool(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let code = m.string("code", r, &problems)
        let name = m.string("name", r, &problems)
        let countryCode = m.string("country_code", r, &problems)
        let countryName = m.string("country_name", r, &problems)
        var areas: [(String, String)] = []
        for i in 1...4 where m.has("area\(i)_code") {
            guard let c = m.string("area\(i)_code", r, &problems) else {
                if problems.isEmpty {
                    problems.append(RowProblem(column: m.column(of: "area\(i)_code"), value: "", reason: "the school has no area code at level \(i)",
                                               fix: "Fill in the code of the area the school belongs to"))
                }
                continue
            }
            areas.append((c, m.string("area\(i)_name", r, &problems) ?? c))
        }
        let ownership = m.string("ownership", r, &problems).flatMap(Ownership.init(rawValue:))
        let locality = m.string("locality", r, &problems).flatMap(Locality.init(rawValue:))
        let lat = m.double("latitude", r, &problems), lon = m.double("longitude", r, &problems)
        if let lat, !(-90...90).contains(lat) {
            problems.append(RowProblem(column: m.column(of: "latitude"), value: "\(lat)", reason: "a latitude must be between −90 and 90", fix: "Check the coordinates (decimal degrees)"))
        }
        if let lon, !(-180...180).contains(lon) {
            problems.append(RowProblem(column: m.column(of: "longitude"), value: "\(lon)", reason: "a longitude must be between −180 and 180", fix: "Check the coordinates (decimal degrees)"))
        }
        let languages = m.list("languages", r, &problems)
        let levels = m.list("levels_offered", r, &problems).compactMap(SchoolLevel.init(rawValue:))
        let poverty = m.double("poverty_index", r, &problems)
        if let poverty, !(0...1).contains(poverty) {
            problems.append(RowProblem(column: m.column(of: "poverty_index"), value: "\(poverty)", reason: "the poverty index must be between 0 and 1", fix: "Write it as a share, e.g. 0.35"))
        }
        guard problems.isEmpty, let code, let name, let countryCode, let ownership, let locality else { return }
        if code.contains("/") {
            problems.append(RowProblem(column: m.column(of: "code"), value: code, reason: "a school code cannot contain /", fix: "Use the official code"))
            return
        }
        let previous = schoolRows[code]
        schoolRows[code] = SchoolRow(code: code, name: name, areas: areas, country: (countryCode, countryName ?? countryCode), ownership: ownership,
                                     locality: locality, latitude: lat, longitude: lon, languages: languages, levels: levels, poverty: poverty,
                                     file: file, row: row, rows: (previous?.rows ?? 0) + 1)
    }

    /// Writes the hierarchy (level by level, existing units kept by path) and the schools.
    func finishSchools() async throws {
        guard !schoolRows.isEmpty else { return }
        var byPath = try await writer.orgUnitsByPath()
        var next = try await writer.maxOrgUnitID()
        let rows = schoolRows.values.sorted { $0.code < $1.code }
        let depthCount = (rows.map(\.areas.count).max() ?? 0) + 2
        let names = mapping.levels.isEmpty ? OrgLevel.standard.map(\.name) : mapping.levels
        if depthCount == names.count {
            let levels = names.enumerated().map { OrgLevel(depth: $0.offset, name: $0.element) }
            _ = try await writer.merge(.orgLevels(levels), source: mapping.source, path: mapping.file, rows: levels.map { _ in 0 },
                                       weights: levels.map { _ in 1 })
        }
        // Units per depth: country, areas, then the schools' own nodes.
        var perDepth: [[OrgUnit]] = Array(repeating: [], count: depthCount)
        var rowOf: [String: Int] = [:]
        func unit(path: String, parent: String?, depth: Int, code: String, name: String, school: SchoolRow?, row: Int) {
            let id: Int64
            if let existing = byPath[path] { id = existing.id } else { next += 1; id = next; byPath[path] = (id, depth) }
            if perDepth[depth].contains(where: { $0.path == path }) { return }
            perDepth[depth].append(OrgUnit(id: OrgUnitID(id), parentID: parent.flatMap { byPath[$0] }.map { OrgUnitID($0.id) }, depth: depth,
                                           code: code, name: name, path: path, latitude: school?.latitude, longitude: school?.longitude,
                                           locality: school?.locality))
            rowOf[path] = row
        }
        var schools: [(School, Int, Int)] = []
        for s in rows {
            var path = "/\(s.country.code)/"
            unit(path: path, parent: nil, depth: 0, code: s.country.code, name: s.country.name, school: nil, row: 0)
            for (i, a) in s.areas.enumerated() {
                let parent = path
                path += a.code + "/"
                unit(path: path, parent: parent, depth: i + 1, code: a.code, name: a.name, school: nil, row: 0)
            }
            let parent = path
            path += s.code + "/"
            unit(path: path, parent: parent, depth: s.areas.count + 1, code: s.code, name: s.name, school: s, row: s.row)
            guard let id = byPath[path]?.id else { continue }
            schools.append((School(id: SchoolID(id), officialCode: s.code, name: s.name, ownership: s.ownership, levelsOffered: s.levels,
                                   languagesOfInstruction: s.languages, locality: s.locality, latitude: s.latitude, longitude: s.longitude,
                                   povertyIndex: s.poverty), s.row, s.rows))
        }
        for units in perDepth where !units.isEmpty {
            _ = try await writer.merge(.orgUnits(units), source: mapping.source, path: rows.last?.file ?? "", rows: units.map { rowOf[$0.path] ?? 0 },
                                       weights: units.map { _ in 1 })
        }
        counts = counts + (try await writer.merge(.schools(schools.map(\.0)), source: mapping.source, path: rows.last?.file ?? "",
                                                  rows: schools.map(\.1), weights: schools.map(\.2), columns: mappedColumns))
        schoolRows = [:]
    }

    func takeCensusReturn(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let school = self.school(m, r, &problems)
        let year = m.int("year", r, &problems)
        var counts: [String: Int] = [:]
        for f in ["teachers_female", "teachers_male", "teachers_trained", "classrooms", "latrines"] {
            if let v = m.int(f, r, &problems) {
                if v < 0 { problems.append(RowProblem(column: m.column(of: f), value: "\(v)", reason: "a count cannot be negative", fix: "Write 0 or more")) }
                counts[f] = v
            }
        }
        let water = m.bool("has_water", r, &problems), power = m.bool("has_electricity", r, &problems)
        let submitted = m.day("submitted_on", r, &problems)
        guard problems.isEmpty, let school, let year else { return }
        if repeated("C\(school)/\(year)", what: "this school's census return for \(year)", file: file, row: row, column: m.column(of: "school"), value: "", &problems) { return }
        var ret = CensusReturn(schoolID: SchoolID(school), yearID: year, submittedOn: submitted, enrolment: [])
        ret.teachersFemale = counts["teachers_female"]; ret.teachersMale = counts["teachers_male"]; ret.teachersTrained = counts["teachers_trained"]
        ret.classrooms = counts["classrooms"]; ret.latrines = counts["latrines"]; ret.hasWater = water; ret.hasElectricity = power
        censusReturns.append((ret, row))
    }

    /// One aggregate value (e.g. a DHIS2 dataValue): a school's count of girls, boys or all
    /// learners in one grade and year. Values for one school, year and grade become one row.
    func takeCensusValue(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let school = self.school(m, r, &problems)
        let year = m.int("year", r, &problems)
        let grade = m.int("grade", r, &problems)
        let sex = m.string("sex", r, &problems)
        let value = m.int("value", r, &problems)
        if let value, value < 0 {
            problems.append(RowProblem(column: m.column(of: "value"), value: "\(value)", reason: "a count cannot be negative", fix: "Write 0 or more"))
        }
        guard problems.isEmpty, let school, let year, let grade, let sex, let value else { return }
        if repeated("V\(school)/\(year)/\(grade)/\(sex)", what: "the \(sex) count of grade \(grade) at this school in \(year)", file: file, row: row,
                    column: m.column(of: "value"), value: "\(value)", &problems) { return }
        let key = CensusCell(school: school, year: year, grade: grade)
        var entry = censusCells[key] ?? (GradeCount(grade: grade, female: nil, male: nil, total: nil), row, 0)
        switch sex {
        case "female": entry.count.female = value
        case "male": entry.count.male = value
        default: entry.count.total = value
        }
        valueColumns.insert(sex)
        entry.rows += 1
        censusCells[key] = entry
    }

    struct CensusCell: Hashable { var school: Int64; var year: Int; var grade: Int }

    func finishCensusValues() async throws {
        guard !censusCells.isEmpty else { return }
        for (key, entry) in censusCells.sorted(by: { ($0.key.school, $0.key.year, $0.key.grade) < ($1.key.school, $1.key.year, $1.key.grade) }) {
            censusGrades.append((CensusReturn(schoolID: SchoolID(key.school), yearID: key.year, submittedOn: nil, enrolment: [entry.count]), entry.row))
            censusGradeWeights.append(entry.rows)
        }
        censusCells = [:]
        try await flush()
    }

    func takeCensusGrade(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let school = self.school(m, r, &problems)
        let year = m.int("year", r, &problems)
        let grade = m.int("grade", r, &problems)
        let female = m.int("female", r, &problems), male = m.int("male", r, &problems), total = m.int("total", r, &problems)
        for (f, v) in [("female", female), ("male", male), ("total", total)] where (v ?? 0) < 0 {
            problems.append(RowProblem(column: m.column(of: f), value: "\(v ?? 0)", reason: "a count cannot be negative", fix: "Write 0 or more"))
        }
        guard problems.isEmpty, let school, let year, let grade else { return }
        if repeated("G\(school)/\(year)/\(grade)", what: "grade \(grade) of this school in \(year)", file: file, row: row, column: m.column(of: "grade"), value: "", &problems) { return }
        censusGrades.append((CensusReturn(schoolID: SchoolID(school), yearID: year, submittedOn: nil,
                                          enrolment: [GradeCount(grade: grade, female: female, male: male, total: total)]), row))
    }

    func takeSession(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, raw: String, header: String, _ problems: inout [RowProblem]) {
        let key = m.string("source_key", r, &problems)
        let type = m.string("type", r, &problems)
        let name = m.string("name", r, &problems)
        let start = m.day("start_date", r, &problems), end = m.day("end_date", r, &problems)
        let year = m.int("year", r, &problems)
        let parent = m.string("parent", r, &problems)
        if let start, let end, end < start {
            problems.append(RowProblem(column: m.column(of: "end_date"), value: end.iso, reason: "the session ends before it starts", fix: "Check the start and end dates"))
        }
        if type == "year", year == nil, problems.isEmpty {
            problems.append(RowProblem(column: m.column(of: "year"), value: "", reason: "a school year needs its year number", fix: "Fill in the year, e.g. 2024"))
        }
        guard problems.isEmpty, let key, let type, let start, let end else { return }
        if repeated("S" + key, what: "the session \(key.prefix(40))", file: file, row: row, column: m.column(of: "source_key"), value: key, &problems) { return }
        sessions.append(SessionRow(key: key, isYear: type == "year", name: name ?? "\(year ?? start.year)", start: start, end: end, year: year,
                                   parent: parent, file: file, row: row, raw: raw, header: header))
    }

    func finishCalendar() async throws {
        guard !sessions.isEmpty else { return }
        let years = sessions.filter(\.isYear)
        var records: [(AcademicYear, Int, Int)] = []
        var placed: Set<String> = []
        for y in years.sorted(by: { $0.start < $1.start }) {
            guard let id = y.year else { continue }
            let terms = sessions.filter { !$0.isYear && $0.parent == y.key }.sorted { $0.start < $1.start }
            placed.formUnion(terms.map(\.key))
            let list = terms.isEmpty ? [Term(number: 1, start: y.start, end: y.end)]
                : terms.enumerated().map { Term(number: $0.offset + 1, start: $0.element.start, end: $0.element.end) }
            records.append((AcademicYear(id: id, name: y.name, start: y.start, end: y.end, terms: list, holidays: []), y.row, 1 + terms.count))
        }
        for t in sessions where !t.isYear && !placed.contains(t.key) {
            quarantinedRows += 1
            quarantine.append(QuarantinedRow(file: t.file, row: t.row, column: mapping.fields["parent"]?.column, value: t.parent ?? "",
                                             reason: "the term's school year \(t.parent ?? "(none)") is not in the file",
                                             fix: "Give the term the source key of its school year as parent", header: t.header, raw: t.raw))
        }
        if !records.isEmpty {
            counts = counts + (try await writer.merge(.academicYears(records.map(\.0)), source: mapping.source, path: years.first?.file ?? "",
                                                      rows: records.map(\.1), weights: records.map(\.2), tables: ["academic_years", "terms"]))
        }
        sessions = []
    }

    func takeHoliday(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let day = m.day("date", r, &problems)
        let name = m.string("name", r, &problems)
        guard problems.isEmpty, let day, let name else { return }
        guard let year = calendar.yearID(for: day) else {
            problems.append(RowProblem(column: m.column(of: "date"), value: day.iso, reason: "\(day.iso) is outside every school year in the calendar",
                                       fix: "Import the school calendar first, or check the date"))
            return
        }
        if repeated("H\(day.iso)", what: "the holiday on \(day.iso)", file: file, row: row, column: m.column(of: "date"), value: day.iso, &problems) { return }
        holidayRows.append((year, Holiday(day: day, name: name), row))
    }

    func takePopulation(_ m: MappedReader, _ r: CSVRecord, row: Int, file: String, _ problems: inout [RowProblem]) {
        let code = m.string("area", r, &problems)
        let year = m.int("year", r, &problems)
        let age = m.int("age", r, &problems)
        let sex = m.sex("sex", r, &problems)
        let people = m.int("population", r, &problems)
        guard problems.isEmpty, let code, let year, let age, let sex, let people else { return }
        guard let unit = areas[code] else {
            problems.append(RowProblem(column: m.column(of: "area"), value: code, reason: "no area has the code \(code.prefix(20))",
                                       fix: "Check the area code, or import the school census (which builds the areas) first"))
            return
        }
        guard (1900...2100).contains(year) else {
            problems.append(RowProblem(column: m.column(of: "year"), value: "\(year)", reason: "\(year) is not a year", fix: "Write the year with four digits"))
            return
        }
        guard (0...120).contains(age) else {
            problems.append(RowProblem(column: m.column(of: "age"), value: "\(age)", reason: "\(age) is not an age in years", fix: "Give an age from 0 to 120"))
            return
        }
        guard people >= 0 else {
            problems.append(RowProblem(column: m.column(of: "population"), value: "\(people)", reason: "a population cannot be negative",
                                       fix: "Give the number of people, 0 or more"))
            return
        }
        if repeated("P\(unit)/\(year)/\(age)/\(sex.rawValue)", what: "the population of \(code.prefix(20)), \(year), age \(age), \(sex.rawValue)",
                    file: file, row: row, column: m.column(of: "age"), value: "\(age)", &problems) { return }
        populationRows.append((PopulationCount(orgUnitID: OrgUnitID(unit), year: year, age: age, sex: sex, count: people), row))
    }

    func flushCensusAndHolidays(path: String) async throws {
        if !populationRows.isEmpty {
            counts = counts + (try await writer.merge(.population(populationRows.map(\.0)), source: mapping.source, path: path,
                                                      rows: populationRows.map(\.1), weights: populationRows.map { _ in 1 }))
            populationRows.removeAll(keepingCapacity: true)
        }
        if !censusReturns.isEmpty {
            counts = counts + (try await writer.merge(.censusReturns(censusReturns.map(\.0)), source: mapping.source, path: path,
                                                      rows: censusReturns.map(\.1), weights: censusReturns.map { _ in 1 },
                                                      columns: mappedColumns, tables: ["census_returns"]))
            censusReturns.removeAll(keepingCapacity: true)
        }
        if !censusGrades.isEmpty {
            // A return row must exist for each school-year; create empty ones where missing.
            var seenYears: Set<String> = []
            let parents = censusGrades.compactMap { g -> CensusReturn? in
                seenYears.insert("\(g.0.schoolID.rawValue)/\(g.0.yearID)").inserted ? CensusReturn(schoolID: g.0.schoolID, yearID: g.0.yearID, submittedOn: nil, enrolment: []) : nil
            }
            _ = try await writer.merge(.censusReturns(parents), source: mapping.source, path: path, rows: parents.map { _ in 0 },
                                       weights: parents.map { _ in 1 }, columns: [], tables: ["census_returns"])
            let weights = censusGradeWeights.count == censusGrades.count ? censusGradeWeights : censusGrades.map { _ in 1 }
            var columns = Set(["female", "male", "total"].filter { mapping.fields[$0] != nil })
            if mapping.target == .censusValues { columns = valueColumns }
            counts = counts + (try await writer.merge(.censusReturns(censusGrades.map(\.0)), source: mapping.source, path: path,
                                                      rows: censusGrades.map(\.1), weights: weights, columns: columns, tables: ["census_enrolment"]))
            censusGrades.removeAll(keepingCapacity: true)
            censusGradeWeights.removeAll(keepingCapacity: true)
        }
        if !holidayRows.isEmpty {
            let byYear = Dictionary(grouping: holidayRows, by: \.year)
            for (year, list) in byYear.sorted(by: { $0.key < $1.key }) {
                guard let y = calendar.years.first(where: { $0.id == year }) else { continue }
                let record = AcademicYear(id: year, name: "\(year)", start: y.start, end: y.end, terms: [], holidays: list.map(\.holiday))
                // One record holds the year's holidays; weights count them per holiday below.
                counts = counts + (try await writer.merge(.academicYears([record]), source: mapping.source, path: path, rows: list.map(\.row),
                                                          weights: list.map { _ in 1 }, tables: ["holidays"]))
            }
            holidayRows.removeAll(keepingCapacity: true)
        }
    }
}
