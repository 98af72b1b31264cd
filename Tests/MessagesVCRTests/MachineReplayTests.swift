import Foundation
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

/// A Claude Code session recorded in one folder and HOME, replayed in another, through the server.
@Suite("Replaying on another machine")
struct MachineReplayTests {
    /// A Claude Code-like request made in `cwd` under `home`; `toolResult` is the last turn's tool output.
    static func request(cwd: String, home: String, toolResult: String? = nil, extra: String = "") -> String {
        let slug = cwd.replacingOccurrences(of: "/", with: "-")
        var messages = #"{"role":"system","content":"Primary working directory: \#(cwd)\nIs a git repository: true"},{"role":"user","content":[{"type":"text","text":"<system-reminder>\n# gitStatus\nCurrent branch: main\n\nStatus:\n M README.md\n</system-reminder>"},{"type":"text","text":"read notes.txt"}]}"#
        if let toolResult {
            messages += #",{"role":"assistant","content":[{"type":"tool_use","id":"call_k3j9x2ab","name":"Read","input":{"file_path":"\#(cwd)/notes.txt"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_k3j9x2ab","content":\#(toolResult)}]}"#
        }
        return #"{"model":"qwen3-coder","max_tokens":32000,"stream":true,"system":[{"type":"text","text":"Memory: \#(home)/.claude/projects/\#(slug)/memory/"}],"messages":[\#(messages)]\#(extra)}"#
    }

    static func expectStatus(_ port: Int, _ body: String, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let result = try await TestClient.send(port: port, body: body)
        #expect(result.status == status, "\(result.text)", sourceLocation: sourceLocation)
    }

    static func expectMiss(_ port: Int, _ body: String, saying text: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let miss = try await TestClient.send(port: port, body: body)
        #expect(miss.status == 404, sourceLocation: sourceLocation)
        #expect(miss.text.contains(text), "\(miss.text)", sourceLocation: sourceLocation)
    }

    static let recordedCwd = "/home/dev/src/proj"
    static let liveCwd = "/ci/runner/work/proj"

