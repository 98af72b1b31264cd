import Foundation
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

/// The repository root (for the shipped cassettes and golden files).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

@Suite("Cassette tooling")
struct CassetteToolingTests {
    static func frames(_ events: [(String, String)]) -> [SSEFrame] {
        var parser = SSEFrameParser()
        return parser.consume(Array(events.map { "event: \($0.0)\ndata: \($0.1)\n\n" }.joined().utf8), offsetNanos: 0)
    }

    static let start = ("message_start", #"{"type":"message_start","message":{"id":"msg_5d1c3e0a9b7f4c2e8a6d0f13","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":5,"output_tokens":0}}}"#)
    static func blockStart(_ index: Int, _ type: String) -> (String, String) {
        ("content_block_start", #"{"type":"content_block_start","index":\#(index),"content_block":{"type":"\#(type)","\#(type == "thinking" ? "thinking" : "text")":""}}"#)
    }
    static func delta(_ index: Int, _ type: String, _ key: String, _ value: String) -> (String, String) {
        ("content_block_delta", #"{"type":"content_block_delta","index":\#(index),"delta":{"type":"\#(type)","\#(key)":"\#(value)"}}"#)
    }
    static func blockStop(_ index: Int) -> (String, String) { ("content_block_stop", #"{"type":"content_block_stop","index":\#(index)}"#) }
    static let messageDelta = ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":14,"output_tokens":3}}"#)
    static let stop = ("message_stop", #"{"type":"message_stop"}"#)
    static let tool = ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"call_k3j9x2ab","name":"f","input":{}}}"#)

    @Test("a well-formed Ollama stream passes the grammar", arguments: [
        [start, blockStart(0, "text"), delta(0, "text_delta", "text", "Hi"), blockStop(0), messageDelta, stop],
        [start, blockStart(0, "thinking"), delta(0, "thinking_delta", "thinking", "hm"), blockStop(0), blockStart(1, "text"), blockStop(1), messageDelta, stop],
        [start, tool, delta(0, "input_json_delta", "partial_json", #"{\"a\":1}"#), blockStop(0), messageDelta, stop],
        [start, messageDelta, stop],
    ])
    func wellFormed(events: [(String, String)]) {
        #expect(StreamGrammar.check(Self.frames(events)) == [])
    }

    @Test("each grammar rule and lint is caught", arguments: [
        ([blockStart(0, "text"), blockStop(0), messageDelta, stop], "event 0: content_block_start before message_start"),
        ([start, blockStart(1, "text"), blockStop(1), messageDelta, stop], "event 1: content_block_start index 1, expected 0"),
        ([start, blockStart(0, "text"), blockStart(1, "text"), blockStop(1), messageDelta, stop], "event 2: content_block_start 1 while block 0 is open"),
        ([start, blockStart(0, "text"), delta(1, "text_delta", "text", "x"), blockStop(0), messageDelta, stop], "event 2: content_block_delta for index 1 with block 0 open"),
        ([start, blockStart(0, "text"), delta(0, "thinking_delta", "thinking", "x"), blockStop(0), messageDelta, stop], "event 2: thinking_delta in a text block"),
        ([start, tool, delta(0, "input_json_delta", "partial_json", #"{\"a\":"#), blockStop(0), messageDelta, stop], "event 3: input_json_delta pieces of block 0 do not form valid JSON"),
        ([start, blockStop(0), messageDelta, stop], "event 1: content_block_stop for index 0 with no block open"),
        ([start, blockStart(0, "text"), messageDelta, stop], "event 2: message_delta while block 0 is open"),
        ([start, stop], "event 1: message_stop without a message_delta before it"),
        ([start, messageDelta], "the stream ends without message_stop"),
        ([start, messageDelta, stop, messageDelta], "event 3: message_delta after message_stop"),
        ([start, ("ping", #"{"type":"ping"}"#), messageDelta, stop], "event 1: lint: ping event (Ollama never sends ping)"),
        ([start, ("error", #"{"type":"error","error":{"type":"overloaded_error","message":"x"}}"#)], "event 1: lint: error event (Ollama never sends error events)"),
        ([("message_start", #"{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","usage":{}}}"#), messageDelta, stop], "event 0: lint: message id msg_01XFDUDYJgAACzvnptvVoYEL is not Ollama's msg_ + 24 hex"),
        ([start, ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn"}}"#), stop], "event 1: lint: message_delta without usage"),
        ([start, ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"f","input":{}}}"#), blockStop(0), messageDelta, stop], "event 1: lint: tool id toolu_01A09q90qw90lq917835lq9 is the Anthropic API's format"),
    ])
    func violations(events: [(String, String)], expected: String) {
        let problems = StreamGrammar.check(Self.frames(events)).map(\.description)
        #expect(problems.contains { $0.hasPrefix(expected) }, "\(problems)")
    }

    @Test("the shipped cassettes pass check; a broken one fails with one line per problem, exit 1; incomplete ones are notes")
    func checkCommand() async throws {
        let shipped = try await CommandLineTests.run(["check", "--cassette-dir", repositoryRoot + "/cassettes"])
        #expect(shipped.status == 0, "\(shipped.stdout)\(shipped.stderr)")
        #expect(shipped.stdout.hasSuffix("4 interactions checked, 0 problems, 0 incomplete\n"), "\(shipped.stdout)")

        let dir = try temporaryDirectory()
        let store = try CassetteStore(path: dir + "/broken.sqlite", mode: .createIfMissing)
        let events = [Self.start, Self.blockStart(0, "text"), Self.delta(0, "thinking_delta", "thinking", "x"), Self.blockStop(0), Self.messageDelta]
        var capture = ResponseCapture(status: 200, headers: HeaderList(pairs: [("Content-Type", "text/event-stream")]), ttfbNanos: 1)
        capture.append(Array(events.map { "event: \($0.0)\ndata: \($0.1)\n\n" }.joined().utf8), offsetNanos: 1)
        let request = RecordedRequest(method: "POST", path: "/v1/messages", query: nil, headers: HeaderList(), body: Array("{}".utf8))
        let broken = try await store.save(Interaction(upstream: nil, request: request, response: capture.finish(outcome: .complete, durationNanos: 2)))
        let cut = try await store.save(Interaction(upstream: nil, request: request, response: capture.finish(outcome: .upstreamCut, durationNanos: 2, errorMessage: "connection reset by peer")))
        let result = try await CommandLineTests.run(["check", "--cassette-dir", dir, "--cassette", "broken"])
        #expect(result.status == 1)
        #expect(result.stdout == """
            note: \(cut.id): incomplete recording (upstream_cut) after 5 events: connection reset by peer
            \(broken.id) event 2: thinking_delta in a text block
            \(broken.id) the stream ends without message_stop
            1 interactions checked, 2 problems, 1 incomplete

            """)
    }

    @Test("export → import → export is byte-identical, with non-UTF-8 bytes and split frames, and the import replays byte for byte")
    func exportImportRoundTrip() async throws {
        let dir = try temporaryDirectory()
        let frames = OllamaBytes.textStreamFrames(texts: ["Hé", "llo <b>"]).joined()
        let bytes = Array(frames.utf8)
        let cutPoint = bytes.firstIndex(of: 0xc3)! + 1  // splits the é between two chunks
        let fake = FakeOllama { request in
            if String(decoding: request.body, as: UTF8.self).contains("binary") {
                return FakeReply(status: 200, headers: [("Content-Type", "application/octet-stream")], parts: [.bytes([0xff, 0xfe, 0x00, 0x41])], fixedLength: true)
            }
            return FakeReply(status: 200, headers: OllamaBytes.streamHeaders, parts: [
                .bytes(Array(bytes[..<cutPoint])), .bytes(Array(bytes[cutPoint..<(cutPoint + 30)]), delayMillis: 10), .bytes(Array(bytes[(cutPoint + 30)...]), delayMillis: 10),
            ])
        }
        let streamBody = TestClient.messagesBody(text: "split", stream: true)
        let binaryBody = TestClient.messagesBody(text: "binary")
        try await recordSession(directory: dir, fake: fake) { port in
            _ = try await TestClient.send(port: port, body: streamBody)
            _ = try await TestClient.send(port: port, headers: [("x-api-key", "sk-ant-secret")], body: binaryBody)
        }
        let first = try await CommandLineTests.run(["export", "--cassette-dir", dir, "--cassette", "test", "--out", dir + "/first.json"])
        #expect(first.status == 0, "\(first.stderr)")
        let exported = try String(contentsOfFile: dir + "/first.json", encoding: .utf8)
        #expect(exported.contains(#""base64": "//4AQQ==""#))
        #expect(!exported.contains("sk-ant-secret"))
        let imported = try await CommandLineTests.run(["import", "--cassette-dir", dir, "--cassette", "copy", dir + "/first.json"])
        #expect(imported.stdout == "imported 2 interactions into \(dir)/copy.sqlite\n", "\(imported.stderr)")
        #expect(try await CommandLineTests.run(["export", "--cassette-dir", dir, "--cassette", "copy", "--out", dir + "/second.json"]).status == 0)
        #expect(FileManager.default.contents(atPath: dir + "/first.json") == FileManager.default.contents(atPath: dir + "/second.json"))

        let original = try await CassetteStore(path: dir + "/test.sqlite", mode: .existing).all()
        let copy = try await CassetteStore(path: dir + "/copy.sqlite", mode: .existing).all()
        #expect(copy.map(\.response.frames) == original.map(\.response.frames))
        #expect(copy.map(\.response.chunks) == original.map(\.response.chunks))

        // Served straight from the JSON export, and from the imported copy: the recorded bytes, chunk for chunk.
        try FileManager.default.moveItem(atPath: dir + "/first.json", toPath: dir + "/fromjson.json")
        for cassette in ["fromjson", "copy"] {
            try await replaySession(directory: dir, cassette: cassette, configure: { $0.timing = .instant }) { port, _ in
                let stream = try await TestClient.send(port: port, body: streamBody)
                #expect(stream.body == bytes)
                let binary = try await TestClient.send(port: port, body: binaryBody)
                #expect(binary.body == [0xff, 0xfe, 0x00, 0x41])
            }
        }
        let again = try await CommandLineTests.run(["import", "--cassette-dir", dir, "--cassette", "copy", dir + "/fromjson.json"])
        #expect(again.status == 2)
        #expect(again.stderr == "messages-vcr: error: cassette \(dir)/copy.sqlite already exists (--replace rebuilds it)\n")
    }

    @Test("show prints the demo's timeline and final message as the golden file has it; --raw prints the recorded bytes")
    func showGolden() async throws {
        let list = try await CommandLineTests.run(["list", "--cassette-dir", repositoryRoot + "/cassettes", "--json"])
        #expect(list.status == 0)
        let ids = try #require(try JSONParser.parse(Array(list.stdout.utf8)).arrayValue).compactMap { $0["id"]?.stringValue }
        #expect(ids.count == 4)
        let golden = repositoryRoot + "/Tests/MessagesVCRTests/Golden/demo-show.txt"
        var output = ""
        for id in ids {
            let shown = try await CommandLineTests.run(["show", "--cassette-dir", repositoryRoot + "/cassettes", id])
            #expect(shown.status == 0, "\(shown.stderr)")
            output += shown.stdout + "\n"
        }
        if ProcessInfo.processInfo.environment["VCR_UPDATE_GOLDEN"] != nil { try output.write(toFile: golden, atomically: true, encoding: .utf8) }
        #expect(output == (try String(contentsOfFile: golden, encoding: .utf8)))
        let raw = try await CommandLineTests.run(["show", "--cassette-dir", repositoryRoot + "/cassettes", "--raw", ids[1]])
        #expect(raw.stdout.hasPrefix("event: message_start\ndata: {\"type\":\"message_start\""))
        #expect(raw.stdout.hasSuffix("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
    }

    @Test("unknown cassette, unknown id, corrupt and non-SQLite files: one line, exit 2, file untouched", arguments: [
        "not a database at all, just text",
        "SQLite format 3\u{0}" + String(repeating: "garbage", count: 200),
    ])
    func toolErrors(content: String) async throws {
        let dir = try temporaryDirectory()
        try content.write(toFile: dir + "/bad.sqlite", atomically: true, encoding: .utf8)
        let before = FileManager.default.contents(atPath: dir + "/bad.sqlite")
        for command in ["list", "check", "export"] {
            let result = try await CommandLineTests.run([command, "--cassette-dir", dir, "--cassette", "bad"])
            #expect(result.status == 2)
            #expect(result.stderr.hasPrefix("messages-vcr: error: cassette \(dir)/bad.sqlite cannot be used: "), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
        let deleted = try await CommandLineTests.run(["delete", "--cassette-dir", dir, "--cassette", "bad", "abc"])
        #expect(deleted.status == 2)
        #expect(FileManager.default.contents(atPath: dir + "/bad.sqlite") == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["bad.sqlite"])

        let missing = try await CommandLineTests.run(["list", "--cassette-dir", dir, "--cassette", "nothing"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "messages-vcr: error: cassette nothing not found (\(dir)/nothing.sqlite or .json does not exist)\n")
        let unknownID = try await CommandLineTests.run(["show", "--cassette-dir", repositoryRoot + "/cassettes", "000000000000"])
        #expect(unknownID.status == 2)
        #expect(unknownID.stderr == "messages-vcr: error: no interaction 000000000000 in cassette \(repositoryRoot)/cassettes/demo.json\n")
    }

    @Test("the coverage report lists used (with counts), unused and missed; prune deletes the unused; --fail-on-miss exits 1")
    func coverageReport() async throws {
        let dir = try temporaryDirectory()
        let counter = NIOLockedValueBox(0)
        let fake = FakeOllama { _ in OllamaBytes.messageReply(text: "answer \(counter.withLockedValue { $0 += 1; return $0 })") }
        try await recordSession(directory: dir, fake: fake) { port in
            for text in ["one", "two", "three"] { _ = try await TestClient.send(port: port, body: TestClient.messagesBody(text: text)) }
        }
        let ids = try await CassetteStore(path: dir + "/test.sqlite", mode: .existing).ids()
        try await replaySession(directory: dir, configure: { $0.reportPath = dir + "/report.json" }) { port, _ in
            for text in ["one", "one", "three", "four"] { _ = try await TestClient.send(port: port, body: TestClient.messagesBody(text: text)) }
            let live = try await TestClient.send(port: port, method: .GET, path: "/__vcr/report")
            #expect(live.text.contains(#""totals":{"used":2,"unused":1,"misses":1}"#), "\(live.text)")
        }
        let report = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/report.json"))))
        let cassette = try #require(report["cassettes"]?[0])
        #expect(cassette["used"] == .array([.object(["id": .string(ids[0]), "count": 2]), .object(["id": .string(ids[2]), "count": 1])]))
        #expect(cassette["unused"] == .array([.string(ids[1])]))
        let miss = try #require(cassette["misses"]?[0]?["detail"]?.stringValue)
        #expect(miss.contains(#"messages[0].content: recorded "#) && miss.contains(#"≠ received "four""#), "\(miss)")

        let pruned = try await CommandLineTests.run(["prune", "--cassette-dir", dir, "--cassette", "test", "--unused-since", dir + "/report.json"])
        #expect(pruned.stdout == "pruned 1 unused interactions from \(dir)/test.sqlite\n", "\(pruned.stderr)")
        #expect(try await CassetteStore(path: dir + "/test.sqlite", mode: .existing).ids() == [ids[0], ids[2]])

        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        process.arguments = ["serve", "--cassette-dir", dir, "--cassette", "test", "--port", "0", "--fail-on-miss"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let port = try #require(Int(line.split(separator: ":")[2].prefix { $0.isNumber }))
        #expect(try await TestClient.send(port: port, body: TestClient.messagesBody(text: "five")).status == 404)
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.hasSuffix("messages-vcr: error: 1 request(s) matched no recording (--fail-on-miss)\n"), "\(stderr)")
    }

    @Test("a JSON cassette is served read-only: record mode refuses it at start")
    func jsonCassetteIsReadOnly() async throws {
        let result = try await CommandLineTests.run(["serve", "--cassette-dir", repositoryRoot + "/cassettes", "--mode", "auto", "--port", "0"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cassette \(repositoryRoot)/cassettes/demo.json is a JSON export and read-only in --mode auto"), "\(result.stderr)")
    }
}
