/// The final message a response carries, rebuilt from its SSE events (or read from a non-streamed
/// JSON body): what `messages-vcr show` prints under the timeline.
struct ReconstructedMessage: Sendable, Equatable {
    /// One content block.
    struct Block: Sendable, Equatable {
        /// `text`, `thinking`, `tool_use` or another block type.
        var type: String
        /// The text, the thinking, or a tool call's input JSON (concatenated deltas).
        var content: String
        /// A tool call's id.
        var toolID: String?
        /// A tool call's name.
        var toolName: String?
    }

    /// The message id.
    var id: String?
    /// The model echoed.
    var model: String?
    /// The blocks in index order.
    var blocks: [Block] = []
    /// `stop_reason`, when sent.
    var stopReason: String?
    /// Final `usage.input_tokens`.
    var inputTokens: Int?
    /// Final `usage.output_tokens`.
    var outputTokens: Int?

    /// Rebuilds the message of `response`; nil when it carries none (an error, a cut before any event).
    public init?(_ response: RecordedResponse) {
        if !response.frames.isEmpty {
            self.init(frames: response.frames)
        } else if let body = try? JSONParser.parse(response.body), body["type"]?.stringValue == "message" {
            self.init(message: body)
        } else {
            return nil
        }
    }

    private init(message: JSONValue) {
        id = message["id"]?.stringValue
        model = message["model"]?.stringValue
        stopReason = message["stop_reason"]?.stringValue
        inputTokens = message["usage"]?["input_tokens"]?.intValue
        outputTokens = message["usage"]?["output_tokens"]?.intValue
        for block in message["content"]?.arrayValue ?? [] {
            blocks.append(Self.block(start: block, deltas: ""))
        }
    }

    private init(frames: [SSEFrame]) {
        var open: [Int: (start: JSONValue, deltas: String)] = [:]
        var order: [Int] = []
        for frame in frames {
            guard let data = try? JSONParser.parse(frame.data) else { continue }
            let index = data["index"]?.intValue ?? -1
            switch data["type"]?.stringValue ?? frame.event {
            case "message_start":
                id = data["message"]?["id"]?.stringValue
                model = data["message"]?["model"]?.stringValue
                inputTokens = data["message"]?["usage"]?["input_tokens"]?.intValue
            case "content_block_start":
                open[index] = (data["content_block"] ?? .null, "")
                order.append(index)
            case "content_block_delta":
                let delta = data["delta"]
                let piece = delta?["text"]?.stringValue ?? delta?["thinking"]?.stringValue ?? delta?["partial_json"]?.stringValue ?? ""
                open[index]?.deltas += piece
            case "message_delta":
                stopReason = data["delta"]?["stop_reason"]?.stringValue
                inputTokens = data["usage"]?["input_tokens"]?.intValue ?? inputTokens
                outputTokens = data["usage"]?["output_tokens"]?.intValue
            default:
                break
            }
        }
        blocks = order.compactMap { open[$0].map { Self.block(start: $0.start, deltas: $0.deltas) } }
    }

    private static func block(start: JSONValue, deltas: String) -> Block {
        let type = start["type"]?.stringValue ?? "?"
        switch type {
        case "tool_use", "server_tool_use":
            let inline = start["input"].map { GoJSONWriter.string($0) }
            let input = deltas.isEmpty ? (inline ?? "{}") : deltas
            return Block(type: type, content: input, toolID: start["id"]?.stringValue, toolName: start["name"]?.stringValue)
        default:
            let initial = start["text"]?.stringValue ?? start["thinking"]?.stringValue ?? ""
            return Block(type: type, content: initial + deltas)
        }
    }
}
