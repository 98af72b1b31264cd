import Foundation
@testable import MessagesVCR
import NIOConcurrencyHelpers
import Testing

extension LoadSensitiveTests {
    /// A seeded stream of malformed and mutated requests; the server must answer each with a clear
    /// 2xx/3xx/4xx (never a 5xx, never a crash or a hang) and still replay a good request afterwards.
    @Suite("Fuzz")
    struct FuzzTests {
        struct Mutant: Sendable {
            var method: String
            var path: String
            var headers: [(String, String)]
            var body: [UInt8]
        }

        static let seeds: [String] = [
            TestClient.messagesBody(),
            TestClient.messagesBody(text: "Weather in Paris?", stream: true, extra: #","tools":[{"name":"get_weather","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto"}"#),
            #"{"model":"qwen3-coder","max_tokens":32000,"stream":true,"metadata":{"user_id":"u"},"system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]},{"role":"assistant","content":[{"type":"tool_use","id":"call_k3j9x2ab","name":"Bash","input":{"command":"ls"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_k3j9x2ab","content":"a\nb"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}"#,
        ]

        static func mutants(count: Int, seed: UInt64) -> [Mutant] {
            var random = SeededGenerator(seed: seed)
            let paths = ["/v1/messages", "/v1/messages?beta=true", "/v1/messages/", "/v1/messages/count_tokens", "/c/fuzz/v1/messages", "/c/../x", "/", "/__vcr/nothing", "/v1/%ff", "/c/a%00b/v1/messages"]
            let methods = ["POST", "POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "OPTIONS"]
            let junk: [[UInt8]] = [[0xff], [0xc3], [0x00], Array("\\u0000".utf8), Array("\\ud800".utf8), Array("1e999999".utf8), Array("-0.0e-0".utf8),
                                  Array(#"{"model":"x","model":"y"}"#.utf8), Array("[[[[[[".utf8), Array("\"".utf8), Array("}".utf8), [0xe2, 0x80, 0xa8]]
            return (0..<count).map { n in
                var body = Array(seeds[Int(random.next() % UInt64(seeds.count))].utf8)
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let at = body.isEmpty ? 0 : Int(random.next() % UInt64(body.count))
                    switch random.next() % 7 {
                    case 0: body = Array(body.prefix(at))
                    case 1: if !body.isEmpty { body[at] = UInt8(truncatingIfNeeded: random.next()) }
                    case 2: body.insert(contentsOf: junk[Int(random.next() % UInt64(junk.count))], at: at)
                    case 3: if at < body.count { body.removeSubrange(at..<min(body.count, at + Int(random.next() % 40))) }
                    case 4: body.insert(contentsOf: Array(#","max_tokens":"many","stream":1,"messages":{}"#.utf8), at: at)
                    case 5: body = Array(repeating: UInt8(ascii: "["), count: 100_000)
                    default: body.insert(contentsOf: Array(#""\#(String(repeating: "é", count: 5000))""#.utf8), at: at)
                    }
                }
                if n % 2500 == 7 { body = Array(#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: 10 << 20) + Array(#""}]}"#.utf8) }
                var headers: [(String, String)] = []
                switch random.next() % 6 {
                case 0: headers.append(("x-vcr-timing", ["fixed:-1", "speed:0", "warp", "instant"][Int(random.next() % 4)]))
                case 1: headers.append(("x-vcr-fault", ["explode", "stall=1@", "cut-after-events=0", "status=200"][Int(random.next() % 4)]))
                case 2: headers.append(("x-vcr-session", String(repeating: "s", count: Int(random.next() % 300))))
                default: break
                }
                return Mutant(method: methods[Int(random.next() % UInt64(methods.count))], path: paths[Int(random.next() % UInt64(paths.count))], headers: headers, body: body)
            }
        }

        /// Sends every mutant over 16 lanes and counts the statuses; any 5xx but those `allowed` is an issue.
        static func drive(port: Int, _ mutants: [Mutant], allowed: Set<Int> = []) async throws -> [Int: Int] {
            let statuses = NIOLockedValueBox<[Int: Int]>([:])
            try await withThrowingTaskGroup(of: Void.self) { group in
                let lanes = 16
                for lane in 0..<lanes {
                    group.addTask {
                        for mutant in mutants[lane...].enumerated().filter({ $0.offset % lanes == 0 }).map(\.element) {
                            let result = try await TestClient.send(
                                port: port, method: .init(rawValue: mutant.method), path: mutant.path, headers: mutant.headers,
                                bytes: mutant.body)
                            statuses.withLockedValue { $0[result.status, default: 0] += 1 }
                            if result.status >= 500, !allowed.contains(result.status) {
                                Issue.record("\(result.status) for \(mutant.method) \(mutant.path): \(result.text.prefix(300))")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let seen = statuses.withLockedValue { $0 }
            #expect(seen.values.reduce(0, +) == mutants.count, "\(seen)")
            return seen
        }

        /// The fake upstream answers as Ollama does: its emulated routing and validation errors, else a message.
        static let ollamaLike: FakeOllama.Script = { request in
            let headers = HeaderList(request.headers.map { HeaderList.Field(name: $0.0, value: $0.1) })
            if let emulated = OllamaEmulator.answer(method: request.method, path: request.path, query: request.query, headers: headers, body: request.body) {
                return FakeReply(status: emulated.status, headers: emulated.headers.fields.map { ($0.name, $0.value) }, parts: [.bytes(emulated.body)], fixedLength: true)
            }
            return await FakeOllama.standard(request)
        }

        @Test("10,000 seeded malformed and mutated requests: only clear 2xx/3xx/4xx answers; a good request still replays byte for byte")
        func fuzz() async throws {
            let dir = try temporaryDirectory()
            let recorded = NIOLockedValueBox<[UInt8]>([])
            try await recordSession(directory: dir, fake: FakeOllama()) { port in
                let result = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true))
                recorded.withLockedValue { $0 = result.body }
            }
            let mutants = Self.mutants(count: 10_000, seed: 20261125)
            let started = Date()
            try await replaySession(directory: dir, configure: { $0.timing = .instant }) { port, server in
                let seen = try await Self.drive(port: port, mutants)
                print("fuzz replay: statuses \(seen.sorted { $0.key < $1.key }) in \(Int(Date().timeIntervalSince(started))) s")
                let good = try await TestClient.send(port: port, body: TestClient.messagesBody(stream: true))
                #expect(good.status == 200)
                #expect(good.body == recorded.withLockedValue { $0 })
                let admin = mutants.filter { $0.path.hasPrefix("/__vcr") }.count
                #expect(server.stats.snapshot.requests >= 10_000 - admin)
            }
            #expect(Date().timeIntervalSince(started) < 90, "the fuzz run should take well under a minute alone")
        }

        @Test("2,000 mutants through each forwarding mode in front of an Ollama-like upstream: no 5xx, no crash; the server still serves", arguments: [VCRMode.record, .auto, .passthrough])
        func fuzzForwarding(mode: VCRMode) async throws {
            let dir = try temporaryDirectory()
            let mutants = Self.mutants(count: 2_000, seed: 20261127 &+ UInt64(mode.rawValue.utf8.count))
            let started = Date()
            try await FakeOllama(script: Self.ollamaLike).run { upstreamPort in
                var options = try serveOptions(mode: mode, directory: dir, upstreamPort: upstreamPort)
                options.timing = .instant
                try await TestServer.runVCR(options) { port, server in
                    let seen = try await Self.drive(port: port, mutants)
                    print("fuzz \(mode): statuses \(seen.sorted { $0.key < $1.key }) in \(Int(Date().timeIntervalSince(started))) s")
                    let good = try await TestClient.send(port: port, body: TestClient.messagesBody(text: "after the fuzz", stream: true))
                    #expect(good.status == 200 && good.text == OllamaBytes.textStreamFrames(texts: ["Hel", "lo!"]).joined())
                    #expect(server.stats.snapshot.storeErrors == 0)
                }
            }
        }

        @Test("500 mutants (big heads and bodies among them) through each forwarding mode in front of an upstream that answers early: relayed or 502, never a crash", arguments: [VCRMode.record, .auto, .passthrough])
        func fuzzEarlyAnswers(mode: VCRMode) async throws {
            let dir = try temporaryDirectory()
            var mutants = Self.mutants(count: 500, seed: 7 &+ UInt64(mode.rawValue.utf8.count))
            for index in mutants.indices where index % 5 == 0 {
                mutants[index].headers.append(("x-padding", String(repeating: "p", count: 60_000 + index)))
            }
            for index in mutants.indices where index % 7 == 0 {
                mutants[index].body += Array(repeating: UInt8(ascii: " "), count: 1 << 20)
            }
            let upstream = EarlyAnswerTests.earlyAnswer(status: 400, reason: "Bad Request")
            let sent = mutants
            let started = Date()
            try await upstream.run { upstreamPort in
                try await TestServer.runVCR(try serveOptions(mode: mode, directory: dir, upstreamPort: upstreamPort)) { port, _ in
                    let seen = try await Self.drive(port: port, sent, allowed: [502])
                    print("fuzz early answers \(mode): statuses \(seen.sorted { $0.key < $1.key }) in \(Int(Date().timeIntervalSince(started))) s")
                    #expect(try await TestClient.send(port: port, method: .GET, path: "/__vcr/health").status == 200)
                }
            }
        }
    }
}
