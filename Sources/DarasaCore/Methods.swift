/// Formulas from ../shared/METHODS.md that more than one module needs. Each names its source.
public enum EGRA {
    /// Oral-reading / timed-grid fluency, correct items per minute (EGRA toolkit, RTI 2016):
    /// attempted = last attempted item index + 1; correct = attempted − incorrect;
    /// time used = limit − seconds remaining; fluency = correct / (time used / 60).
    ///
    /// Returns nil when the time used is zero or negative (the record is invalid, not "infinitely
    /// fluent"), or when incorrect exceeds attempted. A child who stopped early on the first line
    /// scores 0 (pass `attempted` and `incorrect` as recorded).
    /// Vector: 52 attempted, 7 incorrect, 20 s left of 60 → 67.5.
    public static func fluency(attempted: Int, incorrect: Int, secondsRemaining: Int, timeLimit: Int = 60) -> Double? {
        let used = timeLimit - secondsRemaining
        guard used > 0, attempted >= 0, incorrect >= 0, incorrect <= attempted else { return nil }
        return Double(attempted - incorrect) / (Double(used) / 60)
    }

    /// EGRA's early-stop rule: when every item of the first line is wrong the subtask stops.
    /// `responses` uses "1" correct, "0" wrong, "." not reached.
    public static func stoppedEarly(responses: String, firstLineLength: Int) -> Bool {
        let first = responses.prefix(firstLineLength)
        return first.count == firstLineLength && first.allSatisfy { $0 == "0" }
    }
}

public enum Parity {
    /// UIS parity index PI = disadvantaged / advantaged (e.g. female/male, rural/urban).
    /// nil when the advantaged value is zero.
    public static func index(disadvantaged: Double, advantaged: Double) -> Double? {
        guard advantaged != 0 else { return nil }
        return disadvantaged / advantaged
    }

    /// UIS adjusted parity index (SDG 4.5.1): PIA = PI when PI ≤ 1, else 2 − 1/PI, so that
    /// disparities either way are symmetric around 1 and bounded by 2.
    /// Vectors: (0.40, 0.50) → 0.8; (0.50, 0.40) → 1.2; (0.60, 0.50) → 1.1667.
    public static func adjusted(disadvantaged: Double, advantaged: Double) -> Double? {
        guard let pi = index(disadvantaged: disadvantaged, advantaged: advantaged) else { return nil }
        return pi <= 1 ? pi : 2 - 1 / pi
    }

    /// UIS parity band.
    public static func isWithinParity(_ adjusted: Double) -> Bool { (0.97...1.03).contains(adjusted) }
}

public enum Attendance {
    /// Attendance rate = days present / school days enrolled (days with a mark). nil with no days.
    public static func rate(presentDays: Int, recordedDays: Int) -> Double? {
        guard recordedDays > 0 else { return nil }
        return Double(presentDays) / Double(recordedDays)
    }

    /// Chronic absenteeism (Balfanz & Byrnes; US ED): absent, excused or not, on at least 10 % of
    /// the school days enrolled. Applies only above a floor of enrolled days (default 30); below
    /// it the answer is nil ("not enough days to say").
    public static func isChronicallyAbsent(absentDays: Int, enrolledDays: Int, floor: Int = 30,
                                           threshold: Double = 0.10) -> Bool? {
        guard enrolledDays > floor else { return nil }
        return Double(absentDays) >= threshold * Double(enrolledDays)
    }
}

public enum LearningPoverty {
    /// World Bank/UIS learning poverty: LP = BMP × (1 − OoS) + OoS.
    /// Vector: BMP 0.50, OoS 0.10 → 0.55.
    public static func rate(belowMinimumShare bmp: Double, outOfSchoolShare oos: Double) -> Double {
        bmp * (1 - oos) + oos
    }
}
