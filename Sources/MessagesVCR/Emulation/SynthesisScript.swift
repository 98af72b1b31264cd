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
    public struct Entry: Sendable {
        /// The request body.
        public var request: JSONValue
        /// The request path (default `/v1/messages`).
        public var path: String
        /// The answer.
        public var answer: OllamaAnswer
    }

    /// The seed ids are drawn from.
    public var seed: UInt64
    /// The exchanges, in order.
    public var entries: [Entry]

    /// Parses a script.
    /// - Throws: ``OllamaAnswer/ParseError`` naming the entry and field at fault.
    public init(bytes: [UInt8]) throws {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw OllamaAnswer.ParseError("the script is not JSON: \(error.message) at byte \(error.offset)")
        }
        seed = ReconstructedMessage.int(document["seed"]).map { UInt64(truncatingIfNeeded: $0) } ?? 0
        guard let items = document["interactions"]?.arrayValue else { throw OllamaAnswer.ParseError("\"interactions\" must be an array") }
        let defaults = document["defaults"]
        entries = try items.enumerated().map { index, item in
            do {
                if item["when"] != nil { throw OllamaAnswer.ParseError("rules (\"when\") are not supported by this build: give an exact \"request\"") }
                guard let request = item["request"], request.objectMembers != nil else { throw OllamaAnswer.ParseError("\"request\" must be a Messages request object") }
                guard let answer = item["answer"] else { throw OllamaAnswer.ParseError("\"answer\" is missing") }
                return Entry(request: request, path: item["path"]?.stringValue ?? "/v1/messages", answer: try OllamaAnswer(json: answer, defaults: defaults))
            } catch let error as OllamaAnswer.ParseError {
                throw OllamaAnswer.ParseError("interactions[\(index)]: \(error.description)")
            }
        }
    }

    /// The interactions the script describes, in order (sequence numbers are assigned when stored).
    public func interactions(recordedAt: Date = Date()) -> [Interaction] {
        entries.enumerated().map { index, entry in
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
