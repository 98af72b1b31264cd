import HTTPTypes
import NIOCore

/// Makes a recording answer as the flavour asked for, whichever server produced it: an Ollama
/// recording replays as the real API (ids, `ping`, `stop_sequence`, usage keys, `request-id`), an
/// API recording as Ollama. A recording replayed as the server that produced it keeps its bytes.
///
/// Only `/v1/messages` answers are reshaped; every answer under the Anthropic flavour carries a
/// `request-id` (the recorded one when the API produced it), and an error body's `request_id`
/// names the same id. Shaping is deterministic, so ``ReplayEngine`` keeps the shaped recording.
struct FlavorShaper: Sendable {
    let target: Flavor

    /// `replay` as `target` answers. The `request-id` of an answer the API did not record itself is
    /// derived from the recording, like its other ids: a replay's bytes are the same every run.
    func shape(_ replay: PreparedReplay) -> PreparedReplay {
        guard replay.status != nil, replay.shapedAs != target else { return replay }
        var result = replay
        let id = target == .anthropic ? AnthropicIDs.requestID(from: replay.interactionID) : nil
        if replay.answersMessages {
            let body = Array(replay.body.readableBytesView)
            if !replay.frames.isEmpty {
                let edits = StreamShaper(target: target).edits(frames: replay.frames, body: body, complete: replay.outcome == .complete)
                result = ReplayEdits(edits).applied(to: replay, body: body, reparseFrames: true)
                result.headers[.contentType] = target == .anthropic ? "text/event-stream; charset=utf-8" : "text/event-stream"
            } else if let shaped = shapeJSON(body, requestID: id) {
                result = ReplayEdits([(0..<body.count, shaped)]).applied(to: replay, body: body)
                result.headers[.contentType] = "application/json"
            }
        }
        switch target {
        case .anthropic:
            result.headers[Self.requestIDHeader] = id
        case .ollama:
            // Ollama sends none of the API's own headers.
            let names = result.headers.map(\.name).filter { Self.apiOnlyHeaders.contains($0.canonicalName) || $0.canonicalName.hasPrefix("anthropic-") }
            for name in Set(names) { result.headers[name] = nil }
        }
        result.shapedAs = target
        return result
    }

    static let requestIDHeader = HTTPField.Name("request-id")!
    private static let apiOnlyHeaders: Set<String> = [
        "request-id", "x-should-retry", "retry-after", "cf-ray", "cf-cache-status", "server", "via", "x-robots-tag",
        "strict-transport-security", "content-security-policy", "x-envoy-upstream-service-time",
    ]

    // MARK: - Non-streamed bodies

    /// A Message or error envelope reshaped, or nil when the body is neither.
    private func shapeJSON(_ body: [UInt8], requestID: String?) -> [UInt8]? {
        guard case .object(let members)? = try? JSONParser.parseFirstValue(body).value else { return nil }
        switch members["type"]?.stringValue {
        case "message":
            return target == .anthropic ? Self.anthropicMessage(members) : Self.ollamaMessage(members)
        case "error":
            let id = requestID ?? AnthropicIDs.ollamaRequestID(from: members["request_id"]?.stringValue ?? "")
            var bytes = GoJSONWriter.encode(.object(members.setting("request_id", .string(id))))
            if target == .ollama { bytes.append(0x0a) }  // Ollama's json.Encoder ends the body with a newline
            return bytes
        default:
            return nil
        }
    }

    /// The API's Message: `msg_01…`/`toolu_01…` ids, thinking signed, `stop_sequence` present, the
    /// API's usage keys; compact with no trailing newline.
    private static func anthropicMessage(_ members: [JSONMember]) -> [UInt8] {
        let messageID = members["id"]?.stringValue ?? ""
        let content = (members["content"]?.arrayValue ?? []).enumerated().map { index, block -> JSONValue in
            guard case .object(let fields) = block else { return block }
            switch fields["type"]?.stringValue {
            case "tool_use": return .object(fields.mappingString("id", AnthropicIDs.toolUseID(fromCall:)))
            case "thinking":
                return .object(fields.adding("signature", .string(AnthropicIDs.signature(for: "\(messageID)#\(index)")), after: "thinking"))
            default: return block
            }
        }
        let shaped = members
            .mappingString("id", AnthropicIDs.anthropicMessageID(from:))
            .setting("content", .array(content))
            .adding("stop_sequence", .null, after: "stop_reason")
            .setting("usage", StreamShaper.anthropicUsage(members["usage"]))
        return GoJSONWriter.encode(.object(shaped))
    }

    /// Ollama's Message: its struct order, `call_…` ids, no signature, no `stop_sequence`, only
    /// input and output tokens; ends with a newline.
    private static func ollamaMessage(_ members: [JSONMember]) -> [UInt8] {
        let content = (members["content"]?.arrayValue ?? []).map { block -> JSONValue in
            guard case .object(let fields) = block else { return block }
            return .object(StreamShaper.ollamaBlock(fields))
        }
        let usage = members["usage"]
        let shaped = members
            .mappingString("id", AnthropicIDs.ollamaMessageID(from:))
            .setting("content", .array(content))
            .setting("usage", .object([
                JSONMember("input_tokens", usage?["input_tokens"] ?? .number("0")),
                JSONMember("output_tokens", usage?["output_tokens"] ?? .number("0")),
            ]))
            .keeping(["id", "type", "role", "model", "content", "stop_reason", "usage"])
        var bytes = GoJSONWriter.encode(.object(shaped))
        bytes.append(0x0a)
        return bytes
    }
}
