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

    /// The frames of a thinking-then-text stream (§4.3 b).
    static func thinkingStreamFrames(model: String = "qwen3.5", id: String = messageID, thinking: [String], text: [String]) -> [String] {
        var frames = [
            frame("message_start", #"{"type":"message_start","message":{"id":"\#(id)","type":"message","role":"assistant","model":"\#(model)","content":[],"usage":{"input_tokens":7,"output_tokens":0}}}"#),
            frame("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#),
        ]
        for piece in thinking {
            frames.append(frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"\#(piece)"}}"#))
        }
        frames.append(frame("content_block_stop", #"{"type":"content_block_stop","index":0}"#))
        frames.append(frame("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#))
        for piece in text {
            frames.append(frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"\#(piece)"}}"#))
        }
        frames.append(frame("content_block_stop", #"{"type":"content_block_stop","index":1}"#))
        frames.append(frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":30,"output_tokens":9}}"#))
        frames.append(frame("message_stop", #"{"type":"message_stop"}"#))
        return frames
    }

    /// The frames of a text-then-tool_use stream (§4.3 c).
    static func toolStreamFrames(model: String = "qwen3-coder", id: String = messageID, toolID: String, text: String, name: String, input: String) -> [String] {
        let escapedInput = input.replacingOccurrences(of: "\"", with: "\\\"")
        return [
            frame("message_start", #"{"type":"message_start","message":{"id":"\#(id)","type":"message","role":"assistant","model":"\#(model)","content":[],"usage":{"input_tokens":40,"output_tokens":0}}}"#),
            frame("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\#(text)"}}"#),
            frame("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            frame("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"\#(toolID)","name":"\#(name)","input":{}}}"#),
            frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\#(escapedInput)"}}"#),
            frame("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"input_tokens":182,"output_tokens":25}}"#),
            frame("message_stop", #"{"type":"message_stop"}"#),
        ]
    }

    /// A non-streamed tool_use answer (§3.1).
    static func toolUseBody(model: String = "qwen3-coder", id: String, toolID: String, name: String, input: String) -> String {
        #"{"id":"\#(id)","type":"message","role":"assistant","model":"\#(model)","content":[{"type":"tool_use","id":"\#(toolID)","name":"\#(name)","input":\#(input)}],"stop_reason":"tool_use","usage":{"input_tokens":180,"output_tokens":42}}"# + "\n"
    }

    /// Frames as a reply, each written after `delayMillis`.
    static func reply(frames: [String], delayMillis: Int = 0) -> FakeReply {
        FakeReply(status: 200, headers: streamHeaders, parts: frames.map { .bytes(Array($0.utf8), delayMillis: delayMillis) })
    }

    /// A fresh Ollama-style message id (`msg_` + 24 hex), different for each `n`.
    static func messageID(_ n: Int) -> String { "msg_" + String(format: "%024x", n * 7919 + 0xabc) }
}

import Foundation
