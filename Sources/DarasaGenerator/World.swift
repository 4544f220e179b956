import DarasaCore
import Foundation

/// An administrative unit above the school (region, district or zone).
struct AreaInfo {
    var code: String
    var name: String
    var parent: Int
    var latitude: Double
    var longitude: Double
    var poverty: Double
    /// Index into `NameBank.languages` of the most common home language.
    var language: Int
}

struct SchoolInfo {
    var code: String
    var name: String
    var zone: Int
    var district: Int
    var region: Int
    var ownership: Ownership
    var urban: Bool
    var latitude: Double
    var longitude: Double
    var poverty: Double
    var language: Int
    var remoteness: Double
    var preprimary: Bool
    /// Target enrolment in the first year.
    var size: Int
    /// School effect on learning (SD units of the latent reading skill).
    var effect: Double
    /// School effect on daily absence (logit units).
    var absenceEffect: Double
    /// Intended pupil–teacher ratio (allocation is uneven).
    var ptr: Double
    var inProgramme: Bool
    var teachers: [Int] = []
    var classrooms: Int = 0
    var latrines: Int = 0
    var hasWater = false
    var hasElectricity = false

    var languagesOfInstruction: [String] {
        if ownership == .private { return ["English"] }
        if urban { return ["Kiswahili", "English"] }
        return [NameBank.languages[language].name, "English"]
    }
}

struct TeacherInfo {
    var payroll: String
    var given: Int
    var family: Int
    var female: Bool
    var birth: Day
    var trained: Bool
    var qualification: String
    var subjects: [String]
    var school: Int
    var postingStart: Day
    var absenceLogit: Double
    /// The school-management system's id for this teacher.
    var sourcedId: String
}

/// The country's fixed structure: regions > districts > zones > schools, and the teachers.
struct World {
    var regions: [AreaInfo] = []
    var districts: [AreaInfo] = []
    var zones: [AreaInfo] = []
    var schools: [SchoolInfo] = []
    var teachers: [TeacherInfo] = []
    /// Schools of each district, for transfers.
    var schoolsByDistrict: [[Int]] = []
    var schoolsByZone: [[Int]] = []

    static let regionNames = ["Pwani", "Ziwani", "Milima", "Bonde", "Nyika", "Magharibi", "Kati", "Kaskazini", "Mashariki"]
    static let placeStems = ["Mto", "Kilima", "Mlima", "Ziwa", "Nyota", "Jua", "Upepo", "Mvua", "Msitu", "Bahari",
                             "Mwamba", "Kijiji", "Shamba", "Mbuyu", "Mnazi", "Mkuyu", "Simba", "Tembo", "Twiga", "Chui",
                             "Ndovu", "Nyati", "Kongoni", "Pongezi"]
    static let placeSuffixes = ["ni", "wa", " Juu", " Chini", "ge", "ri", "nde", "mba", "kwa", "si"]
    static let schoolWords = ["Primary School", "Primary School", "Primary School", "Comprehensive School",
                              "Academy", "Model Primary"]
    static let subjects = ["ENG", "KIS", "MAT", "SCI", "SST", "CRE", "IRE", "AGR", "ART"]

