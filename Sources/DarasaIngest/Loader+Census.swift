import DarasaCore
import Foundation

/// Language names as census forms print them → the ISO 639-3 codes the other sources use.
let languageCodes: [String: String] = [
    "kiswahili": "swa", "swahili": "swa", "english": "eng", "dholuo": "luo", "luo": "luo", "gikuyu": "kik",
    "kikuyu": "kik", "luhya": "luy", "kalenjin": "kln", "kamba": "kam", "kikamba": "kam", "maa": "mas", "maasai": "mas",
]

private struct CensusSchoolRow {
    var code: String
    var name: String
    var region: (code: String, name: String)
    var district: (code: String, name: String)
    var zone: (code: String, name: String)
    var ownership: Ownership
    var locality: Locality
    var latitude: Double?
    var longitude: Double?
    var languages: [String]
    var levels: [SchoolLevel]
    var poverty: Double?
    var submitted: Day?
    var file: String
    var row: Int
}

extension LoadRun {
    /// The country code and name, from the OneRoster national org (identifier = country code).
    func readCountry() throws {
        let path = "oneroster/orgs.csv"
        // Read again in full with the rest of OneRoster (and counted then).
        let (reader, h) = try openCSVFile(root: root, path: path, required: ["sourcedId", "name", "type", "identifier"])
        var r = CSVRecord()
        while try csv(path, { try reader.next(into: &r) }) {
            if Field.text(r, h["type"]) == "national" {
                countryCode = try Field.required(r, h["identifier"], file: path, row: reader.recordNumber, column: "identifier")
                countryName = Field.text(r, h["name"])
                return
            }
        }
        throw InputError(file: path, problem: "no org has type \"national\", so the country code is unknown",
                         fix: "Add the ministry as an org with type national and the country code as its identifier")
    }

    /// calendar/holidays.csv (optional): public holidays and breaks inside terms.
    func readHolidays() throws {
        let path = "calendar/holidays.csv"
        guard exists(path) else { return }
        let (reader, h) = try openCSV(path, required: ["date", "name"])
        var r = CSVRecord()
        while try csv(path, { try reader.next(into: &r) }) {
            let day = try Field.isoDay(r, h["date"], file: path, row: reader.recordNumber, column: "date")
            holidays[day] = Field.text(r, h["name"])
        }
    }

