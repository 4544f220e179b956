/// A storage failure a user can act on. `description` is one plain sentence that never contains
/// SQL, passwords or other people's data; `debugDescription` keeps the engine's detail for logs.
public struct StoreError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        public static let badURL = Code(name: "bad_url")
        public static let unreachable = Code(name: "unreachable")
        public static let unwritable = Code(name: "unwritable")
        public static let notEmpty = Code(name: "not_empty")
        public static let conflict = Code(name: "conflict")
        public static let invalid = Code(name: "invalid")
        public static let engine = Code(name: "engine")
        public static let notFound = Code(name: "not_found")
        public static let forbidden = Code(name: "forbidden")
        /// Approved (signed-off) data that a change would alter.
        public static let locked = Code(name: "locked")
    }
    public var code: Code
    public var message: String
    public var detail: String

    public init(_ code: Code, _ message: String, detail: String = "") {
        self.code = code
        self.message = message
        self.detail = detail
    }
    public var description: String { message }
    public var debugDescription: String { detail.isEmpty ? message : "\(message) [\(detail)]" }
}
