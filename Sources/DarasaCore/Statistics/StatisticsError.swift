/// An argument a statistical method cannot accept. `description` is one plain sentence naming the
/// argument and what to do; it never contains learners' data values.
///
/// The statistics in DarasaCore follow one convention:
/// - a function of a few numbers (a quantile, a ratio) returns `nil` outside its domain;
/// - a function of a dataset returns `nil` when the data cannot support the estimate (empty input,
///   too few groups or clusters, a zero denominator that the data produced), and
/// - throws `StatisticsError` when the caller passed something invalid (a probability outside
///   (0, 1), a negative weight, a non-finite value, arrays or vectors of the wrong shape, collinear
///   regressors).
/// No function returns NaN or ±infinity in place of an answer.
public struct StatisticsError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// A number outside the method's domain: a probability outside (0, 1), a negative weight or
        /// variance, a value that is NaN or infinite.
        public static let outOfDomain = Code(name: "out_of_domain")
        /// Inputs whose shapes disagree: vectors of different lengths, a level outside its field.
        public static let shapeMismatch = Code(name: "shape_mismatch")
        /// The data cannot identify the parameters: collinear regressors, fewer rows than columns.
        public static let singular = Code(name: "singular")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
