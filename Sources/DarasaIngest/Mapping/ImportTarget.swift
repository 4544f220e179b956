import DarasaCore

/// What a mapped source can feed: each target is a kind of record in Darasa's model, with the
/// fields a mapping may fill. `docs/import-mappings.md` is generated from the same table (see
/// `ImportTarget.reference`).
public enum ImportTarget: String, Sendable, CaseIterable, Codable {
    case schools
    case censusReturns = "census_returns"
    case censusEnrolment = "census_enrolment"
    case censusValues = "census_values"
    case calendar = "school_calendar"
    case holidays
    case learners
    case teachers
    case enrolments
    case learnerAttendance = "learner_attendance"
    case teacherAttendance = "teacher_attendance"
    case classAssignments = "class_assignments"
    case visits
    case instruments
    case assessmentResults = "assessment_results"
    case population

    public var fields: [TargetField] {
        switch self {
        case .schools:
            [TargetField("code", .text, required: true, "the school's official (census) code"),
             TargetField("name", .text, required: true, "the school's name"),
             TargetField("country_code", .text, required: true, "the country's code (the root of the hierarchy), usually a fixed `value:`"),
             TargetField("country_name", .text, "the country's name")]
                + (1...4).flatMap { i in
                    [TargetField("area\(i)_code", .text, "the code of the level-\(i) area the school is in (1 = just below the country)"),
                     TargetField("area\(i)_name", .text, "the name of that area")]
                }
                + [TargetField("ownership", .ownership, required: true, "public, private or community"),
                   TargetField("locality", .locality, required: true, "urban or rural"),
                   TargetField("latitude", .number, "decimal degrees, −90 … 90"),
                   TargetField("longitude", .number, "decimal degrees, −180 … 180"),
                   TargetField("languages", .list, "languages of instruction (ISO 639-3 codes, or names mapped under values:), separated by ; or ,"),
                   TargetField("levels_offered", .levels, "pre_primary, primary, lower_secondary, upper_secondary, separated by ; or ,"),
                   TargetField("poverty_index", .number, "share of households below the poverty line, 0 … 1")]
        case .censusReturns:
            [TargetField("school", .school, required: true, "the school code"),
             TargetField("year", .integer, required: true, "the census year"),
             TargetField("submitted_on", .date, "the day the return arrived"),
             TargetField("teachers_female", .integer, "female teachers"),
             TargetField("teachers_male", .integer, "male teachers"),
             TargetField("teachers_trained", .integer, "trained teachers"),
             TargetField("classrooms", .integer, "classrooms"),
             TargetField("latrines", .integer, "latrines"),
             TargetField("has_water", .bool, "safe water on site (yes/no)"),
             TargetField("has_electricity", .bool, "electricity (yes/no)")]
        case .censusEnrolment:
            [TargetField("school", .school, required: true, "the school code"),
             TargetField("year", .integer, required: true, "the census year"),
             TargetField("grade", .integer, required: true, "the grade (a `pattern:` can take 3 out of \"Grade 3\")"),
             TargetField("female", .integer, "girls enrolled"),
             TargetField("male", .integer, "boys enrolled"),
             TargetField("total", .integer, "all enrolled")]
        case .censusValues:
            [TargetField("school", .school, required: true, "the school code (DHIS2: export with idScheme=CODE, or map UIDs under values:)"),
             TargetField("year", .integer, required: true, "the census year (a `pattern:` takes 2024 out of a DHIS2 period such as 2024 or 2024April)"),
             TargetField("grade", .integer, required: true, "the grade the value counts (map each data element to its grade under values:)"),
             TargetField("sex", .sexOrTotal, required: true, "female, male or total (map each category option combo under values:)"),
             TargetField("value", .integer, required: true, "the count")]
        case .calendar:
            [TargetField("source_key", .text, required: true, "the session's identifier in this source"),
             TargetField("type", .sessionType, required: true, "year or term (OneRoster schoolYear, term, semester, gradingPeriod)"),
             TargetField("name", .text, "the session's title"),
             TargetField("start_date", .date, required: true, "first day"),
             TargetField("end_date", .date, required: true, "last day"),
             TargetField("year", .integer, "the school year a year row stands for (e.g. 2024)"),
             TargetField("parent", .text, "for a term: the source key of its year")]
        case .holidays:
            [TargetField("date", .date, required: true, "a day without school inside a term"),
             TargetField("name", .text, required: true, "what the day is (e.g. Labour Day, half-term break)")]
        case .learners:
            [TargetField("source_key", .text, required: true, "the learner's identifier in this source (e.g. the SMS sourcedId)"),
             TargetField("given_name", .text, required: true, "given (first) name"),
             TargetField("family_name", .text, required: true, "family (last) name"),
             TargetField("sex", .sex, required: true, "female or male"),
             TargetField("birth_date", .date, "date of birth"),
             TargetField("birth_year", .integer, "year of birth, when only the year is known"),
             TargetField("home_language", .text, "home language (ISO 639-3 code, e.g. swa)")]
                + FunctioningDomain.allCases.map { TargetField("wg_" + $0.rawValue, .difficulty, "Washington Group \($0.rawValue.replacingOccurrences(of: "_", with: " ")) answer") }
        case .teachers:
            [TargetField("source_key", .text, required: true, "the teacher's identifier in this source (e.g. payroll number)"),
             TargetField("given_name", .text, required: true, "given names"),
             TargetField("family_name", .text, required: true, "family name (surname)"),
             TargetField("sex", .sex, required: true, "female or male"),
             TargetField("birth_date", .date, "date of birth"),
             TargetField("qualification", .text, "highest teaching qualification"),
             TargetField("trained", .bool, "whether the teacher holds a teaching qualification (yes/no)"),
             TargetField("subjects", .text, "subjects taught, as written in the source"),
             TargetField("school", .school, "the school code of the current posting"),
             TargetField("posting_date", .date, "the date the current posting started")]
        case .enrolments:
            [TargetField("learner", .learner, required: true, "the learner's identifier (in `source`, default this mapping's source)"),
             TargetField("school", .school, required: true, "the school code"),
             TargetField("year", .integer, required: true, "the school year (e.g. 2024)"),
             TargetField("grade", .integer, required: true, "grade (0 = pre-primary … 13)"),
             TargetField("section", .text, "class section (stream), e.g. B"),
             TargetField("status", .enrolmentStatus, "enrolled, transferred_in, transferred_out, repeating, promoted, dropped_out or completed (default enrolled)"),
             TargetField("start_date", .date, "first day on the roll"),
             TargetField("end_date", .date, "last day on the roll, if the learner left")]
        case .learnerAttendance:
            [TargetField("learner", .learner, required: true, "the learner's identifier (in `source`, default this mapping's source)"),
             TargetField("school", .school, required: true, "the school code"),
             TargetField("month", .month, "the month of a register row (YYYY-MM), with `days`"),
             TargetField("days", .days, "one column per day of the month, e.g. d01 … d31, with `month`"),
             TargetField("date", .date, "the day of a one-mark-per-row file, with `mark`"),
             TargetField("mark", .mark, "present, absent, late or excused, with `date`")]
        case .classAssignments:
            [TargetField("teacher", .teacher, required: true, "the teacher's identifier (in `source`, default this mapping's source)"),
             TargetField("school", .school, required: true, "the school code"),
             TargetField("year", .integer, required: true, "the school year"),
             TargetField("grade", .integer, required: true, "the class's grade"),
             TargetField("section", .text, "the class's section (stream)"),
             TargetField("subject", .text, "the subject taught (blank: the class teacher)")]
        case .visits:
            [TargetField("source_key", .text, required: true, "the visit's identifier in this source"),
             TargetField("school", .school, required: true, "the school code"),
             TargetField("date", .date, required: true, "the day of the visit"),
             TargetField("purpose", .purpose, required: true, "coaching or quality_assurance"),
             TargetField("visitor", .text, required: true, "who visited (an ID or a name)"),
             TargetField("visitor_name", .text, "the visitor's name, shown as \"name (visitor)\""),
             TargetField("rubric", .rubric, "scores as JSON: [{\"criterion\": …, \"score\": 1–4}] or {\"criterion\": score}"),
             TargetField("notes", .text, "the visitor's notes"),
             TargetField("follow_ups", .followUps, "agreed actions as JSON: [{\"action\", \"dueDate\", \"status\" (open, done, dropped)}]")]
        case .instruments:
            [TargetField("code", .text, required: true, "the instrument's code, e.g. EGRA-SWA"),
             TargetField("name", .text, required: true, "its name"),
             TargetField("kind", .text, required: true, "egra, egma or aser"),
             TargetField("language", .text, required: true, "the language tested (ISO 639-3)"),
             TargetField("grades", .list, "the grades it is for"),
             TargetField("subtasks", .text, required: true, "the subtasks as JSON (see docs/import-mappings.md)")]
        case .assessmentResults:
            [TargetField("source_key", .text, "the row's identifier in this source (default: instrument, school, grade, date and name)"),
             TargetField("instrument", .text, required: true, "the instrument's code (as imported with target instruments)"),
             TargetField("learner", .learner, "the learner's identifier, when the source has one; otherwise the row is linked by name"),
             TargetField("given_name", .text, "the child's given name (for linkage)"),
             TargetField("family_name", .text, "the child's family name (for linkage)"),
             TargetField("sex", .sex, "female or male (for linkage)"),
             TargetField("age", .integer, "age in years (for linkage)"),
             TargetField("school", .school, required: true, "the school code"),
             TargetField("grade", .integer, required: true, "the grade"),
             TargetField("date", .date, required: true, "the day of the assessment"),
             TargetField("assessor", .text, "who assessed"),
             TargetField("mode", .mode, "census (every child) or sample (default census)"),
             TargetField("weight", .number, "the sampling weight (default 1)")]
        case .population:
            [TargetField("area", .area, required: true, "the code of the area the figures are for (any level: a district, a region, the country)"),
             TargetField("year", .integer, required: true, "the calendar year of the projection (matched to the school year starting in it)"),
             TargetField("age", .integer, required: true, "age in completed years"),
             TargetField("sex", .sex, required: true, "female or male"),
             TargetField("population", .integer, required: true, "the number of people of that age and sex")]
        case .teacherAttendance:
            [TargetField("teacher", .teacher, required: true, "the teacher's identifier (in `source`, default this mapping's source)"),
             TargetField("school", .school, "the school code (default: the teacher's posting on that day)"),
             TargetField("date", .date, required: true, "the day"),
             TargetField("mark", .mark, required: true, "present, absent, late or excused")]
        }
    }

