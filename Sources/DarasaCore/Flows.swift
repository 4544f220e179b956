/// One grade's flow rates in one school year: of the pupils enrolled in grade g in year t, the
/// shares promoted to g + 1 (or, in the last grade, completing it), repeating g in t + 1, and
/// leaving school. The three add up to 1 by construction (dropout is the remainder).
public struct GradeFlow: Sendable, Hashable, Codable {
    public var promotion: Double
    public var repetition: Double
    public var dropout: Double

    public init(promotion: Double, repetition: Double) {
        self.promotion = promotion
        self.repetition = repetition
        self.dropout = 1 - promotion - repetition
    }
}

/// The UIS reconstructed cohort method (UNESCO Institute for Statistics, *Education Indicators:
/// Technical Guidelines* (2009), "Promotion, repetition and dropout rates" and "Survival rate by
/// grade"), which follows a cohort through a cycle from two consecutive years of enrolment and
/// repeaters by grade, for systems without learner-level records.
public enum ReconstructedCohort {
    /// Flow rates per grade from aggregate data:
    ///
    ///     p_g,t = (E_g+1,t+1 − R_g+1,t+1) / E_g,t     promotion
    ///     r_g,t = R_g,t+1 / E_g,t                      repetition
    ///     d_g,t = 1 − p_g,t − r_g,t                    dropout
    ///
    /// In the last grade promotion is graduation: p = G_t / E_last,t, with `graduates` G_t.
    /// `enrolment` is E_·,t, `nextEnrolment` E_·,t+1 and `nextRepeaters` R_·,t+1, keyed by grade.
    /// A grade with no pupils in year t (or with a missing figure) has no rate and is left out;
    /// a rate outside 0…1 is kept as computed (it says the data disagree, e.g. unrecorded
    /// transfers into the grade). O(grades).
    public static func rates(grades: ClosedRange<Int>, enrolment: [Int: Double], nextEnrolment: [Int: Double],
                             nextRepeaters: [Int: Double], graduates: Double?) -> [Int: GradeFlow] {
        var out: [Int: GradeFlow] = [:]
        for g in grades {
            guard let e = enrolment[g], e > 0, let r = nextRepeaters[g] else { continue }
            let promoted: Double
            if g == grades.upperBound {
                guard let graduates else { continue }
                promoted = graduates
            } else {
                guard let next = nextEnrolment[g + 1], let nextR = nextRepeaters[g + 1] else { continue }
                promoted = next - nextR
            }
            out[g] = GradeFlow(promotion: promoted / e, repetition: r / e)
        }
        return out
    }

    /// Survival rate to grade k: the share of a cohort entering the first grade expected to reach
    /// grade k, regardless of repetition, when the flow rates stay as they are:
    ///
    ///     S_k = Π_{g < k} p_g · (1 + r_g + r_g² + … + r_g^m)
    ///
    /// where m is the number of repetitions a pupil may make in one grade (`maxRepetitions`; nil:
    /// unlimited, so the sum is 1/(1 − r_g)). This is what simulating the cohort of 1,000 pupils
    /// year by year gives (each year in grade g, p_g of those present move on, r_g stay). Returns
    /// nil when a grade below k has no rates, or when r_g ≥ 1 with unlimited repetition.
    /// `first` is the entry grade. O(k − first).
    public static func survival(to k: Int, from first: Int, rates: [Int: GradeFlow], maxRepetitions: Int? = nil) -> Double? {
        guard k >= first else { return nil }
        var s = 1.0
        for g in first..<k {
            guard let f = rates[g] else { return nil }
            let stay: Double
            if let m = maxRepetitions {
                var sum = 0.0, power = 1.0
                for _ in 0...max(0, m) { sum += power; power *= f.repetition }
                stay = sum
            } else {
                guard f.repetition < 1 else { return nil }
                stay = 1 / (1 - f.repetition)
            }
            s *= f.promotion * stay
        }
        return s
    }
}

/// Learner-level flows, where records follow each child from one year to the next: the same
/// rates as the reconstructed cohort, but counted, not inferred. Of the pupils in grade g at the
/// end of year t (transfers out excluded: they continue at another school):
/// promotion = promoted (or completed, in the last grade) ÷ pupils; repetition = repeating ÷
/// pupils; dropout = dropped out ÷ pupils.
public enum LearnerFlows {
    /// nil when there are no pupils.
    public static func rates(promoted: Double, repeating: Double, droppedOut: Double, completed: Double) -> GradeFlow? {
        let pupils = promoted + repeating + droppedOut + completed
        guard pupils > 0 else { return nil }
        return GradeFlow(promotion: (promoted + completed) / pupils, repetition: repeating / pupils)
    }
}

/// Planning measures from country status reports (World Bank / IIEP-UNESCO, *Education Sector
/// Analysis Methodological Guidelines* vol. 1 (2014), ch. 5).
public enum TeacherAllocation {
    /// Consistency of teacher allocation: regress teachers on pupils across schools
    /// (teachers_j = a + b·pupils_j + e_j); the "degree of randomness" is 1 − R². Published
    /// country reports typically find 0.2–0.5. Returns (R², 1 − R², schools); nil with fewer
    /// than three schools or when pupils or teachers do not vary. O(n).
    public static func consistency(pupils: [Double], teachers: [Double]) -> (rSquared: Double, randomness: Double, schools: Int)? {
        guard pupils.count == teachers.count, pupils.count >= 3 else { return nil }
        guard let fit = try? LinearRegression.fit(rows: pupils.map { [1, $0] }, outcomes: teachers), let r2 = fit.rSquared else { return nil }
        return (r2, 1 - r2, pupils.count)
    }
}
