/// Byte-exact answers of the real Anthropic API, per ../shared/reference/anthropic-messages-behaviour.md
/// §1.4 (a recorded stream: padded JSON, one ping, `stop_sequence`), §1.6 (tool input fragments from
/// an empty one) and §2 (a non-streamed Message).
enum APIBytes {
    static let messageID = "msg_013nnniYDrJDocdy5nrMU7cH"
    static let toolID = "toolu_01NRLabsLyVHZPKxbKvkfSMn"
    static let streamHeaders = [
        ("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "no-cache"), ("request-id", "req_011CYK5n67SytMUxm8WMZUWY"),
        ("anthropic-organization-id", "0b0e2f5c-8a43-4c1e-9e0a-6a4d2b7f3c11"),
    ]

    static func frame(_ event: String, _ data: String) -> String { "event: \(event)\ndata: \(data)\n\n" }

    /// Text, then a `get_weather` tool call, in the API's grammar (one frame per string).
    static let toolStreamFrames = [
        frame("message_start", #"{"type":"message_start","message":{"model":"claude-sonnet-4-5-20250929","id":"\#(messageID)","type":"message","role":"assistant","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":135,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,"service_tier":"standard"}}   }"#),
        frame("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}     }"#),
        frame("ping", #"{"type": "ping"}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me check."}   }"#),
        frame("content_block_stop", #"{"type":"content_block_stop","index":0        }"#),
        frame("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"\#(toolID)","name":"get_weather","caller":{"type":"direct"},"input":{}}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"locati"}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"on\": \"P"}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ar"}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"is\"}"}}"#),
        frame("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
        frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":65}             }"#),
        frame("message_stop", #"{"type":"message_stop"              }"#),
    ]

    /// A non-streamed tool call (§2), compact with no trailing newline.
    static let toolMessageBody =
        #"{"model":"claude-haiku-4-5-20251001","id":"msg_01RMQBcKf2dxTq6qfi31BBTz","type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_01A9HHF5Ezy3oBrKmSgfASm9","name":"get_weather","input":{"location":"San Francisco, CA","units":"f"},"caller":{"type":"direct"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":656,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":74,"service_tier":"standard"}}"#

    static func streamReply(delayMillis: Int = 0) -> FakeReply {
        FakeReply(status: 200, headers: streamHeaders, parts: toolStreamFrames.map { .bytes(Array($0.utf8), delayMillis: delayMillis) })
    }

    static func messageReply(_ body: String = toolMessageBody) -> FakeReply {
        FakeReply(
            status: 200, headers: [("content-type", "application/json"), ("request-id", "req_011CYHyk9NPsBYeGbC9LuDNK")],
            parts: [.bytes(Array(body.utf8))], fixedLength: true)
    }
}