    func loadCensus(into sink: some RecordSink) async throws {
        let files = listFiles(root, "census", prefix: "census_", suffix: ".xlsx")
        guard !files.isEmpty else {
            throw InputError(file: "census/", problem: "no census workbook (census/census_<year>.xlsx) was found",
                             fix: "Put each year's census workbook in the census folder, named census_<year>.xlsx")
        }
        var latest: [String: CensusSchoolRow] = [:]
        var perYear: [(year: Int, file: String, schools: [CensusSchoolRow], returns: [(CensusReturn, String, Int)])] = []
        for file in files {
            guard let year = Int(file.dropFirst("census/census_".count).dropLast(".xlsx".count)) else {
                throw InputError(file: file, problem: "the file name does not end in a year",
                                 fix: "Name the workbook census_<year>.xlsx, e.g. census_2024.xlsx")
            }
            let book: XLSXReader
            do { book = try XLSXReader(url: url(file)) } catch let e as XLSXReader.XLSXError {
                throw InputError(file: file, problem: e.problem, fix: "Save the workbook again as .xlsx from a spreadsheet program")
            }
            summary.files += 1
            let schools = try readSchoolsSheet(book, file: file)
            let returns = try readReturnSheets(book, file: file, year: year, schools: schools)
            for s in schools { latest[s.code] = s }
            perYear.append((year, file, schools, returns))
        }

        // The hierarchy, numbered country, regions, districts, zones, schools (each by code).
        var regions: [String: String] = [:], districts: [String: (String, String)] = [:], zones: [String: (String, String)] = [:]
        for s in latest.values {
            regions[s.region.code] = s.region.name
            districts[s.district.code] = (s.district.name, s.region.code)
            zones[s.zone.code] = (s.zone.name, s.district.code)
        }
        let latestFile = files[files.count - 1]
        var units: [OrgUnit] = []
        var idByCode: [String: (OrgUnitID, String)] = [:]
        var nextID: Int64 = 1
        let country = OrgUnit(id: OrgUnitID(nextID), parentID: nil, depth: 0, code: countryCode, name: countryName,
                              path: "/\(countryCode)/")
        units.append(country)
        nextID += 1
        for code in regions.keys.sorted() {
            let u = OrgUnit(id: OrgUnitID(nextID), parentID: country.id, depth: 1, code: code, name: regions[code] ?? code,
                            path: country.childPath(code: code))
            units.append(u); idByCode["R:" + code] = (u.id, u.path); nextID += 1
        }
        for code in districts.keys.sorted() {
            guard let (name, parent) = districts[code], let (pid, ppath) = idByCode["R:" + parent] else { continue }
            let u = OrgUnit(id: OrgUnitID(nextID), parentID: pid, depth: 2, code: code, name: name, path: ppath + code + "/")
            units.append(u); idByCode["D:" + code] = (u.id, u.path); nextID += 1
        }
        for code in zones.keys.sorted() {
            guard let (name, parent) = zones[code], let (pid, ppath) = idByCode["D:" + parent] else { continue }
            let u = OrgUnit(id: OrgUnitID(nextID), parentID: pid, depth: 3, code: code, name: name, path: ppath + code + "/")
            units.append(u); idByCode["Z:" + code] = (u.id, u.path); nextID += 1
        }
        var schoolUnits: [(OrgUnit, CensusSchoolRow)] = []
        for code in latest.keys.sorted() {
            guard let s = latest[code], let (pid, ppath) = idByCode["Z:" + s.zone.code] else { continue }
            let u = OrgUnit(id: OrgUnitID(nextID), parentID: pid, depth: 4, code: code, name: s.name, path: ppath + code + "/",
                            latitude: s.latitude, longitude: s.longitude, locality: s.locality)
            schoolUnits.append((u, s)); schoolIDByCode[code] = u.id; nextID += 1
        }
        orgUnitCount = Int(nextID - 1)

        let levels = OrgLevel.standard
        try await sink.receive(.orgLevels(levels), from: SourceFile(source: "census", path: latestFile),
                               rows: Array(repeating: 0, count: levels.count))
        delivered("orgLevels", levels.count)
        var areas = chunker("census", latestFile) { RecordBatch.orgUnits($0) }
        for u in units { if areas.append(u, row: 0) { try await areas.flush(to: sink) } }
        try await areas.flush(to: sink)
        delivered("orgUnits", areas.delivered)
        // Schools come from the latest workbook each appears in; deliver per file.
        for file in files {
            var unitChunks = chunker("census", file) { RecordBatch.orgUnits($0) }
            for (u, s) in schoolUnits where s.file == file { if unitChunks.append(u, row: s.row) { try await unitChunks.flush(to: sink) } }
            try await unitChunks.flush(to: sink)
            delivered("orgUnits", unitChunks.delivered)
        }
        for file in files {
            var schoolChunks = chunker("census", file) { RecordBatch.schools($0) }
            for (u, s) in schoolUnits where s.file == file {
                let school = School(id: u.id, officialCode: s.code, name: s.name, ownership: s.ownership,
                                    levelsOffered: s.levels, languagesOfInstruction: s.languages, locality: s.locality,
                                    latitude: s.latitude, longitude: s.longitude, povertyIndex: s.poverty)
                if schoolChunks.append(school, row: s.row) { try await schoolChunks.flush(to: sink) }
            }
            try await schoolChunks.flush(to: sink)
            delivered("schools", schoolChunks.delivered)
        }
        pendingCensus = perYear.map { year in
            (year.file, year.returns.compactMap { entry -> (CensusReturn, Int)? in
                guard let id = schoolIDByCode[entry.1] else { return nil }
                var ret = entry.0
                ret.schoolID = id
                return (ret, entry.2)
            })
        }
    }

