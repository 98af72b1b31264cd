/// Byte-exact Ollama answers, per ../shared/reference/ollama-messages-behaviour.md §3 and §4.
enum OllamaBytes {
    static let messageID = "msg_5d1c3e0a9b7f4c2e8a6d0f13"

    static func frame(_ event: String, _ data: String) -> String { "event: \(event)\ndata: \(data)\n\n" }

    /// The SSE frames of a plain-text stream (§4.3 a), one string per frame.
    static func textStreamFrames(model: String = "qwen3-coder", id: String = messageID, texts: [String]) -> [String] {
        var frames = [
            frame("message_start", #"{"type":"message_start","message":{"id":"\#(id)","type":"message","role":"assistant","model":"\#(model)","content":[],"usage":{"input_tokens":5,"output_tokens":0}}}"#),
            frame("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        ]
        for text in texts {
            frames.append(frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\#(text)"}}"#))
        }
        frames.append(frame("content_block_stop", #"{"type":"content_block_stop","index":0}"#))
        frames.append(frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":14,"output_tokens":3}}"#))
        frames.append(frame("message_stop", #"{"type":"message_stop"}"#))
        return frames
    }

    static let streamHeaders = [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("Connection", "keep-alive")]

    /// A streamed reply, one flushed write per frame (as Ollama's writeSSE does).
    static func streamReply(texts: [String], delayMillis: Int = 0) -> FakeReply {
        FakeReply(status: 200, headers: streamHeaders,
                  parts: textStreamFrames(texts: texts).map { .bytes(Array($0.utf8), delayMillis: delayMillis) })
    }

    static func messageBody(model: String = "qwen3-coder", id: String = messageID, text: String) -> String {
        #"{"id":"\#(id)","type":"message","role":"assistant","model":"\#(model)","content":[{"type":"text","text":"\#(text)"}],"stop_reason":"end_turn","usage":{"input_tokens":14,"output_tokens":10}}"# + "\n"
    }

    /// A non-streamed 200 reply with Content-Length (§3.1).
    static func messageReply(text: String) -> FakeReply {
        FakeReply(status: 200, headers: [("Content-Type", "application/json")], parts: [.bytes(Array(messageBody(text: text).utf8))], fixedLength: true)
    }
}