    public func field(_ name: String) -> TargetField? { fields.first { $0.name == name } }
}

/// What a field holds, which decides how its text is read.
public enum FieldKind: String, Sendable {
    case text, integer, number, date, month, sex, bool, difficulty, enrolmentStatus = "enrolment status", mark, days
    case ownership, locality, list, levels, sessionType = "session type", purpose, rubric, followUps = "follow-ups", mode, sexOrTotal = "sex or total"
    /// References, resolved against what is already stored: a school code, a learner's or a
    /// teacher's source key.
    case school, learner, teacher
    /// An org unit's code (any level of the hierarchy).
    case area

    /// Words every mapping understands without a `values:` map (case-insensitive).
    var builtInValues: [String: String] {
        switch self {
        case .sex: ["f": "female", "female": "female", "girl": "female", "g": "female", "m": "male", "male": "male", "boy": "male", "b": "male"]
        case .bool: ["y": "true", "yes": "true", "true": "true", "1": "true", "n": "false", "no": "false", "false": "false", "0": "false"]
        case .difficulty: ["1": "1", "2": "2", "3": "3", "4": "4", "no_difficulty": "1", "some_difficulty": "2",
                           "a_lot_of_difficulty": "3", "cannot_do_at_all": "4", "cannot": "4"]
        case .mark: ["p": "present", "present": "present", "a": "absent", "absent": "absent", "l": "late", "late": "late",
                     "e": "excused", "excused": "excused"]
        case .enrolmentStatus: Dictionary(uniqueKeysWithValues: EnrolmentStatus.allCases.map { ($0.rawValue, $0.rawValue) })
        case .ownership: ["public": "public", "government": "public", "private": "private", "community": "community"]
        case .locality: ["urban": "urban", "u": "urban", "rural": "rural", "r": "rural"]
        case .levels: ["pre_primary": "pre_primary", "pre-primary": "pre_primary", "pre primary": "pre_primary", "preprimary": "pre_primary",
                       "ecde": "pre_primary", "nursery": "pre_primary", "primary": "primary", "lower_secondary": "lower_secondary",
                       "lower secondary": "lower_secondary", "junior secondary": "lower_secondary", "upper_secondary": "upper_secondary",
                       "upper secondary": "upper_secondary", "senior secondary": "upper_secondary", "secondary": "upper_secondary"]
        case .purpose: ["coaching": "coaching", "quality_assurance": "quality_assurance", "qa": "quality_assurance",
                        "quality assurance": "quality_assurance", "inspection": "quality_assurance"]
        case .mode: ["census": "census", "sample": "sample"]
        case .sexOrTotal: ["f": "female", "female": "female", "girls": "female", "m": "male", "male": "male", "boys": "male", "total": "total", "t": "total"]
        case .sessionType: ["year": "year", "schoolyear": "year", "term": "term", "semester": "term", "gradingperiod": "term"]
        default: [:]
        }
    }

    /// The canonical values a `values:` map may map to (nil: any text).
    var canonicalValues: Set<String>? {
        switch self {
        case .sex: ["female", "male"]
        case .bool: ["true", "false"]
        case .difficulty: ["1", "2", "3", "4"]
        case .mark, .days: ["present", "absent", "late", "excused", ""]
        case .enrolmentStatus: Set(EnrolmentStatus.allCases.map(\.rawValue))
        case .ownership: Set(Ownership.allCases.map(\.rawValue))
        case .locality: Set(Locality.allCases.map(\.rawValue))
        case .sessionType: ["year", "term"]
        case .purpose: ["coaching", "quality_assurance"]
        case .mode: ["census", "sample"]
        case .sexOrTotal: ["female", "male", "total"]
        default: nil
        }
    }
}

public struct TargetField: Sendable {
    public var name: String
    public var kind: FieldKind
    public var required: Bool
    public var help: String
    init(_ name: String, _ kind: FieldKind, required: Bool = false, _ help: String) {
        self.name = name
        self.kind = kind
        self.required = required
        self.help = help
    }
}
