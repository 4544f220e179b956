import DarasaCore
import PropertyBased
import Testing

@Suite struct AttendanceMarksTests {
    @Test func aDayHoldsOneMarkAndCountsFollow() {
        var m = MonthMarks()
        m.set(.present, day: 3)
        m.set(.late, day: 4)
        m.set(.absent, day: 5)
        m.set(.excused, day: 6)
        m.set(.absent, day: 3)  // correction replaces the earlier mark
        #expect(m.mark(day: 3) == .absent && m.mark(day: 7) == nil)
        #expect(m.recordedDays == 4 && m.presentDays == 1 && m.absentDays == 3)
        #expect(m.isConsistent)
    }

    @Test func anySequenceOfMarksKeepsTheInvariant() async {
        let marks = Gen.int(in: 0...4).map { $0 == 4 ? nil : AttendanceMark.allCases[$0] }
        await propertyCheck(input: Gen.int(in: 1...31).array(of: 1...60), marks.array(of: 60...60)) { days, chosen in
            var m = MonthMarks()
            var expected: [Int: AttendanceMark?] = [:]
            for (i, day) in days.enumerated() {
                m.set(chosen[i], day: day)
                expected[day] = chosen[i]
            }
            #expect(m.isConsistent)
            for (day, mark) in expected { #expect(m.mark(day: day) == mark) }
            #expect(m.recordedDays == expected.values.compactMap { $0 }.count)
            #expect(m.presentDays + m.absentDays == m.recordedDays)
        }
    }

    @Test func consistentMeansNoDayCarriesTwoMarks() async {
        let bits = Gen.int(in: 0...Int(UInt32.max)).map { UInt32($0) }
        await propertyCheck(input: bits, bits, bits, bits) { p, a, l, e in
            let m = MonthMarks(present: p, absent: a, late: l, excused: e)
            let all = [p, a, l, e]
            let pairwiseDisjoint = (0..<4).allSatisfy { i in ((i + 1)..<4).allSatisfy { all[i] & all[$0] == 0 } }
            #expect(m.isConsistent == pairwiseDisjoint)
        }
        #expect(MonthMarks(present: 0b0101, absent: 0b1010).isConsistent)
        #expect(!MonthMarks(present: 0b0101, excused: 0b0100).isConsistent)
        #expect(!MonthMarks(late: 1 << 30, excused: 1 << 30).isConsistent)
    }

    @Test func washingtonGroupCutOffIsALotOfDifficulty() {
        #expect(Functioning().hasDisability == nil)
        #expect(Functioning(seeing: .someDifficulty, hearing: .noDifficulty).hasDisability == false)
        #expect(Functioning(walking: .aLot).hasDisability == true)
        #expect(Functioning(communication: .cannot).hasDisability == true)
    }

    @Test func scopeCoversByPathAndTeachersByClass() {
        let s1 = SchoolID(7)
        let teacher = AccessScope(role: .teacher, orgUnitID: s1, orgPath: "/TL/R1/D1/Z1/S1/",
                                  classes: [ClassRef(schoolID: s1, grade: 2, section: "A")])
        #expect(teacher.covers(class: ClassRef(schoolID: s1, grade: 2, section: "A"), schoolPath: "/TL/R1/D1/Z1/S1/"))
        #expect(!teacher.covers(class: ClassRef(schoolID: s1, grade: 3, section: "A"), schoolPath: "/TL/R1/D1/Z1/S1/"))
        let district = AccessScope(role: .districtOfficer, orgUnitID: OrgUnitID(3), orgPath: "/TL/R1/D1/")
        #expect(district.covers(path: "/TL/R1/D1/Z1/S1/") && !district.covers(path: "/TL/R1/D10/Z1/S9/"))
        #expect(!Role.districtOfficer.seesLearnerNames && Role.headTeacher.seesLearnerNames)
    }
}
