import Foundation
import NIOCore
import Testing

@testable import MessagesVCR

@Suite("Rewriting recorded machine values")
struct RewriteTests {
    @Test("a value is replaced only where it stands whole: a path that is a prefix of another is left alone")
    func wholeValuesOnly() {
        let replacer = ValueReplacer([("/rec/proj", "/L")])
        #expect(replacer.replace("/rec/proj").text == "/L")
        #expect(replacer.replace("cd /rec/proj/x.txt && ls /rec/project2 /x/rec/proj ./rec/proj in /rec/proj.").text
            == "cd /L/x.txt && ls /rec/project2 /x/rec/proj ./rec/proj in /L.")
        #expect(replacer.replace("/rec/proj.git /rec/proj-old /rec/proj_2 /rec/projé").replaced.isEmpty)
        #expect(replacer.replace(#"["/rec/proj",'/rec/proj'](/rec/proj):/rec/proj"#).text == #"["/L",'/L'](/L):/L"#)
        let id = ValueReplacer([("a11a22c3", "b99")])
        #expect(id.replace("tasks/a11a22c3.output to: 'a11a22c3' xa11a22c3 a11a22c3x a11a22c3-2").text
            == "tasks/b99.output to: 'b99' xa11a22c3 a11a22c3x a11a22c3-2")
        let folder = ValueReplacer([("/rec/proj/", "/L/")])
        #expect(folder.replace("/rec/proj/x /rec/proj/").text == "/L/x /L/")
    }

    @Test("where values overlap, the longest wins at each place")
    func longestFirst() {
        let replacer = ValueReplacer([("/h", "<home>"), ("/h/proj", "<cwd>"), ("/h/.claude/projects/-h-proj", "<project>")])
        let (text, replaced) = replacer.replace("/h/proj/a /h/b /h/.claude/projects/-h-proj/memory/ /h")
        #expect(text == "<cwd>/a <home>/b <project>/memory/ <home>")
        #expect(replaced == [1, 0, 2, 0])
    }

    @Test("a value split across pieces goes into the piece that held its last byte; the others keep their bytes")
    func splitAcrossPieces() {
        let replacer = ValueReplacer([("/rec/proj", "/live/work")])
        let pieces = ["see /rec/p", "ro", "j/a.txt and /rec", "/proj"].map { Array($0.utf8) }
        let (out, replaced) = replacer.replace(segments: pieces)
        #expect(out.map { String(decoding: $0, as: UTF8.self) } == ["see ", "", "/live/work/a.txt and ", "/live/work"])
        #expect(replaced.count == 2)
        // A piece boundary right after a prefix of the value is not a match on its own.
        let (kept, none) = replacer.replace(segments: [Array("/rec/p".utf8), Array("rojects".utf8)])
        #expect(none.isEmpty && kept == [Array("/rec/p".utf8), Array("rojects".utf8)])
    }

    @Test("inside JSON text, a value right after an escape such as \\n stands whole; an escaped quote in the value matches")
    func jsonEscaped() {
        let replacer = ValueReplacer([("/rec/my \\\"proj\\\"", "/L")], jsonEscaped: true)
        let json = #"{"content":"line\n/rec/my \"proj\"/a\t/rec/my \"proj\"","x":"a\\n/rec/my \"proj\""}"#
        #expect(replacer.replace(json).text == #"{"content":"line\n/L/a\t/L","x":"a\\n/rec/my \"proj\""}"#)
    }

    // MARK: - Answers

    static let substitution = MachineValues.Substitution(name: "cwd", recorded: "/rec/my \"proj\"", live: "/live/w<1>")

    static func frame(_ event: String, _ data: String) -> String { "event: \(event)\ndata: \(data)\n\n" }

    /// A stream whose text names the recorded folder across two deltas (and two chunks, one frame
    /// split between them), and whose tool input carries it twice, once after an escaped newline.
    static let recordedFrames = [
        frame("message_start", #"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"qwen3-coder","content":[],"usage":{"input_tokens":5,"output_tokens":0}}}"#),
        frame("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Reading /rec/my \"pr"}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"oj\"/notes.txt, not /rec/my \"proj\"2."}}"#),
        frame("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
        frame("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_k3j9x2ab","name":"Write","input":{}}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"content\":\"x\\n/rec/my \\\"proj\\\"\",\"file_path\":\"/rec/my \\\"pr"}}"#),
        frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"oj\\\"/out.txt\"}"}}"#),
        frame("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
        frame("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"input_tokens":14,"output_tokens":9}}"#),
        frame("message_stop", #"{"type":"message_stop"}"#),
    ]

    static func recording(chunks: [String], contentType: String) -> PreparedReplay {
        var capture = ResponseCapture(status: 200, headers: HeaderList(pairs: [("Content-Type", contentType)]), ttfbNanos: 1_000_000)
        for (index, chunk) in chunks.enumerated() { capture.append(Array(chunk.utf8), offsetNanos: UInt64(index + 1) * 10_000_000) }
        let request = RecordedRequest(method: "POST", path: "/v1/messages", query: nil, headers: HeaderList(pairs: []), body: [])
        return PreparedReplay(Interaction(upstream: nil, request: request, response: capture.finish(outcome: .complete, durationNanos: 99_000_000)))
    }

    static func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    @Test("a stream: split text and input_json_delta pieces rewritten, strings re-encoded as Ollama does, every other byte and deadline kept")
    func stream() throws {
        var chunks = Self.recordedFrames
        let split = chunks[2].index(chunks[2].startIndex, offsetBy: chunks[2].count - 12)  // inside the recorded path
        chunks.insert(String(chunks[2][split...]), at: 3)
        chunks[2] = String(chunks[2][..<split])
        let recorded = Self.recording(chunks: chunks, contentType: "text/event-stream")
        #expect(recorded.frames.count == 11)

        let result = AnswerRewriter([Self.substitution]).rewrite(recorded)
        var expected = Self.recordedFrames
        expected[2] = Self.frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Reading "}}"#)
        expected[3] = Self.frame("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"/live/w\u003c1\u003e/notes.txt, not /rec/my \"proj\"2."}}"#)
        expected[6] = Self.frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"content\":\"x\\n/live/w\\u003c1\\u003e\",\"file_path\":\""}}"#)
        expected[7] = Self.frame("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"/live/w\\u003c1\\u003e/out.txt\"}"}}"#)
        #expect(Self.text(result.replay.body) == expected.joined())
        #expect(result.count == 3)
        #expect(result.used.map(\.substitution) == [Self.substitution])
        // The tool input still parses to the live paths.
        let input = result.replay.frames.filter { $0.event == "content_block_delta" }.suffix(2).compactMap { frame -> String? in
            let data = result.replay.body.getString(at: frame.range.lowerBound, length: frame.range.count)!
            return try? JSONParser.parse(Array(data.split(separator: "\n")[1].dropFirst(6).utf8))["delta"]?["partial_json"]?.stringValue
        }.joined()
        #expect(try JSONParser.parse(Array(input.utf8)) == .object(["content": "x\n/live/w<1>", "file_path": "/live/w<1>/out.txt"]))
        // Same deadlines; chunks cover the new body in order; the frame split in two now goes out
        // with its second chunk (its first piece ends where the rewritten string begins).
        #expect(result.replay.offsets == recorded.offsets)
        #expect(result.replay.chunks.map(Self.text).joined() == expected.joined())
        #expect(Self.text(result.replay.chunks[2]).hasSuffix(#""text":"#))
        #expect(Self.text(result.replay.chunks[3]).hasPrefix(#""Reading "}}"#))
        #expect(result.replay.frames.map { Self.text(result.replay.body.getSlice(at: $0.range.lowerBound, length: $0.range.count)!) } == expected)
    }

    @Test("a JSON answer: only string values change, keys and the rest stay byte for byte")
    func nonStreamed() {
        let body = #"{"id":"msg_1","type":"message","content":[{"type":"text","text":"Done in /rec/my \"proj\"."},{"type":"tool_use","id":"call_1","name":"Read","input":{"/rec/my \"proj\"":1,"file_path":"/rec/my \"proj\"/a"}}],"usage":{"input_tokens":1e2}}"# + "\n"
        let recorded = Self.recording(chunks: [String(body.prefix(40)), String(body.dropFirst(40))], contentType: "application/json")
        let result = AnswerRewriter([Self.substitution]).rewrite(recorded)
        #expect(Self.text(result.replay.body) == #"{"id":"msg_1","type":"message","content":[{"type":"text","text":"Done in /live/w\u003c1\u003e."},{"type":"tool_use","id":"call_1","name":"Read","input":{"/rec/my \"proj\"":1,"file_path":"/live/w\u003c1\u003e/a"}}],"usage":{"input_tokens":1e2}}"# + "\n")
        #expect(result.count == 2)
        #expect(result.replay.chunks.count == 2 && result.replay.offsets == recorded.offsets)
        // A body that is not JSON is left alone, quoted values and all.
        let text = Self.recording(chunks: [#"upstream says: "/rec/my "proj"" is busy"#], contentType: "text/plain")
        let untouched = AnswerRewriter([Self.substitution]).rewrite(text)
        #expect(untouched.count == 0 && untouched.replay.body == text.body)
    }

    @Test("nothing to rewrite leaves the recording as it is")
    func untouched() {
        let recorded = Self.recording(chunks: Self.recordedFrames, contentType: "text/event-stream")
        let other = MachineValues.Substitution(name: "cwd", recorded: "/elsewhere", live: "/x")
        let result = AnswerRewriter([other]).rewrite(recorded)
        #expect(result.count == 0 && result.replay.body == recorded.body && result.replay.chunks.count == recorded.chunks.count)
    }

    // MARK: - Matching

    /// Canonical JSON with its `\u003c`/`\u003e` escapes undone, for reading placeholders.
    static func readable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\\u003c", with: "<").replacingOccurrences(of: "\\u003e", with: ">")
    }

    static func claudeBody(cwd: String, home: String, extra: String = "") -> [UInt8] {
        let slug = cwd.replacingOccurrences(of: "/", with: "-")
        return Array(#"{"model":"qwen3-coder","max_tokens":100,"system":[{"type":"text","text":"Memory: \#(home)/.claude/projects/\#(slug)/memory/"}],"messages":[{"role":"system","content":"Primary working directory: \#(cwd)\nShell: bash"},{"role":"user","content":[{"type":"text","text":"read notes"}]},{"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"Read","input":{"file_path":"\#(cwd)/notes.txt"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"ls \#(cwd)/a \#(home)/b agentId: 0123abcd4567ef89 and agentId: ffee00112233aabb"}]}]\#(extra)}"#.utf8)
    }

    @Test("--preset claude-code learns the folders and subagent ids of each request; the same session elsewhere has the same key")
    func learnedValuesMatch() throws {
        let rules = try MatchRules(presets: ["claude-code"])
        let recorded = rules.canonicalForm(Self.claudeBody(cwd: "/home/dev/src/proj", home: "/home/dev"))
        let live = rules.canonicalForm(Self.claudeBody(cwd: "/ci/work/proj", home: "/root"))
        #expect(recorded.body.bytes == live.body.bytes)
        #expect(recorded.learned.map(\.placeholder) == ["<claude-project>", "<cwd>", "<home>", "<agent>", "<agent#2>"])
        #expect(recorded.learned.map(\.value) == [
            "/home/dev/.claude/projects/-home-dev-src-proj", "/home/dev/src/proj", "/home/dev", "0123abcd4567ef89", "ffee00112233aabb",
        ])
        let text = Self.readable(live.body.bytes)
        #expect(text.contains("<cwd>/notes.txt") && text.contains("<home>/b"))
        // The system block is Claude Code's own text: out of the key, in the harness print, learned values as placeholders.
        #expect(!text.contains("Memory:") && live.harness == recorded.harness)
        #expect(live.harness.parts.map(\.path) == ["system[0].text", "messages[0]"])
        #expect(Self.readable(live.harness.parts[0].bytes).contains("<claude-project>/memory/"))
        let substitutions = MachineValues.substitutions(recorded: recorded.learned, live: live.learned, rewrites: [])
        #expect(substitutions.map(\.description).first == "claude-project: /home/dev/.claude/projects/-home-dev-src-proj → /root/.claude/projects/-ci-work-proj")
        #expect(substitutions.count == 3)  // the agent ids are the same in both
    }

    @Test("by default only what Ollama reads is matched; --strict matches everything; the left-out paths are named")
    func readFields() throws {
        let plain = try MatchRules()
        let strict = try MatchRules(strict: true)
        let base = Self.claudeBody(cwd: "/p", home: "/h")
        let extended = Self.claudeBody(
            cwd: "/p", home: "/h", extra: #","tool_choice":{"type":"auto"},"safeguards":[{"classifier_context":{"cwd":"/p"}}],"thinking":{"type":"enabled","budget_tokens":5}"#)
        let thinkingOnly = Self.claudeBody(cwd: "/p", home: "/h", extra: #","thinking":{"type":"enabled"}"#)
        #expect(plain.canonicalBody(extended).bytes == plain.canonicalBody(thinkingOnly).bytes)
        #expect(plain.canonicalBody(extended).bytes != plain.canonicalBody(base).bytes)  // thinking.type is read
        #expect(strict.canonicalBody(extended).bytes != strict.canonicalBody(thinkingOnly).bytes)
        #expect(plain.leftOut(extended) == ["tool_choice", "safeguards", "thinking.budget_tokens"])
        #expect(strict.leftOut(extended).isEmpty)
    }

    @Test("--rewrite: both sides match as one placeholder; --learn and --rewrite reject malformed rules")
    func staticRewrite() throws {
        let rules = try MatchRules(rewrite: ["/home/dev/proj=>/ci/proj"])
        let recorded = rules.canonicalBody(Array(#"{"model":"m","messages":[{"role":"user","content":"cat /home/dev/proj/a"}]}"#.utf8))
        let live = rules.canonicalBody(Array(#"{"model":"m","messages":[{"role":"user","content":"cat /ci/proj/a"}]}"#.utf8))
        #expect(recorded.bytes == live.bytes)
        #expect(Self.readable(live.bytes).contains("<rewrite>/a"))
        #expect(throws: MatchRules.RuleError.self) { try MatchRules(rewrite: ["/a"]) }
        #expect(throws: MatchRules.RuleError.self) { try MatchRules(rewrite: ["=>/b"]) }
        #expect(throws: MatchRules.RuleError.self) { try MatchRules(learn: ["cwd=no group"]) }
        #expect(throws: MatchRules.RuleError.self) { try MatchRules(learn: ["bad name=(x)"]) }
    }
}
