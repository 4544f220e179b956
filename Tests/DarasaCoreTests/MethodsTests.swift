import DarasaCore
import Testing

/// Reference values from ../shared/METHODS.md (computed independently of Darasa).
@Suite struct MethodsTests {
    @Test func egraFluencyMatchesTheMethodsVector() throws {
        // 52 attempted, 7 incorrect, 20 s left of 60 → 45 correct in 40 s → 67.5 per minute
        let fluency = try #require(EGRA.fluency(attempted: 52, incorrect: 7, secondsRemaining: 20))
        #expect(abs(fluency - 67.5) < 1e-9)
    }

    @Test func egraFluencyRefusesImpossibleRecords() {
        #expect(EGRA.fluency(attempted: 10, incorrect: 0, secondsRemaining: 60) == nil)  // no time used
        #expect(EGRA.fluency(attempted: 10, incorrect: 11, secondsRemaining: 0) == nil)  // more wrong than read
        #expect(EGRA.fluency(attempted: 0, incorrect: 0, secondsRemaining: 0) == 0)
    }

    @Test func egraEarlyStopWhenTheWholeFirstLineIsWrong() {
        #expect(EGRA.stoppedEarly(responses: "0000000000.....", firstLineLength: 10))
        #expect(!EGRA.stoppedEarly(responses: "0000000001", firstLineLength: 10))
        #expect(!EGRA.stoppedEarly(responses: "00000", firstLineLength: 10))  // line not finished
    }

    @Test(arguments: [(0.40, 0.50, 0.8, 0.8), (0.50, 0.40, 1.25, 1.2), (0.60, 0.50, 1.2, 1.1667)])
    func parityIndicesMatchUISVectors(d: Double, a: Double, pi: Double, pia: Double) throws {
        #expect(abs(try #require(Parity.index(disadvantaged: d, advantaged: a)) - pi) < 1e-9)
        #expect(abs(try #require(Parity.adjusted(disadvantaged: d, advantaged: a)) - pia) < 5e-5)
    }

    @Test func parityWithNoAdvantagedValueIsNoData() {
        #expect(Parity.index(disadvantaged: 0.3, advantaged: 0) == nil)
        #expect(Parity.isWithinParity(0.97) && Parity.isWithinParity(1.03) && !Parity.isWithinParity(0.96))
    }

    @Test func learningPovertyMatchesTheMethodsVector() {
        #expect(abs(LearningPoverty.rate(belowMinimumShare: 0.50, outOfSchoolShare: 0.10) - 0.55) < 1e-12)
    }

    @Test func chronicAbsenceUsesTenPercentAndAFloor() {
        #expect(Attendance.isChronicallyAbsent(absentDays: 5, enrolledDays: 41) == true)    // 12.2 %
        #expect(Attendance.isChronicallyAbsent(absentDays: 4, enrolledDays: 41) == false)   // 9.76 %
        #expect(Attendance.isChronicallyAbsent(absentDays: 4, enrolledDays: 40) == true)    // exactly 10 %
        #expect(Attendance.isChronicallyAbsent(absentDays: 10, enrolledDays: 20) == nil)    // under the 30-day floor
        #expect(Attendance.isChronicallyAbsent(absentDays: 3, enrolledDays: 25, floor: 20) == true)
        #expect(Attendance.rate(presentDays: 0, recordedDays: 0) == nil)
    }
}
