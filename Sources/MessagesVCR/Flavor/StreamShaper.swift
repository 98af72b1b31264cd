/// Reshapes a recorded Messages stream, event by event, from the server that produced it into the
/// other's grammar. Events that need no change keep their recorded bytes (Ollama → Anthropic);
/// every event is re-encoded compact the other way (the API pads its JSON, Ollama never does).
///
/// Timing is kept: a reshaped event goes out with the chunk that carried it, an inserted event
/// (`ping`, `signature_delta`, `event: error`) with the event it follows or precedes.
struct StreamShaper {
    typealias Frame = (range: Range<Int>, event: String?)

    /// Characters of tool input per `input_json_delta` fragment when streaming as the API does.
    static let fragmentLength = 16

    let target: Flavor

    /// The edits that turn `body`'s `frames` (produced by the other server) into `target`'s grammar.
    /// - Parameter complete: whether the recorded body ended normally (a stream that then lacks
    ///   `message_stop` failed mid-way, which the API reports with `event: error`).
    func edits(frames: [Frame], body: [UInt8], complete: Bool) -> [ReplayEdits.Edit] {
        var replacements: [Int: [UInt8]] = [:]
        switch target {
        case .anthropic: toAnthropic(frames, body: body, complete: complete, into: &replacements)
        case .ollama: toOllama(frames, body: body, into: &replacements)
        }
        return replacements.map { (frames[$0.key].range, $0.value) }
    }

    // MARK: - Ollama → Anthropic

