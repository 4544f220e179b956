import Yams

/// A configuration file in YAML composed into nodes, so that every later complaint can name the
/// line it is about. Shared by the quality rules and the indicator catalogue.
enum YAMLFile {
    /// Composes `text`; a syntax error, a repeated key or an empty file becomes the caller's
    /// error, built by `error(line, problem, fix)`.
    static func compose<E: Error>(_ text: String, emptyFix: String, error make: (Int?, String, String) -> E) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else { throw make(nil, "the file is empty", emptyFix) }
            return node
        } catch let e as E { throw e } catch let e as YamlError {
            var line: Int?, problem = "syntax error"
            switch e {
            case .scanner(_, let p, let mark, _), .parser(_, let p, let mark, _), .composer(_, let p, let mark, _): line = mark.line; problem = p
            case .duplicatedKeysInMapping(let keys, let context):
                throw make(context.mark.line, "\(keys.joined(separator: ", ")) appears twice", "Keep one of the two")
            default: break
            }
            throw make(line, "the file is not valid YAML (\(problem))", "Check the indentation and the quoting around that line")
        } catch {
            throw make(nil, "the file is not valid YAML", "Check the indentation and quoting")
        }
    }
}