    init(spec: CountrySpec, names: NameTable) {
        let seed = spec.seed
        var rng = Rng(seed: seed, stream: "geography")
        let schoolCount = max(4, Int((Double(spec.learners) / 260).rounded()))
        let root = Double(schoolCount).squareRoot()
        let regionCount = min(9, max(2, Int((root / 3).rounded())))
        let districtCount = min(schoolCount, max(regionCount, Int(root.rounded())))
        let zoneCount = min(schoolCount, max(2 * districtCount, schoolCount / 10))
        let languageCount = NameBank.languages.count

        // Regions: a poverty gradient (shuffled across the map) and a dominant home language.
        var povertyLevels = (0..<regionCount).map { 0.18 + 0.5 * Double($0) / Double(max(1, regionCount - 1)) }
        rng.shuffle(&povertyLevels)
        for r in 0..<regionCount {
            let lat = -4.0 + 8.0 * (Double(r % 3) + rng.uniform()) / 3.0
            let lon = 34.0 + 6.5 * (Double(r / 3) + rng.uniform()) / 3.0
            let language = r == 0 ? 0 : 1 + (r - 1) % (languageCount - 1)
            regions.append(AreaInfo(code: "R" + pad2(r + 1), name: World.regionNames[r % World.regionNames.count]
                                        + (r >= World.regionNames.count ? " \(r / World.regionNames.count + 1)" : ""),
                                    parent: -1, latitude: lat, longitude: lon, poverty: povertyLevels[r], language: language))
        }
        var usedPlaceNames = Set<String>()
        func placeName(_ rng: inout Rng) -> String {
            for _ in 0..<20 {
                let n = rng.element(World.placeStems) + rng.element(World.placeSuffixes)
                if usedPlaceNames.insert(n).inserted { return n }
            }
            let n = rng.element(World.placeStems) + " \(usedPlaceNames.count)"
            usedPlaceNames.insert(n)
            return n
        }
        for d in 0..<districtCount {
            let r = d * regionCount / districtCount
            let region = regions[r]
            let language = rng.chance(0.85) ? region.language : rng.int(below: languageCount)
            districts.append(AreaInfo(code: "D" + padded(d + 1, 3), name: placeName(&rng), parent: r,
                                      latitude: region.latitude + rng.normal(sd: 0.35),
                                      longitude: region.longitude + rng.normal(sd: 0.35),
                                      poverty: clamp(region.poverty + rng.normal(sd: 0.08), 0.05, 0.9),
                                      language: language))
        }
        for z in 0..<zoneCount {
            let d = z * districtCount / zoneCount
            let district = districts[d]
            let language = rng.chance(0.85) ? district.language : rng.int(below: languageCount)
            zones.append(AreaInfo(code: "Z" + padded(z + 1, 4), name: placeName(&rng), parent: d,
                                  latitude: district.latitude + rng.normal(sd: 0.12),
                                  longitude: district.longitude + rng.normal(sd: 0.12),
                                  poverty: clamp(district.poverty + rng.normal(sd: 0.06), 0.05, 0.9),
                                  language: language))
        }
        // The first zone of each district is its town.
        var townZone = Set<Int>()
        var lastDistrict = -1
        for (z, zone) in zones.enumerated() where zone.parent != lastDistrict {
            townZone.insert(z)
            lastDistrict = zone.parent
        }
        // Coaching programme: ~40% of zones, poorer zones first (with noise).
        var programmeOrder: [(zone: Int, score: Double)] = []
        for z in 0..<zoneCount { programmeOrder.append((z, zones[z].poverty + rng.normal(sd: 0.1))) }
        programmeOrder.sort { a, b in a.score > b.score || (a.score == b.score && a.zone < b.zone) }
        let programmeCount = max(1, Int(Double(zoneCount) * 0.4))
        let programmeZones = Set(programmeOrder.prefix(programmeCount).map { $0.zone })

        // Schools: lognormal sizes (urban larger), then scaled so enrolment sums to `learners`.
        var rawSizes: [Double] = []
        var usedSchoolNames = Set<String>()
        for s in 0..<schoolCount {
            let z = s * zoneCount / schoolCount
            let zone = zones[z]
            let d = zone.parent, r = districts[d].parent
            let urban = rng.chance(townZone.contains(z) ? 0.6 : 0.07)
            let poverty = clamp(zone.poverty + rng.normal(sd: 0.08) - (urban ? 0.15 : 0), 0.03, 0.95)
            let ownership: Ownership
            let u = rng.uniform()
            if urban { ownership = u < 0.25 ? .private : (u < 0.30 ? .community : .public) } else {
                ownership = u < 0.05 ? .private : (u < 0.15 ? .community : .public)
            }
            let language = urban && rng.chance(0.4) ? 0 : zone.language
            let remoteness = urban ? rng.uniform() * 0.2 : 0.2 + 0.8 * rng.uniform()
            var name = ""
            for attempt in 0..<30 {
                let base = rng.chance(0.5) ? zone.name : (rng.element(World.placeStems) + rng.element(World.placeSuffixes))
                let word = ownership == .private ? (rng.chance(0.5) ? "Academy" : "Junior School") : rng.element(World.schoolWords)
                name = base + " " + word + (attempt > 10 ? " \(attempt)" : "")
                if usedSchoolNames.insert(name).inserted { break }
            }
            let ptrBase: Double
            switch ownership {
            case .private: ptrBase = 22 + 8 * rng.uniform()
            case .community: ptrBase = 45 + 30 * remoteness
            case .public: ptrBase = 28 + 50 * remoteness * (0.6 + poverty)
            }
            let ptr = clamp(ptrBase * rng.lognormal(median: 1, sigma: 0.22), 20, 95)
            rawSizes.append(rng.lognormal(median: urban ? 480 : 210, sigma: 0.6))
            let code = String(r + 1) + pad2((d + 1) % 100) + String(10_000 + s).suffix(5)
            schools.append(SchoolInfo(
                code: code, name: name, zone: z, district: d, region: r, ownership: ownership, urban: urban,
                latitude: zone.latitude + rng.normal(sd: 0.05), longitude: zone.longitude + rng.normal(sd: 0.05),
                poverty: poverty, language: language, remoteness: remoteness, preprimary: rng.chance(0.6),
                size: 0, effect: rng.normal(sd: 0.35) + (ownership == .private ? 0.25 : 0),
                absenceEffect: rng.normal(sd: 0.3), ptr: ptr, inProgramme: programmeZones.contains(z)))
        }
        let total = rawSizes.reduce(0, +)
        var assigned = 0
        for s in 0..<schoolCount {
            let share = rawSizes[s] / total
            let size = s == schoolCount - 1 ? spec.learners - assigned : Int((share * Double(spec.learners)).rounded())
            schools[s].size = max(16, size)
            assigned += schools[s].size
        }
        schoolsByDistrict = Array(repeating: [], count: districtCount)
        schoolsByZone = Array(repeating: [], count: zoneCount)
        for (i, s) in schools.enumerated() {
            schoolsByDistrict[s.district].append(i)
            schoolsByZone[s.zone].append(i)
        }

        // Facilities and teachers.
        var trng = Rng(seed: seed, stream: "teachers")
        let firstYear = spec.years.first ?? 2023
        for s in 0..<schoolCount {
            let school = schools[s]
            let needed = max(2, Int((Double(school.size) / school.ptr).rounded()))
            schools[s].classrooms = max(4, Int(Double(school.size) / (school.urban ? 45 : 70) * rng.lognormal(median: 1, sigma: 0.25)))
            schools[s].latrines = max(1, Int(Double(school.size) / (school.urban ? 40 : 90) * rng.lognormal(median: 1, sigma: 0.4)))
            schools[s].hasWater = rng.chance(school.urban ? 0.9 : 0.75 - 0.5 * school.poverty)
            schools[s].hasElectricity = rng.chance(school.urban ? 0.95 : 0.6 - 0.5 * school.remoteness)
            for _ in 0..<needed {
                let t = teachers.count
                let female = trng.chance(school.urban ? 0.66 : 0.42)
                let age = 23 + Int(36 * pow(trng.uniform(), 1.4))
                let birthYear = firstYear - age
                let birth = Day(daysSinceEpoch: SchoolYearCalendar.day(birthYear, 1, 1).daysSinceEpoch + Int32(trng.int(0...364)))
                let trainedP = school.ownership == .public ? 0.95 - 0.15 * school.remoteness : 0.70
                let trained = trng.chance(trainedP)
                let qualification: String
                if trained {
                    let q = trng.uniform()
                    qualification = q < 0.6 ? "P1 Certificate" : (q < 0.87 ? "Diploma in Education" : "B.Ed")
                } else {
                    qualification = "KCSE (untrained)"
                }
                var subjectPool = World.subjects
                trng.shuffle(&subjectPool)
                let subjects = Array(subjectPool.prefix(2 + trng.int(below: 2))).sorted()
                // Most teachers were posted before the first year; one in ten arrives later.
                let postingStart: Day
                if trng.chance(0.9) || spec.years.count < 2 {
                    let y = max(birthYear + 22, firstYear - 1 - trng.int(0...14))
                    postingStart = Day(daysSinceEpoch: SchoolYearCalendar.day(min(y, firstYear - 1), 1, 2).daysSinceEpoch + Int32(trng.int(0...300)))
                } else {
                    let y = spec.years[1 + trng.int(below: spec.years.count - 1)]
                    postingStart = SchoolYearCalendar.academicYear(y).start.adding(days: trng.chance(0.7) ? 0 : trng.int(20...120))
                }
                let language = school.language
                let payroll = String(1_000_000 + (t * 7919 + 104_729) % 8_999_999)
                teachers.append(TeacherInfo(
                    payroll: payroll, given: names.drawGiven(female: female, language: language, rng: &trng),
                    family: names.drawFamily(language: language, rng: &trng), female: female, birth: birth,
                    trained: trained, qualification: qualification, subjects: subjects, school: s,
                    postingStart: postingStart,
                    absenceLogit: -2.6 + 0.8 * school.remoteness + trng.normal(sd: 0.6),
                    sourcedId: deterministicUUID(mix64(seed ^ 0x7EAC_4E25 ^ UInt64(t)), mix64(UInt64(t) &* 31 &+ seed))))
                schools[s].teachers.append(t)
            }
        }
    }

    func schoolPath(_ s: Int, country: String) -> String {
        let school = schools[s]
        return "/\(country)/\(regions[school.region].code)/\(districts[school.district].code)/\(zones[school.zone].code)/\(school.code)/"
    }
}

@inline(__always)
func clamp(_ v: Double, _ lo: Double, _ hi: Double) -> Double { min(hi, max(lo, v)) }

func pad2(_ v: Int) -> String { padded(v, 2) }

func padded(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
