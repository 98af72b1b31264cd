import Foundation
import Testing

@testable import MessagesVCR

/// The web inspector's pages, read as HTML (the browser check is in `Tests/browser/run`).
@Suite("Web inspector")
struct InspectorTests {
    static let demo = repositoryRoot + "/cassettes"

    /// Runs a replay server over the demo cassettes (copied, so nothing touches the shipped files).
    static func withDemo<T: Sendable>(configure: (inout ServeOptions) -> Void = { _ in }, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(atPath: demo + "/demo.json", toPath: dir + "/demo.json")
        var options = try serveOptions(mode: .replay, directory: dir, cassette: "demo")
        options.timing = .instant
        configure(&options)
        return try await TestServer.runVCR(options) { port, _ in try await body(port) }
    }

    static func get(_ port: Int, _ path: String, headers: [(String, String)] = []) async throws -> ClientResult {
        try await TestClient.send(port: port, method: .GET, path: path, headers: headers)
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test("the index lists every demo interaction with a link to its page, filters without JavaScript, and has the journal")
    func index() async throws {
        let all = try await CassetteStore(path: Self.demo + "/demo.json", mode: .existing).all()
        let ids = all.map(\.id)
        #expect(ids.count == 4)
        let weather = all.filter { (RequestSummary(body: $0.request.body).firstUserText ?? "").contains("weather") }.count
        #expect(weather >= 1 && weather < 4)
        try await Self.withDemo { port in
            let page = try await Self.get(port, "/__vcr/ui/")
            #expect(page.status == 200)
            #expect(page.header("content-type") == "text/html; charset=utf-8")
            #expect(page.header("content-security-policy")?.contains("default-src 'none'") == true)
            #expect(page.text.hasPrefix("<!doctype html>\n<html lang=\"en\">"))
            for id in ids { #expect(page.text.contains("href=\"/__vcr/ui/interactions/\(id)?cassette=demo\""), "\(id)") }
            #expect(Self.count("<tr data-text=", in: page.text) == 4)
            #expect(page.text.contains("<label for=\"filter-text\">") && page.text.contains("<label for=\"filter-model\">"))
            #expect(page.text.contains("<table id=\"journal\""))
            #expect(!page.text.contains("http://") && !page.text.contains("https://"), "nothing from another origin")
            // The form filters on the server too: only the weather question is shown.
            let filtered = try await Self.get(port, "/__vcr/ui/?cassette=demo&q=weather")
            #expect(Self.count("<tr data-text=", in: filtered.text) == 4)
            #expect(Self.count(" hidden>", in: filtered.text) == 4 - weather)
            #expect(filtered.text.contains("<span id=\"shown-count\">\(weather)</span>"))
            let missing = try await Self.get(port, "/__vcr/ui/?cassette=nope")
            #expect(missing.status == 404)
            #expect(try await Self.get(port, "/__vcr/ui").header("location") == "/__vcr/ui/")
        }
    }

    @Test("an interaction's page: one SVG mark per event, TTFB and end marked, the event table, the message, raw bytes, curl")
    func interaction() async throws {
        let store = try CassetteStore(path: Self.demo + "/demo.json", mode: .existing)
        let streamed = try #require(try await store.all().first { !$0.response.frames.isEmpty })
        try await Self.withDemo { port in
            let page = try await Self.get(port, "/__vcr/ui/interactions/\(streamed.id)")
            #expect(page.status == 200)
            let svg = try #require(page.text.range(of: "<svg").flatMap { start in page.text.range(of: "</svg>").map { String(page.text[start.lowerBound..<$0.upperBound]) } })
            #expect(Self.count("<rect class=\"mark", in: svg) == streamed.response.frames.count)
            #expect(svg.contains("role=\"img\"") && svg.contains("<title id=\"timeline-title\">"))
            #expect(svg.contains("class=\"ttfb\"") && svg.contains("TTFB \(String(format: "%.1f", Double(streamed.response.ttfbNanos!) / 1e6)) ms"))
            #expect(svg.contains("class=\"end\"") && !svg.contains("class=\"cut\""))
            #expect(svg.contains("#0 thinking") && svg.contains("#1 text"))
            #expect(Self.count("<tr", in: page.text.components(separatedBy: "<table id=\"events\"")[1].components(separatedBy: "</table>")[0]) == streamed.response.frames.count + 1)
            #expect(page.text.contains("<pre id=\"curl\">curl -sN -X POST"))
            #expect(page.text.contains("Count from 1 to 10"))
            let raw = try await Self.get(port, "/__vcr/ui/interactions/\(streamed.id)/raw")
            #expect(raw.body == streamed.response.body)
            #expect(try await Self.get(port, "/__vcr/ui/interactions/nope").status == 404)
        }
    }

    @Test("a cut recording is drawn as cut, with its missing message_stop named")
    func cutTimeline() async throws {
        let dir = try temporaryDirectory()
        let store = try CassetteStore(path: dir + "/cut.sqlite", mode: .createIfMissing)
        var capture = ResponseCapture(status: 200, headers: HeaderList(pairs: [("Content-Type", "text/event-stream")]), ttfbNanos: 5_000_000)
        let frames = OllamaBytes.textStreamFrames(texts: ["Hello", " there"]).prefix(4)
        let offsets: [UInt64] = [10_000_000, 20_000_000, 520_000_000, 530_000_000]  // one 500 ms stall
        for (frame, offset) in zip(frames, offsets) { capture.append(Array(frame.utf8), offsetNanos: offset) }
        let request = RecordedRequest(method: "POST", path: "/v1/messages", query: nil, headers: HeaderList(), body: Array(TestClient.messagesBody(stream: true).utf8))
        let saved = try await store.save(Interaction(upstream: nil, request: request, response: capture.finish(outcome: .upstreamCut, durationNanos: 600_000_000)))
        var options = try serveOptions(mode: .replay, directory: dir, cassette: "cut")
        options.timing = .instant
        try await TestServer.runVCR(options) { port, _ in
            let page = try await Self.get(port, "/__vcr/ui/interactions/\(saved.id)")
            #expect(page.text.contains("class=\"cut\"") && page.text.contains("cut: upstream_cut, no message_stop"))
            #expect(Self.count("<rect class=\"gap\"", in: page.text) == 1)
            #expect(page.text.contains("<title>gap of 500.0 ms before event 2</title>"))
            #expect(page.text.contains("<tr class=\"gap\"><td class=\"num\">2</td>"))
        }
    }

    @Test("a miss made with curl appears in the journal with a link; its page marks the differing paths and suggests the rule")
    func miss() async throws {
        try await Self.withDemo { port in
            let body = #"{"model":"qwen3","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"Count from 1 to 11"}]}"#
            #expect(try await TestClient.send(port: port, body: body).status == 404)
            let index = try await Self.get(port, "/__vcr/ui/")
            #expect(index.text.contains("<a href=\"/__vcr/ui/misses/1\">miss 1: see the diff</a>"))
            let page = try await Self.get(port, "/__vcr/ui/misses/1")
            #expect(page.status == 200)
            #expect(page.text.contains("<a href=\"#received-messages_0__content\"><code>messages[0].content</code></a>"))
            #expect(page.text.contains("<span class=\"diff\" id=\"received-messages_0__content\">"))
            #expect(page.text.contains("<span class=\"diff\" id=\"nearest-messages_0__content\">"))
            #expect(page.text.contains("Count from 1 to 11") && page.text.contains("Count from 1 to 10"))
            let dated = #"{"model":"qwen3","max_tokens":1024,"messages":[{"role":"user","content":"Hello, how are you? Today is 2026-11-27."}]}"#
            #expect(try await TestClient.send(port: port, body: dated).status == 404)
            let suggestion = try await Self.get(port, "/__vcr/ui/misses/2")
            #expect(!suggestion.text.contains("--normalize"))  // the recording has no date: nothing obvious to suggest
            #expect(try await Self.get(port, "/__vcr/ui/misses/99").status == 404)
            // Compat notes reach the journal and the page.
            let withChoice = #"{"model":"qwen3","max_tokens":1024,"tool_choice":{"type":"any"},"messages":[{"role":"user","content":"hi"}]}"#
            #expect(try await TestClient.send(port: port, body: withChoice).header("x-vcr-compat") == "tool_choice")
            #expect(try await Self.get(port, "/__vcr/journal?limit=1").text.contains(#""compat":"tool_choice""#))
            #expect(try await Self.get(port, "/__vcr/ui/").text.contains("compat: tool_choice"))
        }
    }

    @Test("rule suggestions: a changed date, a moved folder")
    func suggestions() {
        let dated = JSONDiff.Change(path: "system", recorded: "Today's date is 2026-11-24.", received: "Today's date is 2026-11-27.")
        #expect(RuleSuggestion.suggest([dated]).map(\.rule) == [#"--normalize '\d{4}-\d{2}-\d{2}=><date>'"#])
        let moved = JSONDiff.Change(path: "messages[0].content", recorded: "Primary working directory: /home/dev/proj\nread /home/dev/proj/a.txt",
                                    received: "Primary working directory: /ci/work/proj\nread /ci/work/proj/a.txt")
        #expect(RuleSuggestion.suggest([moved]).map(\.rule) == ["--rewrite '/home/dev=>/ci/work'", "--preset claude-code"])
    }

    @Test("compare: two timelines on one scale, and where grammar and text differ")
    func compare() async throws {
        let store = try CassetteStore(path: Self.demo + "/demo.json", mode: .existing)
        let all = try await store.all()
        let streamed = try #require(all.first { !$0.response.frames.isEmpty })
        let plain = try #require(all.first { $0.response.frames.isEmpty && $0.response.status == 200 })
        try await Self.withDemo { port in
            let page = try await Self.get(port, "/__vcr/ui/compare?a=\(streamed.id)&b=\(plain.id)")
            #expect(page.status == 200)
            #expect(Self.count("<svg class=\"timeline\"", in: page.text) == 2)
            #expect(page.text.contains("Steps that differ"))
            #expect(page.text.contains(": A <code>"))
        }
    }

    @Test("--admin-token: the pages need it; ?token= once keeps it in a cookie that the pages and the journal accept")
    func adminToken() async throws {
        try await Self.withDemo(configure: { $0.adminToken = "s3cret" }) { port in
            let refused = try await Self.get(port, "/__vcr/ui/")
            #expect(refused.status == 401)
            #expect(refused.text.contains("needs its admin token") && !refused.text.contains("demo.sqlite"))
            #expect(try await Self.get(port, "/__vcr/ui/?token=wrong").status == 401)
            let accepted = try await Self.get(port, "/__vcr/ui/?cassette=demo&token=s3cret")
            #expect(accepted.status == 303)
            #expect(accepted.header("location") == "/__vcr/ui/?cassette=demo")
            #expect(accepted.header("set-cookie") == "vcr_admin_token=s3cret; Path=/__vcr/; HttpOnly; SameSite=Strict")
            let cookie = [("Cookie", "other=1; vcr_admin_token=s3cret")]
            #expect(try await Self.get(port, "/__vcr/ui/", headers: cookie).status == 200)
            #expect(try await Self.get(port, "/__vcr/journal", headers: cookie).status == 200)
            #expect(try await Self.get(port, "/__vcr/ui/", headers: [("x-vcr-admin-token", "s3cret")]).status == 200)
            #expect(try await Self.get(port, "/__vcr/ui/", headers: [("Cookie", "vcr_admin_token=nope")]).status == 401)
        }
    }

    @Test("a 2,000-event timeline renders (size and time printed, not asserted)")
    func largeTimeline() async throws {
        let dir = try temporaryDirectory()
        let store = try CassetteStore(path: dir + "/big.sqlite", mode: .createIfMissing)
        var capture = ResponseCapture(status: 200, headers: HeaderList(pairs: [("Content-Type", "text/event-stream")]), ttfbNanos: 5_000_000)
        let frames = OllamaBytes.textStreamFrames(texts: (0..<1995).map { "token \($0) " })
        for (index, frame) in frames.enumerated() { capture.append(Array(frame.utf8), offsetNanos: UInt64(index + 1) * 20_000_000) }
        let request = RecordedRequest(method: "POST", path: "/v1/messages", query: nil, headers: HeaderList(), body: Array(TestClient.messagesBody(stream: true).utf8))
        let saved = try await store.save(Interaction(upstream: nil, request: request, response: capture.finish(outcome: .complete, durationNanos: 40_100_000_000)))
        var options = try serveOptions(mode: .replay, directory: dir, cassette: "big")
        options.timing = .instant
        try await TestServer.runVCR(options) { port, _ in
            let started = ContinuousClock.now
            let page = try await Self.get(port, "/__vcr/ui/interactions/\(saved.id)")
            let elapsed = ContinuousClock.now - started
            #expect(page.status == 200)
            #expect(Self.count("<rect class=\"mark", in: page.text) == frames.count)
            print("inspector: a \(frames.count)-event interaction page is \(page.body.count) bytes, served in \(elapsed) (debug build)")
        }
    }
}
