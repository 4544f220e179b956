import DarasaCore
import Testing

/// UIS reconstructed cohort, learner flows, teacher allocation and the ratio estimator on
/// cluster totals, each against numbers worked by hand.
@Suite struct FlowsTests {
    @Test func reconstructedCohortRatesFollowTheUISFormulas() {
        // Year t: E1 = 1000, E2 = 900, E3 = 800 (last grade), graduates 700.
        // Year t+1: E2 = 950 with R2 = 90; E3 = 860 with R3 = 60; R1 = 120.
        let rates = ReconstructedCohort.rates(grades: 1...3, enrolment: [1: 1000, 2: 900, 3: 800], nextEnrolment: [1: 1100, 2: 950, 3: 860],
                                              nextRepeaters: [1: 120, 2: 90, 3: 60], graduates: 700)
        // p1 = (950 − 90)/1000 = 0.86, r1 = 0.12, d1 = 0.02; p2 = (860 − 60)/900 = 0.8889, r2 = 0.1, d2 = 0.0111;
        // p3 = 700/800 = 0.875, r3 = 60/800 = 0.075, d3 = 0.05.
        #expect(abs(rates[1]!.promotion - 0.86) < 1e-12 && abs(rates[1]!.repetition - 0.12) < 1e-12 && abs(rates[1]!.dropout - 0.02) < 1e-12)
        #expect(abs(rates[2]!.promotion - 800.0 / 900) < 1e-12 && abs(rates[3]!.dropout - 0.05) < 1e-12)
        // Survival to grade 3 = 0.86/0.88 × (800/900)/0.9 = 0.977273 × 0.987654 = 0.965208.
        let s = ReconstructedCohort.survival(to: 3, from: 1, rates: rates)
        #expect(abs((s ?? 0) - (0.86 / 0.88) * ((800.0 / 900) / 0.9)) < 1e-12)
        // With at most one repetition per grade: 0.86 × 1.12 × 0.8889 × 1.1 = 0.941803.
        let capped = ReconstructedCohort.survival(to: 3, from: 1, rates: rates, maxRepetitions: 1)
        #expect(abs((capped ?? 0) - 0.86 * 1.12 * (800.0 / 900) * 1.1) < 1e-12)
        // A grade without rates gives no survival rather than a wrong one.
        #expect(ReconstructedCohort.survival(to: 3, from: 1, rates: [1: rates[1]!]) == nil)
    }

    @Test func simulatingACohortYearByYearGivesTheClosedForm() {
        // 1,000 pupils in grade 1; each year p move on, r stay, d leave; count arrivals in grade 3.
        let rates: [Int: GradeFlow] = [1: GradeFlow(promotion: 0.8, repetition: 0.15), 2: GradeFlow(promotion: 0.7, repetition: 0.2)]
        var inGrade = [1: 1000.0, 2: 0.0], reached = 0.0
        for _ in 0..<200 {
            let up1 = inGrade[1]! * 0.8, up2 = inGrade[2]! * 0.7
            inGrade[1] = inGrade[1]! * 0.15
            inGrade[2] = inGrade[2]! * 0.2 + up1
            reached += up2
        }
        #expect(abs(reached / 1000 - ReconstructedCohort.survival(to: 3, from: 1, rates: rates)!) < 1e-9)
    }

    @Test func learnerFlowsCountCompletersAsPromoted() {
        let f = LearnerFlows.rates(promoted: 70, repeating: 10, droppedOut: 5, completed: 15)!
        #expect(abs(f.promotion - 0.85) < 1e-12 && abs(f.repetition - 0.10) < 1e-12 && abs(f.dropout - 0.05) < 1e-12)
        #expect(LearnerFlows.rates(promoted: 0, repeating: 0, droppedOut: 0, completed: 0) == nil)
    }

    @Test func teacherAllocationRandomnessIsOneMinusRSquared() throws {
        // Teachers exactly proportional to pupils: no randomness.
        let exact = try #require(TeacherAllocation.consistency(pupils: [100, 200, 300, 400], teachers: [2, 4, 6, 8]))
        #expect(abs(exact.randomness) < 1e-12)
        // (4, 2), (3, 2), (2, 1): b = 1/2, SSR = 0.5, SST = 2/3 → R² = 0.75.
        let fit = try #require(TeacherAllocation.consistency(pupils: [4, 3, 2], teachers: [2, 2, 1]))
        #expect(abs(fit.rSquared - 0.75) < 1e-12 && abs(fit.randomness - 0.25) < 1e-12 && fit.schools == 3)
        #expect(TeacherAllocation.consistency(pupils: [1, 2], teachers: [1, 2]) == nil)
    }

    @Test func theRatioOnClusterTotalsEqualsTheRecordLevelEstimator() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<50 {
            let records = (0..<40).map { _ in
                SurveyObservation(value: Double(rng.next() % 100), weight: 1 + Double(rng.next() % 50) / 10, cluster: Int(rng.next() % 6))
            }
            let direct = try #require(try Survey.weightedMean(records))
            var totals: [Int: (y: Double, x: Double)] = [:]
            for r in records { totals[r.cluster, default: (0, 0)].y += r.weight * r.value; totals[r.cluster, default: (0, 0)].x += r.weight }
            let fromTotals = try #require(try Survey.ratio(clusterTotals: Array(totals.values)))
            #expect(abs(direct.estimate - fromTotals.estimate) < 1e-9)
            #expect(abs((direct.standardError ?? -1) - (fromTotals.standardError ?? -2)) < 1e-9)
        }
    }
}
