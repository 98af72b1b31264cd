/// HTTP header fields in the order they were sent, names as sent (HTTP/1.1 names are case-insensitive).
public struct HeaderList: Sendable, Equatable, Sequence {
    /// One header field.
    public struct Field: Sendable, Equatable {
        /// The field name as sent.
        public var name: String
        /// The field value.
        var value: String

        /// Creates a field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The fields in order.
    public var fields: [Field]

    /// Creates a list from fields.
    public init(_ fields: [Field] = []) { self.fields = fields }

    /// Creates a list from `(name, value)` pairs.
    public init(pairs: [(String, String)]) { self.fields = pairs.map { Field(name: $0.0, value: $0.1) } }

    /// The first value of `name`, compared case-insensitively.
    subscript(name: String) -> String? {
        let lowered = name.lowercased()
        return fields.first(where: { $0.name.lowercased() == lowered })?.value
    }

    /// A copy without the fields whose lower-cased name is in `names`.
    func removing(_ names: Set<String>) -> HeaderList {
        HeaderList(fields.filter { !names.contains($0.name.lowercased()) })
    }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }
}
