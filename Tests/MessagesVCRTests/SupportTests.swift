import Foundation
@testable import MessagesVCR
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    @Test("matches the FIPS 180-4 test vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test("a million 'a's")
    func million() {
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite("SSE frame parser")
struct SSEFrameParserTests {
    private func parse(_ parts: [String]) -> [SSEFrame] {
        var parser = SSEFrameParser()
        var body: [UInt8] = []
        var frames: [SSEFrame] = []
        for (i, part) in parts.enumerated() {
            body.append(contentsOf: part.utf8)
            frames += parser.consume(body, offsetNanos: UInt64(i))
        }
        return frames
    }

    @Test("byte-by-byte feeding gives the same frames as one chunk")
    func byteByByte() {
        let text = "event: a\ndata: {\"x\":1}\n\nevent: b\ndata: two\n\n"
        let whole = parse([text])
        let bytewise = parse(text.map { String($0) })
        #expect(whole.map(\.event) == ["a", "b"])
        #expect(bytewise.map(\.event) == whole.map(\.event))
        #expect(bytewise.map(\.data) == whole.map(\.data))
        #expect(bytewise.map(\.byteRange) == whole.map(\.byteRange))
        #expect(whole.map(\.byteRange) == [0..<24, 24..<44])
        #expect(bytewise.map(\.offsetNanos) == [23, 43])
    }

    @Test("CRLF and CR line ends, including a CR at a chunk's end")
    func lineEnds() {
        let frames = parse(["event: a\r\ndata: 1\r", "\n\r", "\nevent: b\rdata: 2\r\r"])
        #expect(frames.map(\.event) == ["a", "b"])
        #expect(frames.map { String(decoding: $0.data, as: UTF8.self) } == ["1", "2"])
    }

    @Test("multi-line data, fields without a space, extra blank lines; a block of comments alone (llama.cpp's keep-alive) is no frame")
    func fieldForms() {
        let frames = parse(["\n\n: keepalive\n\n:\n\nevent:x\ndata:a\ndata: b\nid: 7\n\n"])
        #expect(frames.count == 1)
        #expect(frames[0].event == "x")
        #expect(String(decoding: frames[0].data, as: UTF8.self) == "a\nb")
        #expect(frames[0].byteRange.lowerBound == 18, "the frame starts after the comments")
    }

    @Test("an unfinished frame is not emitted")
    func unfinished() {
        #expect(parse(["event: a\ndata: 1\n"]).isEmpty)
    }
}

@Suite("JSON parser (Go encoding/json semantics)")
struct JSONParserTests {
    private func error(_ text: String) -> String? {
        do {
            _ = try JSONParser.parseFirstValue(Array(text.utf8))
            return nil
        } catch {
            return error.message
        }
    }

    @Test("Go's messages for malformed bodies", arguments: [
        ("", "EOF"),
        ("   ", "EOF"),
        ("{", "unexpected EOF"),
        (#"{"model": "x""#, "unexpected EOF"),
        ("{invalid}", "invalid character 'i' looking for beginning of object key string"),
        (#"{"a" 1}"#, "invalid character '1' after object key"),
        (#"{"a":1 "b":2}"#, "invalid character '\"' after object key:value pair"),
        ("[1 2]", "invalid character '2' after array element"),
        ("nul", "unexpected EOF"),
        ("nulx", "invalid character 'x' in literal null (expecting 'l')"),
        ("-a", "invalid character 'a' in numeric literal"),
        ("1.e", "invalid character 'e' after decimal point in numeric literal"),
        ("1e+x", "invalid character 'x' in exponent of numeric literal"),
        ("\"a\tb\"", "invalid character '\\t' in string literal"),
        (#""\x""#, "invalid character 'x' in string escape code"),
        (#""\u12G4""#, "invalid character 'G' in \\u hexadecimal character escape"),
        ("@", "invalid character '@' looking for beginning of value"),
        ("'a'", "invalid character '\\'' looking for beginning of value"),
    ])
    func goMessages(input: String, message: String) {
        #expect(error(input) == message)
    }

    @Test("trailing data after the first value is ignored, as Go's Decoder does")
    func firstValue() throws {
        let (value, end) = try JSONParser.parseFirstValue(Array(#"{"a":1} trailing"#.utf8))
        #expect(value == .object(["a": .number("1")]))
        #expect(end == 7)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(#"{"a":1} x"#.utf8)) }
    }

    @Test("duplicate keys: last wins, at the first key's position")
    func duplicates() throws {
        let value = try JSONParser.parse(Array(#"{"a":1,"b":2,"a":3}"#.utf8))
        #expect(value == .object(["a": .number("3"), "b": .number("2")]))
        // Past the members looked through one by one (their keys are indexed from then on).
        let keys = (0..<20).map { "k\($0)" }
        let text = "{" + (keys.map { "\"\($0)\":0" } + [#""k3":1"#, #""k15":2"#, #""k19":3"#, #""k3":4"#]).joined(separator: ",") + "}"
        let many = try JSONParser.parse(Array(text.utf8))
        let expected = keys.map { JSONMember($0, .number(["k3": "4", "k15": "2", "k19": "3"][$0] ?? "0")) }
        #expect(many == .object(expected))
    }

    @Test("100,000 levels of nesting give Go's max-depth error, not a crash")
    func deepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(error(deep) == "invalid character '[' exceeded max depth")
        let allowed = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(error(allowed) == nil)
    }

    @Test("numbers keep their literal text; escapes and surrogates decode")
    func scalars() throws {
        let value = try JSONParser.parse(Array(#"{"n":1e999999,"s":"\u003c\ud83d\ude00\ud800x","t":true}"#.utf8))
        #expect(value["n"] == .number("1e999999"))
        #expect(value["s"] == .string("<😀\u{FFFD}x"))
        #expect(value["t"] == .bool(true))
    }

    @Test("Go-style output escapes <, >, &, U+2028 and control characters")
    func goWriter() {
        let text = GoJSONWriter.string(.object(["t": .string("<a> & \u{2028}\n\u{1}\"\\é")]))
        #expect(text == #"{"t":"\u003ca\u003e \u0026 \u2028\n\u0001\"\\é"}"#)
    }
}

@Suite("Cassette names and upstream URLs")
struct LocatorTests {
    @Test("valid and invalid cassette names")
    func names() {
        for good in ["demo", "my-test", "a.b_c-1", String(repeating: "x", count: 100), ".hidden"] {
            #expect(CassetteLocator.isValidName(good), "\(good)")
        }
        for bad in ["", "..", "a..b", "a/b", "a b", "/abs", String(repeating: "x", count: 101), "ü", "a\0b"] {
            #expect(!CassetteLocator.isValidName(bad), "\(bad)")
        }
    }

    @Test("--cassette: a name maps into the folder (.sqlite, else an existing .json export), a .sqlite or .json value is a path")
    func resolve() throws {
        let dir = try temporaryDirectory()
        let locator = CassetteLocator(directory: dir)
        #expect(try locator.resolve(option: "demo") == ("demo", dir + "/demo.sqlite"))
        try "{}".write(toFile: dir + "/demo.json", atomically: true, encoding: .utf8)
        #expect(try locator.resolve(option: "demo") == ("demo", dir + "/demo.json"))
        #expect(try locator.resolve(option: "demo", forWriting: true) == ("demo", dir + "/demo.sqlite"))
        try "".write(toFile: dir + "/demo.sqlite", atomically: true, encoding: .utf8)
        #expect(try locator.resolve(option: "demo") == ("demo", dir + "/demo.sqlite"))
        #expect(try locator.resolve(option: "/tmp/x/run.sqlite") == ("run", "/tmp/x/run.sqlite"))
        #expect(try locator.resolve(option: "fixtures/run.json") == ("run", "fixtures/run.json"))
        #expect(throws: VCRError.invalidCassetteName("../up")) { try locator.resolve(option: "../up") }
    }

    @Test("--upstream and OLLAMA_HOST forms")
    func upstream() throws {
        #expect(try UpstreamTarget(url: "http://127.0.0.1:11434").description == "http://127.0.0.1:11434")
        #expect(try UpstreamTarget(url: "http://localhost:8080/").description == "http://localhost:8080")
        #expect(try UpstreamTarget(url: "https://gpu.example").port == 443)
        #expect(try UpstreamTarget(url: "http://[::1]:11434").authority == "[::1]:11434")
        #expect(try UpstreamTarget(ollamaHost: "0.0.0.0").description == "http://127.0.0.1:11434")
        #expect(try UpstreamTarget(ollamaHost: "gpu-box:9000").description == "http://gpu-box:9000")
        #expect(try UpstreamTarget.resolve(option: nil, environment: [:]).description == "http://127.0.0.1:11434")
        #expect(try UpstreamTarget.resolve(option: nil, environment: ["OLLAMA_HOST": "10.0.0.5"]).description == "http://10.0.0.5:11434")
        for bad in ["not a url", "ftp://x", "http://", "127.0.0.1:11434", "http://h/x?q=1"] {
            #expect(throws: UpstreamTarget.ParseError.self, "\(bad)") { try UpstreamTarget(url: bad) }
        }
    }

    @Test("the startup line scripts read")
    func startupLine() throws {
        let line = StartupLine.format(host: "127.0.0.1", port: 4321, mode: .record, cassettePath: "cassettes/demo.sqlite",
                                      upstream: try UpstreamTarget(url: "http://127.0.0.1:11434"))
        #expect(line == "messages-vcr listening on http://127.0.0.1:4321 (mode record, cassette cassettes/demo.sqlite, upstream http://127.0.0.1:11434)")
    }
}

@Suite("Random ids")
struct RandomIDTests {
    @Test("a seed gives the ids it always gave (synthesised fixtures regenerate byte for byte); unseeded ids have the right shape")
    func seededIDsAreStable() {
        var generator = SeededGenerator(seed: 42)
        #expect(RandomID.hex(prefix: "msg", using: &generator) == "msg_95035294f2065da4d5aebfbe")
        #expect(generator.messageID().hasPrefix("msg_"))
        let id = RandomID.interactionID()
        #expect(id.count == 12 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        let request = RandomID.requestID()
        #expect(request.hasPrefix("req_") && request.count == 28)
        #expect(Set((0..<100).map { _ in RandomID.interactionID() }).count == 100)
    }
}

@Suite("Go string escaping")
struct GoStringEscapingTests {
    /// Go's encoding/json string escaping, byte by byte (the writer copies runs at once).
    static func reference(_ text: String) -> [UInt8] {
        let hex = Array("0123456789abcdef".utf8)
        let utf8 = Array(text.utf8)
        var out: [UInt8] = [0x22]
        var i = 0
        while i < utf8.count {
            let byte = utf8[i]
            switch byte {
            case 0x22: out += [0x5c, 0x22]
            case 0x5c: out += [0x5c, 0x5c]
            case 0x08: out += Array("\\b".utf8)
            case 0x0c: out += Array("\\f".utf8)
            case 0x0a: out += Array("\\n".utf8)
            case 0x0d: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x00..<0x20, 0x3c, 0x3e, 0x26: out += [0x5c, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xf)]]
            case 0xE2 where i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                out += Array("\\u202".utf8) + [utf8[i + 2] == 0xA8 ? 0x38 : 0x39]
                i += 2
            default: out.append(byte)
            }
            i += 1
        }
        return out + [0x22]
    }

    @Test("every kind of character escapes as Go escapes it, wherever it stands in the string")
    func matchesReference() {
        let pieces = ["a", "plain text ", "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0c}", "\u{01}", "\u{1f}", "<", ">", "&", "é", "€", "\u{2028}", "\u{2029}", "\u{2027}", "😀", "/", " "]
        var random = SeededGenerator(seed: 7)
        for _ in 0..<2_000 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            var out: [UInt8] = []
            GoJSONWriter.appendString(text, to: &out)
            #expect(out == Self.reference(text), "\(text.debugDescription)")
        }
        var out: [UInt8] = []
        GoJSONWriter.appendString("<a href=\"x\">\u{2028}</a>\n", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""\u003ca href=\"x\"\u003e\u2028\u003c/a\u003e\n""#)
    }
}
