/// Small edits to an object's members that keep their order, for reshaping answers.
extension Array where Element == JSONMember {
    /// The value of `key`, if present.
    subscript(key: String) -> JSONValue? {
        first(where: { $0.key == key })?.value
    }

    /// `key` set to `value`: replaced where it is, else inserted after `anchor` (appended when the
    /// anchor is absent).
    func setting(_ key: String, _ value: JSONValue, after anchor: String? = nil) -> [JSONMember] {
        var members = self
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else if let anchor, let index = members.firstIndex(where: { $0.key == anchor }) {
            members.insert(JSONMember(key, value), at: index + 1)
        } else {
            members.append(JSONMember(key, value))
        }
        return members
    }

    /// `key` set to `value` only when absent (inserted after `anchor`).
    func adding(_ key: String, _ value: JSONValue, after anchor: String? = nil) -> [JSONMember] {
        self[key] == nil ? setting(key, value, after: anchor) : self
    }

    /// Without the members named in `keys`.
    func removing(_ keys: Set<String>) -> [JSONMember] {
        filter { !keys.contains($0.key) }
    }

    /// Only the members named in `keys`, in that order (absent ones skipped).
    func keeping(_ keys: [String]) -> [JSONMember] {
        keys.compactMap { key in self[key].map { JSONMember(key, $0) } }
    }

    /// The string value of `key` passed through `transform`, when it is a string.
    func mappingString(_ key: String, _ transform: (String) -> String) -> [JSONMember] {
        guard let text = self[key]?.stringValue else { return self }
        return setting(key, .string(transform(text)))
    }
}
