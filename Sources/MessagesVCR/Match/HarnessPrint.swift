/// The parts of a request body its client's harness owns (``MatchRules/harness``), as matching
/// sees them: each node a harness path designates, by its concrete path, as canonical bytes
/// (normalisers and learned placeholders applied). Two requests whose prints are equal have
/// the same harness; where they differ is their drift.
public struct HarnessPrint: Sendable, Equatable {
    /// One designated node.
    public struct Part: Sendable, Equatable {
        /// Concrete path, e.g. `system[2].text`, `tools[0].description`.
        public var path: String
        /// ``CanonicalJSON`` bytes of the node.
        public var bytes: [UInt8]
    }

    /// In the order of the rules, each rule's in document order.
    public var parts: [Part] = []

    /// Creates a print of `parts`.
    public init(parts: [Part] = []) { self.parts = parts }

    /// The concrete paths where `self` and `other` differ (a node present in one only included), in order.
    func differences(from other: HarnessPrint) -> [String] {
        let mine = Dictionary(parts.map { ($0.path, $0.bytes) }, uniquingKeysWith: { a, _ in a })
        let theirs = Dictionary(other.parts.map { ($0.path, $0.bytes) }, uniquingKeysWith: { a, _ in a })
        var paths = parts.map(\.path).filter { mine[$0] != theirs[$0] }
        paths += other.parts.map(\.path).filter { mine[$0] == nil }
        return paths
    }
}
