import AsyncHTTPClient
import Foundation
import Logging
import MessagesVCR
import NIOCore

/// What following the replaying machine costs: one recorded Claude Code-like stream of `events`
/// text deltas (every 10th naming the recording folder, some split across two deltas) and a tool
/// call, replayed instantly, one request at a time, three ways in the same run:
/// no preset (the baseline), `--preset claude-code` from the recording folder (values learned,
/// nothing to rewrite), and from another folder (every occurrence rewritten).
/// Prints the time per request and the added cost per replayed event.
struct RewriteScenario {
    var requests: Int
    var events: Int

    static let recordedCwd = "/home/dev/src/proj"

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let client = BenchClient()
        try await BenchServers.withReplay(of: makeInteraction()) { options in
            try await measure(options, client: client, logger: logger)
        }
        try await client.http.shutdown()
    }

    private func measure(_ options: ServeOptions, client: BenchClient, logger: Logger) async throws {
        var options = options

        print("rewriting recorded values: \(requests) sequential instant replays of \(events) events (+ a tool call), ms per request")
        var results: [(String, Double)] = []
        for (name, rules, cwd) in [
            ("no preset (baseline)", try MatchRules(), Self.recordedCwd),
            ("preset, same folder", try MatchRules(presets: ["claude-code"]), Self.recordedCwd),
            ("preset, other folder", try MatchRules(presets: ["claude-code"]), "/ci/runner/work/proj"),
        ] {
            options.rules = rules
            let body = Self.requestBody(cwd: cwd)
            let millis = try await BenchServers.withVCR(options, logger: logger) { port in
                _ = try await Self.fetch(client, port: port, body: body, expecting: cwd)  // warm up (loads and prepares the recording)
                let start = ContinuousClock.now
                for _ in 0..<requests { _ = try await Self.fetch(client, port: port, body: body, expecting: cwd) }
                let elapsed = ContinuousClock.now - start
                return Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
            }
            results.append((name, millis / Double(requests)))
            print(String(format: "%-22@ %8.3f", name as NSString, millis / Double(requests)))
        }
        let perEvent = (results[2].1 - results[1].1) * 1e6 / Double(events)
        let learning = (results[1].1 - results[0].1) * 1e3
        print(String(format: "rewriting adds %.0f ns per replayed event (%.3f ms per request); learning the values adds %.0f µs per request",
                     perEvent, results[2].1 - results[1].1, learning))
    }

    /// Sends one request; checks the answer names `cwd` (so a rewrite that did not happen fails the run).
    static func fetch(_ client: BenchClient, port: Int, body: String, expecting cwd: String) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/messages")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok, String(buffer: bytes).contains("\(cwd)/out.txt") else {
            throw BenchError("replay failed or was not rewritten: \(response.status)")
        }
        return bytes.readableBytes
    }

    /// A Claude Code-sized request (a 20 KB system prompt) made in `cwd`.
    static func requestBody(cwd: String) -> String {
        let filler = String(repeating: "You are an agent that works with files. ", count: 500)
        return #"{"model":"qwen3-coder","max_tokens":32000,"stream":true,"system":[{"type":"text","text":"\#(filler)"}],"messages":[{"role":"system","content":"Primary working directory: \#(cwd)\nIs a git repository: true"},{"role":"user","content":"write out.txt"}]}"#
    }

    func makeInteraction() -> Interaction {
        let cwd = Self.recordedCwd
        var frames: [String] = []
        func frame(_ event: String, _ data: String) { frames.append("event: \(event)\ndata: \(data)\n\n") }
        frame("message_start", #"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"qwen3-coder","content":[],"usage":{"input_tokens":5,"output_tokens":0}}}"#)
        frame("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#)
        var index = 0
        while index < events {
            let text: String
            if index % 20 == 9 {
                text = "see " + String(cwd.prefix(9))  // a path split across two deltas
            } else if index % 20 == 10 {
                text = String(cwd.dropFirst(9)) + "/a.txt "
            } else if index % 20 == 19 {
                text = cwd + "/b.txt "
            } else {
                text = "token \(index) "
            }
            frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\#(text)"}}"#)
            index += 1
        }
        frame("content_block_stop", #"{"type":"content_block_stop","index":0}"#)
        frame("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_k3j9x2ab","name":"Write","input":{}}}"#)
        frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"content\":\"done\",\"file_path\":\"\#(cwd)/out.txt\"}"}}"#)
        frame("content_block_stop", #"{"type":"content_block_stop","index":1}"#)
        frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"input_tokens":14,"output_tokens":9}}"#)
        frame("message_stop", #"{"type":"message_stop"}"#)
        var capture = ResponseCapture(status: 200, headers: HeaderList(pairs: [("Content-Type", "text/event-stream")]), ttfbNanos: 1_000_000)
        for (offset, text) in frames.enumerated() { capture.append(Array(text.utf8), offsetNanos: UInt64(offset + 1) * 1_000_000) }
        let request = RecordedRequest(method: "POST", path: "/v1/messages", query: nil, headers: HeaderList(), body: Array(Self.requestBody(cwd: cwd).utf8))
        return Interaction(upstream: nil, request: request, response: capture.finish(outcome: .complete, durationNanos: UInt64(frames.count + 1) * 1_000_000))
    }
}
