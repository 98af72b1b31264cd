/// Turns an ``OllamaAnswer`` into exactly what Ollama would send for it (reference §3, §4): the SSE
/// stream for `stream:true` requests (event order and framing, one flushed write per event, Go-style
/// JSON, the `message_start` input-token estimate, one complete `input_json_delta` per tool call,
/// no ping) or the JSON message with its trailing newline, with seeded `msg_`/`call_` ids.
struct OllamaSynthesizer {
    /// Where ids come from.
    var generator: SeededGenerator

    /// Creates a synthesizer drawing ids from `generator`.
    public init(generator: SeededGenerator) { self.generator = generator }

    /// The response Ollama would give to `requestBody` with `answer`.
    public mutating func response(toRequest requestBody: JSONValue, answer: OllamaAnswer) -> RecordedResponse {
        let ttft = UInt64(answer.ttftMillis * 1e6)
        if let error = answer.error {
            // An error from the chat handler before the first chunk (§4.6): JSON, trailing newline.
            var body = AnthropicErrorBody.encode(
                type: AnthropicErrorBody.ollamaErrorType(forStatus: error.status), message: error.message,
                requestID: RandomID.hex(prefix: "req", using: &generator))
            body.append(0x0a)
            return Self.single(status: error.status, headers: [("Content-Type", "application/json")], body: body, at: ttft)
        }
        let model = requestBody["model"]?.stringValue ?? ""
        let id = generator.messageID()
        let blocks = Self.ordered(answer.blocks)
        let toolIDs = blocks.map { block -> String? in
            if case .toolUse(_, _, let fixed) = block { return fixed ?? generator.toolCallID() }
            return nil
        }
        let hasTool = toolIDs.contains { $0 != nil }
        let stopReason = answer.stopReason ?? (hasTool ? "tool_use" : "end_turn")
        let estimate = OllamaTokenEstimate.inputTokens(requestBody)
        let usage = JSONValue.object([
            "input_tokens": .int(answer.inputTokens ?? estimate),
            "output_tokens": .int(answer.outputTokens ?? Self.outputEstimate(blocks)),
        ])
        if requestBody["stream"]?.boolValue == true {
            var stream = SSEWriter()
            stream.emit("message_start", [
                "type": "message_start",
                "message": .object([
                    "id": .string(id), "type": "message", "role": "assistant", "model": .string(model), "content": .array([]),
                    "usage": .object(["input_tokens": .int(estimate), "output_tokens": 0]),
                ]),
            ], at: ttft)
            var time = ttft
            var index = 0
            for (block, toolID) in zip(blocks, toolIDs) {
                let (start, deltas) = Self.startAndDeltas(block, toolID: toolID, chunkCharacters: answer.chunkCharacters)
                stream.emit("content_block_start", ["type": "content_block_start", "index": .int(index), "content_block": start], at: time)
                for (n, delta) in deltas.enumerated() {
                    if n > 0 { time += UInt64(answer.gapMillis * 1e6) }
                    stream.emit("content_block_delta", ["type": "content_block_delta", "index": .int(index), "delta": delta], at: time)
                }
                time += UInt64(answer.gapMillis * 1e6)
                stream.emit("content_block_stop", ["type": "content_block_stop", "index": .int(index)], at: time)
                index += 1
            }
            stream.emit("message_delta", ["type": "message_delta", "delta": .object(["stop_reason": .string(stopReason)]), "usage": usage], at: time)
            stream.emit("message_stop", ["type": "message_stop"], at: time)
            return stream.response()
        }
        let content: JSONValue = blocks.isEmpty ? .null : .array(zip(blocks, toolIDs).map { block, toolID in
            switch block {
            case .thinking(let text): return .object(["type": "thinking", "thinking": .string(text)])
            case .text(let text): return .object(["type": "text", "text": .string(text)])
            case .toolUse(let name, let input, _):
                return .object(["type": "tool_use", "id": .string(toolID ?? ""), "name": .string(name), "input": OllamaTokenEstimate.goToolInput(input)])
            }
        })
        var body = GoJSONWriter.encode(.object([
            "id": .string(id), "type": "message", "role": "assistant", "model": .string(model), "content": content,
            "stop_reason": .string(stopReason), "usage": usage,
        ]))
        body.append(0x0a)
        var headers = [("Content-Type", "application/json")]
        if body.count < 2048 { headers.append(("Content-Length", String(body.count))) }
        let end = ttft + UInt64(answer.gapMillis * 1e6) * UInt64(max(1, blocks.count))
        return Self.single(status: 200, headers: headers, body: body, at: end)
    }

    /// Thinking first, then text, then tool calls: the order Ollama's converter produces.
    static func ordered(_ blocks: [OllamaAnswer.Block]) -> [OllamaAnswer.Block] {
        func rank(_ block: OllamaAnswer.Block) -> Int {
            switch block {
            case .thinking: return 0
            case .text: return 1
            case .toolUse: return 2
            }
        }
        return blocks.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    private static func startAndDeltas(_ block: OllamaAnswer.Block, toolID: String?, chunkCharacters: Int) -> (JSONValue, [JSONValue]) {
        switch block {
        case .thinking(let text):
            return (.object(["type": "thinking", "thinking": ""]),
                    pieces(text, chunkCharacters).map { .object(["type": "thinking_delta", "thinking": .string($0)]) })
        case .text(let text):
            return (.object(["type": "text", "text": ""]),
                    pieces(text, chunkCharacters).map { .object(["type": "text_delta", "text": .string($0)]) })
        case .toolUse(let name, let input, _):
            let json = GoJSONWriter.string(OllamaTokenEstimate.goToolInput(input))
            return (.object(["type": "tool_use", "id": .string(toolID ?? ""), "name": .string(name), "input": .object([])]),
                    [.object(["type": "input_json_delta", "partial_json": .string(json)])])
        }
    }

    /// `text` cut into pieces of `size` characters (at least one piece).
    static func pieces(_ text: String, _ size: Int) -> [String] {
        let characters = Array(text)
        guard !characters.isEmpty else { return [""] }
        return stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min($0 + size, characters.count)]) }
    }

    private static func outputEstimate(_ blocks: [OllamaAnswer.Block]) -> Int {
        let bytes = blocks.reduce(0) { total, block in
            switch block {
            case .thinking(let text), .text(let text): return total + text.utf8.count
            case .toolUse(let name, let input, _): return total + name.utf8.count + GoJSONWriter.encode(input).count
            }
        }
        return max(1, bytes / 4)
    }

    private static func single(status: Int, headers: [(String, String)], body: [UInt8], at offset: UInt64) -> RecordedResponse {
        RecordedResponse(
            status: status, headers: HeaderList(pairs: headers), body: body,
            chunks: [BodyChunk(byteOffset: 0, length: body.count, offsetNanos: offset)], frames: [],
            ttfbNanos: offset, durationNanos: offset, outcome: .complete)
    }
}

/// Builds an event stream one flushed event at a time, as Ollama's `writeSSE` does.
struct SSEWriter {
    private var capture: ResponseCapture?
    private var end: UInt64 = 0

    init() {}

    mutating func emit(_ event: String, _ data: KeyValuePairs<String, JSONValue>, at offset: UInt64) {
        if capture == nil {
            capture = ResponseCapture(
                status: 200,
                headers: HeaderList(pairs: [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("Connection", "keep-alive")]),
                ttfbNanos: offset)
        }
        capture!.append(SSEFrame.encoded(event, .object(data)), offsetNanos: offset)
        end = offset
    }

    func response() -> RecordedResponse {
        capture!.finish(outcome: .complete, durationNanos: end)
    }
}
