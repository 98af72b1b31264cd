import HTTPTypes
import NIOCore

/// Makes a recording answer as the flavour asked for, whichever server produced it: ids, usage
/// keys, the stream grammar (``StreamShaper``), error shapes and headers become the target
/// server's. A recording replayed as the server that produced it keeps its bytes.
///
/// Only `/v1/messages` bodies are reshaped; headers of every answer are. Shaping is
/// deterministic, so ``ReplayEngine`` keeps the shaped recording.
struct FlavorShaper: Sendable {
    let target: Flavor

    /// `replay` as `target` answers. The `request-id` of an answer the API did not record itself is
    /// derived from the recording, like its other ids: a replay's bytes are the same every run.
    func shape(_ replay: PreparedReplay) -> PreparedReplay {
        guard replay.status != nil, replay.shapedAs != target else { return replay }
        var result = replay
        let requestID = target.ids.request?.derived(from: replay.interactionID)
        if replay.answersMessages {
            let body = Array(replay.body.readableBytesView)
            if !replay.frames.isEmpty {
                let edits = StreamShaper(target: target).edits(frames: replay.frames, body: body, complete: replay.outcome == .complete)
                result = ReplayEdits(edits).applied(to: replay, body: body, reparseFrames: true)
                result.headers[.contentType] = target.stream.contentType
            } else if let shaped = shapeJSON(body, status: replay.status ?? 200, requestID: requestID) {
                result = ReplayEdits([(0..<body.count, shaped)]).applied(to: replay, body: body)
                result.headers[.contentType] = target.headers.jsonContentType
            }
        }
        for name in Set(result.headers.map(\.name)) where Self.belongsToAnother(name.canonicalName, than: target) { result.headers[name] = nil }
        for (name, value) in target.headers.every + (replay.frames.isEmpty ? [] : target.headers.streams) {
            if let field = HTTPField.Name(name) { result.headers[field] = value }
        }
        if let requestID { result.headers[Self.requestIDHeader] = requestID }
        result.shapedAs = target
        return result
    }

    static let requestIDHeader = HTTPField.Name("request-id")!

    /// Headers each server sends and the others never do: what an answer loses when another server answers.
    private static let ownHeaders: [String: Set<String>] = [
        Flavor.anthropic.name: [
            "request-id", "x-should-retry", "retry-after", "cf-ray", "cf-cache-status", "server", "via", "x-robots-tag",
            "strict-transport-security", "content-security-policy", "x-envoy-upstream-service-time",
        ],
        Flavor.llamacpp.name: ["server", "access-control-allow-origin", "x-accel-buffering"],
    ]

    private static func belongsToAnother(_ name: String, than target: Flavor) -> Bool {
        if target != .anthropic, name.hasPrefix("anthropic-") { return true }
        return ownHeaders.contains { $0.key != target.name && $0.value.contains(name) }
            && !target.headers.every.contains { $0.name.lowercased() == name }
    }

    // MARK: - Non-streamed bodies

    /// A Message or error reshaped, or nil when the body is neither.
    private func shapeJSON(_ body: [UInt8], status: Int, requestID: String?) -> [UInt8]? {
        guard case .object(let members)? = try? JSONParser.parseFirstValue(body).value else { return nil }
        var shaped: JSONValue
        switch members["type"]?.stringValue {
        case "message":
            shaped = .object(message(members))
        case "error":
            shaped = target.error(status: status, type: members["error"]?["type"]?.stringValue ?? "api_error",
                message: members["error"]?["message"]?.stringValue ?? "", requestID: requestID ?? IDShape.ollamaRequest.derived(from: members["request_id"]?.stringValue ?? ""))
        default:
            guard case .object(let error)? = members["error"], let text = error["message"]?.stringValue else { return nil }
            // llama.cpp's {"error":{"code","message","type"}}
            shaped = target.error(status: status, type: ErrorTypes.anthropicType(llamacpp: error["type"]?.stringValue, status: status),
                message: text, requestID: requestID ?? IDShape.ollamaRequest.derived(from: text))
        }
        var bytes = target.message.json.encode(shaped)
        if target.message.trailingNewline { bytes.append(0x0a) }
        return bytes
    }

    /// A Message as the target writes it: its ids, block keys, thinking signatures, `stop_sequence`
    /// and usage keys, in its key order.
    private func message(_ members: [JSONMember]) -> [JSONMember] {
        let style = target.message, blocks = style.blocks
        let messageID = members["id"]?.stringValue ?? ""
        let content = (members["content"]?.arrayValue ?? []).enumerated().map { index, block -> JSONValue in
            guard case .object(let fields) = block else { return block }
            switch fields["type"]?.stringValue {
            case "tool_use":
                let converted = fields.mappingString("id", target.ids.tool.converting)
                return .object(blocks.toolUseKeys.map(converted.keeping) ?? converted)
            case "thinking":
                var thinking = fields
                switch blocks.signature {
                case .none: thinking = thinking.removing(["signature"])
                case .empty: thinking = thinking.setting("signature", "", after: "thinking")
                case .minted:
                    if (fields["signature"]?.stringValue ?? "").isEmpty {
                        thinking = thinking.setting("signature", .string(AnthropicIDs.signature(for: "\(messageID)#\(index)")), after: "thinking")
                    }
                }
                return .object(blocks.thinkingKeys.map(thinking.keeping) ?? thinking)
            case "text":
                return .object(blocks.textKeys.map(fields.keeping) ?? fields)
            default:
                return block
            }
        }
        var shaped = members.mappingString("id", target.ids.message.derived(from:)).setting("content", .array(content))
        shaped = style.stopSequence ? shaped.adding("stop_sequence", .null, after: "stop_reason") : shaped.removing(["stop_sequence"])
        shaped = shaped.setting("usage", style.usage.shaped(members["usage"]))
        return style.ordered(shaped, style.keys)
    }
}