    private func toAnthropic(_ frames: [Frame], body: [UInt8], complete: Bool, into replacements: inout [Int: [UInt8]]) {
        var pinged = false, started = false, stopped = false
        var messageID = ""
        var thinkingBlocks: Set<Int> = [], signedBlocks: Set<Int> = [], jsonBlocks: Set<Int> = []
        for (n, frame) in frames.enumerated() {
            guard let data = AnswerRewriter.dataRange(in: body, frame: frame.range) else { continue }
            switch frame.event {
            case "message_start":
                started = true
                guard let event = Self.parse(body, data), case .object(let message)? = event["message"] else { continue }
                messageID = message["id"]?.stringValue ?? ""
                let shaped = message
                    .mappingString("id", AnthropicIDs.anthropicMessageID(from:))
                    .adding("stop_reason", .null, after: "content")
                    .adding("stop_sequence", .null, after: "stop_reason")
                    .setting("usage", Self.anthropicUsage(message["usage"]))
                replacements[n] = SSEFrame.encoded("message_start", .object(Self.members(event).setting("message", .object(shaped))))
            case "content_block_start":
                guard let event = Self.parse(body, data), let index = event["index"]?.intValue,
                    case .object(let block)? = event["content_block"]
                else { continue }
                var shaped = block
                switch block["type"]?.stringValue {
                case "tool_use": shaped = block.mappingString("id", AnthropicIDs.toolUseID(fromCall:))
                case "thinking": thinkingBlocks.insert(index)
                default: break
                }
                var bytes = shaped == block
                    ? Array(body[frame.range]) : SSEFrame.encoded("content_block_start", .object(Self.members(event).setting("content_block", .object(shaped))))
                if !pinged {
                    bytes += Self.ping
                    pinged = true
                }
                replacements[n] = bytes
            case "content_block_delta":
                // Only tool input changes: Ollama sends it whole, the API as "" then small fragments.
                guard Self.contains(#""input_json_delta""#, in: body, data), let event = Self.parse(body, data),
                    let index = event["index"]?.intValue, let json = event["delta"]?["partial_json"]?.stringValue
                else {
                    if Self.contains(#""signature_delta""#, in: body, data), let index = AnswerRewriter.blockIndex(in: body, data: data) {
                        signedBlocks.insert(index)
                    }
                    continue
                }
                let pieces = (jsonBlocks.contains(index) ? [] : [""]) + Self.fragments(of: json)
                jsonBlocks.insert(index)
                replacements[n] = pieces.flatMap { piece in
                    SSEFrame.encoded("content_block_delta", .object([
                        JSONMember("type", "content_block_delta"), JSONMember("index", event["index"]!),
                        JSONMember("delta", .object([JSONMember("type", "input_json_delta"), JSONMember("partial_json", .string(piece))])),
                    ]))
                }
            case "content_block_stop":
                // The API closes a thinking block with its signature.
                guard let index = AnswerRewriter.blockIndex(in: body, data: data), thinkingBlocks.contains(index), !signedBlocks.contains(index) else { continue }
                let signature = SSEFrame.encoded("content_block_delta", .object([
                    JSONMember("type", "content_block_delta"), JSONMember("index", .number(String(index))),
                    JSONMember("delta", .object([
                        JSONMember("type", "signature_delta"),
                        JSONMember("signature", .string(AnthropicIDs.signature(for: "\(messageID)#\(index)"))),
                    ])),
                ]))
                replacements[n] = signature + Array(body[frame.range])
            case "message_delta":
                guard let event = Self.parse(body, data), case .object(let delta)? = event["delta"], delta["stop_sequence"] == nil else { continue }
                let shaped = delta.adding("stop_sequence", .null, after: "stop_reason")
                replacements[n] = SSEFrame.encoded("message_delta", .object(Self.members(event).setting("delta", .object(shaped))))
            case "message_stop":
                stopped = true
            default:
                break
            }
        }
        // Ollama's stream just ends when generation fails mid-way; the API says so with an error event.
        if complete, started, !stopped, let last = frames.indices.last {
            replacements[last] = (replacements[last] ?? Array(body[frames[last].range])) + Self.midStreamError
        }
    }

    /// The API's usage keys, recorded values kept (Ollama sends only input and output tokens).
    static func anthropicUsage(_ usage: JSONValue?) -> JSONValue {
        let recorded = usage?.objectMembers ?? []
        let zero = JSONValue.number("0")
        var members = [
            JSONMember("input_tokens", recorded["input_tokens"] ?? zero),
            JSONMember("cache_creation_input_tokens", recorded["cache_creation_input_tokens"] ?? zero),
            JSONMember("cache_read_input_tokens", recorded["cache_read_input_tokens"] ?? zero),
            JSONMember("output_tokens", recorded["output_tokens"] ?? zero),
        ]
        members += recorded.removing(Set(members.map(\.key)))
        return .object(members.adding("service_tier", "standard"))
    }

    /// `json` cut into fragments of ``fragmentLength`` characters (never inside a character).
    static func fragments(of json: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var count = 0
        for scalar in json.unicodeScalars {
            current.unicodeScalars.append(scalar)
            count += 1
            if count == fragmentLength {
                pieces.append(current)
                current = ""
                count = 0
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    static let ping = Array("event: ping\ndata: {\"type\": \"ping\"}\n\n".utf8)
    static let midStreamError = SSEFrame.encoded("error", .object([
        JSONMember("type", "error"),
        JSONMember("error", .object([JSONMember("details", .null), JSONMember("type", "api_error"), JSONMember("message", "Internal server error")])),
    ]))

    // MARK: - Anthropic → Ollama

    private func toOllama(_ frames: [Frame], body: [UInt8], into replacements: inout [Int: [UInt8]]) {
        // Tool input goes out whole, with its last fragment (Ollama sends a call once it is complete).
        var inputs: [Int: String] = [:], lastFragment: [Int: Int] = [:]
        var events: [JSONValue?] = []
        for (n, frame) in frames.enumerated() {
            let event = AnswerRewriter.dataRange(in: body, frame: frame.range).flatMap { Self.parse(body, $0) }
            events.append(event)
            if frame.event == "content_block_delta", let event, event["delta"]?["type"]?.stringValue == "input_json_delta",
                let index = event["index"]?.intValue
            {
                inputs[index, default: ""] += event["delta"]?["partial_json"]?.stringValue ?? ""
                lastFragment[index] = n
            }
        }
        var inputTokens = JSONValue.number("0")
        for (n, frame) in frames.enumerated() {
            guard let name = frame.event, let event = events[n], case .object(let members) = event else { continue }
            var shaped: JSONValue? = event
            switch name {
            case "ping", "error":
                shaped = nil
            case "message_start":
                let message = members["message"]?.objectMembers ?? []
                inputTokens = message["usage"]?["input_tokens"] ?? inputTokens
                let usage = JSONValue.object([JSONMember("input_tokens", inputTokens), JSONMember("output_tokens", .number("0"))])
                let reshaped = message.mappingString("id", AnthropicIDs.ollamaMessageID(from:)).setting("usage", usage)
                    .keeping(["id", "type", "role", "model", "content", "usage"])
                shaped = .object(members.setting("message", .object(reshaped)))
            case "content_block_start":
                let block = members["content_block"]?.objectMembers ?? []
                shaped = .object(members.setting("content_block", .object(Self.ollamaBlock(block))))
            case "content_block_delta":
                let index = members["index"]?.intValue ?? -1
                switch members["delta"]?["type"]?.stringValue {
                case "input_json_delta":
                    shaped = lastFragment[index] == n
                        ? .object(members.setting("delta", .object([JSONMember("type", "input_json_delta"), JSONMember("partial_json", .string(Self.compact(inputs[index] ?? "")))])))
                        : nil
                case "signature_delta", "citations_delta":
                    shaped = nil
                default:
                    break
                }
            case "message_delta":
                let delta = (members["delta"]?.objectMembers ?? []).removing(["stop_sequence", "stop_details", "container"])
                let usage = JSONValue.object([
                    JSONMember("input_tokens", members["usage"]?["input_tokens"] ?? inputTokens),
                    JSONMember("output_tokens", members["usage"]?["output_tokens"] ?? .number("0")),
                ])
                shaped = .object(members.setting("delta", .object(delta)).setting("usage", usage))
            default:
                break
            }
            replacements[n] = shaped.map { SSEFrame.encoded(name, $0) } ?? []
        }
    }

    /// Tool input as Ollama sends it: compact JSON in the model's key order (as streamed when it is not JSON).
    private static func compact(_ json: String) -> String {
        guard let value = try? JSONParser.parse(Array(json.utf8)) else { return json }
        return GoJSONWriter.string(value)
    }

    /// A content block as Ollama writes it: `tool_use` with a `call_…` id and no `caller`, thinking
    /// without a signature, text without citations.
    static func ollamaBlock(_ block: [JSONMember]) -> [JSONMember] {
        switch block["type"]?.stringValue {
        case "tool_use":
            return block.mappingString("id", AnthropicIDs.callID(fromToolUse:)).keeping(["type", "id", "name", "input"])
        case "thinking":
            return block.keeping(["type", "thinking"])
        case "text":
            return block.keeping(["type", "text"])
        default:
            return block
        }
    }

    // MARK: - Bytes

    static func parse(_ body: [UInt8], _ range: Range<Int>) -> JSONValue? {
        try? JSONParser.parse(Array(body[range]))
    }

    static func members(_ value: JSONValue) -> [JSONMember] {
        value.objectMembers ?? []
    }

    private static func contains(_ needle: String, in body: [UInt8], _ range: Range<Int>) -> Bool {
        let pattern = Array(needle.utf8)
        guard range.count >= pattern.count else { return false }
        var i = range.lowerBound
        while i + pattern.count <= range.upperBound {
            if body[i] == pattern[0], body[i..<(i + pattern.count)].elementsEqual(pattern) { return true }
            i += 1
        }
        return false
    }
}
