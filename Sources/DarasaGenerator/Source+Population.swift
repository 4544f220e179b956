import DarasaCore
import Foundation

extension CountryWriter {
    /// Official primary ages written to the projections (entry age 6, grades 1–8), and one year
    /// either side.
    static let populationAges = 5...14

    /// population/population_<year>.csv: the statistics office's projection of the school-age
    /// population per district, by sex and single year of age (the age reached in the calendar
    /// year). The true population behind it: every child of the district who is on a roll that
    /// year, every child who was on a roll in an earlier year and is not now (dropped out, or
    /// finished primary), and children who never enrolled — more of them where the district is
    /// poorer (2 % at the least poor, up to 18 %), and children who enter school late (they are
    /// out of school until then). Ages the simulation cannot know in full — 5, and late entrants
    /// after the last year — are projected from the year before and the next age up (2 % growth).
    func writePopulation() throws {
        let districtCount = world.districts.count
        let ages = Self.populationAges
        var lastDistrict = [Int32](repeating: -1, count: pop.learners.count)
        var firstDistrict = [Int32](repeating: -1, count: pop.learners.count)
        for yearStays in pop.stays.reversed() {
            for stay in yearStays { firstDistrict[Int(stay.learner)] = Int32(world.schools[Int(stay.school)].district) }
        }
        var previous: [[Int]]?
        for (yi, year) in spec.years.enumerated() {
            // children on a roll this year: the district of their last stay of the year
            var here = [Int32](repeating: -1, count: pop.learners.count)
            for stay in pop.stays[yi] { here[Int(stay.learner)] = Int32(world.schools[Int(stay.school)].district) }
            var counts = [[Int]](repeating: [Int](repeating: 0, count: 2 * ages.count), count: districtCount)
            for l in pop.learners.indices {
                let d = here[l] >= 0 ? here[l] : lastDistrict[l] >= 0 ? lastDistrict[l] : firstDistrict[l]
                guard d >= 0 else { continue }
                let s = pop.learners[l]
                let age = year - Day(daysSinceEpoch: s.birth).year
                guard ages.contains(age) else { continue }
                counts[Int(d)][(s.female ? 0 : ages.count) + age - ages.lowerBound] += 1
            }
            for l in pop.learners.indices where here[l] >= 0 { lastDistrict[l] = here[l] }
            if yi == spec.years.count - 1, let previous {
                for d in counts.indices { for k in counts[d].indices { counts[d][k] = max(counts[d][k], Int((Double(previous[d][k]) * 1.02).rounded())) } }
            }
            previous = counts
            let file = "population/population_\(year).csv"
            let out = try ledger.open(file)
            out.bytes.append("area_code,area_name,year,sex,age,population\n")
            var rows = 0
            let order = world.districts.indices.sorted { world.districts[$0].code < world.districts[$1].code }
            for d in order {
                let district = world.districts[d]
                let neverEnrolled = min(0.18, max(0.02, 0.02 + 0.35 * (district.poverty - 0.18)))
                for (sexIndex, sex) in ["Female", "Male"].enumerated() {
                    for age in ages {
                        var known = counts[d][sexIndex * ages.count + age - ages.lowerBound]
                        if age == ages.lowerBound {
                            known = Int((Double(counts[d][sexIndex * ages.count + 1]) * 1.02).rounded())
                        }
                        let people = Int((Double(known) / (1 - neverEnrolled)).rounded())
                        var line = CSVLineBuilder()
                        line.field(district.code)
                        line.field(district.name)
                        line.int(year)
                        line.field(sex)
                        line.int(age)
                        line.int(people)
                        out.bytes.append(contentsOf: line.finish())
                        rows += 1
                    }
                }
            }
            try out.close()
            ledger.record(source: "population", rows: rows)
        }
    }
}
