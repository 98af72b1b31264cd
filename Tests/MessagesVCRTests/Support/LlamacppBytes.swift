/// Byte-exact answers of llama.cpp's `llama-server` (its `tools/server/` sources: nlohmann's
/// ordered JSON, `format_anthropic_sse`, `server_task_result_cmpl_*::to_json_anthropic*`).
enum LlamacppBytes {
    static let messageID = "chatcmpl-Xq3N0bKf8vT2mLp9Rz7Yc1Wd4Hs6Ga5E"
    static let toolID = "Uj7Kp2Qw9Ex4Rt6Yb1Nm3Vc8Zl5As0Df"
    static let streamHeaders = [
        ("Server", "llama.cpp"), ("Access-Control-Allow-Origin", ""), ("Content-Type", "text/event-stream"), ("X-Accel-Buffering", "no"),
    ]

    static func frame(_ event: String, _ data: String) -> String { "event: \(event)\ndata: \(data)\n\n" }

    /// Text with characters Go would escape, then a tool call whose input comes in two fragments.
    static let toolStreamFrames = [
        frame("message_start", #"{"type":"message_start","message":{"id":"\#(messageID)","type":"message","role":"assistant","content":[],"model":"qwen3-coder","stop_reason":null,"stop_sequence":null,"usage":{"cache_read_input_tokens":0,"input_tokens":31,"output_tokens":0}}}"#),
        frame("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"1 <2> & 3"}}"#),
        frame("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"\#(toolID)","name":"get_weather"}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"Paris\"}"}}"#),
        frame("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
        frame("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
        frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":12}}"#),
        frame("message_stop", #"{"type":"message_stop"}"#),
    ]

    /// A non-streamed answer, compact with no trailing newline.
    static let messageBody =
        #"{"id":"\#(messageID)","type":"message","role":"assistant","content":[{"type":"text","text":"Hello <there>"}],"model":"qwen3-coder","stop_reason":"end_turn","stop_sequence":null,"usage":{"cache_read_input_tokens":0,"input_tokens":9,"output_tokens":4}}"#

    static func streamReply(delayMillis: Int = 0) -> FakeReply {
        FakeReply(status: 200, headers: streamHeaders, parts: toolStreamFrames.map { .bytes(Array($0.utf8), delayMillis: delayMillis) })
    }

    static func messageReply() -> FakeReply {
        FakeReply(
            status: 200, headers: [("Server", "llama.cpp"), ("Access-Control-Allow-Origin", ""), ("Content-Type", "application/json; charset=utf-8")],
            parts: [.bytes(Array(messageBody.utf8))], fixedLength: true)
    }
}
