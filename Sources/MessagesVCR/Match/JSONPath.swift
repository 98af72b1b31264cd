/// A path into a JSON body, as `--ignore` takes it: `metadata`, `system[*].cache_control`,
/// `messages[2].content[*].text`, `**.cache_control` (`**` is any depth, `*` any key).
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    enum Segment: Sendable, Hashable {
        case key(String)
        case anyKey
        case index(Int)
        case anyIndex
        /// Zero or more levels of any key or index.
        case anyDepth
    }

    /// The steps.
    let segments: [Segment]
    /// The text it was parsed from.
    public let description: String

    /// Parses a path.
    /// - Throws: ``ParseError`` naming the problem.
    public init(_ text: String) throws {
        var segments: [Segment] = []
        var rest = Substring(text.hasPrefix("$.") ? String(text.dropFirst(2)) : text)
        guard !rest.isEmpty else { throw ParseError(path: text, reason: "empty path") }
        var expectName = true
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw ParseError(path: text, reason: "missing ]") }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if inside == "*" {
                    segments.append(.anyIndex)
                } else if let index = Int(inside), index >= 0 {
                    segments.append(.index(index))
                } else {
                    throw ParseError(path: text, reason: "[\(inside)] is not an index or [*]")
                }
                rest = rest[rest.index(after: close)...]
                expectName = false
            } else if rest.first == "." {
                guard !expectName else { throw ParseError(path: text, reason: "empty key") }
                rest = rest.dropFirst()
                expectName = true
                if rest.isEmpty { throw ParseError(path: text, reason: "ends with .") }
            } else {
                guard expectName else { throw ParseError(path: text, reason: "expected . or [ after \(segments.count) steps") }
                let end = rest.firstIndex(where: { $0 == "." || $0 == "[" }) ?? rest.endIndex
                let name = String(rest[..<end])
                segments.append(name == "**" ? .anyDepth : name == "*" ? .anyKey : .key(name))
                rest = rest[end...]
                expectName = false
            }
        }
        self.segments = segments
        self.description = text
    }

    /// Why a path did not parse.
    public struct ParseError: Error, CustomStringConvertible {
        /// The path given.
        public let path: String
        /// What is wrong.
        let reason: String
        /// One line.
        public var description: String { "invalid JSON path \"\(path)\": \(reason)" }
    }

    /// `value` with every node this path designates removed.
    func removing(from value: JSONValue) -> JSONValue {
        Self.remove(value, segments[...])
    }

    private static func remove(_ value: JSONValue, _ path: ArraySlice<Segment>) -> JSONValue {
        guard let first = path.first else { return value }
        let rest = path.dropFirst()
        switch (first, value) {
        case (.anyDepth, _):
            // Either the rest matches here, or `**` swallows one more level.
            var result = remove(value, rest)
            switch result {
            case .object(let members):
                result = .object(members.map { JSONMember($0.key, remove($0.value, path)) })
            case .array(let items):
                result = .array(items.map { remove($0, path) })
            default: break
            }
            return result
        case (.key(let name), .object(let members)):
            if rest.isEmpty { return .object(members.filter { $0.key != name }) }
            return .object(members.map { $0.key == name ? JSONMember($0.key, remove($0.value, rest)) : $0 })
        case (.anyKey, .object(let members)):
            if rest.isEmpty { return .object([]) }
            return .object(members.map { JSONMember($0.key, remove($0.value, rest)) })
        case (.index(let index), .array(var items)):
            guard items.indices.contains(index) else { return value }
            if rest.isEmpty {
                items.remove(at: index)
            } else {
                items[index] = remove(items[index], rest)
            }
            return .array(items)
        case (.anyIndex, .array(let items)):
            if rest.isEmpty { return .array([]) }
            return .array(items.map { remove($0, rest) })
        default:
            return value
        }
    }
}