    private func sheetRows(_ book: XLSXReader, _ name: String, file: String) throws -> [XLSXRow] {
        guard book.sheetNames.contains(name) else {
            throw InputError(file: file, problem: "the workbook has no sheet named \"\(name)\"",
                             fix: "Use the census template, whose sheets are Schools, Enrolment, Teachers and Facilities")
        }
        do { return try book.rows(sheet: name) } catch let e as XLSXReader.XLSXError {
            throw InputError(file: file, problem: e.problem, fix: "Save the workbook again as .xlsx from a spreadsheet program")
        }
    }

    /// Column positions from the header rows (a lower header row's text wins over a merged cell above).
    private func header(_ rows: [XLSXRow], headerRows: Int, sheet: String, file: String, required: [String]) throws -> [String: Int] {
        var names: [Int: String] = [:]
        for row in rows where row.number <= headerRows {
            for cell in row.cells where !cell.value.trimmingCharacters(in: .whitespaces).isEmpty {
                names[cell.column] = cell.value.trimmingCharacters(in: .whitespaces)
            }
        }
        var map: [String: Int] = [:]
        for (column, name) in names.sorted(by: { $0.key < $1.key }) where map[name] == nil { map[name] = column }
        for name in required where map[name] == nil {
            throw InputError(file: file, row: headerRows, column: "\(sheet): \(name)",
                             problem: "the \(sheet) sheet has no column \"\(name)\"",
                             fix: "Use the census template's header (\(required.joined(separator: ", ")))")
        }
        return map
    }

    private func number(_ row: XLSXRow, _ column: Int?, sheet: String, name: String, file: String) throws -> Double? {
        guard let column, let cell = row.cell(column) else { return nil }
        if cell.value.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
        if let v = cell.number { return v }
        throw InputError(file: file, row: row.number, column: "\(sheet): \(name)",
                         problem: "\"\(String(cell.value.prefix(20)))\" is not a number",
                         fix: "Write the \(name) as a number")
    }

    private func count(_ row: XLSXRow, _ column: Int?, sheet: String, name: String, file: String) throws -> Int? {
        guard let v = try number(row, column, sheet: sheet, name: name, file: file) else { return nil }
        guard v >= 0, v == v.rounded() else {
            throw InputError(file: file, row: row.number, column: "\(sheet): \(name)",
                             problem: "\(v) is not a count", fix: "Write the \(name) as a whole number, 0 or more")
        }
        return Int(v)
    }

    private func yesNo(_ row: XLSXRow, _ column: Int?, sheet: String, name: String, file: String) throws -> Bool? {
        guard let column else { return nil }
        switch row[column].trimmingCharacters(in: .whitespaces).lowercased() {
        case "": return nil
        case "yes", "y", "true", "1": return true
        case "no", "n", "false", "0": return false
        case let other:
            throw InputError(file: file, row: row.number, column: "\(sheet): \(name)",
                             problem: "\"\(String(other.prefix(20)))\" is not Yes or No", fix: "Write Yes or No")
        }
    }

