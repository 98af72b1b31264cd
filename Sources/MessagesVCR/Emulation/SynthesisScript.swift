import Foundation

/// A synthesis script: Messages requests and the answers Ollama should give them, turned into
/// `synthetic` interactions whose bytes are Ollama's (``OllamaSynthesizer``).
///
/// ```json
/// {
///   "seed": 7,
///   "defaults": {"pacing": {"ttft_ms": 350, "gap_ms": 25}, "chunk_chars": 6},
///   "interactions": [
///     {"request": {"model": "qwen3-coder", "max_tokens": 1024, "stream": true,
///                  "messages": [{"role": "user", "content": "Hello"}]},
///      "answer": {"content": [{"type": "text", "text": "Hi there!"}]}}
///   ]
/// }
/// ```
/// The same script always gives the same bytes and ids: each entry draws its ids from `seed` and
/// its own position.
public struct SynthesisScript: Sendable {
    /// One scripted exchange.
    struct Entry: Sendable {
        /// The request body.
        public var request: JSONValue
        /// The request path (default `/v1/messages`).
        public var path: String
        /// The answer.
        var answer: OllamaAnswer
        /// Its position in the script (ids are drawn from the seed and this).
        var index: Int
    }

    /// The seed ids are drawn from.
    var seed: UInt64
    /// The exact exchanges, in order.
    var entries: [Entry]
    /// The rules (entries with `when` instead of `request`), in order.
    public var rules: [SynthesisRule]

    /// Parses a script.
    /// - Throws: ``OllamaAnswer/ParseError`` naming the entry and field at fault.
    public init(bytes: [UInt8]) throws {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw OllamaAnswer.ParseError("the script is not JSON: \(error.message) at byte \(error.offset)")
        }
        try self.init(document: document)
    }

    /// Parses a script already read as JSON (`POST /__vcr/synth`).
    init(document: JSONValue) throws {
        let seed = document["seed"]?.intValue.map { UInt64(truncatingIfNeeded: $0) } ?? 0
        self.seed = seed
        guard let items = document["interactions"]?.arrayValue else { throw OllamaAnswer.ParseError("\"interactions\" must be an array") }
        let defaults = document["defaults"]
        var entries: [Entry] = []
        var rules: [SynthesisRule] = []
        for (index, item) in items.enumerated() {
            do {
                if item["when"] != nil {
                    var definition = item.objectMembers ?? []
                    if let defaults, item["defaults"] == nil { definition.append(JSONMember("defaults", defaults)) }
                    var idGenerator = SeededGenerator(seed: ~(seed &+ UInt64(index + 1)))
                    rules.append(try SynthesisRule(
                        id: RandomID.hex(prefix: "", byteCount: 6, using: &idGenerator), seed: seed &+ UInt64(index + 1),
                        definition: .object(definition)))
                    continue
                }
                guard let request = item["request"], request.objectMembers != nil else { throw OllamaAnswer.ParseError("\"request\" must be a Messages request object (or give a rule with \"when\")") }
                guard let answer = item["answer"] else { throw OllamaAnswer.ParseError("\"answer\" is missing") }
                entries.append(Entry(request: request, path: item["path"]?.stringValue ?? AnthropicEmulator.messagesPath, answer: try OllamaAnswer(json: answer, defaults: defaults), index: index))
            } catch let error as OllamaAnswer.ParseError {
                throw OllamaAnswer.ParseError("interactions[\(index)]: \(error.description)")
            }
        }
        self.entries = entries
        self.rules = rules
    }

    /// The interactions the script describes, in order (sequence numbers are assigned when stored).
    public func interactions(recordedAt: Date = Date()) -> [Interaction] {
        entries.map { entry in
            let index = entry.index
            var synthesizer = OllamaSynthesizer(generator: SeededGenerator(seed: seed &+ UInt64(index + 1) &* 0x2545_f491_4f6c_dd1d))
            let request = RecordedRequest(
                method: "POST", path: entry.path, query: nil, headers: HeaderList(pairs: [("content-type", "application/json")]),
                body: GoJSONWriter.encode(entry.request))
            var idGenerator = SeededGenerator(seed: ~(seed &+ UInt64(index + 1)))
            let id = RandomID.hex(prefix: "", byteCount: 6, using: &idGenerator)
            let response = synthesizer.response(toRequest: entry.request, answer: entry.answer)
            return Interaction(id: id, recordedAt: recordedAt, source: .synthetic, upstream: nil, request: request, response: response)
        }
    }
}
