/// The few facts about a Messages request body that are stored and shown beside it.
struct RequestSummary: Sendable, Equatable {
    /// `model`, when the body is a JSON object with a string `model`.
    var model: String?
    /// `stream`, when present as a bool.
    var stream: Bool?
    /// The text of the first user message, for listings.
    var firstUserText: String?

    /// Reads the facts from a raw body; a body that is not a JSON object yields all nils.
    public init(body: [UInt8]) {
        let value = body.isEmpty ? nil : try? JSONParser.parse(body)
        self.init(json: value ?? .null)
    }

    /// Reads the facts from a parsed body.
    public init(json value: JSONValue) {
        model = value["model"]?.stringValue
        stream = value["stream"]?.boolValue
        firstUserText = Self.firstUserText(in: value)
    }

    private static func firstUserText(in value: JSONValue) -> String? {
        for message in value["messages"]?.arrayValue ?? [] where message["role"]?.stringValue == "user" {
            if let text = message["content"]?.stringValue { return text }
            for block in message["content"]?.arrayValue ?? [] where block["type"]?.stringValue == "text" {
                if let text = block["text"]?.stringValue { return text }
            }
        }
        return nil
    }
}
