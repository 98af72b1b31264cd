/// Checks a recorded stream against the Messages event grammar, and lints it against what one
/// server sends (``StreamLint``): the checks behind `messages-vcr check`.
///
/// Grammar: `message_start` first; `content_block_start`/`delta`/`stop` paired, indices 0, 1, 2 …
/// in order; each delta's type fits its block; `input_json_delta` pieces concatenate to valid JSON;
/// `message_delta` (with no block open) before `message_stop`; nothing after `message_stop`; a
/// complete stream ends with `message_stop`.
enum StreamGrammar {
    /// One finding.
    struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The event's index in the stream (nil: the stream as a whole).
        var eventIndex: Int?
        /// What is wrong.
        public var message: String

        /// `event N: message`.
        public var description: String { eventIndex.map { "event \($0): \(message)" } ?? message }
    }

    private static let deltaTypes: [String: Set<String>] = [
        "text": ["text_delta", "citations_delta"],
        "thinking": ["thinking_delta", "signature_delta"],
        "tool_use": ["input_json_delta"],
        "server_tool_use": ["input_json_delta"],
    ]

    /// The problems of a complete stream of `frames`, linted against `flavor`'s server.
    public static func check(_ frames: [SSEFrame], flavor: Flavor = .ollama) -> [Problem] {
        var problems: [Problem] = []
        var started = false, stopped = false, sawMessageDelta = false
        var nextIndex = 0
        // Open blocks, oldest first: one at a time, unless the flavour's server overlaps them (llama.cpp closes all at the end).
        var blocks: [(index: Int, type: String, json: String)] = []
        var open: (index: Int, type: String, json: String)? { blocks.last }
        func problem(_ index: Int?, _ message: String) { problems.append(Problem(eventIndex: index, message: message)) }

        for (i, frame) in frames.enumerated() {
            // A comment-only block that an earlier version stored as a frame: no event.
            if frame.event == nil, frame.data.isEmpty { continue }
            let name = frame.event ?? "message"
            guard let data = try? JSONParser.parse(frame.data) else {
                problem(i, "\(name): data is not JSON")
                continue
            }
            if let type = data["type"]?.stringValue, type != name { problem(i, "event \(name) carries data of type \(type)") }
            if stopped { problem(i, "\(name) after message_stop") }
            if !started, name != "message_start" { problem(i, "\(name) before message_start") }
            switch name {
            case "message_start":
                if started { problem(i, "a second message_start") }
                started = true
            case "content_block_start":
                let index = data["index"]?.intValue
                let type = data["content_block"]?["type"]?.stringValue ?? "?"
                if let open, !flavor.stream.blocksOverlap { problem(i, "content_block_start \(index.map(String.init) ?? "?") while block \(open.index) is open") }
                if index != nextIndex { problem(i, "content_block_start index \(index.map(String.init) ?? "missing"), expected \(nextIndex)") }
                if !flavor.stream.blocksOverlap { blocks.removeAll() }
                blocks.append((index ?? nextIndex, type, ""))
                nextIndex = (index ?? nextIndex) + 1
            case "content_block_delta":
                let index = data["index"]?.intValue
                let deltaType = data["delta"]?["type"]?.stringValue ?? "?"
                guard let at = blocks.lastIndex(where: { $0.index == index }), flavor.stream.blocksOverlap || at == blocks.count - 1 else {
                    problem(i, "content_block_delta for index \(index.map(String.init) ?? "?") with \(open.map { "block \($0.index)" } ?? "no block") open")
                    continue
                }
                let block = blocks[at]
                if let allowed = deltaTypes[block.type], !allowed.contains(deltaType) {
                    problem(i, "\(deltaType) in a \(block.type) block")
                }
                if deltaType == "input_json_delta" { blocks[at].json += data["delta"]?["partial_json"]?.stringValue ?? "" }
            case "content_block_stop":
                let index = data["index"]?.intValue
                guard let at = blocks.lastIndex(where: { $0.index == index }), flavor.stream.blocksOverlap || at == blocks.count - 1 else {
                    problem(i, "content_block_stop for index \(index.map(String.init) ?? "?") with \(open.map { "block \($0.index)" } ?? "no block") open")
                    continue
                }
                let block = blocks[at]
                if deltaTypes[block.type] == ["input_json_delta"], !block.json.isEmpty, (try? JSONParser.parse(Array(block.json.utf8))) == nil {
                    problem(i, "input_json_delta pieces of block \(block.index) do not form valid JSON: \(JSONDiff.quote(String(block.json.prefix(80))))")
                }
                blocks.remove(at: at)
            case "message_delta":
                if let open { problem(i, "message_delta while block \(open.index) is open") }
                sawMessageDelta = true
            case "message_stop":
                if !sawMessageDelta { problem(i, "message_stop without a message_delta before it") }
                if let open { problem(i, "message_stop while block \(open.index) is open") }
                stopped = true
            case "ping", "error":
                break
            default:
                problem(i, "unknown event \(name)")
            }
        }
        if !stopped, !frames.contains(where: { $0.event == "error" }) { problem(nil, "the stream ends without message_stop") }
        return problems + StreamLint(flavor: flavor).lint(frames)
    }

    /// Lints a non-streamed message body against `flavor`'s server.
    static func checkMessage(_ body: [UInt8], flavor: Flavor = .ollama) -> [Problem] {
        guard let message = try? JSONParser.parse(body), message["type"]?.stringValue == "message" else { return [] }
        return StreamLint(flavor: flavor).lint(message: message)
    }
}