    /// The Read call the fake model makes: the path in its tool input and, split across two text
    /// deltas, in its text.
    static func answerFrames(cwd: String) -> [String] {
        let half = cwd.index(cwd.startIndex, offsetBy: 7)
        var frames = OllamaBytes.toolStreamFrames(
            toolID: "call_k3j9x2ab", text: "Reading \(cwd[..<half])", name: "Read", input: #"{"file_path":"\#(cwd)/notes.txt"}"#)
        frames.insert(OllamaBytes.frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\#(cwd[half...])/notes.txt"}}"#), at: 3)
        return frames
    }

    @Test("a recorded tool call naming the recording folder replays naming the live one: exact bytes, chunk for chunk; the journal lists the rewrites")
    func pathsFollowTheReplayingFolder() async throws {
        let dir = try temporaryDirectory()
        let fake = FakeOllama { _ in OllamaBytes.reply(frames: Self.answerFrames(cwd: Self.recordedCwd), delayMillis: 5) }
        try await recordSession(directory: dir, fake: fake) { port in
            let recorded = try await TestClient.send(port: port, body: Self.request(cwd: Self.recordedCwd, home: "/home/dev"))
            #expect(recorded.status == 200)
        }
        let live = Self.request(cwd: Self.liveCwd, home: "/root")
        try await replaySession(directory: dir, configure: { $0.rules = try MatchRules(presets: ["claude-code"]) }) { port, _ in
            let replayed = try await TestClient.send(port: port, body: live)
            #expect(replayed.status == 200, "\(replayed.text)")
            // The live path goes out whole in the delta that held the recorded path's last byte.
            var expected = Self.answerFrames(cwd: Self.recordedCwd)
            expected[2] = OllamaBytes.frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Reading "}}"#)
            expected[3] = OllamaBytes.frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\#(Self.liveCwd)/notes.txt"}}"#)
            expected[6] = expected[6].replacingOccurrences(of: Self.recordedCwd, with: Self.liveCwd)
            #expect(replayed.text == expected.joined())
            #expect(replayed.chunks.count >= 8, "\(replayed.chunks.count) reads")  // still paced frame by frame
            let journal = try await TestClient.send(port: port, method: .GET, path: "/__vcr/journal")
            let entry = try #require(try JSONParser.parse(Array(journal.text.utf8))["entries"]?.arrayValue?.last)
            #expect(entry["rewrites"] == .array([.object(["name": "cwd", "recorded": .string(Self.recordedCwd), "live": .string(Self.liveCwd)])]))
            #expect(entry["detail"]?.stringValue == "rewrote cwd: \(Self.recordedCwd) → \(Self.liveCwd) (2×)")
        }
        // Without the preset the same request is a miss that names the differing line.
        try await replaySession(directory: dir) { port, _ in
            try await Self.expectMiss(port, live, saying: "working directory: /home/dev/src/proj")
        }
    }

    @Test("a client's new fields (safeguards, tool_choice) do not break a cassette; --strict matches them; the miss names what was left out")
    func unreadFieldsAreNotMatched() async throws {
        let dir = try temporaryDirectory()
        try await recordSession(directory: dir, fake: FakeOllama()) { port in
            try await Self.expectStatus(port, Self.request(cwd: "/p", home: "/h"), 200)
        }
        let newer = Self.request(cwd: "/p", home: "/h", extra: #","safeguards":[{"type":"dangerous_tool_use","classifier_context":{"live_cwd":"/p"}}],"tool_choice":{"type":"auto"}"#)
        try await replaySession(directory: dir) { port, _ in
            try await Self.expectStatus(port, newer, 200)
            let changed = newer.replacingOccurrences(of: "read notes.txt", with: "read other.txt")
            try await Self.expectMiss(port, changed, saying: #"; not matched (Ollama does not read them): safeguards, tool_choice"}"#)
        }
        try await replaySession(directory: dir, configure: { $0.rules = try MatchRules(strict: true) }) { port, _ in
            try await Self.expectMiss(port, newer, saying: "safeguards: recorded (absent)")
        }
    }

    @Test("tool output that differs by nature: the documented normalisers make the next turn match; --ignore on tool results matches any output")
    func toolOutputNormalisers() async throws {
        let dir = try temporaryDirectory()
        let listing = { (time: String, tmp: String, size: Int, date: String) in
            #""2026-11-\#(time) started in /tmp/tmp.\#(tmp)\n-rw-r--r-- 1 dev dev \#(size) \#(date) notes.txt""#
        }
        let recorded = Self.request(cwd: "/p", home: "/h", toolResult: listing("24T10:11:12.345Z", "Ab12Cd", 120, "Nov 24 10:11"))
        let later = Self.request(cwd: "/p", home: "/h", toolResult: listing("27T08:00:01.000Z", "Zz99Yy", 4096, "Nov 27 08:00"))
        let failed = Self.request(cwd: "/p", home: "/h", toolResult: #""ls: cannot access 'notes.txt': No such file or directory""#)
        try await recordSession(directory: dir, fake: FakeOllama()) { port in
            try await Self.expectStatus(port, recorded, 200)
        }
        // The rules as the README gives them.
        let normalize = [
            #"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?Z?=><time>"#, #"/tmp/tmp\.[A-Za-z0-9]+=><tmp>"#,
            #"(?m)^([-dl][rwx-]{9}\S*\s+\d+\s+\S+\s+\S+)\s+\d+\s+\w{3}\s+\d+\s+[\d:]+=>$1 <size> <date>"#,
        ]
        try await replaySession(directory: dir) { port, _ in
            try await Self.expectStatus(port, later, 404)
        }
        try await replaySession(directory: dir, configure: { $0.rules = try MatchRules(normalize: normalize) }) { port, _ in
            try await Self.expectStatus(port, later, 200)
            try await Self.expectStatus(port, failed, 404)  // a real change still misses
        }
        try await replaySession(directory: dir, configure: { $0.rules = try MatchRules(ignore: ["messages[*].content[*].content"]) }) { port, _ in
            try await Self.expectStatus(port, later, 200)
            try await Self.expectStatus(port, failed, 200)  // the risk: a failure goes unnoticed
        }
    }
}