    private func readSchoolsSheet(_ book: XLSXReader, file: String) throws -> [CensusSchoolRow] {
        let sheet = "Schools"
        let rows = try sheetRows(book, sheet, file: file)
        let h = try header(rows, headerRows: 1, sheet: sheet, file: file, required: [
            "School code", "School name", "Region code", "Region", "District code", "District", "Zone code", "Zone",
            "Ownership", "Locality", "Latitude", "Longitude", "Languages of instruction", "Levels offered",
            "Poverty index", "Submitted on"])
        func text(_ row: XLSXRow, _ name: String) -> String { row[h[name] ?? -1].trimmingCharacters(in: .whitespaces) }
        func required(_ row: XLSXRow, _ name: String) throws -> String {
            let t = text(row, name)
            guard !t.isEmpty else {
                throw InputError(file: file, row: row.number, column: "\(sheet): \(name)", problem: "the \(name) is empty",
                                 fix: "Fill in the \(name) for this school")
            }
            return t
        }
        var out: [CensusSchoolRow] = []
        for row in rows where row.number > 1 {
            let code = try required(row, "School code")
            let ownership: Ownership
            switch try required(row, "Ownership").lowercased() {
            case "public", "government": ownership = .public
            case "private": ownership = .private
            case "community": ownership = .community
            case let other:
                throw InputError(file: file, row: row.number, column: "\(sheet): Ownership",
                                 problem: "\"\(String(other.prefix(20)))\" is not an ownership type",
                                 fix: "Write Public, Private or Community")
            }
            let locality: Locality
            switch try required(row, "Locality").lowercased() {
            case "urban": locality = .urban
            case "rural": locality = .rural
            case let other:
                throw InputError(file: file, row: row.number, column: "\(sheet): Locality",
                                 problem: "\"\(String(other.prefix(20)))\" is not Urban or Rural", fix: "Write Urban or Rural")
            }
            var levels: [SchoolLevel] = []
            for part in text(row, "Levels offered").split(whereSeparator: { $0 == ";" || $0 == "," }) {
                let p = part.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "-", with: " ")
                switch p {
                case "pre primary", "preprimary", "ecde", "nursery": levels.append(.preprimary)
                case "primary": levels.append(.primary)
                case "lower secondary", "junior secondary": levels.append(.lowerSecondary)
                case "upper secondary", "senior secondary", "secondary": levels.append(.upperSecondary)
                default:
                    throw InputError(file: file, row: row.number, column: "\(sheet): Levels offered",
                                     problem: "\"\(String(p.prefix(20)))\" is not a level of education",
                                     fix: "List levels from Pre-primary, Primary, Lower secondary, Upper secondary, separated by ;")
                }
            }
            let languages = text(row, "Languages of instruction").split(whereSeparator: { $0 == ";" || $0 == "," }).map {
                let name = $0.trimmingCharacters(in: .whitespaces)
                return languageCodes[name.lowercased()] ?? name.lowercased()
            }.filter { !$0.isEmpty }
            var submitted: Day?
            if let column = h["Submitted on"], let cell = row.cell(column), !cell.value.isEmpty {
                guard let d = cell.day(date1904: book.date1904) else {
                    throw InputError(file: file, row: row.number, column: "\(sheet): Submitted on",
                                     problem: "\"\(String(cell.value.prefix(20)))\" is not a date",
                                     fix: "Enter the submission date as a date (e.g. 2024-04-12)")
                }
                submitted = d
            }
            out.append(CensusSchoolRow(
                code: code, name: try required(row, "School name"),
                region: (try required(row, "Region code"), text(row, "Region")),
                district: (try required(row, "District code"), text(row, "District")),
                zone: (try required(row, "Zone code"), text(row, "Zone")),
                ownership: ownership, locality: locality,
                latitude: try number(row, h["Latitude"], sheet: sheet, name: "Latitude", file: file),
                longitude: try number(row, h["Longitude"], sheet: sheet, name: "Longitude", file: file),
                languages: languages, levels: levels,
                poverty: try number(row, h["Poverty index"], sheet: sheet, name: "Poverty index", file: file),
                submitted: submitted, file: file, row: row.number))
        }
        return out
    }

    /// Enrolment, Teachers and Facilities → one CensusReturn per school of the Schools sheet.
    private func readReturnSheets(_ book: XLSXReader, file: String, year: Int, schools: [CensusSchoolRow])
        throws -> [(CensusReturn, String, Int)] {
        let known = Set(schools.map(\.code))
        var enrolment: [String: [GradeCount]] = [:]
        let eRows = try sheetRows(book, "Enrolment", file: file)
        let eh = try header(eRows, headerRows: 2, sheet: "Enrolment", file: file,
                            required: ["School code", "Grade", "Girls", "Boys", "Total"])
        for row in eRows where row.number > 2 {
            let code = row[eh["School code"] ?? -1].trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty else { continue }
            guard let grade = Field.grade(row[eh["Grade"] ?? -1]) else {
                throw InputError(file: file, row: row.number, column: "Enrolment: Grade",
                                 problem: "\"\(String(row[eh["Grade"] ?? -1].prefix(20)))\" names no grade",
                                 fix: "Write the grade as e.g. Grade 3")
            }
            guard known.contains(code) else { unresolved("census: enrolment for a school not on the Schools sheet"); continue }
            enrolment[code, default: []].append(GradeCount(
                grade: grade,
                female: try count(row, eh["Girls"], sheet: "Enrolment", name: "Girls", file: file),
                male: try count(row, eh["Boys"], sheet: "Enrolment", name: "Boys", file: file),
                total: try count(row, eh["Total"], sheet: "Enrolment", name: "Total", file: file)))
        }
        var teachers: [String: (Int?, Int?, Int?)] = [:]
        let tRows = try sheetRows(book, "Teachers", file: file)
        let th = try header(tRows, headerRows: 1, sheet: "Teachers", file: file, required: ["School code", "Female", "Male", "Trained"])
        for row in tRows where row.number > 1 {
            let code = row[th["School code"] ?? -1].trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty else { continue }
            guard known.contains(code) else { unresolved("census: teachers for a school not on the Schools sheet"); continue }
            teachers[code] = (try count(row, th["Female"], sheet: "Teachers", name: "Female", file: file),
                              try count(row, th["Male"], sheet: "Teachers", name: "Male", file: file),
                              try count(row, th["Trained"], sheet: "Teachers", name: "Trained", file: file))
        }
        var facilities: [String: (Int?, Int?, Bool?, Bool?)] = [:]
        let fRows = try sheetRows(book, "Facilities", file: file)
        let fh = try header(fRows, headerRows: 1, sheet: "Facilities", file: file,
                            required: ["School code", "Classrooms", "Latrines", "Water", "Electricity"])
        for row in fRows where row.number > 1 {
            let code = row[fh["School code"] ?? -1].trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty else { continue }
            guard known.contains(code) else { unresolved("census: facilities for a school not on the Schools sheet"); continue }
            facilities[code] = (try count(row, fh["Classrooms"], sheet: "Facilities", name: "Classrooms", file: file),
                                try count(row, fh["Latrines"], sheet: "Facilities", name: "Latrines", file: file),
                                try yesNo(row, fh["Water"], sheet: "Facilities", name: "Water", file: file),
                                try yesNo(row, fh["Electricity"], sheet: "Facilities", name: "Electricity", file: file))
        }
        var out: [(CensusReturn, String, Int)] = []
        for s in schools {
            let t = teachers[s.code], f = facilities[s.code]
            // The school ID is filled in once the hierarchy is numbered (see `pendingCensus`).
            out.append((CensusReturn(schoolID: OrgUnitID(0), yearID: year, submittedOn: s.submitted,
                                     enrolment: (enrolment[s.code] ?? []).sorted { $0.grade < $1.grade },
                                     teachersFemale: t?.0, teachersMale: t?.1, teachersTrained: t?.2,
                                     classrooms: f?.0, latrines: f?.1, hasWater: f?.2, hasElectricity: f?.3),
                        s.code, s.row))
        }
        return out
    }

    /// Census returns wait for the academic years (they refer to a year).
    func deliverCensusReturns(into sink: some RecordSink) async throws {
        for (file, returns) in pendingCensus {
            var chunks = chunker("census", file) { RecordBatch.censusReturns($0) }
            for (ret, row) in returns {
                if chunks.append(ret, row: row) { try await chunks.flush(to: sink) }
            }
            try await chunks.flush(to: sink)
            delivered("censusReturns", chunks.delivered)
        }
        pendingCensus = []
    }
}
